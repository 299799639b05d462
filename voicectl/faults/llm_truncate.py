"""``llm-truncate``: a streamed answer that ends early, cleanly, with no finish_reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, TruncateStream
from voicectl.faults.base import Fault, FaultFamily, Trigger, register
from voicectl.faults.llm_stream import no_message_trigger, request_trigger, whole_number

__all__ = ["LLMTruncate"]


@register
@dataclass(frozen=True)
class LLMTruncate(Fault):
    """End selected streamed answers after ``after_chunks`` chunks: the HTTP response completes
    normally but carries no ``finish_reason`` and no ``[DONE]`` (``llm-truncate:3``)."""

    name: ClassVar[str] = "llm-truncate"
    family: ClassVar[FaultFamily] = FaultFamily.MALFORMED

    after_chunks: int = 3
    after: float | None = None

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> LLMTruncate:
        no_message_trigger(cls.name, after_messages, spec)
        return cls(after_chunks=whole_number(arg, spec, 3, "chunk count"), after=after)

    @property
    def trigger(self) -> Trigger:
        return request_trigger(self.after)

    @property
    def action(self) -> Action:
        return TruncateStream(self.after_chunks)

    def describe(self) -> str:
        when = f" from {self.after:g} s" if self.after else ""
        return f"truncate the streamed answer after chunk {self.after_chunks}{when}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("truncated", "incomplete", "finish_reason")
