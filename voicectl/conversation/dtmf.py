"""The caller presses keys: carrier ``dtmf`` events, or in-band tones, while the line is open."""

from __future__ import annotations

import asyncio

from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import run_directed
from voicectl.outcome.caller_faults import DtmfEntry, DtmfResult
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = ["run_dtmf"]


async def run_dtmf(
    entry: DtmfEntry,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
) -> DtmfResult:
    """Place a real-time call in which the caller presses ``entry.digits``."""

    async def direct(call: CarrierCall) -> None:
        await asyncio.sleep(entry.at_s)
        await call.send_dtmf(
            entry.digits, inband=entry.inband, tone_s=entry.tone_s, gap_s=entry.gap_s
        )
        await asyncio.sleep(entry.settle_s)
        call.hang_up()

    per_key = entry.tone_s + entry.gap_s
    deadline = 20.0 + entry.at_s + entry.settle_s + per_key * len(entry.digits)
    directed = await run_directed(
        direct,
        url=url,
        carrier=carrier,
        bot_config=bot_config,
        line=line,
        deadline_s=deadline,
        seed=f"dtmf-{entry.digits}",
    )
    return DtmfResult(entry, directed)
