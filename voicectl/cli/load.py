"""``voicectl load``: many concurrent real-time carrier calls against a bot, judged in aggregate."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.carriers import CarrierName
from voicectl.cli.applicability import reject_caller_channel
from voicectl.cli.bot_options import with_bot_under_test
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
    TrialsOpt,
    VerboseOpt,
    execute,
    fail_usage,
    parse_line_option,
    prepare_gating,
    print_notices,
)
from voicectl.cli.progress import progress_wanted
from voicectl.errors import InputError
from voicectl.load.checks import LoadBounds
from voicectl.load.loop import ensure_descriptors, load_event_loop
from voicectl.load.plan import LoadPlan, LoadShape
from voicectl.report import Report
from voicectl.report.compare import recording_fingerprints

if TYPE_CHECKING:
    from voicectl.bot.pipeline import ReferenceBotConfig

__all__ = ["load"]

_REFERENCE_CARRIERS = ("twilio", "telnyx", "plivo", "exotel")
_BOT_RATES = (8000, 16000, 24000, 48000)
_STARTUP_MARGIN_S = 60.0  # reference bot start, connects, closes
_DEFAULT_BOT_RATE = 16000
_DEFAULT_REPLY_SECS = 1.5


@with_bot_under_test
def load(
    audio: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Recordings the callers play, round robin; the caller's utterances come from each one's sidecar, or from the audio. Default: the bundled calls."
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Load your bot at this ws:// URL instead of the reference bot."),
    ] = None,
    carrier: Annotated[
        CarrierName, typer.Option("--carrier", help="Carrier protocol to speak.")
    ] = CarrierName.TWILIO,
    calls: Annotated[
        int, typer.Option("--calls", "-c", help="Concurrent callers (calls in progress at once).")
    ] = 8,
    ramp: Annotated[float, typer.Option("--ramp", "-r", help="Callers started per second.")] = 4.0,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            "-d",
            help="Callers place calls back to back for this many seconds; calls in progress then finish.",
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", "-n", help="Stop after this many calls (default: one call per caller)."
        ),
    ] = None,
    min_success: Annotated[
        float,
        typer.Option(
            "--min-success", help="load.success_rate: smallest share of calls that succeed."
        ),
    ] = LoadBounds().min_success_rate,
    first_audio_p95: Annotated[
        float,
        typer.Option(
            "--first-audio-p95",
            help="load.first_audio_p95: bound on the p95 over all turns, seconds.",
        ),
    ] = LoadBounds().first_audio_p95_s,
    pacing_p95_ms: Annotated[
        float,
        typer.Option(
            "--pacing-p95-ms",
            help="load.client_pacing: the run is invalid if the client's own send-time error p95 exceeds this, ms.",
        ),
    ] = LoadBounds().send_error_p95_ms,
    bot_rate: Annotated[
        int, typer.Option("--bot-rate", help="Reference bot pipeline rate, Hz.")
    ] = _DEFAULT_BOT_RATE,
    reply_secs: Annotated[
        float, typer.Option("--reply-secs", help="Length of the reference bot's replies, seconds.")
    ] = _DEFAULT_REPLY_SECS,
    caller_channel: CallerChannelOpt = None,
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
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            help="Hard deadline for the whole run, seconds (default: ramp + duration + the longest call + 60 s).",
        ),
    ] = None,
    bot: Any = None,
) -> None:
    """Place many concurrent real-time calls and judge success, first-audio latency and the client's own pacing (default: 8 bundled calls -> reference bot)."""
    try:
        if bot is not None:
            if url is not None:
                raise InputError("--url and --bot-cmd both name the bot: give one")
            if reply_secs != _DEFAULT_REPLY_SECS:
                raise InputError("--reply-secs applies to the reference bot, not to your bot")
            if bot_rate != _DEFAULT_BOT_RATE and not bot.command.uses_rate:
                raise InputError("--bot-rate reaches your bot only through {rate} in --bot-cmd")
        plan, bounds = _plan(
            audio, url or ("ws://bot-cmd" if bot else None), carrier.value, calls, ramp, duration,
            count, min_success, first_audio_p95, pacing_p95_ms,
            _DEFAULT_BOT_RATE if bot else bot_rate, reply_secs, timeout,
            caller_channel=caller_channel.value if caller_channel else None,
        )  # fmt: skip
        plan = replace(plan, line=parse_line_option(line))
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    from voicectl.bot.pipeline import ReferenceBotConfig

    config = (
        ReferenceBotConfig(sample_rate=bot_rate, reply_secs=reply_secs)
        if url is None and bot is None
        else None
    )
    shape = plan.shape
    report = Report(
        command="load",
        args={
            "audio": [c.audio.source for c in plan.calls],
            "recordings": recording_fingerprints([c.audio.source for c in plan.calls]),
            "url": url,
            "carrier": plan.carrier,
            "calls": shape.concurrency,
            "ramp_per_s": shape.ramp_per_s,
            "duration_s": shape.duration_s,
            "count": shape.planned_calls(),
            "min_success": bounds.min_success_rate,
            "first_audio_p95_s": bounds.first_audio_p95_s,
            "pacing_p95_ms": bounds.send_error_p95_ms,
            "bot": bot.describe() if bot else None if config is None else config.describe(),
            "line": None if plan.line is None else plan.line.to_json(),
        },
    )
    gating = prepare_gating(report, trials, baseline)
    run_timeout = (
        timeout if timeout is not None else (plan.expected_run_s() + _STARTUP_MARGIN_S) * trials
    )
    outputs = Outputs(
        json=json,
        junit=junit,
        markdown=markdown,
        html=html,
        quiet=quiet,
        verbose=verbose,
        strict=strict,
        timeout_s=run_timeout,
    )
    console = Console(highlight=False)
    show_live = not verbose and progress_wanted(quiet, console)

    async def work(report: Report) -> None:
        from voicectl.load.live import live_view
        from voicectl.load.runner import LoadRun, run_load

        rate = bot_rate if bot is not None and bot.command.uses_rate else None
        async with _target(plan, config, report, bot, rate) as target_url:
            target_plan = replace(plan, url=target_url)
            run = LoadRun(target_plan)
            async with live_view(run, console if show_live else None):
                await run_load(target_plan, report, bounds, run)

    execute(report, outputs, gating.wrap(work), loop_factory=load_event_loop, status=False)


def _plan(
    audio: list[Path] | None,
    url: str | None,
    carrier: str,
    calls: int,
    ramp: float,
    duration: float | None,
    count: int | None,
    min_success: float,
    first_audio_p95: float,
    pacing_p95_ms: float,
    bot_rate: int,
    reply_secs: float,
    timeout: float | None,
    *,
    caller_channel: str | None = None,
) -> tuple[LoadPlan, LoadBounds]:
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise InputError(f"--url must be a ws:// or wss:// URL, got {url!r}")
    if url is not None and (bot_rate != _DEFAULT_BOT_RATE or reply_secs != _DEFAULT_REPLY_SECS):
        raise InputError(
            "--bot-rate and --reply-secs apply to the reference bot; a bot at --url runs its own pipeline"
        )
    if url is None:
        if carrier not in _REFERENCE_CARRIERS:
            raise InputError(
                f"--carrier {carrier}: the reference bot detects {', '.join(_REFERENCE_CARRIERS)}"
            )
        if bot_rate not in _BOT_RATES:
            raise InputError(
                f"--bot-rate must be one of {', '.join(map(str, _BOT_RATES))}, got {bot_rate}"
            )
        if not reply_secs > 0:
            raise InputError(f"--reply-secs must be positive, got {reply_secs}")
    if not 0 <= min_success <= 1:
        raise InputError(f"--min-success is a share between 0 and 1, got {min_success}")
    if not first_audio_p95 > 0:
        raise InputError(f"--first-audio-p95 must be positive, got {first_audio_p95}")
    if not pacing_p95_ms > 0:
        raise InputError(f"--pacing-p95-ms must be positive, got {pacing_p95_ms}")
    if timeout is not None and not timeout > 0:
        raise InputError(f"--timeout must be positive, got {timeout}")
    shape = LoadShape(calls, ramp, duration_s=duration, total_calls=count)
    needed = calls + 64
    allowed = ensure_descriptors(needed)
    if allowed < needed:
        raise InputError(
            f"--calls {calls} needs about {needed} open files; this process may open {allowed} (raise ulimit -n)"
        )
    recordings: list[Call] = (
        [load_call(p, caller_channel=caller_channel) for p in audio] if audio else bundled_calls()
    )
    reject_caller_channel(caller_channel, (call.audio.caller_channel for call in recordings))
    print_notices(notice for call in recordings for notice in call.notices)
    plan = LoadPlan(recordings, url or "", shape, carrier=carrier)
    bounds = LoadBounds(
        min_success_rate=min_success,
        first_audio_p95_s=first_audio_p95,
        send_error_p95_ms=pacing_p95_ms,
    )
    return plan, bounds


@contextlib.asynccontextmanager
async def _target(
    plan: LoadPlan,
    config: ReferenceBotConfig | None,
    report: Report,
    bot: Any = None,
    rate: int | None = None,
) -> AsyncIterator[str]:
    """The URL to load: the user's, their bot started from ``--bot-cmd``, or the reference bot's
    in a child process."""
    if bot is not None:
        from voicectl.sut.session import serve_bot

        script = plan.calls[0].script
        texts = [u.text for u in script.utterances] if script else []
        async with serve_bot(bot, report, rate=rate, utterances=texts) as run:
            yield run.url
        return
    if config is None:
        yield plan.url
        return
    from voicectl.load.target import ReferenceBotProcess

    async with ReferenceBotProcess(config, max_calls=plan.shape.concurrency) as bot:
        report.log(
            "harness",
            "bot_started",
            url=bot.url,
            pid=bot.pid,
            max_calls=bot.max_calls,
            config=config.describe(),
        )
        yield bot.url
