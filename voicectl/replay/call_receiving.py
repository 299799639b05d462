"""The receive side of a call: the bot's media, marks and clears, and the bookkeeping of its
audio (runs, underruns, which turn each answer belongs to, the recorded bot track)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from voicectl.carriers import BotClear, BotMalformed, BotMark, BotMedia
from voicectl.outcome.call import BotAudioRun, ClearEvent
from voicectl.replay.call_state import CallState

__all__ = ["AFTER_END_GRACE_S", "CallReceiving"]

# Media arriving within this much of the end of the audio already received belongs to the same
# run of bot speech (Pipecat sends bursts paced at half the playback interval).
_RUN_GAP_S = 0.25
_SILENT_PEAK = 32  # -60 dBFS: a run whose every sample is at or below it is digital silence
#: Messages a bot had in flight when the call ended are not its fault; later ones are.
AFTER_END_GRACE_S = 1.0


class CallReceiving(CallState):
    """What the carrier does with what the bot sends."""

    def bot_audio_flowing_since(self) -> float | None:
        """Call seconds at which the current run of bot audio started, if bot audio is flowing."""
        runs = self.outcome.runs
        if runs and not runs[-1].cleared and self.now() <= self._playback_end + 0.05:
            return runs[-1].start
        return None

    def _on_media(self, payload: bytes) -> None:
        outcome = self.outcome
        now = self.now()
        self._last_media_wall = time.monotonic()
        outcome.media_received += 1
        samples = self.session.decode_audio(payload)
        duration = samples.size / self.session.wire_rate
        voiced = bool(samples.size) and int(np.abs(samples.astype(np.int32)).max()) > _SILENT_PEAK
        run = outcome.runs[-1] if outcome.runs else None
        if run is None or run.cleared or now > self._playback_end + _RUN_GAP_S:
            outcome.runs.append(
                BotAudioRun(start=now, end=now + duration, messages=1, voiced=voiced)
            )
            start = now
        else:
            run.voiced = run.voiced or voiced
            if now > self._playback_end + 0.02 and run.messages > 1:
                outcome.underruns.append((now, now - self._playback_end))
            start = max(now, self._playback_end)
            run.end = start + duration
            run.messages += 1
        self._playback_end = start + duration
        if self.options.record:
            self._bot_chunks.append((start, samples))
        self._attribute_answer(now)
        self._first_media.set()

    def _attribute_answer(self, now: float) -> None:
        for i, turn in enumerate(self.outcome.turns):
            if turn.answered or now < turn.utterance.end:
                continue
            following = self.outcome.turns[i + 1] if i + 1 < len(self.outcome.turns) else None
            if following is not None and now >= following.utterance.end:
                continue  # that answer belongs to a later turn; this one went unanswered
            turn.answered_at = now
            sent = self._end_sent_wall.get(i)
            turn.latency_s = (
                time.monotonic() - sent if sent is not None else now - turn.utterance.end
            )

    def _on_clear(self) -> None:
        now = self.now()
        flowing = (
            bool(self.outcome.runs)
            and now <= self._playback_end + 0.05
            and not self.outcome.runs[-1].cleared
        )
        self.outcome.clears.append(ClearEvent(now, flowing))
        if flowing:
            run = self.outcome.runs[-1]
            run.cleared = True
            run.end = min(run.end, now)
        self._playback_end = min(self._playback_end, now)

    def _on_mark(self, name: str) -> None:
        """Echo a mark once the audio sent before it has played, as the carrier does."""
        delay = max(0.0, self._playback_end - self.now()) if not self.options.fast else 0.0

        async def echo() -> None:
            await asyncio.sleep(delay)
            if self._ws is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self._ws.send(self.session.mark_message(name))
                    self.outcome.marks_echoed += 1

        task = asyncio.create_task(echo())
        self._mark_tasks.add(task)
        task.add_done_callback(self._mark_tasks.discard)

    async def _receive(self, ws: ClientConnection) -> None:
        async for message in ws:
            event = self.session.parse(message)
            if self.outcome.protocol is not None:
                late = (
                    self._ended_wall is not None
                    and time.monotonic() - self._ended_wall > AFTER_END_GRACE_S
                )
                self.outcome.protocol.observe(event, message, after_end=late)
            if self._count_after_end:
                self.outcome.messages_after_end += 1
                self.outcome.media_after_end += isinstance(event, BotMedia)
            if isinstance(event, BotMedia):
                self._on_media(event.payload)
            elif isinstance(event, BotClear):
                self._on_clear()
                for ack in self.session.clear_ack_messages():
                    await ws.send(ack)
            elif isinstance(event, BotMark):
                self._on_mark(event.name)
            elif isinstance(event, BotMalformed) and len(self.outcome.malformed) < 20:
                self.outcome.malformed.append(event.reason)

    def _render_bot_audio(self) -> npt.NDArray[np.int16]:
        rate = self.session.wire_rate
        length = max(
            [int(self._sent_s * rate)] + [int(s * rate) + c.size for s, c in self._bot_chunks]
        )
        track = np.zeros(length, dtype=np.int16)
        for start, chunk in self._bot_chunks:
            i = round(start * rate)
            track[i : i + chunk.size] = chunk[: max(0, length - i)]
        return track
