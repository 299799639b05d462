"""``llm-stall``: a streamed answer that stops mid-reply and never ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, StallStream
from voicectl.faults.base import FaultFamily, register
from voicectl.faults.llm_stream import StreamCut

__all__ = ["LLMStall"]


@register
@dataclass(frozen=True)
class LLMStall(StreamCut):
    """Stop selected streamed answers after ``after_chunks`` chunks, connection left open
    (``llm-stall:3``); the fake holds it until the client gives up or the fake stops."""

    name: ClassVar[str] = "llm-stall"
    family: ClassVar[FaultFamily] = FaultFamily.STALL
    verb: ClassVar[str] = "stall"
    attribution: ClassVar[tuple[str, ...]] = ("timeout", "timed out", "stall", "read")

    @property
    def action(self) -> Action:
        return StallStream(self.after_chunks)
