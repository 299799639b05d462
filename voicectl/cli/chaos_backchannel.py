"""``voicectl chaos backchannel``: "mm-hmm" while the bot talks, then a real barge-in."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.audio.backchannel import BACKCHANNELS
from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.checks.caller_faults import judge_backchannel_not_yielded
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import check_bot_choice, inside_rows
from voicectl.cli.caller_experiment import CallerFaultExperiment, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    CallerOptions,
    check_variant_exercised,
    with_caller_options,
)
from voicectl.cli.common import (
    Outputs,
    parse_line_option,
    usage_errors,
)
from voicectl.cli.report_options import with_report_outputs
from voicectl.conversation.backchannel import run_backchannels
from voicectl.conversation.timeline import CallTimeline
from voicectl.errors import InputError
from voicectl.outcome.caller_faults import BackchannelPlan, BackchannelResult
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["backchannel"]


def _parse_backchannels(text: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """``mm-hmm@1.0,oh@2.2`` -> kinds and seconds into the bot's reply."""
    kinds: list[str] = []
    offsets: list[float] = []
    for item in (part.strip() for part in text.split(",")):
        kind, _, at = item.partition("@")
        if kind not in BACKCHANNELS:
            raise InputError(
                f"--say: unknown backchannel {kind!r}; choose from {', '.join(BACKCHANNELS)}"
            )
        try:
            offset = float(at)
        except ValueError:
            raise InputError(f"--say: {item!r} needs KIND@SECONDS, e.g. mm-hmm@1.0") from None
        if not 0 <= offset <= 60:
            raise InputError(f"--say: {item!r}: seconds into the reply must be 0-60")
        kinds.append(kind)
        offsets.append(offset)
    if offsets != sorted(offsets):
        raise InputError("--say: give the backchannels in the order they are made")
    return tuple(kinds), tuple(offsets)


@chaos_app.command("backchannel")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
@with_caller_options(variant=True)
def backchannel(
    say: Annotated[
        str,
        typer.Option(
            "--say",
            help=f"Backchannels as KIND@SECONDS into the bot's reply, comma-separated ({', '.join(BACKCHANNELS)}).",
        ),
    ] = "mm-hmm@1.0,oh@2.2",
    barge_in: Annotated[
        float,
        typer.Option(
            "--barge-in", help="A real barge-in this many seconds into the bot's reply.", min=0.1
        ),
    ] = 3.6,
    gap_bound: Annotated[
        float,
        typer.Option(
            "--gap-bound",
            help="Longest pause in the bot's audio after a backchannel that is not yielding, seconds.",
            min=0.02,
        ),
    ] = 0.3,
    clear_within: Annotated[
        float,
        typer.Option("--clear-within", help="Bound for the barge-in's clear, seconds.", min=0.05),
    ] = 1.5,
    vad_start: Annotated[
        float,
        typer.Option(
            "--bot-vad-start",
            help="Reference bot: seconds of speech its VAD needs to start the caller's turn (Pipecat VADParams.start_secs).",
            min=0.05,
            max=2.0,
        ),
    ] = 0.2,
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller says "mm-hmm" while the bot talks, then barges in: does the bot keep talking, then stop?"""
    with usage_errors():
        check_bot_choice(
            caller.url,
            bot,
            {
                "--bot-vad-start": vad_start != 0.2,
                "--bot-variant": caller.variant is not BotVariant.CORRECT,
            },
            carrier=caller.carrier.value,
        )
        check_variant_exercised("chaos backchannel", caller.variant)
        kinds, offsets = _parse_backchannels(say)
        if barge_in <= offsets[-1]:
            raise InputError(
                f"--barge-in {barge_in} must come after the last backchannel ({offsets[-1]} s)"
            )
        call = caller.recording(2)
        line_spec = parse_line_option(caller.line)
    plan = BackchannelPlan(kinds=kinds, into_reply_s=offsets, barge_in_s=barge_in)
    config = ReferenceBotConfig(
        reply_secs=barge_in + 2.5, vad_start_secs=vad_start, variant=caller.variant
    )
    side = caller.side(bot, config, call, line_spec)

    def judge(result: BackchannelResult) -> list[Check]:
        return [
            judge_backchannel_not_yielded(result, gap_bound_s=gap_bound, clear_bound_s=clear_within)
        ]

    experiment = CallerFaultExperiment(
        "chaos backchannel",
        {"say": say, "barge_in_s": barge_in},
        side.directed(run_backchannels, plan),
        judge,
        _timeline,
    )
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


def _timeline(report: Report, result: BackchannelResult) -> None:
    outcome, timeline = result.outcome, CallTimeline(report)
    if result.first is not None:
        timeline.utterance(result.first.utterance)
    for b in result.sent:
        state = "while the bot talks" if b.bot_talking else "(bot silent)"
        timeline.event(
            b.start, "caller", f"{b.kind!r} {state}", "backchannel", end=b.end, said=b.kind
        )
    if result.barge is not None:
        u = result.barge.utterance
        timeline.utterance(u, f"barges in: {u.text!r}")
    for run in outcome.runs:
        timeline.audio_run(run)
    inside = {"turn_start": "pipeline starts a user turn", "interruption": "pipeline interrupts"}
    for t, what in inside_rows(result.call, inside):
        timeline.event(t, "bot", what, "inside", what=what)
    for clear in outcome.clears:
        timeline.event(clear.t, "bot", "clear", "clear", during_bot_audio=clear.during_bot_audio)
    timeline.call_error(outcome)
    timeline.add_table()
