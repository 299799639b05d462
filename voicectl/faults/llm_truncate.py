"""``llm-truncate``: a streamed answer that ends early, cleanly, with no finish_reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, TruncateStream
from voicectl.faults.base import FaultFamily, register
from voicectl.faults.llm_stream import StreamCut

__all__ = ["LLMTruncate"]


@register
@dataclass(frozen=True)
class LLMTruncate(StreamCut):
    """End selected streamed answers after ``after_chunks`` chunks: the HTTP response completes
    normally but carries no ``finish_reason`` and no ``[DONE]`` (``llm-truncate:3``)."""

    name: ClassVar[str] = "llm-truncate"
    family: ClassVar[FaultFamily] = FaultFamily.MALFORMED
    verb: ClassVar[str] = "truncate"
    attribution: ClassVar[tuple[str, ...]] = ("truncated", "incomplete", "finish_reason")

    @property
    def action(self) -> Action:
        return TruncateStream(self.after_chunks)
