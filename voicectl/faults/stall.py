"""``stall``: the provider stops reading and answering but keeps the socket open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, Stall
from voicectl.faults.base import FaultFamily, TimedConnectionFault, register

__all__ = ["StallFault"]


@register
@dataclass(frozen=True)
class StallFault(TimedConnectionFault):
    """Go silent ``after`` seconds or ``after_messages`` client messages: no reads, no pongs,
    no transcripts. The client's sends back up once the TCP buffers fill."""

    name: ClassVar[str] = "stall"
    family: ClassVar[FaultFamily] = FaultFamily.STALL

    @property
    def action(self) -> Action:
        return Stall()

    def basis(self) -> str:
        return "provider stalled (open socket, no reads, no answers, no pongs)"

    def describe(self) -> str:
        return f"stall (stop reading and answering) {self.trigger.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("timeout", "timed out", "keepalive", "ping", "stall", "unresponsive", "no response")
