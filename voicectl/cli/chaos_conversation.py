"""``voicectl chaos interrupt | hangup | carrier-close``: conversation faults against a bot."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.bot.full import FUNCTIONS, full_bot_llm_script, load_flow
from voicectl.bot.pipeline import BotBrain, BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.checks.conversation import (
    judge_audio_stopped,
    judge_bot_released_call,
    judge_clear_sent,
    judge_conversation_continues,
    judge_end_call_spared_caller,
    judge_flow_reached_next_node,
    judge_no_call_left_in_progress,
    judge_pipeline_ended,
    judge_tasks_released,
)
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.cli.applicability import reject_reference_bot_options
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import bot_target, check_bot_choice
from voicectl.cli.chaos import chaos_app
from voicectl.cli.common import (
    BaselineOpt,
    CallerChannel,
    CallerChannelOpt,
    Gating,
    LineOpt,
    Outputs,
    TrialsOpt,
    execute,
    fail_usage,
    parse_line_option,
    print_notices,
)
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.conversation.scenarios import run_barge_in, run_call_ending
from voicectl.errors import InputError
from voicectl.faults.base import check_close_code
from voicectl.outcome.conversation import (
    BargeIn,
    BargeInResult,
    CallEnding,
    CallEndingResult,
    ServedCall,
)
from voicectl.outcome.function_calls import FunctionCallLog
from voicectl.replay.runner import add_line_table, record_first_audio
from voicectl.report import Report
from voicectl.report.compare import recording_fingerprints

__all__ = [
    "AudioOpt",
    "CarrierOpt",
    "UrlOpt",
    "VariantOpt",
    "caller_call",
    "carrier_close",
    "check_bot_url",
    "hangup",
    "interrupt",
]

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Your bot's ws:// URL (default: the in-process reference bot)."),
]
CarrierOpt = Annotated[CarrierName, typer.Option("--carrier", help="Carrier protocol to speak.")]
AudioOpt = Annotated[
    Path | None,
    typer.Option(
        "--audio",
        help="Caller audio; its utterances come from its sidecar, or from the audio (default: the bundled order_status call).",
    ),
]
VariantOpt = Annotated[
    BotVariant,
    typer.Option(
        "--bot-variant",
        help="Reference bot with a known production bug reproduced, to see a check fail.",
    ),
]


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


def _caller(audio: Path | None, need: int, caller_channel: CallerChannel | None = None) -> Call:
    call = (
        load_call(audio, caller_channel=caller_channel.value if caller_channel else None)
        if audio
        else next(c for c in bundled_calls() if c.name == "order_status")
    )
    print_notices(call.notices)
    utterances = call.script.utterances
    if len(utterances) < need:
        raise InputError(
            f"{call.audio.source}: needs at least {need} caller utterances, "
            f"its {_origin(call)} has {len(utterances)}"
        )
    return call


def _origin(call: Call) -> str:
    return "sidecar" if call.script.source == "sidecar" else "audio (Silero VAD)"


def _check_url(url: str | None) -> None:
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise InputError(f"--url must be a ws:// or wss:// URL, got {url!r}")


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
    try:
        full = reference_bot is not BotBrain.RESPONDER
        reference_only = {
            "--tool-delay": tool_delay > 0,
            "--bot-variant": variant is not BotVariant.CORRECT,
            "--bot": full,
            "--no-cancel-on-interruption": not cancel_on_interruption,
        }
        check_bot_choice(url, bot, reference_only, carrier=carrier.value)
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
        flow = None if flow_config is None else load_flow(str(flow_config), function=function)
        call = _caller(audio, 2, caller_channel)
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
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
    report = Report(
        command="chaos interrupt",
        args={
            "url": url,
            "carrier": carrier.value,
            "during_reply_s": during_reply,
            "at_s": at,
            "tool_delay_s": tool_delay,
            "during": during.value,
            "into_tool_call_s": into_tool_call if during is During.TOOL_CALL else None,
            "audio": call.audio.source,
            "recordings": recording_fingerprints([call.audio.source]),
            "bot": bot.describe() if bot else None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )
    try:
        gating = Gating.prepare(report, trials, baseline)
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    async def work(report: Report) -> None:
        if bot is not None and during is During.TOOL_CALL:
            # The user's bot, its OpenAI fake scripted (--llm-script, else to call --function),
            # seen from inside.
            from voicectl.sut.session import serve_bot

            texts = [u.text for u in call.script.utterances] if call.script else []
            scripted = (
                bot
                if bot.llm_script is not None
                else replace(bot, llm_script=full_bot_llm_script(function))
            )
            async with serve_bot(scripted, report, utterances=texts) as run:
                result = await run_barge_in(
                    call,
                    plan,
                    url=run.url,
                    carrier=carrier.value,
                    line=line_spec,
                    live_calls=lambda: FunctionCallLog.from_inside(
                        e for w in run.inside.workers.values() for e in w.events
                    ),
                )
        else:
            texts = [u.text for u in call.script.utterances]
            async with bot_target(bot, report, url, texts) as target:
                result = await run_barge_in(
                    call,
                    plan,
                    url=target.url,
                    carrier=carrier.value,
                    bot_config=config,
                    line=line_spec,
                )
                if bot is not None:
                    worker, why = await target.inside(result.outcome)
                    target.judge_faults(report, result.outcome, worker, why)
        checks = []
        # Inside a simulated function call (the responder) the bot is silent by design; during
        # a real one it may be speaking the model's words or not: the clear and audio checks are
        # judged only when there was audio to clear, and the answer that must still come judges
        # the barge-in.
        if plan.after_turn_end_s is None and (during is During.REPLY or result.bot_audio_at_onset):
            checks += [judge_clear_sent(result, bound_s=clear_within), judge_audio_stopped(result)]
        checks.append(judge_conversation_continues(result, bound_s=answer_within + tool_s))
        if during is During.TOOL_CALL:
            checks.append(judge_no_call_left_in_progress(result))
            if function == "end_call":
                checks.append(judge_end_call_spared_caller(result))
            if reference_bot is BotBrain.FLOWS:
                checks.append(judge_flow_reached_next_node(result))
        report.extend_checks(checks)
        if result.outcome.protocol is not None:
            report.add_check(
                judge_carrier_protocol(
                    "call",
                    result.outcome.protocol,
                    connected=not result.outcome.unreachable,
                    call_error=result.outcome.error,
                )
            )
        _barge_in_timeline(report, result)
        record_first_audio(report, [result.outcome])
        if line_spec is not None:
            add_line_table(line_spec, [("barge-in call", result.outcome)], report)

    execute(
        report,
        outputs_of(outputs),
        gating.wrap(work),
    )


def _barge_in_timeline(report: Report, result: BargeInResult) -> None:
    outcome = result.outcome
    rows: list[list[object]] = []
    if result.first is not None:
        rows.append(
            [
                round(result.first.utterance.start, 3),
                "caller",
                f"says {result.first.utterance.text!r}",
            ]
        )
        rows.append([round(result.first.utterance.end, 3), "caller", "stops talking"])
    for run in outcome.runs:
        rows.append([round(run.start, 3), "bot", "audio starts"])
        rows.append(
            [round(run.end, 3), "bot", "audio cut by clear" if run.cleared else "audio ends"]
        )
    for clear in outcome.clears:
        rows.append(
            [
                round(clear.t, 3),
                "bot",
                "clear"
                + (" (while bot audio flowed)" if clear.during_bot_audio else " (bot silent)"),
            ]
        )
    if result.tool_call_seen_at is not None:
        rows.append(
            [
                round(result.tool_call_seen_at, 3),
                "bot",
                f"function call {result.tool_call_name} ({result.tool_call_id}) in progress",
            ]
        )
    if result.barge is not None:
        rows.append(
            [
                round(result.barge.utterance.start, 3),
                "caller",
                f"barges in: {result.barge.utterance.text!r}",
            ]
        )
        rows.append([round(result.barge.utterance.end, 3), "caller", "stops talking"])
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)
    for turn in (result.first, result.barge):
        if turn is not None:
            u = turn.utterance
            report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for run in outcome.runs:
        report.log(
            "bot",
            "bot_audio",
            clock="call",
            t=run.start,
            end=run.end,
            cleared=run.cleared,
            messages=run.messages,
        )
    for clear in outcome.clears:
        report.log("bot", "clear", clock="call", t=clear.t, during_bot_audio=clear.during_bot_audio)
    if outcome.error:
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    if result.bot_calls:
        report.metrics["bot.replies"] = result.bot_calls[0].replies
        report.metrics["bot.tool_calls_interrupted"] = result.bot_calls[0].tool_calls_interrupted
    calls = result.function_calls
    if calls is not None and calls.events:
        first = calls.events[0].timestamp
        report.add_table(
            "Function calls, as seen inside the bot",
            ["t (s after the first)", "event", "function", "tool_call_id"],
            [
                [
                    round(e.timestamp - first, 3),
                    e.kind,
                    e.function_name,
                    e.tool_call_id,
                ]
                for e in calls.events
            ],
        )
    if result.bot_calls and result.bot_calls[0].full_bot:
        report.metrics["bot.hung_up_by"] = result.hung_up_by


def _ending_command(
    how: str,
    code: int,
    reason: str,
    at: float,
    url: str | None,
    carrier: CarrierName,
    audio: Path | None,
    variant: BotVariant,
    release_within: float,
    end_within: float,
    outputs: Outputs,
    line: str | None,
    trials: int,
    baseline: Path | None,
    bot: Any = None,
    caller_channel: CallerChannel | None = None,
) -> None:
    try:
        check_bot_choice(
            url, bot, {"--bot-variant": variant is not BotVariant.CORRECT}, carrier=carrier.value
        )
        call = _caller(audio, 1, caller_channel)
        line_spec = parse_line_option(line)
        if at >= call.audio.duration_s:
            raise InputError(
                f"--at {at} is past the end of the call ({call.audio.duration_s:.1f} s)"
            )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    prefix = "hangup" if how == "drop" else "carrier_close"
    ending = CallEnding(how=how, at_s=at, code=code, reason=reason)
    config = ReferenceBotConfig(variant=variant)
    report = Report(
        command=f"chaos {'hangup' if how == 'drop' else 'carrier-close'}",
        args={
            "url": url,
            "carrier": carrier.value,
            "at_s": at,
            "code": code if how == "close" else None,
            "reason": reason or None,
            "audio": call.audio.source,
            "recordings": recording_fingerprints([call.audio.source]),
            "bot": bot.describe() if bot else None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )
    try:
        gating = Gating.prepare(report, trials, baseline)
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    async def work(report: Report) -> None:
        waited = max(10.0, end_within * 2)
        unseen = ""
        async with bot_target(bot, report, url, [u.text for u in call.script.utterances]) as target:
            result = await run_call_ending(
                call,
                ending,
                url=target.url,
                carrier=carrier.value,
                bot_config=config,
                pipeline_wait_s=waited,
                line=line_spec,
            )
            if bot is not None:  # its pipeline's end, as its own Pipecat reported it
                worker, unseen = await target.inside(result.outcome, waited)
                if worker is not None:
                    ends = [e.t for e in worker.of_kind("pipeline_end")]
                    result.bot_calls = [
                        ServedCall(0, ended_at=min(ends, default=None), finished=bool(ends))
                    ]
                target.judge_faults(report, result.outcome, worker, unseen)
        report.add_check(judge_bot_released_call(prefix, result, bound_s=release_within))
        if url is None:
            report.add_check(
                judge_pipeline_ended(
                    prefix, result, bound_s=end_within, waited_s=waited, unseen=unseen
                )
            )
        if url is None and bot is None:
            report.add_check(judge_tasks_released(prefix, result))
        protocol = result.outcome.protocol
        if protocol is not None and protocol.messages:  # a bot silent before the end said nothing
            report.add_check(judge_carrier_protocol("call", protocol))
        _ending_timeline(report, result)
        record_first_audio(report, [result.outcome])
        if line_spec is not None:
            add_line_table(line_spec, [("call", result.outcome)], report)

    execute(report, outputs, gating.wrap(work))


def _ending_timeline(report: Report, result: CallEndingResult) -> None:
    outcome = result.outcome
    rows: list[list[object]] = []
    if outcome.ended_at is not None:
        what = (
            "drops the line (no stop, no close frame)"
            if result.ending.how == "drop"
            else f"closes with {result.ending.code}"
        )
        rows.append([round(outcome.ended_at, 3), "carrier", what])
        if outcome.close_handshake_s is not None:
            rows.append(
                [round(outcome.ended_at + outcome.close_handshake_s, 3), "bot", "closes its side"]
            )
        end_s = result.pipeline_end_s
        if end_s is not None:
            rows.append([round(outcome.ended_at + end_s, 3), "bot", "pipeline finished"])
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)
    report.metrics["messages_after_end"] = outcome.messages_after_end
    report.metrics["media_after_end"] = outcome.media_after_end
    for run in outcome.runs:
        report.log("bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared)
    if outcome.ended_at is not None:
        report.log(
            "carrier",
            "close" if result.ending.how == "close" else "drop",
            clock="call",
            t=outcome.ended_at,
            code=result.ending.code if result.ending.how == "close" else None,
        )
        if outcome.close_handshake_s is not None:
            report.log(
                "bot",
                "closed",
                clock="call",
                t=outcome.ended_at + outcome.close_handshake_s,
                code=outcome.bot_close_code,
            )
        if result.pipeline_end_s is not None:
            report.log(
                "bot", "pipeline_finished", clock="call", t=outcome.ended_at + result.pipeline_end_s
            )
    if outcome.error:
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)


@chaos_app.command("hangup")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
def hangup(
    at: Annotated[
        float, typer.Option("--at", help="Drop the line this many seconds into the call.", min=0)
    ] = 5.0,
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    variant: VariantOpt = BotVariant.CORRECT,
    release_within: Annotated[
        float,
        typer.Option(
            "--release-within", help="Bound for the bot closing its side, seconds.", min=0.05
        ),
    ] = 2.0,
    end_within: Annotated[
        float,
        typer.Option(
            "--end-within",
            help="Bound for the bot's pipeline to finish (reference bot, or --bot-cmd seen inside), seconds.",
            min=0.05,
        ),
    ] = 5.0,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    baseline: BaselineOpt = None,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller's line drops mid-call (no stop, no close frame): does the bot let go of the call?"""
    _ending_command(
        "drop",
        1006,
        "",
        at,
        url,
        carrier,
        audio,
        variant,
        release_within,
        end_within,
        outputs_of(outputs),
        line,
        trials,
        baseline,
        bot,
        caller_channel,
    )


@chaos_app.command("carrier-close")
@with_bot_under_test
@with_report_outputs(timeout_s=120.0)
def carrier_close(
    code: Annotated[
        int, typer.Option("--code", help="WebSocket close code the carrier sends.")
    ] = 1011,
    reason: Annotated[str, typer.Option("--reason", help="Close reason.")] = "carrier error",
    at: Annotated[
        float, typer.Option("--at", help="Close this many seconds into the call.", min=0)
    ] = 5.0,
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    variant: VariantOpt = BotVariant.CORRECT,
    release_within: Annotated[
        float,
        typer.Option(
            "--release-within", help="Bound for the bot answering the close, seconds.", min=0.05
        ),
    ] = 2.0,
    end_within: Annotated[
        float,
        typer.Option(
            "--end-within",
            help="Bound for the bot's pipeline to finish (reference bot, or --bot-cmd seen inside), seconds.",
            min=0.05,
        ),
    ] = 5.0,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    baseline: BaselineOpt = None,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The carrier closes the call's WebSocket with a code mid-utterance: does the bot close and clean up?"""
    try:
        check_close_code(code)
    except InputError as exc:
        raise fail_usage(f"--code: {exc}") from None
    if len(reason.encode()) > 123:
        raise fail_usage("--reason is longer than the 123 bytes a close frame can carry")
    _ending_command(
        "close",
        code,
        reason,
        at,
        url,
        carrier,
        audio,
        variant,
        release_within,
        end_within,
        outputs_of(outputs),
        line,
        trials,
        baseline,
        bot,
        caller_channel,
    )


# Shared with the caller-fault commands (chaos_dtmf, chaos_backchannel, chaos_silence, ...).
check_bot_url = _check_url
caller_call = _caller
