"""``ws-drop``: the provider aborts the TCP connection without a close frame (1006 at the client)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, Drop, Outage
from voicectl.faults.base import FaultFamily, TimedConnectionFault, register
from voicectl.faults.spec_args import no_arg

__all__ = ["WsDrop"]


@register
@dataclass(frozen=True)
class WsDrop(TimedConnectionFault):
    """Abort the connection ``after`` seconds or ``after_messages`` client messages."""

    name: ClassVar[str] = "ws-drop"
    family: ClassVar[FaultFamily] = FaultFamily.CONNECTION_LOSS
    crash: ClassVar[str | None] = "drop"

    @property
    def action(self) -> Action:
        return Drop()

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> WsDrop:
        no_arg(cls.name, arg, spec)
        return cls(after=after, after_messages=after_messages)

    @classmethod
    def as_crash(cls) -> WsDrop:
        return cls()

    def outage(self) -> Outage:
        """Every live connection dropped; new handshakes refused with 503."""
        return Outage((self.action,), refuse_status=503)

    def basis(self) -> str:
        return "TCP drop, no close frame (1006)"

    def describe(self) -> str:
        return f"TCP drop (no close frame) {self.trigger.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("1006", "no close frame", "abnormal", "reset", "dropped", "aborted", "lost")
