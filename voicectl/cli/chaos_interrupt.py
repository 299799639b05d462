"""``voicectl chaos interrupt``: the caller barges in while the bot speaks or is in a function call."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from voicectl.bot.full import FUNCTIONS, full_bot_llm_script, load_flow
from voicectl.bot.pipeline import BotBrain, BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.checks.conversation import (
    judge_audio_stopped,
    judge_clear_sent,
    judge_conversation_continues,
    judge_end_call_spared_caller,
    judge_flow_reached_next_node,
    judge_no_call_left_in_progress,
)
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.cli.applicability import reject_reference_bot_options
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import BotTarget, check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, CallerSide, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    AudioOpt,
    CarrierOpt,
    UrlOpt,
    VariantOpt,
    caller_call,
    check_variant_exercised,
)
from voicectl.cli.common import (
    BaselineOpt,
    CallerChannelOpt,
    LineOpt,
    Outputs,
    TrialsOpt,
    parse_line_option,
    usage_errors,
)
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.conversation.scenarios import run_barge_in
from voicectl.conversation.timeline import tabulate_barge_in
from voicectl.errors import InputError
from voicectl.outcome.conversation import BargeIn, BargeInResult
from voicectl.outcome.function_calls import FunctionCallLog
from voicectl.replay.runner import record_first_audio
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["During", "interrupt"]


class During(StrEnum):
    """What the bot is doing when the caller barges in."""

    REPLY = "reply"  # speaking (--during-reply seconds into its reply)
    TOOL_CALL = "tool-call"  # running a function call, as observed inside the bot


BotOpt = Annotated[
    BotBrain,
    typer.Option(
        "--bot",
        help="Reference bot: 'responder' (fast, speech-shaped replies) or 'full' (Pipecat's "
        "Deepgram STT, OpenAI LLM with registered functions, Cartesia TTS, against in-process fakes).",
    ),
]


@chaos_app.command("interrupt")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
def interrupt(
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    during: Annotated[
        During,
        typer.Option(
            "--during",
            help="Barge in while the bot speaks ('reply') or while a function call is in progress "
            "('tool-call': timed from the FunctionCallInProgressFrame seen inside the bot; needs --bot full).",
        ),
    ] = During.REPLY,
    reference_bot: BotOpt = BotBrain.RESPONDER,
    function: Annotated[
        str,
        typer.Option(
            "--function",
            help=f"Full bot (or --bot-cmd): the function the model calls on the caller's first turn ({', '.join(FUNCTIONS)}); "
            "--llm-script calls any of your bot's tools.",
        ),
    ] = "check_order_status",
    flow_config: Annotated[
        Path | None,
        typer.Option(
            "--flow-config",
            help="--bot flows: your pipecat.flows FlowConfig (YAML or JSON) instead of the built-in "
            "order -> report flow; its tools are the bot's functions, or transition_only.",
            dir_okay=False,
        ),
    ] = None,
    cancel_on_interruption: Annotated[
        bool,
        typer.Option(
            "--cancel-on-interruption/--no-cancel-on-interruption",
            help="Full bot: register_function(cancel_on_interruption=...) (Pipecat's default: on).",
        ),
    ] = True,
    into_tool_call: Annotated[
        float,
        typer.Option(
            "--into-tool-call",
            help="--during tool-call: barge in this many seconds after the call is seen in progress.",
            min=0,
        ),
    ] = 0.3,
    tool_wait: Annotated[
        float,
        typer.Option(
            "--tool-wait",
            help="--during tool-call: error if no function call is in progress this many seconds after the caller's first utterance.",
            min=0.5,
        ),
    ] = 15.0,
    during_reply: Annotated[
        float,
        typer.Option(
            "--during-reply", help="Barge in this many seconds into the bot's reply.", min=0
        ),
    ] = 1.0,
    at: Annotated[
        float | None,
        typer.Option(
            "--at",
            help="Barge in this many seconds after the first utterance ends, whatever the bot is doing.",
            min=0,
        ),
    ] = None,
    tool_delay: Annotated[
        float,
        typer.Option(
            "--tool-delay",
            help="Reference bot: how long each function call runs (full bot: the registered "
            "handlers; responder: a simulated call before each answer). Default 2 s on the full bot.",
            min=0,
        ),
    ] = 0.0,
    clear_within: Annotated[
        float,
        typer.Option("--clear-within", help="Bound for interrupt.clear_sent, seconds.", min=0.05),
    ] = 1.5,
    answer_within: Annotated[
        float,
        typer.Option(
            "--answer-within",
            help="Bound for interrupt.conversation_continues, seconds (the tool delay is added).",
            min=0.1,
        ),
    ] = 4.0,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    variant: VariantOpt = BotVariant.CORRECT,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    baseline: BaselineOpt = None,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller barges in while the bot speaks (or while it is in a function call): does it stop and answer?"""
    with usage_errors():
        full = reference_bot is not BotBrain.RESPONDER
        reference_only = {
            "--tool-delay": tool_delay > 0,
            "--bot-variant": variant is not BotVariant.CORRECT,
            "--bot": full,
            "--no-cancel-on-interruption": not cancel_on_interruption,
        }
        check_bot_choice(url, bot, reference_only, carrier=carrier.value)
        check_variant_exercised("chaos interrupt", variant)
        reject_reference_bot_options(
            url, {**reference_only, "--function": function != "check_order_status"}
        )
        if during is During.TOOL_CALL and bot is not None and "openai" not in bot.fakes:
            raise InputError(
                "--during tool-call with --bot-cmd needs --fake openai: the fake model calls "
                "--function on the caller's first turn"
            )
        if during is During.TOOL_CALL and url is not None:
            raise InputError(
                "--during tool-call times the barge-in from inside the bot: it needs the "
                "in-process reference bot (--bot full), not --url"
            )
        if during is During.TOOL_CALL and not full and bot is None:
            raise InputError(
                "--during tool-call needs a bot that makes real function calls: add --bot full"
            )
        if during is During.TOOL_CALL and at is not None:
            raise InputError("--during tool-call is timed from the observed call: drop --at")
        if function not in FUNCTIONS:
            raise InputError(
                f"--function {function!r}: unknown function (the full bot has {', '.join(FUNCTIONS)})"
            )
        if bot is not None and bot.llm_script is not None and function != "check_order_status":
            raise InputError(
                "--function and --llm-script both say which tool the model calls: keep --llm-script"
            )
        if not full and bot is None and function != "check_order_status":
            raise InputError("--function needs --bot full or --bot-cmd")
        if not full and not cancel_on_interruption:
            raise InputError("--no-cancel-on-interruption needs --bot full")
        if flow_config is not None and reference_bot is not BotBrain.FLOWS:
            raise InputError("--flow-config needs --bot flows")
        if full and variant is BotVariant.FREEZE_ON_INTERRUPTED_TOOL:
            raise InputError(
                "--bot-variant freeze-on-interrupted-tool is the responder's simulated function "
                "call (--tool-delay); the full bot runs Pipecat's own (it would be ignored)"
            )
        if during is not During.TOOL_CALL:
            for option, was_given in {
                "--into-tool-call": into_tool_call != 0.3,
                "--tool-wait": tool_wait != 15.0,
            }.items():
                if was_given:
                    raise InputError(f"{option} applies to --during tool-call only")
        # The responder's simulated function call: the caller barges in half-way through it.
        responder_tool_call = (
            bool(tool_delay) and at is None and url is None and bot is None and not full
        )
        if during_reply != 1.0:
            if during is During.TOOL_CALL:
                raise InputError("--during-reply applies to --during reply only")
            if at is not None:
                raise InputError("--during-reply and --at both time the barge-in: give one")
            if responder_tool_call:
                raise InputError(
                    "--during-reply does not apply with the responder's --tool-delay: the "
                    "caller barges in half-way through its simulated function call"
                )
        if clear_within != 1.5 and responder_tool_call:
            raise InputError(
                "--clear-within does not apply with the responder's --tool-delay: it is "
                "silent in its simulated function call, so there is no audio to clear"
            )
        if bot is not None and during is not During.TOOL_CALL and function != "check_order_status":
            raise InputError(
                "--function with --bot-cmd scripts the OpenAI fake for --during tool-call only"
            )
        flow = None if flow_config is None else load_flow(str(flow_config), function=function)
        call = caller_call(audio, 2, caller_channel)
        line_spec = parse_line_option(line)
    # Responder: with a simulated function call, barge in half-way through it (the reference
    # bot tells us when the caller's turn ended; a bot at --url needs --at).
    after_turn_end = (
        tool_delay / 2
        if tool_delay and at is None and url is None and bot is None and not full
        else None
    )
    plan = BargeIn(
        during_reply_s=during_reply,
        at_s=at,
        after_turn_end_s=after_turn_end,
        into_tool_call_s=into_tool_call if during is During.TOOL_CALL else None,
        tool_call_wait_s=tool_wait,
    )
    config = ReferenceBotConfig(
        reply_secs=4.0,
        tool_delay_s=tool_delay,
        variant=variant,
        brain=reference_bot,
        cancel_on_interruption=cancel_on_interruption,
        function=function,
        flow_config=flow,
    )
    tool_s = tool_delay or (2.0 if full else 0.0)
    tool_call = during is During.TOOL_CALL
    if bot is not None and tool_call and bot.llm_script is None:
        # The user's bot, its OpenAI fake scripted to call --function, seen from inside.
        bot = replace(bot, llm_script=full_bot_llm_script(function))
    side = CallerSide(url, carrier.value, bot, config, call, line_spec)

    async def run(target: BotTarget) -> BargeInResult:
        bot_run = target.run
        if bot_run is not None and tool_call:
            return await run_barge_in(
                call,
                plan,
                url=target.url,
                carrier=carrier.value,
                line=line_spec,
                live_calls=lambda: FunctionCallLog.from_inside(
                    e for w in bot_run.inside.workers.values() for e in w.events
                ),
            )
        return await run_barge_in(
            call, plan, url=target.url, carrier=carrier.value, bot_config=config, line=line_spec
        )

    async def look_inside(target: BotTarget, report: Report, result: BargeInResult) -> None:
        if bot is not None and not tool_call:
            await target.inside_judged(report, result.outcome)

    def judge(result: BargeInResult) -> list[Check]:
        checks = []
        # Inside a simulated function call (the responder) the bot is silent by design; during
        # a real one it may be speaking the model's words or not: the clear and audio checks are
        # judged only when there was audio to clear, and the answer that must still come judges
        # the barge-in.
        if plan.after_turn_end_s is None and (not tool_call or result.bot_audio_at_onset):
            checks += [judge_clear_sent(result, bound_s=clear_within), judge_audio_stopped(result)]
        checks.append(judge_conversation_continues(result, bound_s=answer_within + tool_s))
        if tool_call:
            checks.append(judge_no_call_left_in_progress(result))
            if function == "end_call":
                checks.append(judge_end_call_spared_caller(result))
            if reference_bot is BotBrain.FLOWS:
                checks.append(judge_flow_reached_next_node(result))
        if result.outcome.protocol is not None:
            checks.append(
                judge_carrier_protocol(
                    "call",
                    result.outcome.protocol,
                    connected=not result.outcome.unreachable,
                    call_error=result.outcome.error,
                )
            )
        return checks

    def timeline(report: Report, result: BargeInResult) -> None:
        tabulate_barge_in(report, result)
        record_first_audio(report, [result.outcome])

    args = {
        "during_reply_s": during_reply,
        "at_s": at,
        "tool_delay_s": tool_delay,
        "during": during.value,
        "into_tool_call_s": into_tool_call if tool_call else None,
    }
    experiment = CallerFaultExperiment(
        "chaos interrupt",
        args,
        run,
        judge,
        timeline,
        look_inside=look_inside,
        recordings=True,
        line_label="barge-in call",
    )
    run_caller_experiment(side, experiment, outputs_of(outputs, trials), trials, baseline)
