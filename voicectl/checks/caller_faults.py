"""Verdicts of caller behaviour: key presses, backchannels, silence, media gaps (caller faults)."""

from __future__ import annotations

from typing import Any

from voicectl.outcome.call import CallOutcome
from voicectl.outcome.caller_faults import (
    BackchannelResult,
    DtmfResult,
    MediaGapResult,
    SilenceResult,
)
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "judge_backchannel_not_yielded",
    "judge_dtmf_received",
    "judge_media_gap_bot_responsive",
    "judge_media_gap_idle_handled",
    "judge_media_gap_turn_ended",
    "judge_silence_reengaged",
]

_BACKCHANNEL = "backchannel.not_yielded"
_IDLE_HANDLED = "media_gap.idle_handled"


def judge_dtmf_received(result: DtmfResult, *, bound_s: float = 1.0) -> Check:
    """``dtmf.received``: every key the caller pressed reached the bot, in order, promptly."""
    entry = result.entry
    how = "in-band tones" if entry.inband else "carrier dtmf events"
    title = "bot received the caller's keys"
    expected = (
        f"the bot's pipeline gets {entry.digits!r} ({how}) in order, each within {bound_s:.1f} s"
    )
    outcome = result.call.outcome
    sent = "".join(p.digit for p in result.sent)
    if sent != entry.digits:
        why = outcome.error or "the call ended first"
        return Check(
            "dtmf.received",
            title,
            Verdict.ERROR,
            expected,
            f"only {sent!r} of {entry.digits!r} could be sent: {why}",
        )
    received = result.received
    if received is None:
        return Check(
            "dtmf.received",
            title,
            Verdict.ERROR,
            expected,
            f"sent {sent!r} ({how}); {result.call.unseen or 'no inside view of this bot'}, and "
            "a carrier stream carries no acknowledgement of a key press, so whether it arrived "
            "cannot be seen",
            metrics={"sent": sent},
        )
    digits = "".join(e.detail for e in received)
    latencies: list[float] = []
    for press, event in zip(result.sent, received, strict=False):
        if press.digit != event.detail:
            break
        latencies.append(result.received_wall(event) - press.wall)
    metrics: dict[str, Any] = {
        "sent": sent,
        "received": digits,
        "latency_max_s": round(max(latencies), 4) if latencies else None,
    }
    if not received:
        return check(
            "dtmf.received",
            title,
            False,
            expected,
            f"sent {sent!r} ({how}); the bot's pipeline received no key at all",
            **metrics,
        )
    if digits != sent:
        return check(
            "dtmf.received",
            title,
            False,
            expected,
            f"sent {sent!r} ({how}); the bot's pipeline received {digits!r}",
            **metrics,
        )
    slowest = max(latencies)
    return check(
        "dtmf.received",
        title,
        slowest <= bound_s,
        expected,
        f"received {digits!r} in order, {min(latencies) * 1000:.1f}-{slowest * 1000:.1f} ms "
        "after each was sent",
        **metrics,
    )


def _silent_stretch(result: BackchannelResult, start: float, end: float) -> float:
    """Longest stretch of [start, end] without bot audio (a clear cuts a run short)."""
    covered = sorted(
        (max(run.start, start), min(run.end, end))
        for run in result.outcome.runs
        if run.end > start and run.start < end
    )
    longest, cursor = 0.0, start
    for begin, finish in covered:
        longest = max(longest, begin - cursor)
        cursor = max(cursor, finish)
    return max(longest, end - cursor)


def judge_backchannel_not_yielded(
    result: BackchannelResult,
    *,
    gap_bound_s: float = 0.3,
    hold_s: float = 1.5,
    clear_bound_s: float = 1.5,
) -> Check:
    """``backchannel.not_yielded``: the bot talks through "mm-hmm" yet stops for a real barge-in."""
    title = "bot kept talking through the caller's backchannels"
    expected = (
        f"no clear and no gap over {gap_bound_s * 1000:.0f} ms in the bot's audio in the "
        f"{hold_s:.1f} s after each backchannel; a clear within {clear_bound_s:.1f} s of the "
        "real barge-in that follows"
    )
    if result.reply_started is None:
        why = result.note or result.outcome.error or "the bot never replied"
        return Check(_BACKCHANNEL, title, Verdict.ERROR, expected, why)
    heard = [b for b in result.sent if b.bot_talking]
    if not heard:
        return Check(
            _BACKCHANNEL,
            title,
            Verdict.ERROR,
            expected,
            "the bot was not talking when any backchannel was made (its reply was too short)",
        )
    starts = sorted(
        [b.start for b in result.sent] + ([result.barge.utterance.start] if result.barge else [])
    )
    yielded: list[str] = []
    kept: list[str] = []
    worst_gap = 0.0
    for b in heard:
        later = [t for t in starts if t > b.start]
        end = min([b.start + hold_s, *later[:1]])
        into = b.start - result.reply_started
        clears = [c for c in result.outcome.barge_in_clears if b.start <= c.t < end]
        gap = _silent_stretch(result, b.start, end)
        worst_gap = max(worst_gap, gap)
        if clears:
            yielded.append(
                f"{b.kind!r} ({into:.2f} s into the reply): clear {clears[0].t - b.start:.2f} s after it began"
            )
        elif gap > gap_bound_s:
            yielded.append(
                f"{b.kind!r} ({into:.2f} s into the reply): {gap * 1000:.0f} ms without bot audio"
            )
        else:
            kept.append(f"{b.kind!r} ({into:.2f} s)")
    barge_text, barge_ok, clear_latency = _barge_part(result, clear_bound_s)
    observed = (
        "yielded to " + "; ".join(yielded) if yielded else "kept talking through " + ", ".join(kept)
    ) + f"; {barge_text}"
    metrics: dict[str, Any] = {
        "backchannels": len(heard),
        "yielded": len(yielded),
        "max_gap_ms": round(worst_gap * 1000),
        "barge_in_clear_latency_s": clear_latency,
    }
    if barge_ok is None and not yielded:
        return Check(_BACKCHANNEL, title, Verdict.ERROR, expected, observed, metrics=metrics)
    return check(_BACKCHANNEL, title, not yielded and bool(barge_ok), expected, observed, **metrics)


def _barge_part(result: BackchannelResult, bound_s: float) -> tuple[str, bool | None, float | None]:
    """How the real barge-in went: (text, interrupted in time or None if not judgeable, latency)."""
    barge = result.barge
    if barge is None:
        return "the caller never got to barge in", None, None
    onset = barge.utterance.start
    if not result.barge_bot_talking:
        return "the bot was silent when the caller barged in (nothing to interrupt)", None, None
    clears = [c for c in result.outcome.barge_in_clears if c.t >= onset]
    if not clears:
        return "the real barge-in did not interrupt it (no clear)", False, None
    latency = clears[0].t - onset
    return (
        f"the real barge-in was cleared {latency:.2f} s after its onset",
        latency <= bound_s,
        round(latency, 3),
    )


def _reengaged(
    check_id: str,
    title: str,
    expected: str,
    outcome: CallOutcome,
    *,
    since: float,
    what: str,
    spoke: float | None,
    bound_s: float,
) -> Check:
    """Did the bot speak again or end the call within ``bound_s`` of ``since`` (call seconds)?"""
    ended = outcome.duration_s if outcome.closed_by_bot else None
    if spoke is not None and (ended is None or spoke <= ended):
        after = spoke - since
        return check(
            check_id,
            title,
            after <= bound_s,
            expected,
            f"spoke again {after:.2f} s after {what}",
            reengaged_after_s=round(after, 3),
            how="spoke",
        )
    if ended is not None:
        after = ended - since
        return check(
            check_id,
            title,
            after <= bound_s,
            expected,
            f"ended the call (close {outcome.close_code}) {after:.2f} s after {what}, without a "
            "word",
            reengaged_after_s=round(after, 3),
            how="ended the call",
        )
    waited = outcome.duration_s - since
    if waited < bound_s:
        why = outcome.error or "the caller hung up"
        return Check(
            check_id,
            title,
            Verdict.ERROR,
            expected,
            f"the call ended {waited:.1f} s after {what}, before the {bound_s:.1f} s bound "
            f"({why}): idle handling was not exercised",
        )
    return check(
        check_id,
        title,
        False,
        expected,
        f"silent for {waited:.1f} s after {what}, until the caller hung up: it never "
        "checked in or ended the call",
        reengaged_after_s=None,
        silent_for_s=round(waited, 2),
    )


def judge_silence_reengaged(result: SilenceResult, *, bound_s: float = 8.0) -> Check:
    """``silence.reengaged``: after its answer meets silence, the bot speaks again or ends the call."""
    title = "bot re-engaged a silent caller"
    expected = (
        f"within {bound_s:.1f} s of its reply ending, the bot speaks again (a check-in) or ends "
        "the call"
    )
    if result.reply_end is None:
        why = result.note or result.outcome.error or "the bot never answered the question"
        return Check("silence.reengaged", title, Verdict.ERROR, expected, why)
    return _reengaged(
        "silence.reengaged",
        title,
        expected,
        result.outcome,
        since=result.reply_end,
        what="its reply ended",
        spoke=result.spoke_again_at,
        bound_s=bound_s,
    )


def judge_media_gap_idle_handled(result: MediaGapResult, *, bound_s: float = 8.0) -> Check:
    """``media_gap.idle_handled``: media stopped for good, socket open; the bot checks in or hangs
    up within ``bound_s`` of its answer (else of the turn's end, else of the media's stop)."""
    title = "bot handled a line whose media stopped for good"
    expected = (
        f"media never resumes (no frames, socket open): within {bound_s:.1f} s of its answer "
        "ending, the bot speaks again (a check-in) or ends the call"
    )
    if result.plan.gap_s is not None:
        return Check(
            _IDLE_HANDLED,
            title,
            Verdict.SKIP,
            expected,
            f"media resumed after {result.plan.gap_s:g} s, so the line never stayed idle: "
            "run with --resume-after never",
        )
    idle = result.idle_since()
    if idle is None:
        why = result.note or result.outcome.error or "the caller's media never stopped"
        return Check(_IDLE_HANDLED, title, Verdict.ERROR, expected, why)
    since, what = idle
    judged = _reengaged(
        _IDLE_HANDLED,
        title,
        expected,
        result.outcome,
        since=since,
        what=what,
        spoke=result.spoke_again_at(since),
        bound_s=bound_s,
    )
    fired = result.user_idle_at()
    if fired is not None and judged.verdict is not Verdict.ERROR:
        after = [t - since for t in fired if t >= since]
        if after:
            judged.observed += (
                f"; inside, Pipecat's on_user_turn_idle fired {after[0]:.2f} s after {what}"
            )
        else:
            judged.observed += "; inside, Pipecat's on_user_turn_idle never fired"
        judged.metrics["user_idle_after_s"] = round(after[0], 3) if after else None
    return judged


def judge_media_gap_turn_ended(result: MediaGapResult, *, bound_s: float = 8.0) -> Check:
    """``media_gap.turn_ended``: caller media stops mid-utterance; the bot still ends the turn."""
    title = "bot ended the caller's turn when their media stopped"
    inside = result.call.perception is not None
    seen = "the bot's pipeline ends the caller's turn" if inside else "the bot replies"
    expected = f"{seen} within {bound_s:.1f} s of the caller's media stopping mid-utterance"
    if result.gap_start is None:
        why = result.note or result.outcome.error or "the caller's media never stopped"
        return Check("media_gap.turn_ended", title, Verdict.ERROR, expected, why)
    after = result.turn_end_after_gap_s() if inside else result.reply_after_gap_s()
    gap = "for good" if result.plan.gap_s is None else f"for {result.plan.gap_s:g} s"
    if after is None:
        waited = result.outcome.duration_s - result.gap_start
        what = "never ended the caller's turn" if inside else "never replied"
        return check(
            "media_gap.turn_ended",
            title,
            False,
            expected,
            f"media stopped {gap} at {result.gap_start:.2f} s; the bot {what} in the "
            f"{waited:.1f} s that followed: the turn stayed open",
            turn_ended_after_s=None,
        )
    what = "ended the caller's turn" if inside else "replied"
    return check(
        "media_gap.turn_ended",
        title,
        after <= bound_s,
        expected,
        f"media stopped {gap} at {result.gap_start:.2f} s; the bot {what} {after:.2f} s later",
        turn_ended_after_s=round(after, 3),
    )


def judge_media_gap_bot_responsive(result: MediaGapResult, *, bound_s: float = 6.0) -> Check:
    """``media_gap.bot_responsive``: once media resumes, the bot answers the caller again."""
    title = "bot answered once the caller's media resumed"
    expected = f"bot audio within {bound_s:.1f} s after the caller's next utterance ends"
    if result.after is None:
        why = result.note or result.outcome.error or "the caller never spoke after the gap"
        return Check("media_gap.bot_responsive", title, Verdict.ERROR, expected, why)
    end = result.after.utterance.end
    starts = [r.start for r in result.outcome.runs if r.start >= end]
    if not starts:
        waited = result.outcome.duration_s - end
        return check(
            "media_gap.bot_responsive",
            title,
            False,
            expected,
            f"no bot audio in the {waited:.1f} s after the caller's next utterance: the bot hung",
            answer_latency_s=None,
        )
    latency = min(starts) - end
    return check(
        "media_gap.bot_responsive",
        title,
        latency <= bound_s,
        expected,
        f"answered {latency:.2f} s after the caller's next utterance ended",
        answer_latency_s=round(latency, 3),
    )
