"""``llm-stall``: a streamed answer that stops mid-reply and never ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, StallStream
from voicectl.faults.base import Fault, FaultFamily, Trigger, register
from voicectl.faults.llm_stream import no_message_trigger, request_trigger, whole_number

__all__ = ["LLMStall"]


@register
@dataclass(frozen=True)
class LLMStall(Fault):
    """Stop selected streamed answers after ``after_chunks`` chunks, connection left open
    (``llm-stall:3``); the fake holds it until the client gives up or the fake stops."""

    name: ClassVar[str] = "llm-stall"
    family: ClassVar[FaultFamily] = FaultFamily.STALL

    after_chunks: int = 3
    after: float | None = None

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> LLMStall:
        no_message_trigger(cls.name, after_messages, spec)
        return cls(after_chunks=whole_number(arg, spec, 3, "chunk count"), after=after)

    @property
    def trigger(self) -> Trigger:
        return request_trigger(self.after)

    @property
    def action(self) -> Action:
        return StallStream(self.after_chunks)

    def describe(self) -> str:
        when = f" from {self.after:g} s" if self.after else ""
        return f"stall the streamed answer after chunk {self.after_chunks}{when}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("timeout", "timed out", "stall", "read")
