"""Pipecat heartbeats on the reference bot: a long healthy reply, or a pipeline truly stuck.

``PipelineParams(enable_heartbeats=True)`` pushes a ``HeartbeatFrame`` every second and raises
``on_heartbeat_timeout`` when one has not come back within ``heartbeats_monitor_secs`` (10 s).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import numpy as np

from voicectl.audio.script import Call
from voicectl.bot.faulty import StallAfterTurn
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer
from voicectl.conversation.scenarios import caller_lines, wait_until
from voicectl.outcome.conversation import HEARTBEAT_MONITOR_S, HeartbeatPlan, HeartbeatResult
from voicectl.replay.client import CallOptions, CarrierCall, place_call

__all__ = ["run_heartbeat"]


async def run_heartbeat(caller: Call, plan: HeartbeatPlan) -> HeartbeatResult:
    """One real-time call to the reference bot with heartbeats enabled."""
    question = caller_lines(caller, 8000)[0]
    stall = StallAfterTurn(plan.stall_s) if plan.stall_s > 0 else None
    config = ReferenceBotConfig(
        reply_secs=plan.reply_s,
        heartbeats=plan.heartbeats,
        extra_processors=(stall,) if stall is not None else (),
    )
    timeouts: list[float] = []
    started = [0.0]

    def hook(worker: object) -> None:
        @worker.event_handler("on_heartbeat_timeout")  # type: ignore[attr-defined]
        async def _on_timeout(_worker: object) -> None:
            timeouts.append(time.monotonic() - started[0])

    async def direct(call: CarrierCall) -> None:
        started[0] = time.monotonic()
        await asyncio.sleep(0.5)
        asked = call.say(*question).utterance.end
        wait = plan.stall_s + 10.0
        await wait_until(
            lambda: (s := call.bot_audio_flowing_since()) is not None and s >= asked - 0.5,
            asked + wait,
        )
        await wait_until(lambda: call.bot_audio_flowing_since() is None, plan.reply_s + wait)
        await asyncio.sleep(HEARTBEAT_MONITOR_S / 2)
        call.hang_up("stop")

    options = CallOptions(url="", fast=False, tail_s=0.0, seed="heartbeat")
    deadline = 60.0 + plan.reply_s + plan.stall_s
    async with ReferenceBotServer(config, worker_hook=hook) as server:
        options = replace(options, url=server.url)
        outcome = await place_call(
            np.zeros(0, dtype=np.int16), [], options, deadline_s=deadline, director=direct
        )
        for served in server.calls:
            await wait_until(served.finished.is_set, 10)
    result = HeartbeatResult(plan, outcome, timeouts)
    if stall is not None and stall.stalled_at is not None:
        result.stalled_at = stall.stalled_at - started[0]
    replies = [r for r in outcome.runs if r.end - r.start > 1.0]
    if replies:
        result.reply = (replies[0].start, replies[-1].end)
    return result
