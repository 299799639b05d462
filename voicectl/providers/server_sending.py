"""How the fake provider answers: transcripts and TTS audio sent at once or delayed by a fault,
and the transcript schedule sent to every connection that heard the utterance."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed

from voicectl.faults.actions import Delay
from voicectl.outcome.connections import ConnectionLog
from voicectl.providers.fake_connection import LiveConnection
from voicectl.providers.protocol import CloseNormally, Message, Outgoing, Output
from voicectl.providers.schedule import TranscriptSchedule

__all__ = ["ProviderSending"]

#: Audio a connection must have sent since its last transcript to be transcribed (~0.1 s of
#: 16 kHz PCM); keepalives and config messages stay far below it.
_MIN_HEARD_BYTES = 3200
#: A connection whose audio stopped longer ago than this before an utterance ended did not hear it.
_AUDIO_RECENT_S = 0.5


class ProviderSending:
    """The sending side of :class:`~voicectl.providers.server.FakeProviderServer`."""

    rng: random.Random
    log: ConnectionLog
    changed: asyncio.Event
    schedule: TranscriptSchedule | None
    _silent: bool
    _live: set[LiveConnection]

    if TYPE_CHECKING:

        def now(self) -> float: ...

    async def _send(self, conn: LiveConnection, item: Outgoing) -> None:
        if not conn.answering:
            return
        if isinstance(item, CloseNormally):
            conn.closing = True
            assert conn.ws is not None
            self._spawn(conn, conn.ws.close(item.code, item.reason))
            return
        message, label = (item.message, item.label) if isinstance(item, Output) else (item, None)
        if conn.outbox is not None and isinstance(conn.action, Delay):
            delay = conn.action.ms + self.rng.uniform(-conn.action.jitter_ms, conn.action.jitter_ms)
            now = self.now()
            due = max(now + delay / 1000.0, conn.last_due)
            conn.last_due = due
            conn.outbox.put_nowait((due, now, message, label))
            return
        await self._write(conn, message, label, None)

    async def _write(
        self, conn: LiveConnection, message: Message, label: str | None, queued_at: float | None
    ) -> None:
        if not conn.answering:
            return
        assert conn.ws is not None
        try:
            await conn.ws.send(message)
        except ConnectionClosed:
            return
        conn.record.messages_out += 1
        if label is not None:
            self.log.transcript_sent(self.now(), conn.record, label, queued_at)
            self.changed.set()

    async def _drain_outbox(self, conn: LiveConnection) -> None:
        assert conn.outbox is not None
        while True:
            due, queued_at, message, label = await conn.outbox.get()
            wait = due - self.now()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._write(conn, message, label, queued_at)

    async def _run_schedule(self) -> None:
        assert self.schedule is not None
        for item in self.schedule:
            # Poll in short steps: the run clock may be a call's clock, not the wall.
            while (wait := item.at_s - self.now()) > 0:
                await asyncio.sleep(min(wait, 0.005))
            if self._silent:
                continue
            for conn in list(self._live):
                # Transcribe only what was heard: an idle connection (a ServiceSwitcher's
                # inactive backup sends keepalives, not audio) gets no transcript.
                heard = conn.record.bytes_in - conn.transcribed_upto
                listening = conn.audio_at >= item.at_s - _AUDIO_RECENT_S
                if conn.answering and heard >= _MIN_HEARD_BYTES and listening:
                    conn.transcribed_upto = conn.record.bytes_in
                    for message in conn.protocol.transcript(item.text):
                        await self._send(conn, Output(message, item.text))

    def _spawn(self, conn: LiveConnection, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        conn.tasks.add(task)
        task.add_done_callback(conn.tasks.discard)
