"""``voicectl replay``: recorded telephony calls through a bot, at one or many pipeline rates."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from voicectl.audio.io import FORMATS_HELP
from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.bot.pipeline import SUPPORTED_RATES, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.checks.replay import FAST_ANSWER_BOUND_S, REALTIME_ANSWER_BOUND_S
from voicectl.cli.applicability import reject_caller_channel, reject_reference_bot_options
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import check_bot_choice
from voicectl.cli.common import (
    BaselineOpt,
    CallerChannelOpt,
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    LineOpt,
    MarkdownOpt,
    Outputs,
    QuietOpt,
    StrictOpt,
    TimeoutOpt,
    TrialsOpt,
    VerboseOpt,
    execute,
    fail_usage,
    parse_line_option,
    parse_rates,
    prepare_gating,
    print_notices,
)
from voicectl.errors import InputError
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report import Report
from voicectl.report.compare import recording_fingerprints

__all__ = ["TurnStop", "replay"]


class TurnStop(StrEnum):
    """How the reference bot decides that the caller's turn ended."""

    SMART_TURN = "smart-turn"  # Smart Turn v3 after the VAD's 0.2 s stop; 1.5 s if "incomplete"
    SPEECH_TIMEOUT = "speech-timeout"  # 0.6 s of silence after the VAD's 0.2 s stop


@with_bot_under_test
def replay(
    audio: Annotated[
        list[Path] | None,
        typer.Argument(
            help=f"Calls to replay: {FORMATS_HELP}. A two-channel file is a two-party call (see --caller-channel). Default: the bundled calls."
        ),
    ] = None,
    rates: Annotated[
        str | None,
        typer.Option(
            "--rates",
            help="Pipeline rates, comma-separated [default: 8000,16000]: the reference bot's, or your bot's via {rate} in --bot-cmd (one start per rate).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Replay into your bot at this ws:// URL instead of the reference bot."
        ),
    ] = None,
    carrier: Annotated[
        CarrierName, typer.Option("--carrier", help="Carrier protocol to speak.")
    ] = CarrierName.TWILIO,
    fast: Annotated[
        bool | None,
        typer.Option(
            "--fast/--realtime",
            help="Pacing. Default: --fast against the reference bot, --realtime against --url.",
        ),
    ] = None,
    rate: Annotated[
        int | None,
        typer.Option("--rate", help="Sample rate of raw input files (.ulaw/.alaw/.pcm)."),
    ] = None,
    caller_channel: CallerChannelOpt = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="Write each call's audio here (stereo WAV: caller left, bot right).",
            file_okay=False,
        ),
    ] = None,
    answer_within: Annotated[
        float | None,
        typer.Option(
            "--answer-within",
            help="Bound for replay.bot_answered, seconds (default 3.0 in real time, "
            f"{FAST_ANSWER_BOUND_S:.1f} with --fast).",
            min=0.1,
        ),
    ] = None,
    reply_secs: Annotated[
        float | None,
        typer.Option(
            "--reply-secs",
            help="Length of the reference bot's replies (default 1.5 s, 0.3 s with --fast).",
            min=0.05,
        ),
    ] = None,
    smart_turn_rate: Annotated[
        int | None,
        typer.Option(
            "--bot-smart-turn-rate",
            help="Reproduce a rate bug: tell the reference bot's Smart Turn the audio is at this rate whatever the pipeline rate.",
        ),
    ] = None,
    stt: Annotated[
        str | None,
        typer.Option(
            "--stt",
            help="Reference bot: add a real Pipecat STT (soniox, cartesia-stt, deepgram-flux, assemblyai, openai-stt) on a fake provider that transcribes the call's sidecar; turns then end with a transcript.",
        ),
    ] = None,
    turn_stop: Annotated[
        TurnStop,
        typer.Option(
            "--bot-turn-stop",
            help="Reference bot: end the caller's turn by Smart Turn v3 (1.5 s later when it judges the turn incomplete) or 0.6 s after the VAD heard the caller stop (speech-timeout: a steadier latency, e.g. for a --baseline gate).",
        ),
    ] = TurnStop.SMART_TURN,
    reply_delay: Annotated[
        float,
        typer.Option(
            "--bot-reply-delay",
            help="Reference bot: wait this long (a simulated function call) before each answer, e.g. to see a latency regression.",
            min=0,
            max=30,
        ),
    ] = 0.0,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    baseline: BaselineOpt = None,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 600.0,
    bot: Any = None,
) -> None:
    """Replay telephony calls into a bot and judge its answers (default: bundled calls -> reference bot at 8 and 16 kHz)."""
    try:
        check_bot_choice(url, bot, carrier=carrier.value)
        reject_reference_bot_options(
            url,
            {
                "--rates": rates is not None,
                "--reply-secs": reply_secs is not None,
                "--bot-smart-turn-rate": smart_turn_rate is not None,
                "--stt": stt is not None,
                "--bot-turn-stop": turn_stop is not TurnStop.SMART_TURN,
            },
        )
        if bot is not None:
            for option, given in {
                "--reply-secs": reply_secs is not None,
                "--bot-smart-turn-rate": smart_turn_rate is not None,
                "--stt": stt is not None,
                "--bot-turn-stop": turn_stop is not TurnStop.SMART_TURN,
                "--bot-reply-delay": bool(reply_delay),
            }.items():
                if given:
                    raise InputError(
                        f"{option} applies to the reference bot, not to your bot (--bot-cmd)"
                    )
            if bot.faults and fast:
                raise InputError(
                    "--fault with --fast: faults fire on the wall clock and the caller's silence "
                    "is judged in real time; drop --fast"
                )
            if rates is not None and not bot.command.uses_rate:
                raise InputError(
                    "--rates starts your bot once per rate: put {rate} in --bot-cmd where it takes its pipeline rate"
                )
        rate_list = parse_rates(rates or "8000,16000")
        if smart_turn_rate is not None and smart_turn_rate not in SUPPORTED_RATES:
            raise InputError(
                f"--bot-smart-turn-rate must be one of {', '.join(map(str, SUPPORTED_RATES))} Hz, "
                f"got {smart_turn_rate}"
            )
        if smart_turn_rate is not None and turn_stop is TurnStop.SPEECH_TIMEOUT:
            raise InputError(
                "--bot-smart-turn-rate needs Smart Turn: drop it or --bot-turn-stop speech-timeout"
            )
        line_spec = parse_line_option(line)
        if url is None and bot is None:
            bad = [r for r in rate_list if r not in SUPPORTED_RATES]
            if bad:
                raise InputError(
                    f"--rates: the reference bot runs at {', '.join(map(str, SUPPORTED_RATES))} Hz, not {bad[0]}"
                )
        if stt is not None:
            from voicectl.harness.targets import BUILTIN_TARGETS

            stt_names = [n for n in BUILTIN_TARGETS if not n.endswith("-tts")]
            if stt not in stt_names:
                raise InputError(f"--stt must be one of {', '.join(stt_names)}, got {stt!r}")
        if rate is not None and not audio:
            raise InputError("--rate applies to raw input files, and none is given")
        calls: list[Call] = (
            [
                load_call(
                    p, rate=rate, caller_channel=caller_channel.value if caller_channel else None
                )
                for p in audio
            ]
            if audio
            else bundled_calls()
        )
        reject_caller_channel(caller_channel, (call.audio.caller_channel for call in calls))
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    print_notices(notice for call in calls for notice in call.notices)
    pace_fast = fast if fast is not None else url is None and bot is None
    if answer_within is None:
        answer_within = FAST_ANSWER_BOUND_S if pace_fast else REALTIME_ANSWER_BOUND_S
    config = ReferenceBotConfig(
        reply_secs=reply_secs if reply_secs is not None else (0.3 if pace_fast else 1.5),
        smart_turn=turn_stop is TurnStop.SMART_TURN,
        smart_turn_rate=smart_turn_rate,
        tool_delay_s=reply_delay,
    )
    plan = ReplayPlan(
        calls=calls,
        rates=rate_list if url is None and (bot is None or bot.command.uses_rate) else (),
        url=url,
        bot=bot,
        carrier=carrier.value,
        fast=pace_fast,
        answer_bound_s=answer_within,
        stt=stt,
        record_dir=record,
        bot_config=config,
        line=line_spec,
    )
    report = Report(
        command="replay",
        args={
            "audio": [c.audio.source for c in calls],
            "recordings": recording_fingerprints([c.audio.source for c in calls]),
            "rates": list(plan.rates),
            "url": url,
            "carrier": carrier.value,
            "pacing": "fast" if pace_fast else "realtime",
            "answer_within_s": answer_within,
            "caller_channels": {
                c.audio.source: c.audio.caller_channel for c in calls if c.audio.caller_channel
            },
            "line": None if line_spec is None else line_spec.to_json(),
            "bot": bot.describe()
            if bot is not None
            else None
            if url
            else config.describe() + (f", {stt} STT on a fake provider" if stt else ""),
        },
    )
    if url is not None and reply_delay:
        raise fail_usage("--bot-reply-delay applies to the reference bot, not to a bot at --url")
    gating = prepare_gating(report, trials, baseline)
    outputs = Outputs(
        json=json,
        junit=junit,
        markdown=markdown,
        html=html,
        quiet=quiet,
        verbose=verbose,
        strict=strict,
        timeout_s=timeout,
    )

    async def work(report: Report) -> None:
        await run_replay(plan, report)

    execute(report, outputs, gating.wrap(work))
