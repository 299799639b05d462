"""Verdicts of STT failover: did the bot switch, keep hearing the caller, and only when it should."""

from __future__ import annotations

from voicectl.audio.script import Utterance
from voicectl.faults.base import FaultFamily
from voicectl.outcome.failover import FailoverOutcome, Incident, SeenError, Switch
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "crashes",
    "judge_cause_visible",
    "judge_failback",
    "judge_no_false_switch",
    "judge_stall_surfaced",
    "judge_switched",
    "judge_transcripts_continue",
]

_GRACE_S = 1.0  # a switch needs a moment before the new service has heard a whole utterance


def crashes(outcome: FailoverOutcome) -> list[tuple[Incident, float, str]]:
    """The incidents that took a service down (not recoveries), with when and whom they hit."""
    return [(i, t, who) for i, t, who in outcome.incidents_done if not i.is_recovery]


def _planned_crashes_not_done(outcome: FailoverOutcome) -> list[Incident]:
    """Crashes of the plan that the run never applied (the call ended first, or it failed)."""
    done = [i for i, _, _ in outcome.incidents_done]
    return [i for i in outcome.incidents if not i.is_recovery and i not in done]


def _switch_after(outcome: FailoverOutcome, t: float, away_from: str) -> Switch | None:
    return next((s for s in outcome.switches if s.t >= t and s.to != away_from), None)


def _errors_of(outcome: FailoverOutcome, role: str, start: float, end: float) -> list[SeenError]:
    name = outcome.names.get(role, role)
    return [e for e in outcome.errors if e.processor == name and start <= e.t <= end]


def judge_switched(outcome: FailoverOutcome, *, bound_s: float) -> list[Check]:
    """``failover.switched``: after each crash of the active STT, the switcher moves on in time."""
    checks = []
    end = outcome.call.duration_s if outcome.call else 0.0
    missed = _planned_crashes_not_done(outcome)
    if missed:
        checks.append(
            Check(
                "failover.switched",
                "every planned crash happened",
                Verdict.ERROR,
                "each crash of --crashes applied to the active service during the call",
                f"not exercised: {len(missed)} planned crash(es) never happened "
                f"({', '.join(i.describe() for i in missed)}); the call lasted {end:.1f} s",
            )
        )
    for incident, t, role in crashes(outcome):
        title = f"switched away from the {role} after {incident.describe()}"
        expected = f"on_service_switched within {bound_s:.1f} s of the crash"
        switch = _switch_after(outcome, t, role)
        if switch is not None:
            latency = switch.t - t
            deciding = [e for e in _errors_of(outcome, role, t, switch.t + 0.05) if not e.usable]
            cause = (
                f"; decided by [{deciding[-1].category}] {deciding[-1].message[:120]!r}"
                if deciding
                else ""
            )
            checks.append(
                check(
                    "failover.switched",
                    title,
                    latency <= bound_s,
                    expected,
                    f"switched to the {switch.to} {latency:.2f} s after the crash (at {switch.t:.2f} s){cause}",
                    latency_s=round(latency, 3),
                    switched_at_s=round(switch.t, 3),
                )
            )
            continue
        errors = _errors_of(outcome, role, t, end)
        if not errors:
            why = "no error reached the pipeline after the crash: the outage was silent, so nothing could trigger a switch"
        elif all(e.usable for e in errors):
            why = (
                f"{len(errors)} error(s), all from a service that stayed usable (e.g. [{errors[0].category}] "
                f"{errors[0].message[:100]!r}): "
                + (
                    f"the strategy {outcome.strategy} did not switch on them"
                    if outcome.strategy
                    else "Pipecat's failover strategy switches only when the failed "
                    "service becomes unusable (is_usable=False), so it never switched"
                )
            )
        else:
            why = "the service became unusable but the switcher had no usable service to move to"
        checks.append(
            check(
                "failover.switched",
                title,
                False,
                expected,
                f"no switch in the {end - t:.1f} s after the crash: {why}",
                latency_s=None,
            )
        )
    return checks


def _heard(outcome: FailoverOutcome, utterance: Utterance, role: str) -> bool:
    # A real STT may finalize at a pause inside the utterance, seconds before its end.
    return any(
        tr.service == role
        and min(utterance.start, utterance.end - 1.0) <= tr.t <= utterance.end + 3.0
        for tr in outcome.transcripts
    )


def judge_transcripts_continue(
    outcome: FailoverOutcome, utterances: list[Utterance]
) -> list[Check]:
    """``failover.transcripts_continue``: after the switch, the new service transcribes the caller."""
    checks = []
    for incident, t, role in crashes(outcome):
        title = f"caller still transcribed after {incident.describe()}"
        switch = _switch_after(outcome, t, role)
        later = [later_t for _, later_t, _ in crashes(outcome) if later_t > t]
        window_end = min(later) if later else float("inf")
        expected = f"every utterance ending {_GRACE_S:.0f} s or more after the switch is transcribed by the service switched to"
        if switch is None:
            after = [u for u in utterances if t < u.end < window_end]
            lost_now = [
                u for u in after if not any(_heard(outcome, u, r) for r in ("primary", "backup"))
            ]
            lost_text = ", ".join(repr(u.text[:30]) for u in lost_now)
            checks.append(
                check(
                    "failover.transcripts_continue",
                    title,
                    not lost_now and bool(after),
                    expected,
                    f"no switch; {len(after) - len(lost_now)} of {len(after)} utterances after the "
                    f"crash transcribed" + (f"; lost: {lost_text}" if lost_now else ""),
                    lost=len(lost_now),
                )
            )
            continue
        due = [u for u in utterances if switch.t + _GRACE_S <= u.end < window_end]
        missing = [u for u in due if not _heard(outcome, u, switch.to)]
        lost = [u for u in utterances if t <= u.end < switch.t + _GRACE_S]
        before = [tr.t for tr in outcome.transcripts if tr.t < t]
        after_tr = [tr.t for tr in outcome.transcripts if tr.t >= switch.t]
        gap = (min(after_tr) - max(before)) if before and after_tr else None
        gap_text = f"; transcript gap {gap:.1f} s" if gap is not None else ""
        observed = (
            f"{len(due) - len(missing)}/{len(due)} utterances after the switch transcribed by the {switch.to}; "
            f"{len(lost)} lost during the outage{gap_text}"
        )
        if not due:
            checks.append(
                Check(
                    "failover.transcripts_continue",
                    title,
                    Verdict.ERROR,  # not exercised: nothing to transcribe after the switch
                    expected,
                    f"the call ended before any utterance after the switch ({switch.t:.1f} s): make it longer",
                    metrics={"lost": len(lost)},
                )
            )
            continue
        if missing:
            observed += f"; missing: {', '.join(repr(u.text[:30]) for u in missing)}"
        checks.append(
            check(
                "failover.transcripts_continue",
                title,
                not missing,
                expected,
                observed,
                lost=len(lost),
                missing=len(missing),
                gap_s=None if gap is None else round(gap, 2),
            )
        )
    return checks


def judge_no_false_switch(outcome: FailoverOutcome, *, window_s: float = 2.0) -> Check:
    """``failover.no_false_switch``: an error from another processor does not move the STT."""
    title = "an error from another processor did not switch the STT"
    expected = (
        f"no on_service_switched within {window_s:.0f} s of a downstream processor's ErrorFrame"
    )
    if outcome.false_error_at is None:
        return Check(
            "failover.no_false_switch", title, Verdict.SKIP, expected, "no error was injected"
        )
    t = outcome.false_error_at
    # A real incident soon after the probe may switch legitimately: only judge until it.
    later = [at for _, at, _ in crashes(outcome) if at >= t]
    until = min([t + window_s, *later])
    switched = [s for s in outcome.switches if t <= s.t < until]
    seen = any(e.processor == "DownstreamTTS" for e in outcome.errors)
    observed = (
        f"the injected DownstreamTTS error at {t:.2f} s {'was reported' if seen else 'was NOT seen'} and "
        + (
            f"switched the STT to the {switched[0].to} at {switched[0].t:.2f} s"
            if switched
            else "caused no switch"
        )
    )
    return check("failover.no_false_switch", title, not switched and seen, expected, observed)


def judge_cause_visible(outcome: FailoverOutcome) -> list[Check]:
    """``failover.cause_visible``: the error that caused each switch is in the report.

    A successful switch absorbs that error: ``on_pipeline_error`` never sees it. Pipecat's
    ``ErrorObserver`` does, where it was raised; the check says which saw it.
    """
    checks = []
    for switch in outcome.switches:
        away = "primary" if switch.to == "backup" else "backup"
        name = outcome.names.get(away, away)
        cause = [
            e
            for e in outcome.errors
            if e.processor == name and e.t <= switch.t + 0.05 and not e.usable
        ]
        title = f"cause of the switch to the {switch.to} at {switch.t:.2f} s is visible"
        expected = "the error that made the failed service unusable is reported (ErrorObserver, at its origin)"
        if not cause:
            checks.append(
                check(
                    "failover.cause_visible",
                    title,
                    False,
                    expected,
                    f"no error from {name} marked it unusable before the switch",
                )
            )
            continue
        last = cause[-1]
        at_top = any(
            p.message == last.message and abs(p.t - last.t) < 0.1 for p in outcome.pipeline_errors
        )
        checks.append(
            check(
                "failover.cause_visible",
                title,
                True,
                expected,
                f"[{last.category}] {last.message[:120]!r} at {last.t:.2f} s; "
                + (
                    "also reached on_pipeline_error"
                    if at_top
                    else "absorbed by the switch: on_pipeline_error never saw it"
                ),
            )
        )
    return checks


def judge_stall_surfaced(outcome: FailoverOutcome, *, bound_s: float = 5.0) -> list[Check]:
    """``recvloop.error_surfaced`` for a stalled STT provider: the caller must not talk into silence.

    Passes if, within ``bound_s`` of the stall, the pipeline shows it: an error from the STT, a
    heartbeat timeout (``enable_heartbeats``), or the service reconnecting to its provider."""
    checks = []
    for incident, t, role in crashes(outcome):
        if incident.family is not FaultFamily.STALL:
            continue
        title = f"the stalled {role} STT provider was noticed"
        expected = (
            f"within {bound_s:.1f} s of the stall: an error from the STT, a heartbeat timeout, "
            "or a reconnect"
        )
        signals: list[tuple[float, str]] = []
        signals += [
            (e.t, f"error [{e.category}] {e.message[:100]!r}")
            for e in _errors_of(outcome, role, t, t + 3600)
        ]
        signals += [(h, "heartbeat timeout") for h in outcome.heartbeat_timeouts if h >= t]
        signals += [
            (float(r["opened_at"]), f"reconnect (connection {r['connection']})")
            for r in outcome.connections.get(role, [])
            if isinstance(r.get("opened_at"), int | float) and float(r["opened_at"]) > t + 0.01
        ]
        if not signals:
            end = outcome.call.duration_s if outcome.call else t
            checks.append(
                check(
                    "recvloop.error_surfaced",
                    title,
                    False,
                    expected,
                    f"nothing surfaced in the {end - t:.1f} s after the stall: the caller talked into silence",
                    surfaced_after_s=None,
                )
            )
            continue
        first_t, what = min(signals)
        checks.append(
            check(
                "recvloop.error_surfaced",
                title,
                first_t - t <= bound_s,
                expected,
                f"{what} {first_t - t:.2f} s after the stall",
                surfaced_after_s=round(first_t - t, 3),
            )
        )
    return checks


_RECOVERY_STAMP_S = 0.1
_NO_FAILBACK = (
    "Pipecat 1.14 has no failback: ServiceSwitcherStrategyFailover switches only when the "
    "active service fails, so a recovered primary waits until the backup fails too. A "
    "strategy that switches back on the primary's on_usable_changed(True) passes."
)


def judge_failback(outcome: FailoverOutcome, *, bound_s: float = 10.0) -> Check | None:
    """``failover.failback``: after the primary recovers, the bot goes back to it in time.

    Not meeting it is a ``warn`` (the run fails only with ``--strict``), since Pipecat has no
    failback mechanism; None when the plan has no recovery after a crash.
    """
    recoveries = [t for i, t, _ in outcome.incidents_done if i.is_recovery]
    earlier = [t for _, t, _ in crashes(outcome)]
    recovered = next((t for t in recoveries if any(c < t for c in earlier)), None)
    if recovered is None:
        return None
    title = "bot went back to the primary STT after it recovered"
    expected = f"on_service_switched to the primary within {bound_s:.1f} s of its recovery"
    # The recovery's own switch (a failback strategy reacting to on_usable_changed) is stamped
    # a moment before the incident finishes; only earlier switches say where the bot was.
    since = recovered - _RECOVERY_STAMP_S
    before = [s for s in outcome.switches if s.t < since]
    if not before or before[-1].to == "primary":
        return Check(
            "failover.failback",
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the bot was on the primary when it recovered at {recovered:.1f} s",
        )
    end = outcome.call.duration_s if outcome.call else recovered
    back = next((s for s in outcome.switches if s.t >= since and s.to == "primary"), None)
    backup_down = next(
        (t for _, t, who in crashes(outcome) if who == "backup" and t > recovered), None
    )
    if back is not None and back.t - since <= bound_s:
        if backup_down is not None and backup_down <= back.t:
            observed = (
                f"back on the primary {back.t - recovered:.2f} s after it recovered, but only "
                f"because the backup crashed at {backup_down:.1f} s (a failover, not a failback)"
            )
            return check(
                "failover.failback",
                title,
                False,
                expected,
                observed,
                detail=_NO_FAILBACK,
                warn_only=True,
                failback_s=None,
            )
        return check(
            "failover.failback",
            title,
            True,
            expected,
            f"back on the primary {max(0.0, back.t - recovered):.2f} s after it recovered at "
            f"{recovered:.1f} s",
            failback_s=round(max(0.0, back.t - recovered), 3),
        )
    if end - recovered < bound_s and back is None and backup_down is None:
        return Check(
            "failover.failback",
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the call ended {end - recovered:.1f} s after the recovery at "
            f"{recovered:.1f} s, before the {bound_s:.1f} s bound",
        )
    late = f"; it switched back only at {back.t:.1f} s" if back is not None else ""
    return check(
        "failover.failback",
        title,
        False,
        expected,
        f"still on the backup {bound_s:.1f} s after the primary recovered at {recovered:.1f} s{late}",
        detail=_NO_FAILBACK,
        warn_only=True,
        failback_s=None if back is None else round(back.t - recovered, 3),
    )
