"""Verdicts of Pipecat heartbeats: no alarm in a healthy pipeline, an alarm in a stuck one."""

from __future__ import annotations

from voicectl.outcome.conversation import HEARTBEAT_MONITOR_S, HeartbeatResult
from voicectl.report.model import Check, Verdict, check

__all__ = ["judge_heartbeat_detects_stall", "judge_heartbeat_no_false_alarm"]


def _times(ts: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in ts)


def judge_heartbeat_no_false_alarm(result: HeartbeatResult) -> Check:
    """``heartbeat.no_false_alarm``: a healthy pipeline never raises ``on_heartbeat_timeout``."""
    title = "no heartbeat timeout in a healthy pipeline"
    reply = result.reply
    length = "" if result.plan.reply_s is None else f" with a {result.plan.reply_s:g} s reply"
    expected = f"no on_heartbeat_timeout while the bot answers{length}"
    if result.unseen:
        return Check("heartbeat.no_false_alarm", title, Verdict.ERROR, expected, result.unseen)
    if reply is None:
        why = result.outcome.error or "the bot never replied"
        return Check("heartbeat.no_false_alarm", title, Verdict.ERROR, expected, why)
    during = f"its reply played {reply[0]:.1f}-{reply[1]:.1f} s"
    if not result.timeouts:
        return check(
            "heartbeat.no_false_alarm", title, True, expected, f"none; {during}", timeouts=0
        )
    return check(
        "heartbeat.no_false_alarm",
        title,
        False,
        expected,
        f"on_heartbeat_timeout at {_times(result.timeouts)} s in a healthy pipeline; {during}",
        detail="The heartbeat frame waits behind the reply's queued audio in the output "
        f"transport: a reply longer than heartbeats_monitor_secs ({HEARTBEAT_MONITOR_S:g} s) "
        "raises the alarm.",
        timeouts=len(result.timeouts),
        first_timeout_s=round(result.timeouts[0], 2),
    )


def judge_heartbeat_detects_stall(result: HeartbeatResult, *, slack_s: float = 2.0) -> Check:
    """``heartbeat.detects_stall``: a pipeline stuck longer than the monitor raises the alarm."""
    title = "heartbeat timeout raised for a stuck pipeline"
    bound = HEARTBEAT_MONITOR_S + slack_s
    expected = f"on_heartbeat_timeout within {bound:g} s of the pipeline getting stuck"
    if result.unseen:
        return Check("heartbeat.detects_stall", title, Verdict.ERROR, expected, result.unseen)
    if result.stalled_at is None:
        why = result.outcome.error or "the pipeline never got stuck (the caller's turn never ended)"
        return Check("heartbeat.detects_stall", title, Verdict.ERROR, expected, why)
    after = [t - result.stalled_at for t in result.timeouts if t >= result.stalled_at]
    stuck = f"stuck for {result.plan.stall_s:g} s at {result.stalled_at:.2f} s"
    if not after:
        return check(
            "heartbeat.detects_stall",
            title,
            False,
            expected,
            f"{stuck}; on_heartbeat_timeout never fired",
            detected_after_s=None,
        )
    return check(
        "heartbeat.detects_stall",
        title,
        after[0] <= bound,
        expected,
        f"{stuck}; on_heartbeat_timeout {after[0]:.2f} s later ({len(after)} time(s))",
        detected_after_s=round(after[0], 2),
    )
