"""``voicectl chaos dtmf | backchannel | silence | media-gap | heartbeat``: caller faults and heartbeats."""

from __future__ import annotations

from typing import Annotated

import typer

from voicectl.audio.backchannel import BACKCHANNELS
from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.carriers.session import DTMF_DIGITS
from voicectl.checks.caller_faults import (
    judge_backchannel_not_yielded,
    judge_dtmf_received,
    judge_media_gap_bot_responsive,
    judge_media_gap_turn_ended,
    judge_silence_reengaged,
)
from voicectl.checks.heartbeat import judge_heartbeat_detects_stall, judge_heartbeat_no_false_alarm
from voicectl.cli.applicability import reject_reference_bot_options
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation import (
    AudioOpt,
    CarrierOpt,
    UrlOpt,
    VariantOpt,
    caller_call,
    check_bot_url,
)
from voicectl.cli.common import (
    CallerChannelOpt,
    Gating,
    LineOpt,
    Outputs,
    TrialsOpt,
    execute,
    fail_usage,
    parse_line_option,
)
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.conversation.backchannel import run_backchannels
from voicectl.conversation.dtmf import run_dtmf
from voicectl.conversation.heartbeat import run_heartbeat
from voicectl.conversation.media_gap import run_media_gap
from voicectl.conversation.silence import run_silence
from voicectl.errors import InputError
from voicectl.outcome.caller_faults import (
    BackchannelPlan,
    BackchannelResult,
    DtmfEntry,
    DtmfResult,
    MediaGapPlan,
    MediaGapResult,
    SilencePlan,
    SilenceResult,
)
from voicectl.outcome.conversation import HeartbeatPlan
from voicectl.replay.runner import add_line_table
from voicectl.report import Report

__all__ = ["backchannel", "dtmf", "heartbeat", "media_gap", "silence"]


def _check_digits(digits: str, inband: bool, carrier: CarrierName) -> None:
    if not digits:
        raise InputError("--digits is empty; give the keys to press, e.g. --digits 1234#")
    bad = sorted({d for d in digits if d.upper() not in DTMF_DIGITS})
    if bad:
        raise InputError(f"--digits has {''.join(bad)!r}, not a DTMF key (keys: {DTMF_DIGITS})")
    if carrier is CarrierName.RAW and not inband:
        raise InputError("the raw carrier has no dtmf message; use --inband or another --carrier")


@chaos_app.command("dtmf")
@with_report_outputs(timeout_s=60.0)
def dtmf(
    digits: Annotated[
        str, typer.Option("--digits", help="Keys the caller presses, in order (0-9 * # A-D).")
    ] = "1234#",
    inband: Annotated[
        bool,
        typer.Option(
            "--inband", help="Send the keys as tones in the caller's audio, not as dtmf events."
        ),
    ] = False,
    gap: Annotated[
        float, typer.Option("--gap", help="Seconds between key presses.", min=0.0, max=10.0)
    ] = 0.15,
    within: Annotated[
        float,
        typer.Option("--within", help="Bound for each key to reach the bot, seconds.", min=0.01),
    ] = 1.0,
    inband_detector: Annotated[
        bool,
        typer.Option(
            "--bot-inband-dtmf",
            help="Reference bot: detect in-band DTMF tones (voicectl.bot.inband_dtmf.InBandDTMFDetector after transport.input()).",
        ),
    ] = False,
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    variant: VariantOpt = BotVariant.CORRECT,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    outputs: Outputs | None = None,
) -> None:
    """The caller presses keys (the carrier's dtmf events, or in-band tones): does the bot get them?"""
    try:
        check_bot_url(url)
        reject_reference_bot_options(
            url,
            {
                "--bot-variant": variant is not BotVariant.CORRECT,
                "--bot-inband-dtmf": inband_detector,
            },
        )
        _check_digits(digits, inband, carrier)
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    digits = digits.upper()
    entry = DtmfEntry(digits=digits, inband=inband, gap_s=gap)
    config = ReferenceBotConfig(variant=variant, inband_dtmf=inband_detector)
    report = Report(
        command="chaos dtmf",
        args={
            "url": url,
            "carrier": carrier.value,
            "digits": digits,
            "inband": inband,
            "gap_s": gap,
            "bot": None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )

    gating = Gating.prepare(report, trials, None)

    async def work(report: Report) -> None:
        result = await run_dtmf(
            entry, url=url, carrier=carrier.value, bot_config=config, line=line_spec
        )
        report.add_check(judge_dtmf_received(result, bound_s=within))
        _dtmf_timeline(report, result)
        if line_spec is not None:
            add_line_table(line_spec, [("call", result.call.outcome)], report)

    execute(
        report,
        outputs_of(outputs, trials),
        gating.wrap(work),
    )


def _dtmf_timeline(report: Report, result: DtmfResult) -> None:
    outcome = result.call.outcome
    rows: list[list[object]] = []
    for press in result.sent:
        what = (
            f"tone {press.digit!r} ({press.duration_s * 1000:.0f} ms)"
            if press.inband
            else (f"dtmf event {press.digit!r}")
        )
        rows.append([round(press.t, 3), "caller", what])
        report.log(
            "caller", "dtmf", clock="call", t=press.t, digit=press.digit, inband=press.inband
        )
    received = result.received or []
    t0 = result.sent[0] if result.sent else None
    for event in received:
        # On the call clock: the first key's call second plus the wall time since it left.
        t = t0.t + result.received_wall(event) - t0.wall if t0 is not None else event.audio_t
        rows.append([round(t, 3), "bot", f"pipeline got InputDTMFFrame {event.detail!r}"])
        report.log("bot", "dtmf_received", clock="call", t=t, digit=event.detail)
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)


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
@with_report_outputs(timeout_s=120.0)
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
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    variant: VariantOpt = BotVariant.CORRECT,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    outputs: Outputs | None = None,
) -> None:
    """The caller says "mm-hmm" while the bot talks, then barges in: does the bot keep talking, then stop?"""
    try:
        check_bot_url(url)
        reject_reference_bot_options(
            url,
            {
                "--bot-vad-start": vad_start != 0.2,
                "--bot-variant": variant is not BotVariant.CORRECT,
            },
        )
        kinds, offsets = _parse_backchannels(say)
        if barge_in <= offsets[-1]:
            raise InputError(
                f"--barge-in {barge_in} must come after the last backchannel ({offsets[-1]} s)"
            )
        call = caller_call(audio, 2, caller_channel)
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    plan = BackchannelPlan(kinds=kinds, into_reply_s=offsets, barge_in_s=barge_in)
    config = ReferenceBotConfig(
        reply_secs=barge_in + 2.5, vad_start_secs=vad_start, variant=variant
    )
    report = Report(
        command="chaos backchannel",
        args={
            "url": url,
            "carrier": carrier.value,
            "say": say,
            "barge_in_s": barge_in,
            "audio": call.audio.source,
            "bot": None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )

    gating = Gating.prepare(report, trials, None)

    async def work(report: Report) -> None:
        result = await run_backchannels(
            call, plan, url=url, carrier=carrier.value, bot_config=config, line=line_spec
        )
        report.add_check(
            judge_backchannel_not_yielded(result, gap_bound_s=gap_bound, clear_bound_s=clear_within)
        )
        _backchannel_timeline(report, result)
        if line_spec is not None:
            add_line_table(line_spec, [("call", result.call.outcome)], report)

    execute(
        report,
        outputs_of(outputs, trials),
        gating.wrap(work),
    )


def _backchannel_timeline(report: Report, result: BackchannelResult) -> None:
    outcome = result.outcome
    rows: list[list[object]] = []
    if result.first is not None:
        u = result.first.utterance
        rows.append([round(u.start, 3), "caller", f"says {u.text!r}"])
        report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for b in result.sent:
        state = "while the bot talks" if b.bot_talking else "(bot silent)"
        rows.append([round(b.start, 3), "caller", f"{b.kind!r} {state}"])
        report.log("caller", "backchannel", clock="call", t=b.start, end=b.end, said=b.kind)
    if result.barge is not None:
        u = result.barge.utterance
        rows.append([round(u.start, 3), "caller", f"barges in: {u.text!r}"])
        report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for run in outcome.runs:
        rows.append([round(run.start, 3), "bot", "audio starts"])
        rows.append(
            [round(run.end, 3), "bot", "audio cut by clear" if run.cleared else "audio ends"]
        )
        report.log("bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared)
    for clear in outcome.clears:
        rows.append([round(clear.t, 3), "bot", "clear"])
        report.log("bot", "clear", clock="call", t=clear.t, during_bot_audio=clear.during_bot_audio)
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)


@chaos_app.command("silence")
@with_report_outputs(timeout_s=120.0)
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
    idle_checkin: Annotated[
        float,
        typer.Option(
            "--bot-idle-checkin",
            help="Reference bot: check in after this many seconds of caller silence (Pipecat user_idle_timeout; 0: never).",
            min=0.0,
            max=120.0,
        ),
    ] = 0.0,
    idle_end_call: Annotated[
        bool,
        typer.Option(
            "--bot-idle-end-call",
            help="Reference bot: at --bot-idle-checkin, end the call (EndWorkerFrame) instead of speaking.",
        ),
    ] = False,
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    outputs: Outputs | None = None,
) -> None:
    """The caller says nothing after the bot's answer: does the bot check in or end the call?"""
    try:
        check_bot_url(url)
        reject_reference_bot_options(
            url, {"--bot-idle-checkin": idle_checkin > 0, "--bot-idle-end-call": idle_end_call}
        )
        if idle_end_call and not idle_checkin:
            raise InputError("--bot-idle-end-call needs --bot-idle-checkin SECONDS (when to end)")
        call = caller_call(audio, 1, caller_channel)
        listen_s = listen if listen is not None else within + 4.0
        if listen_s < within:
            raise InputError(f"--listen {listen_s} is shorter than --within {within}")
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    plan = SilencePlan(listen_s=listen_s)
    config = ReferenceBotConfig(idle_checkin_s=idle_checkin, idle_end_call=idle_end_call)
    report = Report(
        command="chaos silence",
        args={
            "url": url,
            "carrier": carrier.value,
            "within_s": within,
            "listen_s": listen_s,
            "audio": call.audio.source,
            "bot": None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )

    gating = Gating.prepare(report, trials, None)

    async def work(report: Report) -> None:
        result = await run_silence(
            call, plan, url=url, carrier=carrier.value, bot_config=config, line=line_spec
        )
        report.add_check(judge_silence_reengaged(result, bound_s=within))
        _silence_timeline(report, result)
        if line_spec is not None:
            add_line_table(line_spec, [("call", result.call.outcome)], report)

    execute(
        report,
        outputs_of(outputs, trials),
        gating.wrap(work),
    )


def _silence_timeline(report: Report, result: SilenceResult) -> None:
    outcome = result.outcome
    rows: list[list[object]] = []
    if result.question is not None:
        u = result.question.utterance
        rows.append([round(u.start, 3), "caller", f"says {u.text!r}, then nothing"])
        report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for run in outcome.runs:
        what = "audio" if run.voiced else "digital silence"
        rows.append([round(run.start, 3), "bot", f"{what} starts"])
        rows.append([round(run.end, 3), "bot", f"{what} ends"])
        report.log(
            "bot",
            "bot_audio",
            clock="call",
            t=run.start,
            end=run.end,
            cleared=run.cleared,
            voiced=run.voiced,
        )
    if outcome.closed_by_bot:
        rows.append(
            [round(outcome.duration_s, 3), "bot", f"ends the call (close {outcome.close_code})"]
        )
        report.log("bot", "closed", clock="call", t=outcome.duration_s, code=outcome.close_code)
    elif outcome.ended_at is not None:
        rows.append([round(outcome.ended_at, 3), "caller", "hangs up"])
    if outcome.error and not outcome.closed_by_bot:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)


def _parse_gap(text: str) -> float | None:
    if text.strip().lower() == "never":
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise InputError(f"--resume-after {text!r}: give seconds or 'never'") from None
    if not 0.1 <= seconds <= 60:
        raise InputError(f"--resume-after {text}: must be 0.1-60 seconds (or 'never')")
    return seconds


@chaos_app.command("media-gap")
@with_report_outputs(timeout_s=120.0)
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
    audio_idle_timeout: Annotated[
        float,
        typer.Option(
            "--bot-audio-idle-timeout",
            help="Reference bot: Pipecat VADProcessor(audio_idle_timeout=...) in seconds; 0 turns it off (Pipecat #4124).",
            min=0.0,
            max=30.0,
        ),
    ] = 1.0,
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    outputs: Outputs | None = None,
) -> None:
    """The caller's media stops mid-utterance, socket open: does the turn end and the bot carry on?"""
    try:
        check_bot_url(url)
        reject_reference_bot_options(url, {"--bot-audio-idle-timeout": audio_idle_timeout != 1.0})
        gap = _parse_gap(resume_after)
        call = caller_call(audio, 2, caller_channel)
        first = call.script.utterances[0] if call.script else None
        if first is not None and into >= first.end - first.start:
            raise InputError(
                f"--into {into} is past the end of the caller's first utterance "
                f"({first.end - first.start:.1f} s)"
            )
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    plan = MediaGapPlan(into_utterance_s=into, gap_s=gap, turn_wait_s=turn_within)
    config = ReferenceBotConfig(vad_audio_idle_timeout=audio_idle_timeout)
    report = Report(
        command="chaos media-gap",
        args={
            "url": url,
            "carrier": carrier.value,
            "into_s": into,
            "resume_after_s": gap,
            "audio": call.audio.source,
            "bot": None if url else config.describe(),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )

    gating = Gating.prepare(report, trials, None)

    async def work(report: Report) -> None:
        result = await run_media_gap(
            call, plan, url=url, carrier=carrier.value, bot_config=config, line=line_spec
        )
        report.add_check(judge_media_gap_turn_ended(result, bound_s=turn_within))
        if gap is not None:
            report.add_check(judge_media_gap_bot_responsive(result, bound_s=answer_within))
        _media_gap_timeline(report, result)
        if line_spec is not None:
            add_line_table(line_spec, [("call", result.call.outcome)], report)

    execute(
        report,
        outputs_of(outputs, trials),
        gating.wrap(work),
    )


def _media_gap_timeline(report: Report, result: MediaGapResult) -> None:
    outcome = result.outcome
    rows: list[list[object]] = []
    for turn in (result.cut, result.after):
        if turn is not None:
            u = turn.utterance
            rows.append([round(u.start, 3), "caller", f"says {u.text!r}"])
            report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for start, end in outcome.media_gaps:
        rows.append([round(start, 3), "carrier", "media stops (socket open)"])
        report.log("carrier", "media_gap", clock="call", t=start, end=end)
        if end is not None:
            rows.append([round(end, 3), "carrier", "media resumes"])
    turn_end = result.turn_end_after_gap_s()
    if turn_end is not None and result.gap_start is not None:
        t = result.gap_start + turn_end
        rows.append([round(t, 3), "bot", "pipeline ends the caller's turn"])
        report.log("bot", "turn_end", clock="call", t=t)
    for run in outcome.runs:
        rows.append([round(run.start, 3), "bot", "audio starts"])
        rows.append(
            [round(run.end, 3), "bot", "audio cut by clear" if run.cleared else "audio ends"]
        )
        report.log("bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared)
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)


@chaos_app.command("heartbeat")
@with_report_outputs(timeout_s=180.0)
def heartbeat(
    reply: Annotated[
        float,
        typer.Option(
            "--reply", help="Length of the reference bot's reply, seconds.", min=1.0, max=120.0
        ),
    ] = 20.0,
    stall: Annotated[
        float,
        typer.Option(
            "--stall",
            help="Block the reference bot's pipeline this long at the caller's turn (judges heartbeat.detects_stall).",
            min=0.0,
            max=120.0,
        ),
    ] = 0.0,
    heartbeats: Annotated[
        bool,
        typer.Option(
            "--bot-heartbeats/--no-bot-heartbeats", help="PipelineParams(enable_heartbeats=...)."
        ),
    ] = True,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    outputs: Outputs | None = None,
) -> None:
    """Pipecat heartbeats on the reference bot: false alarms on a long reply, an alarm when stuck?"""
    try:
        call = caller_call(audio, 1, caller_channel)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    plan = HeartbeatPlan(reply_s=reply, stall_s=stall, heartbeats=heartbeats)
    report = Report(
        command="chaos heartbeat",
        args={
            "reply_s": reply,
            "stall_s": stall,
            "heartbeats": heartbeats,
            "audio": call.audio.source,
        },
    )

    async def work(report: Report) -> None:
        result = await run_heartbeat(call, plan)
        if stall > 0:
            report.add_check(judge_heartbeat_detects_stall(result))
        else:
            report.add_check(judge_heartbeat_no_false_alarm(result))
        rows: list[list[object]] = []
        if result.reply is not None:
            rows.append([round(result.reply[0], 2), "bot", "reply starts"])
            rows.append([round(result.reply[1], 2), "bot", "reply ends"])
        if result.stalled_at is not None:
            rows.append([round(result.stalled_at, 2), "bot", f"pipeline stuck for {stall:g} s"])
        for t in result.timeouts:
            rows.append([round(t, 2), "bot", "on_heartbeat_timeout"])
            report.log("bot", "heartbeat_timeout", clock="call", t=t)
        rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
        report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)

    execute(report, outputs_of(outputs), work)
