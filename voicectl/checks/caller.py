"""Verdicts of caller impact: after a fault, is the caller answered, and does the call end cleanly?

Plain data in, :class:`~voicectl.report.model.Check` out; times are call seconds. A caller who
finished speaking is waiting until the bot says something (its audio reaches the line) or ends
the call; a wait longer than the bound is silence the caller hears, whatever broke inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicectl.audio.script import Utterance
from voicectl.report.model import Check, Verdict, check

__all__ = [
    "DEFAULT_SILENCE_BOUND_S",
    "CallerTimeline",
    "judge_bot_stopped_cleanly",
    "judge_call_ended_cleanly",
    "judge_caller_not_left_in_silence",
]

#: How long a caller may wait for the bot after a fault (seconds): past ~8 s of dead air callers
#: start asking "hello?" or hang up; Pipecat's own reconnect budget (3 tries, 4 s apart) already
#: takes ~12 s, so a bot that only waits out its provider fails this.
DEFAULT_SILENCE_BOUND_S = 8.0


@dataclass(frozen=True)
class CallerTimeline:
    """One call as the caller lived it."""

    utterances: Sequence[Utterance]
    bot_audio: Sequence[tuple[float, float]]  # runs of bot audio (start, end)
    call_end: float  # when the call ended (either side)
    bot_ended_at: float | None = None  # the bot closed the call at this moment

    def answer_after(self, t: float) -> tuple[float, str] | None:
        """When and how the bot next answered after ``t``: its audio or its hang-up."""
        answers = [(start, "spoke") for start, _ in self.bot_audio if start > t]
        if self.bot_ended_at is not None and self.bot_ended_at > t:
            answers.append((self.bot_ended_at, "ended the call"))
        return min(answers) if answers else None


def _quote(text: str, limit: int = 30) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def judge_caller_not_left_in_silence(
    label: str,
    timeline: CallerTimeline,
    fault_at: float,
    *,
    bound_s: float = DEFAULT_SILENCE_BOUND_S,
) -> Check:
    """``caller.silence_bounded``: after the fault, every caller utterance is answered (the bot
    speaks or ends the call) within ``bound_s`` of its end."""
    title = f"{label}: caller not left in silence after the fault at {fault_at:.1f} s"
    expected = (
        f"every utterance waiting for an answer when the fault hit or ending after it is answered "
        f"(bot audio or the bot ending the call) within {bound_s:.1f} s"
    )
    # The utterances after the fault, and the caller's last one before it if it was still
    # waiting for an answer when the fault hit (an LLM fault fires on the request the caller's
    # last turn made). An earlier unanswered one the caller talked past before the fault is
    # not the fault's silence (replay.bot_answered judges it).
    after = [
        u
        for u in timeline.utterances
        if u.end > fault_at
        or (
            (timeline.answer_after(u.end) or (float("inf"),))[0] > fault_at
            and not any(u.end < v.start <= fault_at for v in timeline.utterances)
        )
    ]
    waits: list[tuple[float, Utterance, str]] = []
    unjudged = []
    for utterance in after:
        answer = timeline.answer_after(utterance.end)
        if answer is not None:
            waits.append((answer[0] - utterance.end, utterance, answer[1]))
        elif timeline.call_end - utterance.end > bound_s:
            waits.append((timeline.call_end - utterance.end, utterance, "never answered"))
        else:
            unjudged.append(utterance)
    if not waits:
        why = (
            "no caller utterance ends after the fault"
            if not after
            else f"the call ended less than {bound_s:.1f} s after the last unanswered utterance"
        )
        return Check(
            "caller.silence_bounded", title, Verdict.ERROR, expected, f"could not be judged: {why}"
        )
    wait, worst, how = max(waits, key=lambda w: w[0])
    index = list(timeline.utterances).index(worst) + 1
    if how == "never answered":
        observed = (
            f"utterance {index} ({_quote(worst.text)}, ended {worst.end:.1f} s) was never answered: "
            f"{wait:.1f} s of silence until the call ended"
        )
    else:
        observed = (
            f"longest wait {wait:.2f} s: utterance {index} ({_quote(worst.text)}, ended "
            f"{worst.end:.1f} s), then the bot {how}"
        )
    observed += f"; {len(waits)} utterance(s) after the fault judged"
    if unjudged:
        observed += f", {len(unjudged)} not (the call ended first)"
    return check(
        "caller.silence_bounded",
        title,
        wait <= bound_s,
        expected,
        observed,
        longest_wait_s=round(wait, 3),
        judged=len(waits),
    )


def judge_call_ended_cleanly(
    label: str, *, hooked: bool, pipeline_ended: bool, why_unseen: str = ""
) -> Check:
    """``call.ended_cleanly``: the bot's pipeline for the call ended after the call did."""
    title = f"{label}: the bot's pipeline for the call ended"
    expected = "the call's PipelineWorker finished (on_pipeline_finished) once the call was over"
    if not hooked:
        return Check(
            "call.ended_cleanly",
            title,
            Verdict.ERROR,
            expected,
            f"could not be judged: {why_unseen}",
        )
    return check(
        "call.ended_cleanly",
        title,
        pipeline_ended,
        expected,
        "the pipeline finished"
        if pipeline_ended
        else "the call is over but its pipeline never reported its end: it is still running in the bot",
    )


def judge_bot_stopped_cleanly(
    *, exit_code: int | None, killed: bool, left_running: bool, stop_timeout_s: float
) -> Check:
    """``bot.stopped_cleanly``: SIGTERM stops the bot and nothing of its process group is left."""
    title = "the bot stopped on SIGTERM with nothing left running"
    expected = f"the bot exits within {stop_timeout_s:.0f} s of SIGTERM and no process of its group is left"
    if left_running:
        observed = "processes of the bot's group were still running after SIGKILL"
    elif killed:
        observed = f"the bot ignored SIGTERM for {stop_timeout_s:.0f} s and had to be killed"
    else:
        observed = f"exited with code {exit_code} on SIGTERM; nothing of its group left running"
    return check("bot.stopped_cleanly", title, not (killed or left_running), expected, observed)
