"""Verdicts of ``chaos slow-reader``: the carrier stopped reading its socket mid-reply."""

from __future__ import annotations

from voicectl.outcome.slow_reader import SlowReaderResult
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "CLEANED_UP",
    "LOG_BOUNDED",
    "RECOVERED",
    "judge_slow_reader_cleaned_up",
    "judge_slow_reader_log_bounded",
    "judge_slow_reader_recovered",
]

RECOVERED = "slow_reader.recovered"
LOG_BOUNDED = "slow_reader.log_bounded"
CLEANED_UP = "slow_reader.cleaned_up"


def _not_exercised(check_id: str, title: str, expected: str, r: SlowReaderResult) -> Check | None:
    """Error (with its reason) when the stall never happened as planned; None when it did.

    It happened when the carrier's receive window closed on the bot: the bot had more to send
    than the window held (whether its audio looked continuous at the stop or not)."""
    why = ""
    if r.outcome.unreachable:
        why = f"the call never connected ({r.outcome.error})"
    elif r.stopped_at is None:
        why = r.note or r.outcome.error or "the carrier never stopped reading"
    elif r.window_closed_s is None and not r.mid_reply:
        why = (
            f"the bot's reply had ended {r.plan.into_reply_s:g} s into it, before the carrier "
            "stopped reading: there was nothing for the buffers to hold"
        )
    elif r.window_closed_s is None:
        held = r.unread[-1][1] if r.unread else 0
        why = (
            f"the carrier's receive buffer never filled ({held} bytes unread of "
            f"{r.receive_buffer_bytes or '?'}): the bot stopped sending before its window closed"
        )
    if not why:
        return None
    return Check(
        check_id,
        title,
        Verdict.ERROR,
        expected,
        f"not exercised: {why}",
        "The bot must still be talking when the carrier stops reading: make its reply longer "
        "than --into-reply plus a few seconds, or stop reading earlier.",
    )


def judge_slow_reader_recovered(r: SlowReaderResult, *, bound_s: float = 6.0) -> Check:
    """``slow_reader.recovered``: once the carrier reads again, the bot answers the next turn."""
    title = "the bot answered again once the carrier read its socket again"
    expected = f"bot audio within {bound_s:.1f} s after the caller's next utterance ends"
    failed = _not_exercised(RECOVERED, title, expected, r)
    if failed is not None:
        return failed
    stall = f"{r.plan.stall_s:g} s without reading" if r.plan.stall_s else "the stall"
    if r.outcome.closed_by_bot and r.after is None:
        return check(
            RECOVERED,
            title,
            False,
            expected,
            f"the bot ended the call after {stall} ({r.outcome.error})",
            answer_latency_s=None,
        )
    if r.after is None:
        return Check(
            RECOVERED,
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the caller never spoke after the stall ({r.note or r.outcome.error or 'no reason recorded'})",
        )
    latency = r.answer_latency_s()
    backlog = f"; {r.backlog_s:.1f} s of queued bot audio arrived in the first second of reading"
    if latency is None:
        waited = r.outcome.duration_s - r.after.utterance.end
        return check(
            RECOVERED,
            title,
            False,
            expected,
            f"no bot audio in the {waited:.1f} s after the caller's next utterance: after "
            f"{stall} the bot held the call but stayed silent{backlog}",
            answer_latency_s=None,
            backlog_s=round(r.backlog_s, 2),
        )
    return check(
        RECOVERED,
        title,
        latency <= bound_s,
        expected,
        f"answered {latency:.2f} s after the caller's next utterance, after {stall}{backlog}",
        answer_latency_s=round(latency, 3),
        backlog_s=round(r.backlog_s, 2),
    )


def judge_slow_reader_log_bounded(r: SlowReaderResult, *, max_lines: int = 20) -> Check:
    """``slow_reader.log_bounded``: the bot's warnings and errors during the stall stay few."""
    title = "the bot's log did not flood while the carrier was not reading"
    expected = (
        f"at most {max_lines} warning/error lines in the bot's log from the carrier "
        "stopping reading to the end of the call"
    )
    failed = _not_exercised(LOG_BOUNDED, title, expected, r)
    if failed is not None:
        return failed
    lines = r.log_during()
    if lines is None:
        return Check(
            LOG_BOUNDED,
            title,
            Verdict.ERROR,
            expected,
            "not judged: the bot's log is not visible from the carrier side (a bot at --url)",
            "Run the bot with --bot-cmd (its log is captured) or use the reference bot.",
        )
    first = f"; first: {lines[0].level} {lines[0].text[:140]!r}" if lines else ""
    return check(
        LOG_BOUNDED,
        title,
        len(lines) <= max_lines,
        expected,
        f"{len(lines)} warning/error line(s){first}",
        log_lines=len(lines),
    )


def judge_slow_reader_cleaned_up(r: SlowReaderResult, *, bound_s: float = 5.0) -> Check:
    """``slow_reader.cleaned_up``: after the hang-up the bot's pipeline ends, nothing left running."""
    title = "the bot's call ended and nothing was left running"
    expected = (
        f"the bot's pipeline finishes within {bound_s:.1f} s of the caller hanging up, no task left"
    )
    failed = _not_exercised(CLEANED_UP, title, expected, r)
    if failed is not None:
        return failed
    how = "the carrier tore the socket down" if r.plan.stall_s is None else "the caller hung up"
    if r.hung_up_wall is None:
        return Check(
            CLEANED_UP,
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the caller never hung up ({r.outcome.error or r.note or 'no reason recorded'})",
        )
    if r.leftover_tasks is None and r.pipeline_end_s is None:
        return Check(
            CLEANED_UP,
            title,
            Verdict.ERROR,
            expected,
            "not judged: the bot's pipeline is not visible from the carrier side (a bot at --url)",
            "Use the reference bot, or --bot-cmd with a Pipecat bot (its inside view reports "
            "the pipeline's end).",
        )
    if r.pipeline_end_s is None:
        left = r.leftover_tasks or []
        tasks = f"; still running: {', '.join(left[:5])}" if left else ""
        return check(
            CLEANED_UP,
            title,
            False,
            expected,
            f"the pipeline was still running {r.plan.pipeline_wait_s:.0f} s after {how}{tasks}",
            pipeline_end_s=None,
        )
    left = r.leftover_tasks or []
    if r.leftover_tasks is None:
        tasks = "; its tasks are not visible from outside the bot's process"
    elif left:
        tasks = f"; {len(left)} task(s) left: {', '.join(left[:5])}"
    else:
        tasks = "; no task left"
    return check(
        CLEANED_UP,
        title,
        r.pipeline_end_s <= bound_s and not left,
        expected,
        f"pipeline finished {r.pipeline_end_s:.3f} s after {how}{tasks}",
        pipeline_end_s=round(r.pipeline_end_s, 4),
        leftover_tasks=len(left),
    )
