"""The caller presses keys: carrier ``dtmf`` events, or in-band tones, while the line is open."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from voicectl.bot.observer import PerceivedEvent
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import DirectedCall, run_directed
from voicectl.replay.client import CarrierCall, DtmfPress
from voicectl.replay.line import LineSpec

__all__ = ["DtmfEntry", "DtmfResult", "run_dtmf"]


@dataclass(frozen=True)
class DtmfEntry:
    """Which keys the caller presses, how, and when."""

    digits: str
    inband: bool = False
    at_s: float = 1.0  # line silence before the first key
    tone_s: float = 0.1  # each key press (in-band: the tone's length)
    gap_s: float = 0.15  # between key presses
    settle_s: float = 2.0  # line silence after the last key, before hanging up


@dataclass
class DtmfResult:
    """The keys sent and, with an inside view, the keys the bot's pipeline received."""

    entry: DtmfEntry
    call: DirectedCall

    @property
    def sent(self) -> list[DtmfPress]:
        return self.call.outcome.dtmf_sent

    @property
    def received(self) -> list[PerceivedEvent] | None:
        """DTMF frames the bot's pipeline produced, in order; None without an inside view."""
        perception = self.call.perception
        return None if perception is None else perception.of_kind("dtmf")

    def received_wall(self, event: PerceivedEvent) -> float:
        """Monotonic time the bot's pipeline produced ``event``."""
        assert self.call.perception is not None
        return self.call.perception.wall_origin + event.wall_t


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
        call.hang_up("stop")

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
