"""``stall``: the provider stops reading and answering but keeps the socket open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, Outage, Stall
from voicectl.faults.base import FaultFamily, TimedConnectionFault, register
from voicectl.faults.spec_args import no_arg

__all__ = ["StallFault"]


@register
@dataclass(frozen=True)
class StallFault(TimedConnectionFault):
    """Go silent ``after`` seconds or ``after_messages`` client messages: no reads, no pongs,
    no transcripts. The client's sends back up once the TCP buffers fill."""

    name: ClassVar[str] = "stall"
    family: ClassVar[FaultFamily] = FaultFamily.STALL
    crash: ClassVar[str | None] = "stall"

    @property
    def action(self) -> Action:
        return Stall()

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> StallFault:
        no_arg(cls.name, arg, spec)
        return cls(after=after, after_messages=after_messages)

    @classmethod
    def as_crash(cls) -> StallFault:
        return cls()

    def outage(self) -> Outage:
        """Every live connection stalled; new handshakes accepted, then left silent too."""
        return Outage((self.action,), refuse_status=None)

    def basis(self) -> str:
        return "provider stalled (open socket, no reads, no answers, no pongs)"

    def describe(self) -> str:
        return f"stall (stop reading and answering) {self.trigger.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("timeout", "timed out", "keepalive", "ping", "stall", "unresponsive", "no response")
