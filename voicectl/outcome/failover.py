"""STT failover, observed on the call clock: switches, errors, transcripts, incidents.

Plain data (no Pipecat, socket or web-server library): :func:`voicectl.failover.scenario.run_failover`
and :mod:`voicectl.sut.judge` fill it, the judges in :mod:`voicectl.checks.failover` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicectl.outcome.call import CallOutcome

__all__ = ["FailoverOutcome", "Incident", "SeenError", "Switch", "Transcript"]


@dataclass(frozen=True)
class Incident:
    """At ``at_s`` (call seconds) ``kind`` happens to ``service`` (None: whichever is active).

    ``kind`` is a crash mode (``close`` = the provider closes with ``code`` and refuses new
    connections with HTTP 503 until it recovers), or ``recover``.
    """

    at_s: float
    kind: str
    service: str | None = None
    code: int = 1011

    def describe(self) -> str:
        what = f"close {self.code}" if self.kind == "close" else self.kind
        who = self.service or "the active STT"
        return (
            f"{what} on {who} at {self.at_s:g} s"
            if self.kind != "recover"
            else f"recover at {self.at_s:g} s"
        )


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
