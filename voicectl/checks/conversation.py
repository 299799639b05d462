"""Verdicts of conversation faults: barge-in, and a barge-in during a function call.

Hang-up and carrier close are judged in :mod:`voicectl.checks.call_ending`; their judges are
re-exported here.
"""

from __future__ import annotations

from voicectl.checks.call_ending import (
    judge_bot_released_call,
    judge_pipeline_ended,
    judge_tasks_released,
)
from voicectl.outcome.conversation import BargeInResult
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "judge_audio_stopped",
    "judge_bot_released_call",
    "judge_clear_sent",
    "judge_conversation_continues",
    "judge_end_call_spared_caller",
    "judge_flow_reached_next_node",
    "judge_no_call_left_in_progress",
    "judge_pipeline_ended",
    "judge_tasks_released",
]


def _no_reply(check_id: str, title: str, expected: str, result: BargeInResult) -> Check | None:
    if result.onset is not None:
        return None
    if result.during_tool_call and result.tool_call_id is None and not result.outcome.unreachable:
        return Check(
            check_id,
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: {result.note or 'no function call was seen in progress'}",
            "--during tool-call needs a bot that calls a function on the caller's first "
            "utterance (the full reference bot does: --bot full).",
        )
    if result.outcome.unreachable:
        return Check(
            check_id,
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the call never connected ({result.outcome.error})",
        )
    return Check(
        check_id, title, Verdict.FAIL, expected, result.note or "the caller never got to barge in"
    )


def _not_exercised(check_id: str, title: str, expected: str, what: str) -> Check:
    """No barge-in happened: the bot was silent at the caller's onset, so this was not tested."""
    return Check(
        check_id,
        title,
        Verdict.ERROR,
        expected,
        f"not exercised: the bot was silent when the caller began speaking ({what}), "
        "so no barge-in happened",
        "Its reply was shorter than --during-reply, or it had not started one: barge in "
        "earlier (a smaller --during-reply) or make the bot answer at length.",
    )


def judge_clear_sent(result: BargeInResult, *, bound_s: float = 1.5) -> Check:
    """``interrupt.clear_sent``: the bot clears the carrier's audio buffer when the caller barges in."""
    title = "bot sent a clear when the caller barged in"
    expected = f"a clear while bot audio flows, within {bound_s:.2f} s of the caller's speech onset"
    failed = _no_reply("interrupt.clear_sent", title, expected, result)
    if failed is not None:
        return failed
    assert result.onset is not None
    if not result.bot_audio_at_onset:
        return _not_exercised("interrupt.clear_sent", title, expected, "nothing to clear")
    clears = [c for c in result.outcome.barge_in_clears if c.t >= result.onset]
    if not clears:
        talking = _talk_over_s(result)
        return check(
            "interrupt.clear_sent",
            title,
            False,
            expected,
            f"no clear: the bot kept talking for {talking:.2f} s after the caller began speaking",
            clear_latency_s=None,
        )
    latency = clears[0].t - result.onset
    into_reply = result.onset - (result.reply_started or result.onset)
    return check(
        "interrupt.clear_sent",
        title,
        latency <= bound_s,
        expected,
        f"clear {latency:.2f} s after speech onset ({into_reply:.2f} s into the bot's reply)",
        clear_latency_s=round(latency, 3),
    )


def _talk_over_s(result: BargeInResult) -> float:
    """Seconds of bot audio that overlapped the barge-in utterance."""
    if result.barge is None or result.onset is None:
        return 0.0
    end = result.barge.utterance.end
    return sum(
        max(0.0, min(run.end, end) - max(run.start, result.onset)) for run in result.outcome.runs
    )


def judge_audio_stopped(result: BargeInResult, *, residual_bound_s: float = 0.1) -> Check:
    """``interrupt.audio_stopped``: after the clear, no bot audio until the answer to the barge-in."""
    title = "bot audio stopped after the barge-in"
    expected = f"at most {residual_bound_s * 1000:.0f} ms of bot audio after the clear, until the next reply"
    failed = _no_reply("interrupt.audio_stopped", title, expected, result)
    if failed is not None:
        return failed
    assert result.onset is not None and result.barge is not None
    if not result.bot_audio_at_onset:
        return _not_exercised("interrupt.audio_stopped", title, expected, "nothing to stop")
    clears = [c for c in result.outcome.barge_in_clears if c.t >= result.onset]
    barge_end = result.barge.utterance.end
    if not clears:
        talking = _talk_over_s(result)
        return check(
            "interrupt.audio_stopped",
            title,
            False,
            expected,
            f"no clear; {talking * 1000:.0f} ms of bot audio played over the caller",
            residual_ms=round(talking * 1000),
        )
    cleared_at = clears[0].t
    residual = sum(
        min(run.end, barge_end) - run.start
        for run in result.outcome.runs
        if cleared_at <= run.start < barge_end
    )
    return check(
        "interrupt.audio_stopped",
        title,
        residual <= residual_bound_s,
        expected,
        f"{residual * 1000:.0f} ms of bot audio after the clear, before the caller finished",
        residual_ms=round(residual * 1000),
    )


def judge_conversation_continues(result: BargeInResult, *, bound_s: float = 4.0) -> Check:
    """``interrupt.conversation_continues``: the bot answers the barge-in (no freeze)."""
    title = "bot answered the barge-in"
    expected = f"new bot audio within {bound_s:.1f} s after the barge-in utterance ends"
    failed = _no_reply("interrupt.conversation_continues", title, expected, result)
    if failed is not None:
        return failed
    assert result.barge is not None
    barge_end = result.barge.utterance.end
    if result.answer_started is None:
        waited = result.outcome.duration_s - barge_end
        if waited < 0:
            return check(
                "interrupt.conversation_continues",
                title,
                False,
                expected,
                f"the call ended {-waited:.1f} s before the barge-in did: the bot hung up on the caller",
                answer_latency_s=None,
            )
        return check(
            "interrupt.conversation_continues",
            title,
            False,
            expected,
            f"no bot audio in the {waited:.1f} s after the barge-in ended: the conversation froze",
            answer_latency_s=None,
        )
    latency = result.answer_started - barge_end
    return check(
        "interrupt.conversation_continues",
        title,
        latency <= bound_s,
        expected,
        f"answered {latency:.2f} s after the barge-in ended",
        answer_latency_s=round(latency, 3),
    )


NO_CALL_LEFT = "interrupt.no_call_left_in_progress"
END_CALL_SPARED = "interrupt.end_call_spared_caller"
FLOW_NEXT_NODE = "interrupt.flow_reached_next_node"


def _tool_call_not_seen(check_id: str, title: str, expected: str, result: BargeInResult) -> Check:
    why = result.note or "no function call was seen in progress"
    if result.outcome.unreachable:
        why = f"the call never connected ({result.outcome.error})"
    return Check(check_id, title, Verdict.ERROR, expected, f"not exercised: {why}")


def judge_no_call_left_in_progress(result: BargeInResult) -> Check:
    """``interrupt.no_call_left_in_progress``: every function call settled by the end of the call.

    Judged from inside the bot (Pipecat's ``FunctionCallObserver``): each call that started or
    went in progress must have completed, failed, timed out or been cancelled (pipecat #3661,
    flows #237: an orphaned in-progress call freezes the conversation or the flow).
    """
    title = "no function call left in progress"
    expected = "every function call completed, failed, timed out or was cancelled by the call's end"
    calls = result.function_calls
    if result.tool_call_id is None or calls is None:
        return _tool_call_not_seen(NO_CALL_LEFT, title, expected, result)
    left = calls.in_progress_now()
    counts = ", ".join(
        f"{n} {kind}"
        for kind in ("started", "in_progress", "completed", "failed", "timed_out", "cancelled")
        if (n := len(calls.of_kind(kind)))
    )
    if not left and result.aggregator_in_progress_at_end:
        return check(
            NO_CALL_LEFT,
            title,
            False,
            expected,
            f"the observer saw every call settle (events: {counts}), but the assistant "
            "aggregator still counted a function call in progress when the call ended "
            "(pipecat #3661: a cancel that overtook FunctionCallInProgressFrame)",
            left_in_progress=1,
        )
    if left:
        names = ", ".join(f"{e.function_name} ({e.tool_call_id})" for e in left)
        return check(
            NO_CALL_LEFT,
            title,
            False,
            expected,
            f"still in progress when the call ended: {names} (events: {counts})",
            left_in_progress=len(left),
        )
    return check(
        NO_CALL_LEFT,
        title,
        True,
        expected,
        f"all settled (events: {counts})"
        + (
            "; the assistant aggregator is not visible from outside this bot"
            if result.aggregator_in_progress_at_end is None
            else ""
        ),
        left_in_progress=0,
    )


def judge_end_call_spared_caller(result: BargeInResult) -> Check:
    """``interrupt.end_call_spared_caller``: an ``end_call`` the caller interrupted does not hang up.

    pipecat #4997: a function call from an interrupted generation still ran and ``end_call`` hung
    up on a caller who was still talking.
    """
    title = "an interrupted end_call did not hang up on the caller"
    expected = "the end_call in progress at the barge-in does not end the call"
    if result.tool_call_id is None:
        return _tool_call_not_seen(END_CALL_SPARED, title, expected, result)
    if not result.bot_calls:
        return Check(
            END_CALL_SPARED,
            title,
            Verdict.ERROR,
            expected,
            "not judged: from outside a --bot-cmd bot voicectl cannot tell which function call "
            "ended the call",
        )
    if result.tool_call_name != "end_call":
        return Check(
            END_CALL_SPARED,
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the call in progress at the barge-in was {result.tool_call_name}, "
            "not end_call",
            "Run with --function end_call.",
        )
    if result.hung_up_by == result.tool_call_id:
        return check(
            END_CALL_SPARED,
            title,
            False,
            expected,
            f"the interrupted end_call ({result.tool_call_id}) still ran and hung up on the caller",
        )
    later = (
        f"; a later end_call ({result.hung_up_by}) ended the call"
        if result.hung_up_by
        else "; the call was not ended by the bot"
    )
    return check(
        END_CALL_SPARED,
        title,
        True,
        expected,
        f"the interrupted end_call ({result.tool_call_id}) did not hang up{later}",
    )


def judge_flow_reached_next_node(result: BargeInResult) -> Check:
    """``interrupt.flow_reached_next_node``: the flow moves past the node whose function the
    caller interrupted (flows #237: an interrupted call left the flow stuck for good)."""
    title = "the flow reached its next node"
    expected = "the FlowManager left its first node by the end of the call"
    if result.tool_call_id is None:
        return _tool_call_not_seen(FLOW_NEXT_NODE, title, expected, result)
    if result.flow_start_node is None:
        return Check(
            FLOW_NEXT_NODE,
            title,
            Verdict.ERROR,
            expected,
            "not exercised: the bot runs no pipecat.flows FlowManager",
            "Run with --bot flows.",
        )
    node = result.flow_node_at_end
    return check(
        FLOW_NEXT_NODE,
        title,
        node is not None and node != result.flow_start_node,
        expected,
        f"the flow was in node {node!r} when the call ended (it started in "
        f"{result.flow_start_node!r})",
    )
