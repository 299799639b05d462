"""``voicectl chaos silence``: the caller says nothing after the bot's answer."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.checks.caller_faults import judge_silence_reengaged
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    CallerOptions,
    IdleCheckinOpt,
    IdleEndCallOpt,
    with_caller_options,
)
from voicectl.cli.common import (
    Outputs,
    parse_line_option,
    usage_errors,
)
from voicectl.cli.report_options import with_report_outputs
from voicectl.conversation.silence import run_silence
from voicectl.conversation.timeline import CallTimeline
from voicectl.errors import InputError
from voicectl.outcome.caller_faults import SilencePlan, SilenceResult
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["silence"]


@chaos_app.command("silence")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
@with_caller_options()
def silence(
    within: Annotated[
        float,
        typer.Option(
            "--within",
            help="Bound for the bot to speak again (or end the call) after its reply, seconds.",
            min=0.5,
            max=120.0,
        ),
    ] = 8.0,
    listen: Annotated[
        float | None,
        typer.Option(
            "--listen",
            help="How long the caller stays silent before hanging up, seconds (default: --within + 4).",
            min=1.0,
            max=300.0,
        ),
    ] = None,
    idle_checkin: IdleCheckinOpt = 0.0,
    idle_end_call: IdleEndCallOpt = False,
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller says nothing after the bot's answer: does the bot check in or end the call?"""
    with usage_errors():
        check_bot_choice(
            caller.url,
            bot,
            {"--bot-idle-checkin": idle_checkin > 0, "--bot-idle-end-call": idle_end_call},
            carrier=caller.carrier.value,
        )
        if idle_end_call and not idle_checkin:
            raise InputError("--bot-idle-end-call needs --bot-idle-checkin SECONDS (when to end)")
        call = caller.recording(1)
        listen_s = listen if listen is not None else within + 4.0
        if listen_s < within:
            raise InputError(f"--listen {listen_s} is shorter than --within {within}")
        line_spec = parse_line_option(caller.line)
    plan = SilencePlan(listen_s=listen_s)
    config = ReferenceBotConfig(idle_checkin_s=idle_checkin, idle_end_call=idle_end_call)
    side = caller.side(bot, config, call, line_spec)

    def judge(result: SilenceResult) -> list[Check]:
        return [judge_silence_reengaged(result, bound_s=within)]

    args = {"within_s": within, "listen_s": listen_s}
    experiment = CallerFaultExperiment(
        "chaos silence", args, side.directed(run_silence, plan), judge, _timeline
    )
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


def _timeline(report: Report, result: SilenceResult) -> None:
    outcome, timeline = result.outcome, CallTimeline(report)
    if result.question is not None:
        u = result.question.utterance
        timeline.utterance(u, f"says {u.text!r}, then nothing")
    for run in outcome.runs:
        what = "audio" if run.voiced else "digital silence"
        timeline.audio_run(run, what, show_clear=False, voiced=run.voiced)
    if outcome.closed_by_bot:
        what = f"ends the call (close {outcome.close_code})"
        timeline.event(outcome.duration_s, "bot", what, "closed", code=outcome.close_code)
    else:
        if outcome.ended_at is not None:
            timeline.row(outcome.ended_at, "caller", "hangs up")
        timeline.call_error(outcome)
    timeline.add_table()
