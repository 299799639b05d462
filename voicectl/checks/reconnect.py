"""Verdicts on how a service reacted to a provider fault: pure functions over the chaos journal.

Every function judges the journal *as of* ``now`` (later entries are ignored) and returns a
:class:`Judgement`: the check, and whether it is settled (nothing that can still happen would
change it). The harness stops the run once every check is settled, or at the budget, where
``final=True`` settles whatever is still open.

Vocabulary:

* an **incident** is a run of consecutive *failed* connections: connections that ended, or that
  the fault dooms (it will close, drop, reject or stall them). It ends with a **recovery** when
  the target opens a connection that is neither;
* **retries** of an incident are the connections opened after its first one (a recovering
  connection is a retry too);
* the target **gave up** when it reported a terminal error (unusable, permanent category or
  fatal) or ``on_usable_changed(False)`` fired, after the fault first acted;
* the **deciding event** is the failure after which the target should have reported: the first
  faulted close for a non-recoverable fault; for a recoverable one, the end of the connection
  after which the retries are used up (or of the last one, if the target stopped earlier); the
  start of the stall for ``stall``.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicectl.checks.attribution import named_terms
from voicectl.checks.policy import Expectation, Reaction
from voicectl.faults.base import Fault, FaultFamily
from voicectl.outcome.connections import DOOMED
from voicectl.outcome.journal import ChaosJournal
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "MIN_RETRY_DELAY_S",
    "QUIET_AFTER_GIVE_UP_S",
    "STABLE_RECOVERY_S",
    "Judgement",
    "ReconnectFacts",
    "judge_backoff",
    "judge_bounded",
    "judge_chaos",
    "judge_error_attributable",
    "judge_error_surfaced",
    "judge_latency_tolerated",
    "judge_not_retried",
    "judge_recvloop",
    "judge_unusable",
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

_SHOWN = 8


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
        shown = [float(self.opened[i]) for i in indices[:_SHOWN]]
        return _times(shown, more=len(indices) - len(shown))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _times(values: list[float], more: int = 0) -> str:
    shown = ", ".join(f"{v:.2f}" for v in values[:_SHOWN])
    more += max(0, len(values) - _SHOWN)
    return f"{shown}{f', ... ({more} more)' if more > 0 else ''} s"


def _judge(
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


def _skip(id: str, title: str, expected: str, why: str, settled: bool = True) -> Judgement:
    return Judgement(Check(id, title, Verdict.SKIP, expected, why), settled)


# -- close.not_retried ------------------------------------------------------------------------

NOT_RETRIED = "close.not_retried"


def judge_not_retried(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """A non-recoverable failure is not retried: one connection, then give up."""
    title = "a non-recoverable failure is not retried"
    expected = f"no reconnect after {expectation.basis}: 1 connection, then give up"
    if expectation.reaction is not Reaction.NON_RECOVERABLE:
        return _skip(
            NOT_RETRIED,
            title,
            expected,
            f"not judged: {expectation.basis} is {expectation.reaction.value} "
            f"({expectation.source}), so retries are allowed; see reconnect.bounded",
        )
    first = facts.first_fired
    assert first is not None
    again = facts.n - (first + 1)
    span = float(facts.opened[-1] - facts.opened[0]) if facts.n else 0.0
    metrics: dict[str, object] = {
        "connections": facts.n,
        "reconnects": again,
        "opened_at": [round(float(t), 4) for t in facts.opened[:20]],
    }
    if again > 0:
        observed = (
            f"{facts.n} connections in {span:.2f} s (opened at {facts.times(range(facts.n))}): "
            f"after the {fault.action.describe()} on connection {first + 1} "
            f"at {facts.first_fault_t:.2f} s it reconnected {again} time(s)"
        )
        if facts.gave_up_at is not None:
            observed += f", then gave up at {facts.gave_up_at:.2f} s"
        return _judge(NOT_RETRIED, title, False, expected, observed, True, metrics=metrics)
    observed = f"1 connection: no reconnect after the {fault.action.describe()} at {facts.first_fault_t:.2f} s"
    settled = final or facts.quiet_since_give_up()
    return _judge(NOT_RETRIED, title, True, expected, observed, settled, metrics=metrics)


# -- reconnect.bounded ------------------------------------------------------------------------

BOUNDED = "reconnect.bounded"


def judge_bounded(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """Retries per incident stay within the bound and the loop ends within the budget."""
    title = "reconnects are bounded"
    bound = expectation.max_attempts
    expected = (
        f"at most {bound} retries per incident, and no endless accept-then-close loop "
        "within the budget"
    )
    worst = facts.worst
    retries = worst.retries if worst else 0
    rate = facts.n / facts.now if facts.now > 0 else 0.0
    metrics: dict[str, object] = {
        "connections": facts.n,
        "worst_retries": retries,
        "max_attempts": bound,
        "incidents": len(facts.incidents),
        "connections_per_s": round(rate, 2),
        "gave_up_at": facts.gave_up_at,
    }
    if worst is not None:
        metrics["worst_incident_opened_at"] = [
            round(float(t), 4) for t in facts.opened[worst.start : worst.start + 20]
        ]
    if worst is not None and retries > bound:
        opened = facts.times(range(worst.start, min(worst.stop + 1, facts.n)))
        observed = (
            f"{retries} retries in one incident (bound {bound}): connections opened at {opened}"
        )
        if facts.n > 50:
            observed += f"; {facts.n} connections in {facts.now:.1f} s ({rate:.0f} per second)"
        if facts.looping or (facts.gave_up_at is None and worst.recovered_by is None):
            observed += "; still reconnecting, no terminal error"
        elif facts.gave_up_at is not None:
            observed += f"; gave up at {facts.gave_up_at:.2f} s"
        return _judge(BOUNDED, title, False, expected, observed, True, metrics=metrics)
    if final and facts.looping:
        loop = "accept-then-stall" if fault.family is FaultFamily.STALL else "accept-then-close"
        observed = (
            f"still in an {loop} loop when the run stopped ({facts.now:.1f} s): "
            f"{_plural(facts.n, 'connection')} opened at {facts.times(range(facts.n))}, the "
            f"latest doomed by the fault too, no terminal error"
        )
        return _judge(BOUNDED, title, False, expected, observed, True, metrics=metrics)
    if facts.recovered is not None:
        how = f"recovered on connection {facts.recovered + 1} at {float(facts.opened[-1]):.2f} s"
    elif facts.gave_up_at is not None:
        how = f"gave up at {facts.gave_up_at:.2f} s"
    elif facts.n and not math.isnan(facts.ended[-1]):
        how = f"no new connection after {float(facts.ended[-1]):.2f} s"
    else:
        how = "no reconnect"
    if facts.recovered is not None and not facts.incidents:
        how = f"connection {facts.n} stayed up"
    observed = f"{retries} retries at most per incident ({_plural(facts.n, 'connection')}); {how}"
    settled = final or facts.quiet_since_give_up() or facts.recovered_stably()
    return _judge(BOUNDED, title, True, expected, observed, settled, metrics=metrics)


# -- reconnect.backoff ------------------------------------------------------------------------

BACKOFF = "reconnect.backoff"


def judge_backoff(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """Retries wait before reconnecting, with jitter (a warning, never a failure)."""
    title = "retries back off with jitter"
    expected = (
        f"every retry delayed (>= {MIN_RETRY_DELAY_S:g} s after the previous connection ended) "
        "and jittered (RFC 6455 7.2.3: random first delay, then exponential)"
    )
    n = facts.n
    if n < 2:
        return _skip(BACKOFF, title, expected, "not judged: no retries to time")
    index = np.flatnonzero(facts.failed[:-1])
    if len(index) == 0:
        return _skip(BACKOFF, title, expected, "not judged: no retries after a failure")
    ends = facts.ended[index]
    gaps = facts.opened[index + 1] - np.where(np.isnan(ends), facts.opened[index + 1], ends)
    gaps = np.maximum(gaps, 0.0)
    immediate = int(np.count_nonzero(gaps < MIN_RETRY_DELAY_S))
    backed = gaps[gaps >= MIN_RETRY_DELAY_S]
    fixed = _no_jitter(backed)
    shown = _times([float(g) for g in gaps[:_SHOWN]], more=max(0, len(gaps) - _SHOWN))
    problems = []
    if immediate:
        problems.append(f"{immediate} of {len(gaps)} retries without delay")
    if fixed:
        problems.append(f"no jitter ({fixed})")
    observed = f"retry delays {shown}" + (f": {'; '.join(problems)}" if problems else "")
    return _judge(
        BACKOFF,
        title,
        not problems,
        expected,
        observed,
        True,
        warn_only=True,
        metrics={
            "retry_delays_s": [round(float(g), 4) for g in gaps[:50]],
            "immediate_retries": immediate,
        },
    )


def _no_jitter(delays: npt.NDArray[np.float64]) -> str:
    """Describe a deterministic pattern in consecutive delays (repeats or exact doubling)."""
    for first, second in itertools.pairwise(float(d) for d in delays):
        if abs(second - first) <= JITTER_TOLERANCE_S:
            return f"{first:.2f} s then {second:.2f} s"
        if abs(second - 2 * first) <= JITTER_TOLERANCE_S:
            return f"{first:.2f} s doubled to {second:.2f} s"
    return ""


# -- deciding event (error.surfaced, service.unusable_after_give_up) --------------------------


@dataclass(frozen=True)
class _Deciding:
    index: int
    t: float
    label: str
    window_start: float


def _deciding(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> _Deciding | str | None:
    """The deciding event; a reason string when the check does not apply; None if not yet known."""
    first = facts.first_fired
    assert first is not None
    what = fault.action.describe()
    if fault.family is FaultFamily.STALL:
        t = float(facts.fault_at[first])
        return _Deciding(first, t, f"the stall of connection {first + 1}", t)
    if expectation.reaction is Reaction.NON_RECOVERABLE:
        end = facts.end_of(first)
        if end is None:
            return None
        return _Deciding(
            first, end, f"the {what} of connection {first + 1}", float(facts.fault_at[first])
        )
    if facts.recovered is not None:
        if final or facts.recovered_stably():
            return (
                f"not judged: the target recovered (connection {facts.recovered + 1} "
                f"at {float(facts.opened[facts.recovered]):.2f} s stayed up); nothing to give up"
            )
        return None
    incident = next((i for i in facts.incidents if i.start <= first < i.stop), None)
    if incident is None:
        return None
    cap = incident.start + expectation.max_attempts
    if incident.size > expectation.max_attempts:
        index = cap
    elif facts.gave_up_at is not None or final:
        index = incident.stop - 1
    else:
        return None
    end = facts.end_of(index)
    if end is None:
        if not final:
            return None
        end = float(facts.fault_at[index]) if not math.isnan(facts.fault_at[index]) else facts.now
    retry = index - incident.start
    which = f"retry {retry}" if retry else "the first connection of the incident"
    label = f"the {what} of connection {index + 1} ({which})"
    start = float(facts.fault_at[index]) if not math.isnan(facts.fault_at[index]) else end
    return _Deciding(index, end, label, min(start, end))


# -- error.surfaced ---------------------------------------------------------------------------

SURFACED = "error.surfaced"


def judge_error_surfaced(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """An error reaches the pipeline within the bound after the deciding event (not a log line)."""
    title = "the failure surfaces as an error in the pipeline"
    within = expectation.surface_within_s
    stall = fault.family is FaultFamily.STALL
    kind = "an error" if stall else "a terminal error (unusable, permanent or fatal)"
    expected = f"{kind} within {within:g} s of the deciding failure"
    deciding = _deciding(facts, fault, expectation, final=final)
    if isinstance(deciding, str):
        return _skip(SURFACED, title, expected, deciding)
    if deciding is None:
        return _skip(SURFACED, title, expected, "not judged yet", settled=False)
    deadline = deciding.t + within
    errors = [e for e in facts.errors if e.t >= deciding.window_start - 1e-6]
    qualifying = [e for e in errors if (stall or e.terminal) and e.t <= deadline]
    metrics: dict[str, object] = {
        "deciding_t": round(deciding.t, 4),
        "errors": len(facts.errors),
        "terminal_errors": sum(1 for e in facts.errors if e.terminal),
    }
    if qualifying:
        error = qualifying[0]
        observed = f"{error.t - deciding.t:+.2f} s after {deciding.label} at {deciding.t:.2f} s: {error.describe()}"
        return _judge(
            SURFACED,
            title,
            True,
            expected,
            observed,
            True,
            metrics={**metrics, "latency_s": round(error.t - deciding.t, 4)},
        )
    if facts.now <= deadline and not final:
        return _skip(SURFACED, title, expected, "not judged yet", settled=False)
    observed = f"no {'' if stall else 'terminal '}error within {within:g} s of {deciding.label} at {deciding.t:.2f} s"
    later = [e for e in errors if (stall or e.terminal)]
    other = [e for e in facts.errors if not e.terminal]
    if later:
        observed += f"; the first came {later[0].t - deciding.t:.2f} s after: {later[0].describe()}"
    elif other:
        observed += f"; {len(other)} non-terminal error(s), first at {other[0].t:.2f} s: {other[0].describe()}"
    else:
        observed += f"; no ErrorFrame at all in {facts.now:.1f} s"
    if stall:
        left = facts.end_of(deciding.index)
        if left is not None:
            observed += (
                f"; the target left the stalled connection after {left - deciding.t:.1f} s "
                f"and reconnected without an error"
                if facts.n > deciding.index + 1
                else f"; the target closed the stalled connection after {left - deciding.t:.1f} s"
            )
    if facts.looping:
        observed += " (still reconnecting)"
    return _judge(SURFACED, title, False, expected, observed, True, metrics=metrics)


# -- error.attributable -----------------------------------------------------------------------

ATTRIBUTABLE = "error.attributable"


def judge_error_attributable(
    facts: ReconnectFacts,
    fault: Fault,
    expectation: Expectation,
    source: Judgement,
    *,
    final: bool,
) -> Judgement:
    """The error the target reported names the code, reason or cause of the failure."""
    title = "the error names the cause"
    terms = fault.attribution_terms()
    expected = "the error text names the cause as a whole token: " + " or ".join(
        repr(t) for t in terms
    )
    first_t = facts.first_fault_t or 0.0
    after = [e for e in facts.errors if e.t >= first_t - 1e-6]
    candidates = [e for e in after if e.terminal] or after
    if source.check.verdict is Verdict.PASS and source.check.metrics.get("deciding_t") is not None:
        deciding_t = float(source.check.metrics["deciding_t"])
        candidates = [e for e in after if e.t >= deciding_t - 1e-6] or candidates
    if not candidates:
        return _skip(
            ATTRIBUTABLE,
            title,
            expected,
            f"not judged: no error to attribute (see {source.check.id})",
            settled=source.settled,
        )
    error = candidates[0]
    named = named_terms(error.message, terms)
    observed = (f"names {named[0]!r}: " if named else "names none of them: ") + error.describe()
    return _judge(ATTRIBUTABLE, title, bool(named), expected, observed, source.settled)


# -- service.unusable_after_give_up -----------------------------------------------------------

UNUSABLE = "service.unusable_after_give_up"


def judge_unusable(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """Once the target gives up it is ``is_usable == False``, so a ServiceSwitcher can fail over."""
    title = "the service is unusable once it gives up"
    within = expectation.surface_within_s
    expected = f"on_usable_changed(False) within {within:g} s of the deciding failure"
    deciding = _deciding(facts, fault, expectation, final=final)
    if isinstance(deciding, str):
        return _skip(UNUSABLE, title, expected, deciding)
    if deciding is None:
        return _skip(UNUSABLE, title, expected, "not judged yet", settled=False)
    deadline = deciding.t + within
    flip = facts.first_unusable_t
    if flip is not None and flip <= deadline:
        observed = f"unusable at {flip:.2f} s ({flip - deciding.t:+.2f} s after {deciding.label})"
        return _judge(
            UNUSABLE, title, True, expected, observed, True, metrics={"unusable_at": round(flip, 4)}
        )
    if facts.now <= deadline and not final:
        return _skip(UNUSABLE, title, expected, "not judged yet", settled=False)
    if flip is not None:
        observed = (
            f"unusable only at {flip:.2f} s, {flip - deciding.t:.2f} s after {deciding.label}"
        )
    else:
        observed = f"still usable at {facts.now:.2f} s ({deciding.label} at {deciding.t:.2f} s)"
        if facts.looping:
            observed += "; still reconnecting"
    return _judge(UNUSABLE, title, False, expected, observed, True, metrics={"unusable_at": flip})


# -- recvloop.error_surfaced ------------------------------------------------------------------

RECVLOOP = "recvloop.error_surfaced"


def judge_recvloop(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """A malformed or in-band error message surfaces as an ErrorFrame instead of vanishing."""
    title = "a bad or error message from the provider surfaces as an error"
    within = expectation.surface_within_s
    expected = f"an ErrorFrame within {within:g} s of the {fault.action.describe()}"
    first = facts.first_fired
    assert first is not None
    sent_t = float(facts.fault_at[first])
    deadline = sent_t + within
    errors = [e for e in facts.errors if e.t >= sent_t - 1e-6]
    in_time = [e for e in errors if e.t <= deadline]
    if in_time:
        error = in_time[0]
        observed = (
            f"{error.t - sent_t:+.2f} s after it was sent at {sent_t:.2f} s: {error.describe()}"
        )
        return _judge(
            RECVLOOP,
            title,
            True,
            expected,
            observed,
            True,
            metrics={"latency_s": round(error.t - sent_t, 4)},
        )
    if facts.now <= deadline and not final:
        return _skip(RECVLOOP, title, expected, "not judged yet", settled=False)
    observed = (
        f"no ErrorFrame within {within:g} s of the {fault.action.describe()} sent at {sent_t:.2f} s"
    )
    end = facts.end_of(first)
    if end is not None and end <= deadline:
        observed += f"; the target dropped connection {first + 1} at {end:.2f} s"
        if facts.n > first + 1:
            observed += f" and reconnected silently at {float(facts.opened[first + 1]):.2f} s"
    else:
        observed += f"; connection {first + 1} stayed up, the message vanished"
    outputs = [o for o in facts.journal.outputs if sent_t < o.t <= facts.now]
    if outputs:
        observed += f" ({len(outputs)} output(s) after it)"
    if errors:
        observed += f"; first error only at {errors[0].t:.2f} s: {errors[0].describe()}"
    return _judge(RECVLOOP, title, False, expected, observed, True)


# -- latency.tolerated ------------------------------------------------------------------------

LATENCY = "latency.tolerated"


def judge_latency_tolerated(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """A slow provider only slows the answers: no reconnect, no error, every answer delivered."""
    title = "a slow provider is tolerated"
    expected = (
        "1 connection, no error, every answer the provider sent delivered "
        f"(within {DELIVERY_GRACE_S:g} s of being sent)"
    )
    log = facts.journal.connections
    sent = [s for s in log.transcripts if s.t <= facts.now]
    outputs = [o.t for o in facts.journal.outputs if o.t <= facts.now]
    due = [s for s in sent if s.t <= facts.now - DELIVERY_GRACE_S]
    delays: list[float] = []
    missing = 0
    for item in sent:
        first = next((t for t in outputs if item.t - 0.05 <= t <= item.t + DELIVERY_GRACE_S), None)
        if first is not None:
            delays.append(first - item.queued_at)
        elif item in due:
            missing += 1
    delivered = len(delays)
    problems = []
    if facts.n > 1:
        problems.append(f"reconnected {facts.n - 1} time(s)")
    if facts.errors:
        problems.append(f"{len(facts.errors)} error(s), first: {facts.errors[0].describe()}")
    if missing:
        problems.append(f"{missing} answer(s) not delivered within {DELIVERY_GRACE_S:g} s")
    summary = f"{delivered}/{len(sent)} answers delivered"
    if delays:
        summary += (
            f", {min(delays):.2f}-{max(delays):.2f} s after the provider produced them "
            f"(median {float(np.median(delays)):.2f} s)"
        )
    summary += f"; {facts.n} connection(s), {len(facts.errors)} error(s)"
    if problems:
        return _judge(LATENCY, title, False, expected, f"{summary}: {'; '.join(problems)}", True)
    settled = final or (delivered >= 2 and delivered >= len(sent))
    metrics: dict[str, object] = {"delivered": delivered, "sent": len(sent)}
    if delays:
        metrics["delivery_delay_p50_s"] = round(float(np.median(delays)), 4)
    return _judge(LATENCY, title, True, expected, summary, settled, metrics=metrics)


# -- all together -----------------------------------------------------------------------------


def judge_chaos(
    journal: ChaosJournal,
    fault: Fault,
    expectation: Expectation,
    *,
    now: float,
    final: bool = False,
    target_url: str = "the fake provider",
) -> list[Judgement]:
    """Every check that applies to ``fault``, judged on the journal as of ``now``."""
    facts = ReconnectFacts(journal, now)
    if facts.first_fired is None:
        if not final:
            return [Judgement(Check("fault.fired", "", Verdict.SKIP, "", "waiting"), False)]
        if facts.n == 0:
            why = f"the target never connected to {target_url} in {now:.1f} s"
        else:
            why = (
                f"the fault never acted: {facts.n} connection(s), but none reached the trigger "
                f"({fault.trigger.describe()})"
            )
        return [
            Judgement(
                Check(
                    "fault.fired",
                    "the fault was injected",
                    Verdict.ERROR,
                    f"{fault.describe()}",
                    why,
                ),
                True,
            )
        ]
    family = fault.family
    if family is FaultFamily.MALFORMED:
        recv = judge_recvloop(facts, fault, expectation, final=final)
        return [
            recv,
            judge_error_attributable(facts, fault, expectation, recv, final=final),
            judge_bounded(facts, fault, expectation, final=final),
        ]
    if family is FaultFamily.LATENCY:
        return [
            judge_latency_tolerated(facts, fault, expectation, final=final),
            judge_bounded(facts, fault, expectation, final=final),
        ]
    surfaced = judge_error_surfaced(facts, fault, expectation, final=final)
    return [
        judge_not_retried(facts, fault, expectation, final=final),
        judge_bounded(facts, fault, expectation, final=final),
        judge_backoff(facts, fault, expectation, final=final),
        surfaced,
        judge_error_attributable(facts, fault, expectation, surfaced, final=final),
        judge_unusable(facts, fault, expectation, final=final),
    ]
