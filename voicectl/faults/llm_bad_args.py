"""``llm-bad-args``: a tool call whose streamed arguments are not valid JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, CorruptToolArguments
from voicectl.faults.base import Fault, FaultFamily, Trigger, register
from voicectl.faults.llm_stream import no_message_trigger, request_trigger

__all__ = ["LLMBadArgs"]


@register
@dataclass(frozen=True)
class LLMBadArgs(Fault):
    """Stream selected answers' tool-call arguments as broken JSON (the closing brace is lost)."""

    name: ClassVar[str] = "llm-bad-args"
    family: ClassVar[FaultFamily] = FaultFamily.MALFORMED
    terminates_connection: ClassVar[bool] = False

    after: float | None = None

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> LLMBadArgs:
        no_message_trigger(cls.name, after_messages, spec)
        if arg is not None:
            raise InputError(f"fault spec {spec!r}: llm-bad-args takes no ':' argument")
        return cls(after=after)

    @property
    def trigger(self) -> Trigger:
        return request_trigger(self.after)

    @property
    def action(self) -> Action:
        return CorruptToolArguments()

    def describe(self) -> str:
        return "malformed tool-call arguments" + (f" from {self.after:g} s" if self.after else "")

    def attribution_terms(self) -> tuple[str, ...]:
        return ("arguments", "json", "parse")
