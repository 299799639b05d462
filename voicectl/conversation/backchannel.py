"""The caller acknowledges ("mm-hmm", "oh") while the bot talks, then really barges in.

A backchannel is not a turn: a bot should keep talking through it, and still stop for a real
barge-in in the same call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from voicectl.audio.backchannel import backchannel
from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import (
    DirectedCall,
    ask_and_await_reply,
    caller_lines,
    run_directed,
    wait_until,
)
from voicectl.replay.client import CallOutcome, CarrierCall, TurnResult
from voicectl.replay.line import LineSpec

__all__ = ["BackchannelPlan", "BackchannelResult", "SentBackchannel", "run_backchannels"]


@dataclass(frozen=True)
class BackchannelPlan:
    """Which acknowledgements the caller makes, how far into the bot's reply, and the barge-in."""

    kinds: tuple[str, ...] = ("mm-hmm", "oh")
    into_reply_s: tuple[float, ...] = (1.0, 2.2)
    barge_in_s: float = 3.6  # a real barge-in (the caller's next utterance) this far into the reply
    wait_for_reply_s: float = 10.0
    answer_wait_s: float = 6.0


@dataclass(frozen=True)
class SentBackchannel:
    """One acknowledgement on the caller's line, in call seconds."""

    kind: str
    start: float
    end: float
    bot_talking: bool  # bot audio was flowing when it began


@dataclass
class BackchannelResult:
    """What happened around the acknowledgements and the barge-in."""

    plan: BackchannelPlan
    call: DirectedCall
    first: TurnResult | None = None
    reply_started: float | None = None
    sent: list[SentBackchannel] = field(default_factory=list)
    barge: TurnResult | None = None
    barge_bot_talking: bool = False
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome


async def run_backchannels(
    caller: Call,
    plan: BackchannelPlan,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
) -> BackchannelResult:
    """Place a real-time call: a question, backchannels during the answer, then a barge-in."""
    wire_rate = 16000 if carrier == "raw" else 8000
    lines = caller_lines(caller, wire_rate)
    if len(lines) < 2:
        raise ValueError(f"{caller.name} needs two utterances (a question and a barge-in)")
    clips = {kind: backchannel(kind, wire_rate) for kind in set(plan.kinds)}
    result = BackchannelResult(
        plan, DirectedCall(CallOutcome(carrier=carrier, url=url or "", fast=False))
    )

    async def direct(call: CarrierCall) -> None:
        result.first, result.note = await ask_and_await_reply(call, lines[0], plan.wait_for_reply_s)
        if result.note:
            return
        start = call.bot_audio_flowing_since() or call.now()
        result.reply_started = start
        for kind, offset in zip(plan.kinds, plan.into_reply_s, strict=True):
            await wait_until(lambda o=offset: call.now() >= start + o, offset + 5)
            talking = call.bot_audio_flowing_since() is not None
            begin, end = call.play(clips[kind])
            result.sent.append(SentBackchannel(kind, begin, end, talking))
        await wait_until(lambda: call.now() >= start + plan.barge_in_s, plan.barge_in_s + 5)
        result.barge_bot_talking = call.bot_audio_flowing_since() is not None
        result.barge = call.say(*lines[1])
        barge_end = result.barge.utterance.end
        await wait_until(lambda: call.sent_s >= barge_end, barge_end + 5)
        await wait_until(
            lambda: any(run.start >= barge_end for run in call.outcome.runs), plan.answer_wait_s
        )
        await asyncio.sleep(0.5)
        call.hang_up("stop")

    deadline = 40.0 + plan.wait_for_reply_s + plan.barge_in_s + plan.answer_wait_s
    result.call = await run_directed(
        direct,
        url=url,
        carrier=carrier,
        bot_config=bot_config,
        line=line,
        deadline_s=deadline,
        seed=f"{caller.name}-backchannel",
    )
    return result
