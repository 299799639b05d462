"""Verdicts on how a bot lets go of a call the carrier ended: hang-up and carrier close."""

from __future__ import annotations

from voicectl.outcome.conversation import CallEndingResult
from voicectl.report.model import Check, Verdict, check

__all__ = ["judge_bot_released_call", "judge_pipeline_ended", "judge_tasks_released"]


def _ending_name(result: CallEndingResult) -> str:
    return result.ending.describe()


def judge_bot_released_call(
    prefix: str, result: CallEndingResult, *, bound_s: float = 2.0
) -> Check:
    """``<prefix>.bot_released_call``: the bot closes its side of the socket when the carrier goes."""
    outcome = result.outcome
    title = "bot closed its side of the call"
    expected = f"the bot closes its side within {bound_s:.1f} s of the carrier ending the call"
    if outcome.unreachable:
        return Check(
            f"{prefix}.bot_released_call",
            title,
            Verdict.ERROR,
            expected,
            f"not exercised: the call never connected ({outcome.error})",
        )
    if outcome.error:
        return check(f"{prefix}.bot_released_call", title, False, expected, outcome.error)
    after = f"; it sent {outcome.messages_after_end} message(s) ({outcome.media_after_end} media) after that"
    if outcome.close_handshake_s is None:
        return check(
            f"{prefix}.bot_released_call",
            title,
            False,
            expected,
            f"the bot still held the connection {result.ending.close_wait_s:.1f} s after the carrier {_ending_name(result)}{after}",
        )
    code = f" with code {outcome.bot_close_code}" if outcome.bot_close_code is not None else ""
    return check(
        f"{prefix}.bot_released_call",
        title,
        outcome.close_handshake_s <= bound_s,
        expected,
        f"bot closed its side{code} {outcome.close_handshake_s:.3f} s after the carrier {_ending_name(result)}{after}",
        release_s=round(outcome.close_handshake_s, 4),
        messages_after_end=outcome.messages_after_end,
    )


def judge_pipeline_ended(
    prefix: str,
    result: CallEndingResult,
    *,
    bound_s: float = 5.0,
    waited_s: float = 10.0,
    unseen: str = "",
) -> Check:
    """``<prefix>.pipeline_ended``: the bot's pipeline finishes after the call ends (the
    in-process bot, or a ``--bot-cmd`` bot seen from inside; ``unseen`` says why it was not)."""
    title = "bot pipeline ended with the call"
    expected = f"the pipeline finishes within {bound_s:.1f} s of the carrier ending the call"
    if unseen:
        return Check(f"{prefix}.pipeline_ended", title, Verdict.ERROR, expected, unseen)
    end_s = result.pipeline_end_s
    if end_s is None:
        running = result.bot_calls[0].leftover_tasks if result.bot_calls else []
        tasks = f"; still running: {', '.join(running[:5])}" if running else ""
        return check(
            f"{prefix}.pipeline_ended",
            title,
            False,
            expected,
            f"the pipeline was still running {waited_s:.0f} s after the carrier {_ending_name(result)}{tasks}",
        )
    return check(
        f"{prefix}.pipeline_ended",
        title,
        end_s <= bound_s,
        expected,
        f"pipeline finished {end_s:.3f} s after the carrier {_ending_name(result)}",
        pipeline_end_s=round(end_s, 4),
    )


def judge_tasks_released(prefix: str, result: CallEndingResult) -> Check:
    """``<prefix>.tasks_released``: no task the call's pipeline started outlives it."""
    title = "no pipeline task left running"
    expected = "every task the call's pipeline started has finished when the pipeline ends"
    if result.pipeline_end_s is None:
        return check(
            f"{prefix}.tasks_released",
            title,
            False,
            expected,
            "the pipeline never finished, so its tasks are still running",
        )
    left = result.bot_calls[0].leftover_tasks
    return check(
        f"{prefix}.tasks_released",
        title,
        not left,
        expected,
        "none left" if not left else f"{len(left)} still running: {', '.join(left[:5])}",
        leftover_tasks=len(left),
    )
