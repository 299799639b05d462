"""The caller goes quiet after the bot's answer: does the bot check in, or end the call?"""

from __future__ import annotations

import asyncio

from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import (
    ask_and_await_reply,
    caller_lines,
    run_directed,
    wait_until,
)
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.caller_faults import SilencePlan, SilenceResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = ["run_silence"]


async def run_silence(
    caller: Call,
    plan: SilencePlan,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
) -> SilenceResult:
    """Place a real-time call: one question, the bot's answer, then silence from the caller."""
    wire_rate = 16000 if carrier == "raw" else 8000
    question = caller_lines(caller, wire_rate)[0]
    result = SilenceResult(
        plan, DirectedCall(CallOutcome(carrier=carrier, url=url or "", fast=False))
    )

    async def direct(call: CarrierCall) -> None:
        result.question, result.note = await ask_and_await_reply(
            call, question, plan.wait_for_reply_s
        )
        if result.note:
            return
        await wait_until(lambda: call.bot_audio_flowing_since() is None, 120)
        result.reply_end = call.outcome.runs[-1].end
        end = result.reply_end
        if await wait_until(
            lambda: any(run.start > end + 0.01 for run in call.outcome.runs), plan.listen_s
        ):
            await asyncio.sleep(1.0)  # hear the start of what it says
        call.hang_up()

    deadline = 40.0 + plan.wait_for_reply_s + plan.listen_s + 120
    result.call = await run_directed(
        direct,
        url=url,
        carrier=carrier,
        bot_config=bot_config,
        line=line,
        deadline_s=deadline,
        seed=f"{caller.name}-silence",
    )
    return result
