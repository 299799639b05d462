"""STT failover, observed on the call clock: switches, errors, transcripts, incidents.

Plain data (no Pipecat, socket or web-server library): :func:`voicectl.failover.scenario.run_failover`
and :mod:`voicectl.sut.judge` fill it, the judges in :mod:`voicectl.checks.failover` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from voicectl.faults.base import Fault, FaultFamily
from voicectl.outcome.call import CallOutcome

__all__ = ["FailoverOutcome", "Incident", "SeenError", "ServiceEvent", "Switch", "Transcript"]


class ServiceEvent(StrEnum):
    """An incident that is no provider fault."""

    EXCEPTION = "exception"  # the STT service's own run_stt raises: the bot's code fails
    RECOVER = "recover"  # every provider is back (the outages end)


@dataclass(frozen=True)
class Incident:
    """At ``at_s`` (call seconds) ``cause`` happens to ``service`` (None: whichever is active).

    ``cause`` is a registered provider fault in its outage form (:meth:`Fault.outage`: a
    ``ws-close`` closes with its code and refuses new connections with HTTP 503 until the
    provider recovers), or a :class:`ServiceEvent`.
    """

    at_s: float
    cause: Fault | ServiceEvent
    service: str | None = None

    @property
    def is_recovery(self) -> bool:
        return self.cause is ServiceEvent.RECOVER

    @property
    def family(self) -> FaultFamily | None:
        """How the provider fault shows up to the bot (None: no provider fault)."""
        return self.cause.family if isinstance(self.cause, Fault) else None

    def describe(self) -> str:
        if self.is_recovery:
            return f"recover at {self.at_s:g} s"
        what = self.cause.incident_label() if isinstance(self.cause, Fault) else self.cause.value
        return f"{what} on {self.service or 'the active STT'} at {self.at_s:g} s"


@dataclass
class Switch:
    t: float
    to: str


@dataclass
class SeenError:
    t: float
    processor: str
    message: str
    category: str
    usable: bool
    at_pipeline: bool = False


@dataclass
class Transcript:
    t: float
    service: str
    text: str


@dataclass
class FailoverOutcome:
    """What happened, on the call clock."""

    incidents: tuple[Incident, ...] = ()  # the plan's (or, seen inside a bot, the fault's)
    strategy: str | None = None  # the plan's ServiceSwitcher strategy, module:Class
    call: CallOutcome | None = None
    switches: list[Switch] = field(default_factory=list)
    errors: list[SeenError] = field(default_factory=list)  # at origin (ErrorObserver)
    pipeline_errors: list[SeenError] = field(default_factory=list)  # reached on_pipeline_error
    usable: list[tuple[float, str, bool]] = field(default_factory=list)
    transcripts: list[Transcript] = field(default_factory=list)
    incidents_done: list[tuple[Incident, float, str]] = field(
        default_factory=list
    )  # incident, t, hit
    false_error_at: float | None = None
    heartbeat_timeouts: list[float] = field(default_factory=list)
    connections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # role -> processor name
