"""Verdicts on how a provider failure surfaced: an error in the pipeline, naming its cause,
and the service marked unusable once the target gave up.

Pure functions over the chaos journal as of ``now`` (see :mod:`voicectl.checks.reconnect` for
the vocabulary: incident, gave up, deciding event).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from voicectl.checks.attribution import named_terms
from voicectl.checks.journal_facts import (
    Judgement,
    ReconnectFacts,
    make_judgement,
    skip_judgement,
)
from voicectl.checks.policy import Expectation, Reaction
from voicectl.faults.base import Fault, FaultFamily
from voicectl.report.model import Verdict

__all__ = ["judge_error_attributable", "judge_error_surfaced", "judge_recvloop", "judge_unusable"]

# -- deciding event (error.surfaced, service.unusable_after_give_up) -------------------------------


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


# -- error.surfaced --------------------------------------------------------------------------------

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
        return skip_judgement(SURFACED, title, expected, deciding)
    if deciding is None:
        return skip_judgement(SURFACED, title, expected, "not judged yet", settled=False)
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
        return make_judgement(
            SURFACED,
            title,
            True,
            expected,
            observed,
            True,
            metrics={**metrics, "latency_s": round(error.t - deciding.t, 4)},
        )
    if facts.now <= deadline and not final:
        return skip_judgement(SURFACED, title, expected, "not judged yet", settled=False)
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
    return make_judgement(SURFACED, title, False, expected, observed, True, metrics=metrics)


# -- error.attributable ----------------------------------------------------------------------------

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
        return skip_judgement(
            ATTRIBUTABLE,
            title,
            expected,
            f"not judged: no error to attribute (see {source.check.id})",
            settled=source.settled,
        )
    error = candidates[0]
    named = named_terms(error.message, terms)
    observed = (f"names {named[0]!r}: " if named else "names none of them: ") + error.describe()
    return make_judgement(ATTRIBUTABLE, title, bool(named), expected, observed, source.settled)


# -- service.unusable_after_give_up ----------------------------------------------------------------

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
        return skip_judgement(UNUSABLE, title, expected, deciding)
    if deciding is None:
        return skip_judgement(UNUSABLE, title, expected, "not judged yet", settled=False)
    deadline = deciding.t + within
    flip = facts.first_unusable_t
    if flip is not None and flip <= deadline:
        observed = f"unusable at {flip:.2f} s ({flip - deciding.t:+.2f} s after {deciding.label})"
        return make_judgement(
            UNUSABLE, title, True, expected, observed, True, metrics={"unusable_at": round(flip, 4)}
        )
    if facts.now <= deadline and not final:
        return skip_judgement(UNUSABLE, title, expected, "not judged yet", settled=False)
    if flip is not None:
        observed = (
            f"unusable only at {flip:.2f} s, {flip - deciding.t:.2f} s after {deciding.label}"
        )
    else:
        observed = f"still usable at {facts.now:.2f} s ({deciding.label} at {deciding.t:.2f} s)"
        if facts.looping:
            observed += "; still reconnecting"
    return make_judgement(
        UNUSABLE, title, False, expected, observed, True, metrics={"unusable_at": flip}
    )


# -- recvloop.error_surfaced -----------------------------------------------------------------------

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
        return make_judgement(
            RECVLOOP,
            title,
            True,
            expected,
            observed,
            True,
            metrics={"latency_s": round(error.t - sent_t, 4)},
        )
    if facts.now <= deadline and not final:
        return skip_judgement(RECVLOOP, title, expected, "not judged yet", settled=False)
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
    return make_judgement(RECVLOOP, title, False, expected, observed, True)
