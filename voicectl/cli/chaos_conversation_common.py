"""Shared by the commands that place one call at a bot: the bot and caller options, the
caller's recording, and the run of ``chaos hangup`` and ``chaos carrier-close`` (one call that
the caller's side ends: a dropped line or a close frame)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.checks.conversation import (
    judge_bot_released_call,
    judge_pipeline_ended,
    judge_tasks_released,
)
from voicectl.cli.applicability import reject_caller_channel
from voicectl.cli.bot_target import BotTarget, check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, CallerSide, run_caller_experiment
from voicectl.cli.common import (
    CallerChannel,
    CallerChannelOpt,
    LineOpt,
    Outputs,
    TrialsOpt,
    parse_line_option,
    print_notices,
    usage_errors,
)
from voicectl.cli.option_sets import option, with_option_set
from voicectl.cli.report_options import outputs_of
from voicectl.conversation.scenarios import run_call_ending
from voicectl.conversation.timeline import tabulate_call_ending
from voicectl.errors import InputError
from voicectl.outcome.call import HangUp
from voicectl.outcome.conversation import CallEnding, CallEndingResult, ServedCall
from voicectl.replay.line import LineSpec
from voicectl.replay.runner import record_first_audio
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = [
    "AudioOpt",
    "CallerOptions",
    "CarrierOpt",
    "IdleCheckinOpt",
    "IdleEndCallOpt",
    "UrlOpt",
    "VariantOpt",
    "caller_call",
    "ending_command",
    "parse_seconds_or_never",
    "with_caller_options",
]

F = TypeVar("F", bound=Callable[..., Any])

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
IdleCheckinOpt = Annotated[
    float,
    typer.Option(
        "--bot-idle-checkin",
        help="Reference bot: check in after this many seconds of caller silence (Pipecat user_idle_timeout; 0: never).",
        min=0.0,
        max=120.0,
    ),
]
IdleEndCallOpt = Annotated[
    bool,
    typer.Option(
        "--bot-idle-end-call",
        help="Reference bot: at --bot-idle-checkin, end the call (EndWorkerFrame) instead of speaking.",
    ),
]
VariantOpt = Annotated[
    BotVariant,
    typer.Option(
        "--bot-variant",
        help="Reference bot with a known production bug reproduced, to see a check fail.",
    ),
]


#: The reference bot's bugs each chaos command reaches: a variant outside its set is built but
#: never exercised, so the run would pass as if it had been tested (a usage error instead).
VARIANTS_EXERCISED: dict[str, tuple[BotVariant, ...]] = {
    "chaos interrupt": (BotVariant.IGNORE_BARGE_IN, BotVariant.FREEZE_ON_INTERRUPTED_TOOL),
    "chaos backchannel": (BotVariant.IGNORE_BARGE_IN,),
    "chaos dtmf": (BotVariant.DEAF_TO_DTMF,),
    "chaos hangup": (BotVariant.HANG_ON_HANGUP,),
    "chaos carrier-close": (BotVariant.HANG_ON_HANGUP,),
    "chaos slow-reader": (BotVariant.LOG_EVERY_BLOCKED_SEND, BotVariant.HANG_ON_HANGUP),
}


def check_variant_exercised(command: str, variant: BotVariant) -> None:
    """:class:`InputError` for a ``--bot-variant`` whose bug ``command`` never reaches."""
    exercised = VARIANTS_EXERCISED[command]
    if variant is BotVariant.CORRECT or variant in exercised:
        return
    raise InputError(
        f"--bot-variant {variant.value}: {command} never reaches that bug, so the run would "
        f"test nothing; it takes {', '.join(v.value for v in exercised)}"
    )


@dataclass(frozen=True)
class CallerOptions:
    """The caller's side of a caller-fault command, as :func:`with_caller_options` gave it."""

    url: str | None
    carrier: CarrierName
    audio: Path | None = None
    caller_channel: CallerChannel | None = None
    variant: BotVariant = BotVariant.CORRECT
    line: str | None = None
    trials: int = 1
    line_option: bool = True  # the command takes --line and --trials

    def recording(self, need: int) -> Call:
        """The caller's recording, with at least ``need`` utterances (:func:`caller_call`)."""
        return caller_call(self.audio, need, self.caller_channel)

    def side(
        self, bot: Any, reference: Any, call: Call | None, line: LineSpec | None = None
    ) -> CallerSide:
        """The run's :class:`CallerSide`: these options, the bot and ``--line`` parsed."""
        return CallerSide(
            self.url, self.carrier.value, bot, reference, call, line, self.line_option
        )

    def outputs(self, outputs: Outputs | None) -> Outputs:
        return outputs_of(outputs, self.trials)


def with_caller_options(
    *, audio: bool = True, variant: bool = False, line: bool = True
) -> Callable[[F], F]:
    """Give a caller-fault command ``--url``, ``--carrier`` and, as asked, ``--audio`` and
    ``--caller-channel``, ``--bot-variant``, ``--line`` and ``--trials``, after its own options;
    it receives them as ``caller`` (a :class:`CallerOptions`)."""
    options = [option("url", UrlOpt, None), option("carrier", CarrierOpt, CarrierName.TWILIO)]
    if audio:
        options += [
            option("audio", AudioOpt, None),
            option("caller_channel", CallerChannelOpt, None),
        ]
    if variant:
        options.append(option("variant", VariantOpt, BotVariant.CORRECT))
    if line:
        options += [option("line", LineOpt, None), option("trials", TrialsOpt, 1)]
    return with_option_set(
        options, into="caller", convert=lambda given: CallerOptions(**given, line_option=line)
    )


def caller_call(audio: Path | None, need: int, caller_channel: CallerChannel | None = None) -> Call:
    """The caller's recording (``--audio``, else the bundled order_status call), its notices
    printed; :class:`InputError` if it has fewer than ``need`` utterances."""
    call = (
        load_call(audio, caller_channel=caller_channel.value if caller_channel else None)
        if audio
        else next(c for c in bundled_calls() if c.name == "order_status")
    )
    reject_caller_channel(caller_channel, [call.audio.caller_channel])
    print_notices(call.notices)
    utterances = call.script.utterances
    if len(utterances) < need:
        raise InputError(
            f"{call.audio.source}: needs at least {need} caller utterances, "
            f"its {_origin(call)} has {len(utterances)}"
        )
    return call


def parse_seconds_or_never(text: str, option: str, low: float, high: float) -> float | None:
    """``option``'s seconds, ``low``-``high``, or ``None`` for 'never' (:class:`InputError`)."""
    if text.strip().lower() == "never":
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: give seconds or 'never'") from None
    if not low <= seconds <= high:
        raise InputError(f"{option} {text}: must be {low:g}-{high:g} seconds (or 'never')")
    return seconds


def _origin(call: Call) -> str:
    return "sidecar" if call.script.source == "sidecar" else "audio (Silero VAD)"


def ending_command(
    how: HangUp,
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
    """``chaos hangup`` (``how`` drop) or ``chaos carrier-close`` (``how`` close): check the
    options, place the call, end it from the caller's side at ``at`` and judge the bot's release."""
    with usage_errors():
        ending = CallEnding(how=how, at_s=at, code=code, reason=reason)
        check_bot_choice(
            url, bot, {"--bot-variant": variant is not BotVariant.CORRECT}, carrier=carrier.value
        )
        check_variant_exercised(
            f"chaos {'hangup' if how is HangUp.DROP else 'carrier-close'}", variant
        )
        if url is not None and end_within != 5.0:
            raise InputError(
                "--end-within bounds the bot's pipeline end, seen only in the reference bot "
                "or --bot-cmd, not at --url (it would be ignored)"
            )
        call = caller_call(audio, 1, caller_channel)
        line_spec = parse_line_option(line)
        if at >= call.audio.duration_s:
            raise InputError(
                f"--at {at} is past the end of the call ({call.audio.duration_s:.1f} s)"
            )
    prefix = "hangup" if how is HangUp.DROP else "carrier_close"
    config = ReferenceBotConfig(variant=variant)
    waited = max(10.0, end_within * 2)
    side = CallerSide(url, carrier.value, bot, config, call, line_spec)

    async def run(target: BotTarget) -> CallEndingResult:
        return await run_call_ending(
            call,
            ending,
            url=target.url,
            carrier=carrier.value,
            bot_config=config,
            pipeline_wait_s=waited,
            line=line_spec,
        )

    async def look_inside(target: BotTarget, report: Report, result: CallEndingResult) -> None:
        if bot is not None:  # its pipeline's end, as its own Pipecat reported it
            worker, result.unseen = await target.inside_judged(report, result.outcome, waited)
            if worker is not None:
                ends = [e.t for e in worker.of_kind("pipeline_end")]
                result.bot_calls = [
                    ServedCall(0, ended_at=min(ends, default=None), finished=bool(ends))
                ]

    def judge(result: CallEndingResult) -> list[Check]:
        checks = [judge_bot_released_call(prefix, result, bound_s=release_within)]
        if url is None:
            checks.append(
                judge_pipeline_ended(
                    prefix, result, bound_s=end_within, waited_s=waited, unseen=result.unseen
                )
            )
        if url is None and bot is None:
            checks.append(judge_tasks_released(prefix, result))
        return checks

    def timeline(report: Report, result: CallEndingResult) -> None:
        tabulate_call_ending(report, result)
        record_first_audio(report, [result.outcome])

    args = {"at_s": at, "code": code if how is HangUp.CLOSE else None, "reason": reason or None}
    command = f"chaos {'hangup' if how is HangUp.DROP else 'carrier-close'}"
    experiment = CallerFaultExperiment(
        command, args, run, judge, timeline, look_inside=look_inside, recordings=True
    )
    run_caller_experiment(side, experiment, outputs, trials, baseline)
