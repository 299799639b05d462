"""What the chaos journal says as of a moment: connections, incidents, give-up and recovery.

The provider verdicts (:mod:`voicectl.checks.reconnect`, :mod:`voicectl.checks.provider_errors`)
read a :class:`ReconnectFacts` and return a :class:`Judgement`; the vocabulary (incident,
retries, gave up, deciding event) is defined in :mod:`voicectl.checks.reconnect`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicectl.outcome.connections import DOOMED
from voicectl.outcome.journal import ChaosJournal
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "DELIVERY_GRACE_S",
    "JITTER_TOLERANCE_S",
    "MIN_RETRY_DELAY_S",
    "QUIET_AFTER_GIVE_UP_S",
    "SHOWN",
    "STABLE_RECOVERY_S",
    "Incident",
    "Judgement",
    "ReconnectFacts",
    "listed_times",
    "make_judgement",
    "plural",
    "skip_judgement",
]

#: After a target gives up, how long no new connection must arrive before a pass is settled.
QUIET_AFTER_GIVE_UP_S = 0.5


#: How long a recovering connection must stay up before the recovery is settled.
STABLE_RECOVERY_S = 2.0


#: A retry sooner than this after the previous connection ended counts as "without delay".
MIN_RETRY_DELAY_S = 0.25


#: Delays within this of each other (or of exact doubling) count as "without jitter".
JITTER_TOLERANCE_S = 0.02


#: Latency: an answer is due this long after the fake sent it.
DELIVERY_GRACE_S = 1.0


#: How many times a verdict lists before "... (N more)".
SHOWN = 8


@dataclass(frozen=True)
class Judgement:
    """A check and whether its verdict can still change."""

    check: Check
    settled: bool


@dataclass(frozen=True)
class Incident:
    """Connections ``start..stop-1`` (0-based) failed in a row; ``recovered_by`` is the next one."""

    start: int
    stop: int
    recovered_by: int | None

    @property
    def retries(self) -> int:
        failed = self.stop - self.start
        return failed if self.recovered_by is not None else failed - 1

    @property
    def size(self) -> int:
        return self.stop - self.start


class ReconnectFacts:
    """What the journal says as of ``now``: connections, incidents, give-up and recovery."""

    def __init__(self, journal: ChaosJournal, now: float) -> None:
        log = journal.connections
        self.journal = journal
        self.now = now
        self.n = bisect_right(log.opened_at, now)
        n = self.n
        # Copies: a numpy view would pin the arrays the fake server keeps appending to.
        self.opened: npt.NDArray[np.float64] = np.array(log.opened_at[:n], dtype=np.float64)
        ended = np.array(log.ended_at[:n], dtype=np.float64)
        ended[ended > now] = np.nan
        self.ended = ended
        fault_at = np.array(log.fault_at[:n], dtype=np.float64)
        fault_at[fault_at > now] = np.nan
        self.fault_at = fault_at
        flags = np.frombuffer(bytes(log.flags[:n]), dtype=np.uint8)
        self.doomed = (flags & DOOMED) > 0
        self.failed = self.doomed | ~np.isnan(ended)
        fired = np.flatnonzero(~np.isnan(fault_at))
        self.first_fired: int | None = int(fired[0]) if len(fired) else None
        self.errors = journal.errors_until(now)
        self.incidents = self._incidents()
        first_t = self.first_fault_t
        after = [] if first_t is None else [e for e in self.errors if e.t >= first_t]
        terminal = [e for e in after if e.terminal]
        flips = [f for f in journal.flips_until(now) if not f.usable]
        flips = [f for f in flips if first_t is not None and f.t >= first_t]
        self.first_unusable_t: float | None = flips[0].t if flips else None
        signals = (self.first_unusable_t, terminal[0].t if terminal else None)
        candidates = [t for t in signals if t is not None]
        self.gave_up_at: float | None = min(candidates) if candidates else None

    @property
    def first_fault_t(self) -> float | None:
        return None if self.first_fired is None else float(self.fault_at[self.first_fired])

    def _incidents(self) -> list[Incident]:
        if self.n == 0:
            return []
        failed = self.failed.astype(np.int8)
        edges = np.diff(np.concatenate(([0], failed, [0])))
        starts = np.flatnonzero(edges == 1)
        stops = np.flatnonzero(edges == -1)
        return [
            Incident(int(a), int(b), int(b) if b < self.n else None)
            for a, b in zip(starts, stops, strict=True)
        ]

    @property
    def worst(self) -> Incident | None:
        return max(self.incidents, key=lambda i: i.retries, default=None)

    @property
    def recovered(self) -> int | None:
        """Index of the last connection if it is up and not doomed (the target recovered)."""
        if self.n == 0 or self.failed[-1] or self.first_fired is None:
            return None
        return self.n - 1

    def recovered_stably(self) -> bool:
        index = self.recovered
        return index is not None and self.now - float(self.opened[index]) >= STABLE_RECOVERY_S

    @property
    def looping(self) -> bool:
        """Still retrying into the fault: the latest connection is doomed and still open."""
        worst = self.worst
        return (
            self.n > 0
            and bool(self.doomed[-1])
            and math.isnan(self.ended[-1])
            and self.gave_up_at is None
            and worst is not None
            and worst.retries >= 1
        )

    def quiet_since_give_up(self) -> bool:
        """The target gave up and opened nothing for QUIET_AFTER_GIVE_UP_S since."""
        if self.gave_up_at is None or self.now < self.gave_up_at + QUIET_AFTER_GIVE_UP_S:
            return False
        return not bool(np.any(self.opened > self.gave_up_at))

    def end_of(self, index: int) -> float | None:
        """When connection ``index`` ended (its fault time for provider-ended ones)."""
        value = float(self.ended[index])
        return None if math.isnan(value) else value

    def times(self, indices: range) -> str:
        """Opening times of connections ``indices``: the first few, then how many more."""
        shown = [float(self.opened[i]) for i in indices[:SHOWN]]
        return listed_times(shown, more=len(indices) - len(shown))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def listed_times(values: list[float], more: int = 0) -> str:
    shown = ", ".join(f"{v:.2f}" for v in values[:SHOWN])
    more += max(0, len(values) - SHOWN)
    return f"{shown}{f', ... ({more} more)' if more > 0 else ''} s"


def make_judgement(
    id: str,
    title: str,
    passed: bool,
    expected: str,
    observed: str,
    settled: bool,
    *,
    detail: str = "",
    warn_only: bool = False,
    metrics: dict[str, object] | None = None,
) -> Judgement:
    result = check(id, title, passed, expected, observed, detail=detail, warn_only=warn_only)
    result.metrics.update(metrics or {})
    return Judgement(result, settled)


def skip_judgement(id: str, title: str, expected: str, why: str, settled: bool = True) -> Judgement:
    return Judgement(Check(id, title, Verdict.SKIP, expected, why), settled)
