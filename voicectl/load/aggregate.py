"""Aggregate many calls' measurements into load figures (sans-I/O: plain outcomes in, figures out).

Definitions, all on the client's clocks:

* **first-audio latency** — per scripted utterance, wall time from its last frame sent to the
  bot's first audio after it (:attr:`TurnResult.latency_s`); percentiles are over every answered
  turn of every call.
* **barge-in clear latency** — for each ``clear`` that arrives while bot audio flows, the time
  from the start of the overlap (the caller's latest speech onset — an utterance start or the end
  of a pause inside it — or the start of the bot's audio if the caller was already talking) to
  the ``clear``.
* **inbound gaps** — underruns inside a run of bot audio (the stream fell behind playback by
  more than a frame). **stalls** — bot audio that resumes after more than a quarter second of
  silence while the caller said nothing in between: the reply froze mid-way.
* **send-time error** — each paced frame's actual send time minus its due time; the load
  generator's own health.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from voicectl.outcome.call import CallOutcome

__all__ = [
    "CallFailure",
    "CallRecord",
    "FailureKind",
    "LoadStats",
    "Percentiles",
    "aggregate_calls",
    "barge_in_clear_latencies",
    "call_failure",
    "stalls",
]


_AT_TIME = re.compile(r" at \d+(?:\.\d+)? s")


class FailureKind(StrEnum):
    """Why a call did not succeed."""

    CONNECT = "connect"  # no WebSocket: refused, rejected handshake, no answer to the handshake
    BOT_CLOSED = "bot_closed"  # the bot closed (or dropped) the call before the caller hung up
    TIMEOUT = "timeout"  # the call did not finish within its deadline
    NO_ANSWER = "no_answer"  # the call ran to the end but an utterance got no bot audio
    ERROR = "error"  # the client's receive loop died


@dataclass(frozen=True)
class CallFailure:
    """A failed call: its kind, a message that groups (no times) and the full detail."""

    kind: FailureKind
    summary: str
    detail: str


def call_failure(outcome: CallOutcome) -> CallFailure | None:
    """Classify one call; ``None`` when it completed and the bot answered every utterance."""
    error = outcome.error
    if error is not None:
        if outcome.closed_by_bot:
            code = outcome.close_code
            if code == 1006:
                summary = "bot dropped the connection without a close frame (1006)"
            else:
                reason = f" ({outcome.close_reason})" if outcome.close_reason else ""
                summary = f"bot closed the call with code {code}{reason}"
            return CallFailure(FailureKind.BOT_CLOSED, summary, error)
        if error.startswith("call did not finish"):
            return CallFailure(
                FailureKind.TIMEOUT, "call did not finish within its deadline", error
            )
        if outcome.duration_s == 0 and outcome.close_code is None:
            return CallFailure(FailureKind.CONNECT, error, error)
        return CallFailure(FailureKind.ERROR, _AT_TIME.sub("", error), error)
    missing = [t for t in outcome.turns if not t.answered]
    if not missing:
        return None
    total = len(outcome.turns)
    if len(missing) == total:
        summary = f"no answer to any of {total} utterances"
    else:
        summary = "no answer to " + ", ".join(f"utterance {t.index + 1}" for t in missing)
        summary += f" of {total}"
    texts = "; ".join(f"{t.index + 1}: {t.utterance.text!r}" for t in missing)
    return CallFailure(FailureKind.NO_ANSWER, summary, f"{summary} ({texts})")


@dataclass
class CallRecord:
    """One call of a load run: who placed it, when, what it played, and what was measured."""

    index: int
    caller: int
    name: str
    started_s: float  # run seconds
    outcome: CallOutcome
    ended_s: float | None = None

    @property
    def failure(self) -> CallFailure | None:
        return call_failure(self.outcome)


@dataclass(frozen=True)
class Percentiles:
    """p50/p95/p99/max (and mean) of a sample, in the sample's unit."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float] | np.ndarray) -> Percentiles | None:
        data = np.asarray(values, dtype=np.float64)
        if data.size == 0:
            return None
        p50, p95, p99 = (float(v) for v in np.percentile(data, [50, 95, 99]))
        return cls(int(data.size), p50, p95, p99, float(data.max()), float(data.mean()))


def barge_in_clear_latencies(outcome: CallOutcome) -> list[float]:
    """Seconds from the start of caller/bot overlap to each barge-in ``clear`` (module docstring)."""
    onsets = sorted(
        [u.start for u in (t.utterance for t in outcome.turns)]
        + [end for t in outcome.turns for _, end in t.utterance.pauses]
    )
    latencies = []
    for clear in outcome.barge_in_clears:
        runs = [r for r in outcome.runs if r.start <= clear.t]
        if not runs:
            continue
        bot_start = runs[-1].start
        caller = [s for s in onsets if s <= clear.t]
        overlap_start = max(caller[-1], bot_start) if caller else bot_start
        latencies.append(clear.t - overlap_start)
    return latencies


def stalls(outcome: CallOutcome, min_gap_s: float = 0.25) -> list[float]:
    """Silences inside a reply: bot audio that resumed after ``min_gap_s`` while the caller said
    nothing in between (a new reply follows caller speech; a stalled one does not)."""
    spoken = [(t.utterance.start, t.utterance.end) for t in outcome.turns]
    found = []
    for previous, current in zip(outcome.runs, outcome.runs[1:], strict=False):
        if previous.cleared:
            continue
        gap = current.start - previous.end
        caller_spoke = any(start < current.start and end > previous.end for start, end in spoken)
        if gap >= min_gap_s and not caller_spoke:
            found.append(gap)
    return found


@dataclass
class LoadStats:
    """The aggregate of a load run."""

    calls: int = 0
    succeeded: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # summary -> calls
    failure_kinds: Counter[FailureKind] = field(default_factory=Counter)
    turns: int = 0
    answered: int = 0
    first_audio: Percentiles | None = None  # seconds
    barge_in_clears: int = 0
    clear_latency: Percentiles | None = None  # seconds
    bot_closes: Counter[int] = field(default_factory=Counter)  # close code -> calls
    close_reasons: dict[int, str] = field(default_factory=dict)
    gaps: int = 0
    gap_total_s: float = 0.0
    gap_max_s: float = 0.0
    stalls: int = 0
    stall_max_s: float = 0.0
    send_error_ms: Percentiles | None = None
    frames: int = 0
    peak_concurrency: int = 0

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.calls if self.calls else None

    def to_metrics(self) -> dict[str, object]:
        """Flat key figures for the report (the tables carry the breakdowns)."""

        def seconds(p: Percentiles | None, prefix: str, keys: tuple[str, ...]) -> dict[str, object]:
            return {f"{prefix}_{k}": None if p is None else round(getattr(p, k), 4) for k in keys}

        rate = self.success_rate
        send = self.send_error_ms
        return {
            "calls": self.calls,
            "succeeded": self.succeeded,
            "success_rate": None if rate is None else round(rate, 4),
            "peak_concurrency": self.peak_concurrency,
            "turns": self.turns,
            "answered": self.answered,
            **seconds(self.first_audio, "first_audio_s", ("mean", "p50", "p95", "p99", "max")),
            "barge_in_clears": self.barge_in_clears,
            **seconds(self.clear_latency, "clear_latency_s", ("p50", "p95")),
            "bot_closes": {str(code): n for code, n in sorted(self.bot_closes.items())},
            "inbound_gaps": self.gaps,
            "inbound_gap_max_s": round(self.gap_max_s, 3),
            "stalls": self.stalls,
            "stall_max_s": round(self.stall_max_s, 3),
            "frames_sent": self.frames,
            **{
                f"send_error_ms_{k}": None if send is None else round(getattr(send, k), 3)
                for k in ("p50", "p95", "p99", "max")
            },
        }


def aggregate_calls(records: Iterable[CallRecord]) -> LoadStats:
    """Aggregate finished calls."""
    stats = LoadStats()
    latencies: list[float] = []
    clear_latencies: list[float] = []
    pacing: list[np.ndarray] = []
    intervals: list[tuple[float, int]] = []
    for record in records:
        outcome = record.outcome
        stats.calls += 1
        failure = call_failure(outcome)
        if failure is None:
            stats.succeeded += 1
        else:
            stats.failures[failure.summary] += 1
            stats.failure_kinds[failure.kind] += 1
        stats.turns += len(outcome.turns)
        answered = [t.latency_s for t in outcome.turns if t.latency_s is not None]
        stats.answered += len(answered)
        latencies.extend(answered)
        stats.barge_in_clears += len(outcome.barge_in_clears)
        clear_latencies.extend(barge_in_clear_latencies(outcome))
        if outcome.closed_by_bot and outcome.close_code is not None:
            stats.bot_closes[outcome.close_code] += 1
            stats.close_reasons.setdefault(outcome.close_code, outcome.close_reason)
        for _, gap in outcome.underruns:
            stats.gaps += 1
            stats.gap_total_s += gap
            stats.gap_max_s = max(stats.gap_max_s, gap)
        for gap in stalls(outcome):
            stats.stalls += 1
            stats.stall_max_s = max(stats.stall_max_s, gap)
        if outcome.pacing.errors:
            pacing.append(np.asarray(outcome.pacing.errors))
        if record.ended_s is not None:
            intervals += [(record.started_s, 1), (record.ended_s, -1)]
    stats.first_audio = Percentiles.of(latencies)
    stats.clear_latency = Percentiles.of(clear_latencies)
    if pacing:
        errors = np.concatenate(pacing) * 1000.0
        stats.frames = int(errors.size)
        stats.send_error_ms = Percentiles.of(errors)
    level = 0
    for _, step in sorted(intervals):  # ends sort before starts at the same instant
        level += step
        stats.peak_concurrency = max(stats.peak_concurrency, level)
    return stats
