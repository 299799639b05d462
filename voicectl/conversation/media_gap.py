"""Caller media stops mid-utterance with the socket open (a dead RTP leg), then resumes or not.

Pipecat #4124: with no audio arriving the VAD stays "speaking", so the caller's turn never ends
and the bot waits forever. Pipecat 1.14's ``VADProcessor(audio_idle_timeout=1.0)`` forces the
speech to stop after a second without audio.
"""

from __future__ import annotations

import asyncio
import time

from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import caller_lines, run_directed, wait_until
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.caller_faults import MediaGapPlan, MediaGapResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = ["run_media_gap"]


async def run_media_gap(
    caller: Call,
    plan: MediaGapPlan,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
) -> MediaGapResult:
    """Place a real-time call whose caller media stops mid-utterance, socket left open."""
    wire_rate = 16000 if carrier == "raw" else 8000
    lines = caller_lines(caller, wire_rate)
    if len(lines) < 2:
        raise ValueError(f"{caller.name} needs two utterances")
    result = MediaGapResult(
        plan, DirectedCall(CallOutcome(carrier=carrier, url=url or "", fast=False))
    )

    async def direct(call: CarrierCall) -> None:
        await asyncio.sleep(0.5)
        result.cut = call.say(*lines[0])
        cut_at = result.cut.utterance.start + plan.into_utterance_s
        await wait_until(lambda: call.sent_s >= cut_at, cut_at + 5)
        result.gap_start = call.stop_media(plan.gap_s)
        result.gap_start_wall = time.monotonic()
        if plan.gap_s is None:
            await _listen_for_idle_handling(call, result)
            call.hang_up()
            return
        gap_start = result.gap_start
        resume = gap_start + plan.gap_s
        await wait_until(lambda: call.sent_s >= resume, plan.gap_s + 6)

        def replied() -> bool:
            return any(run.start >= gap_start for run in call.outcome.runs)

        waited = max(0.0, gap_start + plan.turn_wait_s - call.sent_s)
        if await wait_until(replied, waited):
            await wait_until(lambda: call.bot_audio_flowing_since() is None, 30)
        await asyncio.sleep(1.0)
        result.after = call.say(*lines[1])
        end = result.after.utterance.end
        await wait_until(lambda: call.sent_s >= end, end + 5)
        await wait_until(
            lambda: any(run.start >= end for run in call.outcome.runs), plan.answer_wait_s
        )
        await asyncio.sleep(0.5)
        call.hang_up()

    gap = plan.gap_s if plan.gap_s is not None else plan.listen_s + plan.idle_wait_s
    result.call = await run_directed(
        direct,
        url=url,
        carrier=carrier,
        bot_config=bot_config,
        line=line,
        deadline_s=90.0 + gap + plan.turn_wait_s + plan.answer_wait_s,
        seed=f"{caller.name}-media-gap",
    )
    return result


async def _listen_for_idle_handling(call: CarrierCall, result: MediaGapResult) -> None:
    """Media stopped for good: hear the bot's answer (for up to ``listen_s``), then keep the
    silent line open ``idle_wait_s`` past its end (or past ``turn_wait_s``, without an answer)
    unless the bot speaks again or hangs up first."""
    plan, gap_start = result.plan, result.gap_start or 0.0

    def voiced_after(t: float) -> bool:
        return any(run.start > t + 0.01 and run.voiced for run in call.outcome.runs)

    if await wait_until(lambda: voiced_after(gap_start - 0.01), plan.listen_s):
        await wait_until(lambda: call.bot_audio_flowing_since() is None, 60)
        since = call.outcome.runs[-1].end
    else:
        since = gap_start + plan.turn_wait_s
    until = since + plan.idle_wait_s + 1.0
    if await wait_until(lambda: voiced_after(since), max(0.0, until - call.sent_s)):
        await asyncio.sleep(1.0)  # hear the start of what it says
