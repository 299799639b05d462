"""``flap``: connections close after a repeating cycle of lifetimes (``6,1,1``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, Close
from voicectl.faults.base import (
    Fault,
    FaultFamily,
    Trigger,
    TriggerKind,
    check_close_code,
    check_close_reason,
    close_code_name,
    register,
)
from voicectl.faults.spec_args import no_trigger

__all__ = ["Flap", "parse_lifetimes"]


def parse_lifetimes(text: str) -> tuple[float, ...]:
    """``6,1,1`` -> (6.0, 1.0, 1.0); each lifetime in seconds, > 0."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(f"--lifetimes must be comma-separated seconds, got {text!r}") from None
    if not values:
        raise InputError("--lifetimes needs at least one lifetime")
    if any(v <= 0 for v in values):
        raise InputError(f"--lifetimes must all be > 0 seconds, got {text!r}")
    return values


@register
@dataclass(frozen=True)
class Flap(Fault):
    """The Nth selected connection lives ``lifetimes[(N-1) % len]`` seconds, then is closed with
    ``code``. A long-lived connection in the cycle resets naive "quick failure" counters."""

    name: ClassVar[str] = "flap"
    family: ClassVar[FaultFamily] = FaultFamily.CONNECTION_LOSS

    lifetimes: tuple[float, ...] = (6.0, 1.0, 1.0)
    code: int = 1011
    reason: str = ""

    def __post_init__(self) -> None:
        check_close_code(self.code)
        try:
            check_close_reason(self.reason)
        except InputError as exc:
            raise InputError(f"--reason: {exc}") from None
        if not self.lifetimes or any(v <= 0 for v in self.lifetimes):
            raise InputError("--lifetimes must all be > 0 seconds")

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Flap:
        """``flap:LIFETIMES`` in seconds (default 6,1,1)."""
        no_trigger(cls.name, after, after_messages, spec)
        return cls(lifetimes=parse_lifetimes(arg) if arg else cls.lifetimes)

    @property
    def trigger(self) -> Trigger:
        return self.trigger_for(1)

    def trigger_for(self, ordinal: int) -> Trigger:
        return Trigger(
            TriggerKind.AFTER_SECONDS, self.lifetimes[(ordinal - 1) % len(self.lifetimes)]
        )

    @property
    def action(self) -> Action:
        return Close(self.code, self.reason)

    def basis(self) -> str:
        return f"close {self.code} ({close_code_name(self.code)})"

    def describe(self) -> str:
        cycle = ", ".join(f"{v:g}" for v in self.lifetimes)
        return f"close {self.code} after lifetimes cycling {cycle} s"

    def attribution_terms(self) -> tuple[str, ...]:
        terms = [str(self.code), close_code_name(self.code)]
        if self.reason:
            terms.append(self.reason)
        return tuple(t for t in terms if t not in ("unknown", "registered", "private use"))
