"""The caller acknowledges ("mm-hmm", "oh") while the bot talks, then really barges in.

A backchannel is not a turn: a bot should keep talking through it, and still stop for a real
barge-in in the same call.
"""

from __future__ import annotations

import asyncio

from voicectl.audio.backchannel import backchannel
from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import (
    ask_and_await_reply,
    caller_lines,
    run_directed,
    wait_until,
)
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.caller_faults import BackchannelPlan, BackchannelResult, SentBackchannel
from voicectl.outcome.conversation import DirectedCall
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = ["run_backchannels"]


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
        call.hang_up()

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
