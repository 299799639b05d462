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

import numpy as np
import numpy.typing as npt

from voicectl.checks.journal_facts import (
    DELIVERY_GRACE_S,
    JITTER_TOLERANCE_S,
    MIN_RETRY_DELAY_S,
    SHOWN,
    Judgement,
    ReconnectFacts,
    listed_times,
    make_judgement,
    plural,
    skip_judgement,
)
from voicectl.checks.policy import Expectation, Reaction
from voicectl.checks.provider_errors import (
    judge_error_attributable,
    judge_error_surfaced,
    judge_recvloop,
    judge_unusable,
)
from voicectl.faults.base import Fault, FaultFamily
from voicectl.outcome.journal import ChaosJournal
from voicectl.report.model import Check, Verdict

__all__ = [
    "judge_backoff",
    "judge_bounded",
    "judge_chaos",
    "judge_latency_tolerated",
    "judge_not_retried",
]


# -- close.not_retried ------------------------------------------------------------------------

NOT_RETRIED = "close.not_retried"


def judge_not_retried(
    facts: ReconnectFacts, fault: Fault, expectation: Expectation, *, final: bool
) -> Judgement:
    """A non-recoverable failure is not retried: one connection, then give up."""
    title = "a non-recoverable failure is not retried"
    expected = f"no reconnect after {expectation.basis}: 1 connection, then give up"
    if expectation.reaction is not Reaction.NON_RECOVERABLE:
        return skip_judgement(
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
        return make_judgement(NOT_RETRIED, title, False, expected, observed, True, metrics=metrics)
    observed = f"1 connection: no reconnect after the {fault.action.describe()} at {facts.first_fault_t:.2f} s"
    settled = final or facts.quiet_since_give_up()
    return make_judgement(NOT_RETRIED, title, True, expected, observed, settled, metrics=metrics)


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
        return make_judgement(BOUNDED, title, False, expected, observed, True, metrics=metrics)
    if final and facts.looping:
        loop = "accept-then-stall" if fault.family is FaultFamily.STALL else "accept-then-close"
        observed = (
            f"still in an {loop} loop when the run stopped ({facts.now:.1f} s): "
            f"{plural(facts.n, 'connection')} opened at {facts.times(range(facts.n))}, the "
            f"latest doomed by the fault too, no terminal error"
        )
        return make_judgement(BOUNDED, title, False, expected, observed, True, metrics=metrics)
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
    observed = f"{retries} retries at most per incident ({plural(facts.n, 'connection')}); {how}"
    settled = final or facts.quiet_since_give_up() or facts.recovered_stably()
    return make_judgement(BOUNDED, title, True, expected, observed, settled, metrics=metrics)


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
        return skip_judgement(BACKOFF, title, expected, "not judged: no retries to time")
    index = np.flatnonzero(facts.failed[:-1])
    if len(index) == 0:
        return skip_judgement(BACKOFF, title, expected, "not judged: no retries after a failure")
    ends = facts.ended[index]
    gaps = facts.opened[index + 1] - np.where(np.isnan(ends), facts.opened[index + 1], ends)
    gaps = np.maximum(gaps, 0.0)
    immediate = int(np.count_nonzero(gaps < MIN_RETRY_DELAY_S))
    backed = gaps[gaps >= MIN_RETRY_DELAY_S]
    fixed = _no_jitter(backed)
    shown = listed_times([float(g) for g in gaps[:SHOWN]], more=max(0, len(gaps) - SHOWN))
    problems = []
    if immediate:
        problems.append(f"{immediate} of {len(gaps)} retries without delay")
    if fixed:
        problems.append(f"no jitter ({fixed})")
    observed = f"retry delays {shown}" + (f": {'; '.join(problems)}" if problems else "")
    return make_judgement(
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
    """Describe the deterministic schedule the delays follow, or "" when they vary.

    A fixed, doubling or capped-doubling backoff repeats or doubles the previous delay in every
    pair of consecutive delays; a jittered one does so only by chance in one pair (about 4% for
    uniform jitter over 0.5 s), so the warning needs every pair to match and says how many it
    rests on.
    """
    pairs = list(itertools.pairwise(float(d) for d in delays))
    steps = [_step(first, second) for first, second in pairs]
    if not steps or not all(steps):
        return ""
    first, second = pairs[0]
    shown = f"{first:.2f} s {steps[0]} {second:.2f} s"
    return shown + (f", all {len(pairs)} pairs alike" if len(pairs) > 1 else "")


def _step(first: float, second: float) -> str:
    """How ``second`` follows ``first`` in a deterministic schedule, or "" if it does not."""
    if abs(second - first) <= JITTER_TOLERANCE_S:
        return "then"
    if abs(second - 2 * first) <= JITTER_TOLERANCE_S:
        return "doubled to"
    return ""


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
        return make_judgement(
            LATENCY, title, False, expected, f"{summary}: {'; '.join(problems)}", True
        )
    settled = final or (delivered >= 2 and delivered >= len(sent))
    metrics: dict[str, object] = {"delivered": delivered, "sent": len(sent)}
    if delays:
        metrics["delivery_delay_p50_s"] = round(float(np.median(delays)), 4)
    return make_judgement(LATENCY, title, True, expected, summary, settled, metrics=metrics)


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
