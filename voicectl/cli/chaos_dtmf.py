"""``voicectl chaos dtmf``: the caller presses keys; does the bot's pipeline get them?"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.carriers.session import DTMF_DIGITS
from voicectl.checks.caller_faults import judge_dtmf_received
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import BotTarget, check_bot_choice
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
from voicectl.conversation.dtmf import run_dtmf
from voicectl.conversation.timeline import CallTimeline
from voicectl.errors import InputError
from voicectl.outcome.caller_faults import DtmfEntry, DtmfResult
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["dtmf"]


def _check_digits(digits: str, inband: bool, carrier: CarrierName) -> None:
    if not digits:
        raise InputError("--digits is empty; give the keys to press, e.g. --digits 1234#")
    bad = sorted({d for d in digits if d.upper() not in DTMF_DIGITS})
    if bad:
        raise InputError(f"--digits has {''.join(bad)!r}, not a DTMF key (keys: {DTMF_DIGITS})")
    if carrier is CarrierName.RAW and not inband:
        raise InputError("the raw carrier has no dtmf message; use --inband or another --carrier")


@chaos_app.command("dtmf")
@with_bot_under_test
@with_report_outputs(timeout_s=60.0)
@with_caller_options(audio=False, variant=True)
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
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The caller presses keys (the carrier's dtmf events, or in-band tones): does the bot get them?"""
    with usage_errors():
        _check_digits(digits, inband, caller.carrier)
        check_bot_choice(
            caller.url,
            bot,
            {
                "--bot-variant": caller.variant is not BotVariant.CORRECT,
                "--bot-inband-dtmf": inband_detector,
            },
            carrier=caller.carrier.value,
        )
        check_variant_exercised("chaos dtmf", caller.variant)
        line_spec = parse_line_option(caller.line)
    digits = digits.upper()
    entry = DtmfEntry(digits=digits, inband=inband, gap_s=gap)
    config = ReferenceBotConfig(variant=caller.variant, inband_dtmf=inband_detector)
    side = caller.side(bot, config, None, line_spec)

    async def run(target: BotTarget) -> DtmfResult:
        return await run_dtmf(
            entry, url=target.url, carrier=caller.carrier.value, bot_config=config, line=line_spec
        )

    def judge(result: DtmfResult) -> list[Check]:
        return [judge_dtmf_received(result, bound_s=within)]

    args = {"digits": digits, "inband": inband, "gap_s": gap}
    experiment = CallerFaultExperiment("chaos dtmf", args, run, judge, _timeline)
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


def _timeline(report: Report, result: DtmfResult) -> None:
    outcome, timeline = result.outcome, CallTimeline(report)
    for press in result.sent:
        what = (
            f"tone {press.digit!r} ({press.duration_s * 1000:.0f} ms)"
            if press.inband
            else (f"dtmf event {press.digit!r}")
        )
        timeline.event(press.t, "caller", what, "dtmf", digit=press.digit, inband=press.inband)
    t0 = result.sent[0] if result.sent else None
    for event in result.received or []:
        # On the call clock: the first key's call second plus the wall time since it left.
        t = t0.t + result.received_wall(event) - t0.wall if t0 is not None else event.audio_t
        what = f"pipeline got InputDTMFFrame {event.detail!r}"
        timeline.event(t, "bot", what, "dtmf_received", digit=event.detail)
    timeline.call_error(outcome)
    timeline.add_table()
