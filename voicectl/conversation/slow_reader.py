"""The carrier stops reading its socket mid-reply (the kernel buffers fill), then reads again.

Pipecat #5789: a write to a carrier that stopped reading never returned and wedged the pipeline,
with hundreds of "exception sending data" lines. The carrier here really stops reading (the
transport is paused, its ``SO_RCVBUF`` small, so its receive window closes), keeps sending
caller media, and after ``stall_s`` reads again (or, never resuming, tears the socket down).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import (
    ask_and_await_reply,
    caller_lines,
    run_directed,
    wait_until,
)
from voicectl.outcome.call import CallOutcome, HangUp
from voicectl.outcome.conversation import DirectedCall
from voicectl.outcome.slow_reader import LogLine, SlowReaderPlan, SlowReaderResult
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = [
    "captured_bot_log",
    "log_lines_since",
    "run_slow_reader",
]

_SAMPLE_S = 0.1
# loguru's "| WARNING  |", Python logging's "WARNING:"/" WARNING ", and the higher levels.
_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")


@contextlib.contextmanager
def captured_bot_log() -> Iterator[list[LogLine]]:
    """Warning-or-worse records Pipecat (loguru) logs in this process, while inside."""
    from loguru import logger

    lines: list[LogLine] = []

    def sink(message: object) -> None:
        record = message.record  # type: ignore[attr-defined]
        lines.append(LogLine(time.monotonic(), record["level"].name, record["message"][:300]))

    handle = logger.add(sink, level="WARNING", format="{message}")
    try:
        yield lines
    finally:
        logger.remove(handle)


def log_lines_since(path: Path, offset: int) -> list[LogLine]:
    """Warning-or-worse lines a bot wrote to its log file after byte ``offset``."""
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return []
    found: list[LogLine] = []
    for raw in text.splitlines():
        match = _LEVEL.search(raw)
        if match:
            found.append(LogLine(None, match.group(1), raw.strip()[:300]))
    return found


async def run_slow_reader(
    caller: Call,
    plan: SlowReaderPlan,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
    on_stop_reading: Callable[[], None] | None = None,
) -> SlowReaderResult:
    """Place a real-time call whose carrier stops reading its socket mid-reply.

    ``on_stop_reading`` runs the moment the carrier stops reading (to mark the bot's log).
    """
    wire_rate = 16000 if carrier == "raw" else 8000
    lines = caller_lines(caller, wire_rate)
    if len(lines) < 2:
        raise ValueError(f"{caller.name} needs two utterances")
    result = SlowReaderResult(
        plan, DirectedCall(CallOutcome(carrier=carrier, url=url or "", fast=False))
    )

    async def sample_until(call: CarrierCall, until: float) -> None:
        assert result.stopped_wall is not None
        while time.monotonic() < until and call.outcome.error is None:
            unread = call.unread_bytes()
            if unread is not None:
                result.unread.append((round(time.monotonic() - result.stopped_wall, 2), unread))
            await asyncio.sleep(_SAMPLE_S)

    async def direct(call: CarrierCall) -> None:
        result.question, result.note = await ask_and_await_reply(
            call, lines[0], plan.wait_for_reply_s
        )
        if result.note:
            return
        result.reply_started = call.bot_audio_flowing_since()
        start = result.reply_started or 0.0
        await wait_until(lambda: call.now() >= start + plan.into_reply_s, plan.into_reply_s + 5)
        runs = call.outcome.runs
        # Within a run's gap of its last audio: a loaded bot's sends arrive a little late.
        result.mid_reply = bool(runs) and not runs[-1].cleared and call.now() <= runs[-1].end + 0.25
        if on_stop_reading is not None:
            on_stop_reading()
        result.receive_buffer_bytes = call.receive_buffer_bytes()
        result.stopped_at = call.stop_reading()
        result.stopped_wall = time.monotonic()
        stall = plan.stall_s if plan.stall_s is not None else plan.hangup_after_s
        await sample_until(call, result.stopped_wall + stall)
        if plan.stall_s is None:
            result.hung_up_wall = time.monotonic()
            call.hang_up(HangUp.RESET)
            return
        result.resumed_at = call.resume_reading()
        resumed = result.resumed_at
        await asyncio.sleep(1.0)
        result.backlog_s = sum(
            r.end - max(r.start, resumed) for r in call.outcome.runs if r.end > resumed
        )
        await wait_until(lambda: call.bot_audio_flowing_since() is None, plan.drain_wait_s)
        await asyncio.sleep(1.0)
        result.after = call.say(*lines[1])
        end = result.after.utterance.end
        await wait_until(lambda: call.sent_s >= end, end + 5)
        await wait_until(lambda: any(r.start >= end for r in call.outcome.runs), plan.answer_wait_s)
        await asyncio.sleep(0.5)
        result.hung_up_wall = time.monotonic()
        call.hang_up()

    stall = plan.stall_s if plan.stall_s is not None else plan.hangup_after_s
    deadline = 40.0 + plan.wait_for_reply_s + stall + plan.drain_wait_s + plan.answer_wait_s
    capture: contextlib.AbstractContextManager[list[LogLine]] = (
        captured_bot_log() if url is None else contextlib.nullcontext([])
    )
    with capture as logged:
        result.call = await run_directed(
            direct,
            url=url,
            carrier=carrier,
            bot_config=bot_config,
            line=line,
            deadline_s=deadline,
            seed=f"{caller.name}-slow-reader",
            pipeline_wait_s=plan.pipeline_wait_s,
            recv_buffer_bytes=plan.recv_buffer_bytes,
        )
    if url is None:
        result.log = list(logged)
    bot_calls = result.call.bot_calls
    if bot_calls and result.hung_up_wall is not None:
        served = bot_calls[0]
        if served.finished and served.ended_at is not None:
            result.pipeline_end_s = max(0.0, served.ended_at - result.hung_up_wall)
        result.leftover_tasks = list(served.leftover_tasks)
    return result
