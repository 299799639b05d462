"""The send side of a call: the caller's 20 ms frames, paced in real time or ``fast``, through a
bad caller line when there is one."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection

from voicectl.replay.call_state import FRAME_S, CallState
from voicectl.replay.line import Delivery
from voicectl.replay.pacing import PacingSchedule, sleep_until

__all__ = ["CallSending"]


class CallSending(CallState):
    """The pacing loops that put the caller's audio on the wire."""

    def _media_stopped(self, index: int) -> bool:
        return any(a <= index and (b is None or index < b) for a, b in self._media_gaps)

    def _frame_samples(self, index: int) -> npt.NDArray[np.int16]:
        chunk = self.audio[index * self.frame_samples : (index + 1) * self.frame_samples]
        if chunk.size < self.frame_samples:
            chunk = np.pad(chunk, (0, self.frame_samples - chunk.size))
        return chunk

    def _frame_payload(self, index: int) -> bytes:
        """Frame ``index`` as wire bytes (what ``encode_audio(_frame_samples(index))`` gives).

        The call's audio is encoded in one go, on first use and again after :meth:`play`
        changed it, instead of one small numpy call per frame.
        """
        if self._wire is None:
            self._wire = self.session.encode_audio(self.audio)
        size = self.frame_samples * self.session.bytes_per_sample
        payload = self._wire[index * size : (index + 1) * size]
        if len(payload) < size:
            missing = (size - len(payload)) // self.session.bytes_per_sample
            payload += self.session.encode_audio(np.zeros(missing, np.int16))
        return payload

    async def _send_frame(self, ws: ClientConnection, index: int) -> None:
        if self._media_gaps and self._media_stopped(index):
            self._sent_s = (index + 1) * FRAME_S  # a media gap: the frame's time passes unsent
            self._next_index = index + 1
            return
        if self._line is None:
            await ws.send(self.session.media_message(self._frame_payload(index)))
            self._frame_delivered(index)
        else:
            self._line.push(index, self._frame_samples(index))
            now = self._line.send_time(index) if self.options.fast else time.monotonic() - self._t0
            await self._deliver(ws, self._line.pop_due(now))
        self._sent_s = (index + 1) * FRAME_S
        self._next_index = index + 1

    def _frame_delivered(self, index: int) -> None:
        utterance = self._end_frames.get(index)
        if utterance is not None:
            self._end_sent_wall[utterance] = time.monotonic()

    async def _deliver(self, ws: ClientConnection, deliveries: list[Delivery]) -> None:
        """Send the frames the caller's line lets through (a dropped frame sends nothing)."""
        for delivery in deliveries:
            if delivery.samples is not None:
                await ws.send(
                    self.session.media_message(self.session.encode_audio(delivery.samples))
                )
                if self.options.record:
                    self._heard.append(delivery.samples)
            self._frame_delivered(delivery.index)

    async def _sleep_delivering(self, ws: ClientConnection, until: float) -> None:
        """Sleep until ``until`` (monotonic), sending late frames of a bad line as they arrive."""
        line = self._line
        while line is not None:
            arrival = line.next_due()
            if arrival is None or self._t0 + arrival >= until:
                break
            await sleep_until(self._t0 + arrival)
            await self._deliver(ws, line.pop_due(time.monotonic() - self._t0))
        await sleep_until(until)

    async def _flush_line(self, ws: ClientConnection) -> None:
        if self._line is not None:
            await self._deliver(ws, self._line.flush())

    async def _send_realtime(self, ws: ClientConnection, frames: int) -> None:
        period = FRAME_S if self._line is None else self._line.send_time(1)
        schedule = PacingSchedule(self._t0, period)
        stats = self.outcome.pacing
        index = 0
        while self._end_request is None and (
            index < max(frames, self._buffered_frames()) or self._directed
        ):
            due = schedule.due(index)
            if self._line is None:
                await sleep_until(due)
            else:
                await self._sleep_delivering(ws, due)
            if self._end_request is not None:
                break
            stats.add(time.monotonic() - due)
            await self._send_frame(ws, index)
            index += 1

    def _buffered_frames(self) -> int:
        return int(np.ceil(self.audio.size / self.frame_samples))

    async def _send_fast(self, ws: ClientConnection, frames: int) -> None:
        index = 0
        for k, utterance in enumerate(self.utterances):
            end_index = min(frames, int(np.ceil(utterance.end / FRAME_S)))
            while index < end_index:
                await self._send_frame(ws, index)
                index += 1
                if index % 25 == 0:
                    await asyncio.sleep(0)
            index = await self._fast_wait_for_reply(ws, k, index, frames)
        while index < frames:  # the rest of the call, tail included
            await self._send_frame(ws, index)
            index += 1
            if index % 25 == 0:
                await asyncio.sleep(0)

    async def _fast_wait_for_reply(
        self, ws: ClientConnection, k: int, index: int, frames: int
    ) -> int:
        """Send the silence after utterance ``k`` at ``fast_silence_speed`` until it is answered,
        then let the reply finish.

        The silence stops short of the next utterance (``fast_hold_s`` before it) and the client
        waits there, on the wall clock, up to ``fast_max_wait_s``: a bot slowed down by a loaded
        machine gets the time it needs instead of having the next utterance talk over it.
        """
        options = self.options
        turn = self.outcome.turns[k]
        interval = FRAME_S / options.fast_silence_speed
        hold = frames
        if k + 1 < len(self.utterances):
            hold = min(frames, int((self.utterances[k + 1].start - options.fast_hold_s) / FRAME_S))
        pending = options.fast_answer_pending or (lambda: False)
        deadline = time.monotonic() + options.fast_max_wait_s
        while time.monotonic() < deadline:
            if turn.answered:
                while time.monotonic() - self._last_media_wall < options.fast_reply_quiet_s:
                    await asyncio.sleep(options.fast_reply_quiet_s / 3)
                if not pending():
                    break
            if index < hold:
                await self._send_frame(ws, index)
                index += 1
                await asyncio.sleep(interval)
            else:
                await asyncio.sleep(0.005)
        return index
