"""Pipecat heartbeats: a long healthy reply, or a pipeline truly stuck (the reference bot's).

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
from voicectl.replay.line import LineSpec
from voicectl.sut.inside import WorkerView

__all__ = ["heartbeats_seen_inside", "run_heartbeat"]


_OTHER_BOT_REPLY_S = 60.0  # a bot that is not the reference bot: the longest reply waited for


async def run_heartbeat(
    caller: Call,
    plan: HeartbeatPlan,
    *,
    url: str | None = None,
    carrier: str = "twilio",
    line: LineSpec | None = None,
) -> HeartbeatResult:
    """One real-time call with heartbeats enabled: to the reference bot, or to ``url`` (whose
    ``on_heartbeat_timeout`` the caller fills in from the bot's inside view, if it has one)."""
    wire_rate = 16000 if carrier == "raw" else 8000
    question = caller_lines(caller, wire_rate)[0]
    reply_s = plan.reply_s if plan.reply_s is not None else _OTHER_BOT_REPLY_S
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
        await wait_until(lambda: call.bot_audio_flowing_since() is None, reply_s + wait)
        await asyncio.sleep(HEARTBEAT_MONITOR_S / 2)
        call.hang_up()

    options = CallOptions(
        url=url or "", carrier=carrier, fast=False, tail_s=0.0, seed="heartbeat", line=line
    )
    deadline = 60.0 + reply_s + plan.stall_s
    silence = np.zeros(0, dtype=np.int16)
    stall: StallAfterTurn | None = None
    if url is not None:
        outcome = await place_call(
            silence, [], options, sample_rate=wire_rate, deadline_s=deadline, director=direct
        )
    else:
        stall = StallAfterTurn(plan.stall_s) if plan.stall_s > 0 else None
        config = ReferenceBotConfig(
            reply_secs=reply_s,
            heartbeats=plan.heartbeats,
            extra_processors=(stall,) if stall is not None else (),
        )
        async with ReferenceBotServer(config, worker_hook=hook) as server:
            options = replace(options, url=server.url)
            outcome = await place_call(
                silence, [], options, sample_rate=wire_rate, deadline_s=deadline, director=direct
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


def heartbeats_seen_inside(result: HeartbeatResult, worker: WorkerView | None, why: str) -> None:
    """Fill ``result`` for a bot that is not the reference bot from its inside view: its
    ``on_heartbeat_timeout`` moments on the call clock, or why they cannot be seen."""
    lost = "on_heartbeat_timeout fires inside the bot's process and no carrier message carries it"
    if worker is None:
        failed = result.outcome.error if result.reply is None else None
        result.unseen = (f"{failed}; " if failed else "") + f"{why}: {lost}"
        return
    beats = worker.heartbeats
    if beats is None:
        result.unseen = (
            "the bot's Pipecat did not report whether its PipelineWorker sends heartbeats"
        )
        return
    if not beats.get("enabled"):
        result.unseen = (
            "the bot's PipelineWorker runs without heartbeats (PipelineParams(enable_heartbeats="
            "False), Pipecat's default): no heartbeat is sent, so no timeout can be raised; "
            "enable them in the bot to judge this"
        )
        return
    t0 = result.outcome.started_monotonic
    if t0 is None:
        result.unseen = result.outcome.error or "the call never started"
        return
    result.timeouts = [e.t - t0 for e in worker.of_kind("heartbeat_timeout")]
