"""``voicectl chaos carrier-close``: the carrier closes the call's WebSocket with a code."""

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

__all__ = ["carrier_close"]


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
    ending_command(
        HangUp.CLOSE,
        code,
        reason,
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
