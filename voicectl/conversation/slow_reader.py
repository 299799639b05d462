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
from dataclasses import dataclass, field
from pathlib import Path

from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.conversation.scenarios import (
    ask_and_await_reply,
    caller_lines,
    run_directed,
    wait_until,
)
from voicectl.outcome.call import CallOutcome, TurnResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.replay.client import CarrierCall
from voicectl.replay.line import LineSpec

__all__ = [
    "LogLine",
    "SlowReaderPlan",
    "SlowReaderResult",
    "captured_bot_log",
    "log_lines_since",
    "run_slow_reader",
]

_SAMPLE_S = 0.1
# loguru's "| WARNING  |", Python logging's "WARNING:"/" WARNING ", and the higher levels.
_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")


@dataclass(frozen=True)
class LogLine:
    """A warning-or-worse line of the bot's log, at monotonic ``wall`` (None: not known)."""

    wall: float | None
    level: str
    text: str


@dataclass(frozen=True)
class SlowReaderPlan:
    """When the carrier stops reading, for how long (None: it never reads again), and bounds."""

    into_reply_s: float = 1.0  # stop reading this far into the bot's reply
    stall_s: float | None = 8.0
    hangup_after_s: float = 15.0  # never reading again: tear the socket down after this long
    recv_buffer_bytes: int = 4096
    wait_for_reply_s: float = 10.0
    drain_wait_s: float = 60.0  # after reading again, for the rest of the reply to play out
    answer_wait_s: float = 8.0
    pipeline_wait_s: float = 10.0  # after the hang-up, for the in-process bot's pipeline


@dataclass
class SlowReaderResult:
    """What the carrier saw, in call seconds, and what the bot showed of itself."""

    plan: SlowReaderPlan
    call: DirectedCall
    question: TurnResult | None = None
    reply_started: float | None = None
    stopped_at: float | None = None  # call second the carrier stopped reading
    stopped_wall: float | None = None
    mid_reply: bool = False  # bot audio was flowing when the carrier stopped reading
    unread: list[tuple[float, int]] = field(default_factory=list)  # (s into the stall, bytes)
    receive_buffer_bytes: int | None = None  # the kernel's SO_RCVBUF on the carrier's socket
    resumed_at: float | None = None
    backlog_s: float = 0.0  # seconds of bot audio that arrived in the first second of reading
    after: TurnResult | None = None  # the caller's next utterance, once the reply played out
    hung_up_wall: float | None = None
    log: list[LogLine] | None = None  # None: the bot's log is not visible (a bot at --url)
    pipeline_end_s: float | None = None  # hang-up -> the bot's pipeline finished
    leftover_tasks: list[str] | None = None  # None: not visible from here
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome

    @property
    def window_closed_s(self) -> float | None:
        """Seconds into the stall after which the unread bytes stopped growing (the carrier's
        receive window closed on the bot), if they reached half the receive buffer and then
        held for at least a second; None: the buffer never filled."""
        if not self.unread or self.receive_buffer_bytes is None:
            return None
        last_t, last_n = self.unread[-1]
        if last_n < self.receive_buffer_bytes // 2:
            return None
        since = next(t for t, n in self.unread if n == last_n)
        return since if last_t - since >= 1.0 else None

    def answer_latency_s(self) -> float | None:
        if self.after is None:
            return None
        end = self.after.utterance.end
        starts = [r.start - end for r in self.outcome.runs if r.start >= end]
        return min(starts, default=None)

    def log_during(self) -> list[LogLine] | None:
        """The bot's warning-or-worse lines from the carrier stopping reading onwards."""
        if self.log is None:
            return None
        start = self.stopped_wall
        return [
            line for line in self.log if start is None or line.wall is None or line.wall >= start
        ]


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
            call.hang_up("reset")
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
        call.hang_up("stop")

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
