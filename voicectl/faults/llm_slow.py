"""``llm-slow``: a streamed answer whose first token comes late (headers at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, DelayFirstChunk
from voicectl.faults.base import Fault, FaultFamily, Trigger, register
from voicectl.faults.llm_stream import no_message_trigger, request_trigger, whole_number

__all__ = ["LLMSlow"]


@register
@dataclass(frozen=True)
class LLMSlow(Fault):
    """Delay the first chunk of selected streamed answers by ``ms`` (``llm-slow:5000``)."""

    name: ClassVar[str] = "llm-slow"
    family: ClassVar[FaultFamily] = FaultFamily.LATENCY
    terminates_connection: ClassVar[bool] = False

    ms: float = 5000.0
    after: float | None = None

    def __post_init__(self) -> None:
        if self.ms < 0:
            raise InputError("llm-slow delay must be >= 0 ms")

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> LLMSlow:
        no_message_trigger(cls.name, after_messages, spec)
        return cls(ms=float(whole_number(arg, spec, 5000, "delay (ms)")), after=after)

    @property
    def trigger(self) -> Trigger:
        return request_trigger(self.after)

    @property
    def action(self) -> Action:
        return DelayFirstChunk(self.ms)

    def describe(self) -> str:
        return f"first token {self.ms:g} ms late" + (
            f" from {self.after:g} s" if self.after else ""
        )

    def attribution_terms(self) -> tuple[str, ...]:
        return ("timeout", "timed out", "slow")
