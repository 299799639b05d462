"""``voicectl chaos media-gap``: the caller's media stops mid-utterance, the socket left open."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.checks.caller_faults import (
    judge_media_gap_bot_responsive,
    judge_media_gap_idle_handled,
    judge_media_gap_turn_ended,
)
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    CallerOptions,
    IdleCheckinOpt,
    IdleEndCallOpt,
    parse_seconds_or_never,
    with_caller_options,
)
from voicectl.cli.common import (
    Outputs,
    parse_line_option,
    usage_errors,
)
from voicectl.cli.report_options import with_report_outputs
from voicectl.conversation.media_gap import run_media_gap
from voicectl.conversation.timeline import CallTimeline
from voicectl.errors import InputError
from voicectl.outcome.caller_faults import MediaGapPlan, MediaGapResult
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["media_gap"]


@chaos_app.command("media-gap")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
@with_caller_options()
def media_gap(
    resume_after: Annotated[
        str,
        typer.Option(
            "--resume-after",
            help="Seconds the caller's media stays stopped, or 'never' (the socket stays open).",
        ),
    ] = "5",
    into: Annotated[
        float,
        typer.Option(
            "--into", help="Stop the media this many seconds into the caller's utterance.", min=0.1
        ),
    ] = 1.0,
    turn_within: Annotated[
        float,
        typer.Option(
            "--turn-within",
            help="Bound for the bot to end the caller's turn after the media stops, seconds.",
            min=0.1,
        ),
    ] = 8.0,
    answer_within: Annotated[
        float,
        typer.Option(
            "--answer-within",
            help="Bound for the bot to answer once the media resumes, seconds.",
            min=0.1,
        ),
    ] = 6.0,
    idle_within: Annotated[
        float,
        typer.Option(
            "--idle-within",
            help="With --resume-after never: bound for the bot to check in or end the call after its answer, seconds.",
            min=0.5,
            max=60.0,
        ),
    ] = 8.0,
    audio_idle_timeout: Annotated[
        float,
        typer.Option(
            "--bot-audio-idle-timeout",
            help="Reference bot: Pipecat VADProcessor(audio_idle_timeout=...) in seconds; 0 turns it off (Pipecat #4124).",
            min=0.0,
            max=30.0,
        ),
    ] = 1.0,
    idle_checkin: IdleCheckinOpt = 0.0,
    idle_end_call: IdleEndCallOpt = False,
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller's media stops mid-utterance, socket open: does the turn end and the bot carry on?"""
    with usage_errors():
        check_bot_choice(
            caller.url,
            bot,
            {
                "--bot-audio-idle-timeout": audio_idle_timeout != 1.0,
                "--bot-idle-checkin": idle_checkin > 0,
                "--bot-idle-end-call": idle_end_call,
            },
            carrier=caller.carrier.value,
        )
        if idle_end_call and not idle_checkin:
            raise InputError("--bot-idle-end-call needs --bot-idle-checkin SECONDS (when to end)")
        gap = parse_seconds_or_never(resume_after, "--resume-after", 0.1, 60)
        if gap is not None and idle_within != 8.0:
            raise InputError("--idle-within applies to --resume-after never only")
        call = caller.recording(2)
        first = call.script.utterances[0] if call.script else None
        if first is not None and into >= first.end - first.start:
            raise InputError(
                f"--into {into} is past the end of the caller's first utterance "
                f"({first.end - first.start:.1f} s)"
            )
        line_spec = parse_line_option(caller.line)
    plan = MediaGapPlan(
        into_utterance_s=into, gap_s=gap, turn_wait_s=turn_within, idle_wait_s=idle_within
    )
    config = ReferenceBotConfig(
        vad_audio_idle_timeout=audio_idle_timeout,
        idle_checkin_s=idle_checkin,
        idle_end_call=idle_end_call,
    )
    side = caller.side(bot, config, call, line_spec)

    def judge(result: MediaGapResult) -> list[Check]:
        checks = [judge_media_gap_turn_ended(result, bound_s=turn_within)]
        if gap is not None:
            checks.append(judge_media_gap_bot_responsive(result, bound_s=answer_within))
        checks.append(judge_media_gap_idle_handled(result, bound_s=idle_within))
        return checks

    args = {"into_s": into, "resume_after_s": gap}
    experiment = CallerFaultExperiment(
        "chaos media-gap", args, side.directed(run_media_gap, plan), judge, _timeline
    )
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


def _timeline(report: Report, result: MediaGapResult) -> None:
    outcome, timeline = result.outcome, CallTimeline(report)
    for turn in (result.cut, result.after):
        if turn is not None:
            timeline.utterance(turn.utterance)
    for start, end in outcome.media_gaps:
        timeline.event(start, "carrier", "media stops (socket open)", "media_gap", end=end)
        if end is not None:
            timeline.row(end, "carrier", "media resumes")
    turn_end = result.turn_end_after_gap_s()
    if turn_end is not None and result.gap_start is not None:
        t = result.gap_start + turn_end
        timeline.event(t, "bot", "pipeline ends the caller's turn", "turn_end")
    for run in outcome.runs:
        timeline.audio_run(run, "audio" if run.voiced else "digital silence")
    timeline.call_error(outcome)
    timeline.add_table()
