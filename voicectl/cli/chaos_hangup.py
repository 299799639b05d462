"""``voicectl chaos hangup``: the caller's line drops mid-call."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.bot.pipeline import BotVariant
from voicectl.carriers import CarrierName
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    AudioOpt,
    CarrierOpt,
    UrlOpt,
    VariantOpt,
    ending_command,
)
from voicectl.cli.common import BaselineOpt, CallerChannelOpt, LineOpt, Outputs, TrialsOpt
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.outcome.call import HangUp

__all__ = ["hangup"]


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
    ending_command(
        HangUp.DROP,
        1006,
        "",
        at,
        url,
        carrier,
        audio,
        variant,
        release_within,
        end_within,
        outputs_of(outputs, trials),
        line,
        trials,
        baseline,
        bot,
        caller_channel,
    )
