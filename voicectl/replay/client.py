"""The carrier side of a call: play a recording into a bot over the carrier's WebSocket protocol.

The client sends what Twilio (or Telnyx, Plivo, Exotel, raw) sends a bot — the opening
messages, paced 20 ms media frames, silence between utterances, a tail, ``stop`` — receives
the bot's media, marks and clears, echoes marks back when their audio has "played", records
the bot's audio on the call timeline, and measures every turn.

Two pacings:

* real time: frame *i* leaves at ``start + i * 20 ms``; times are call seconds;
* ``fast``: caller audio is sent without pacing; after each utterance the client sends
  silence at ``fast_silence_speed`` x real time until the bot answers and waits for the reply to
  end instead of talking over it. No audio is skipped, so call seconds are caller-audio seconds
  on both ends (the timeline lines up with what the bot perceived).

Reply latency is always wall time from the moment the utterance's last frame was sent to the
first bot audio. In real time that is the latency a caller hears; in ``fast`` mode it is the
bot's response time with the silence after the utterance arriving faster than real time (so a
VAD's or turn model's silence timeout costs less wall time than it would on a call).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.uri import parse_uri

from voicectl.audio.script import Utterance
from voicectl.outcome.call import CallOutcome, HangUp
from voicectl.replay.call_directing import CallDirecting
from voicectl.replay.call_options import FAST_SILENCE_SPEED, CallOptions
from voicectl.replay.call_receiving import AFTER_END_GRACE_S, CallReceiving
from voicectl.replay.call_sending import CallSending
from voicectl.replay.call_state import FRAME_S, Director

#: ``CallOutcome`` is named here too: :func:`place_call` returns it (the pytest plugin's API).
__all__ = [
    "AFTER_END_GRACE_S",
    "FAST_SILENCE_SPEED",
    "CallOptions",
    "CallOutcome",
    "CarrierCall",
    "Director",
    "place_call",
]


class CarrierCall(CallDirecting, CallReceiving, CallSending):
    """One call in progress. Use :func:`place_call` unless you need to drive it step by step."""

    async def run(self, deadline_s: float, director: Director | None = None) -> CallOutcome:
        """Place the call; ``deadline_s`` bounds the whole call (connect included).

        A ``director`` coroutine runs alongside a real-time call and steers it as it happens
        (:meth:`say`, :meth:`hang_up`); the call goes on, with silence, until it returns.
        """
        outcome = self.outcome
        frames = int(np.ceil(self.audio.size / self.frame_samples))
        started = time.monotonic()
        self._director = director
        try:
            async with asyncio.timeout(deadline_s):
                await self._run(frames)
        except TimeoutError:
            outcome.error = (
                f"call did not finish within its {deadline_s:.0f} s deadline "
                f"(caller audio sent: {self._sent_s:.1f} of {frames * FRAME_S:.1f} s)"
            )
        finally:
            for task in list(self._mark_tasks):
                task.cancel()
            outcome.wall_s = time.monotonic() - started
            outcome.duration_s = self._sent_s
            if self.options.record and self._line is not None:
                # Over a bad line, record what the bot was sent: concealed, reordered, noisy.
                outcome.caller_audio = (
                    np.concatenate(self._heard) if self._heard else np.zeros(0, np.int16)
                )
            elif self.options.record:
                outcome.caller_audio = self.audio[: int(self._sent_s * self.session.wire_rate)]
                outcome.bot_audio = self._render_bot_audio()
        return outcome

    async def _run(self, frames: int) -> None:
        outcome = self.outcome
        try:
            ws = await asyncio.wait_for(self._connect(), self.options.connect_timeout_s)
        except TimeoutError:
            outcome.error = f"no WebSocket handshake from {self.options.url} within {self.options.connect_timeout_s:.0f} s"
            outcome.unreachable = True
            return
        except InvalidStatus as exc:
            outcome.error = f"{self.options.url} rejected the WebSocket handshake: HTTP {exc.response.status_code}"
            outcome.unreachable = True
            return
        except (OSError, InvalidHandshake, InvalidURI) as exc:
            outcome.error = f"cannot connect to {self.options.url}: {exc}"
            outcome.unreachable = True
            return
        self._ws = ws
        receiver = asyncio.create_task(self._receive(ws))
        sender: asyncio.Task[None] | None = None
        directing: asyncio.Task[None] | None = None
        try:
            for message in self.session.open_messages():
                await ws.send(message)
            if self.options.fast:
                await asyncio.sleep(self.options.fast_settle_s)
            self._t0 = time.monotonic()
            outcome.started_monotonic = self._t0
            directing = self._start_director()
            sender = asyncio.create_task(
                self._send_fast(ws, frames)
                if self.options.fast
                else self._send_realtime(ws, frames)
            )
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                self._record_bot_close(ws, receiver)
                return
            sender.result()
            if directing is not None and directing.done() and not directing.cancelled():
                directing.result()  # a scenario bug is a harness error, not a quiet call
            await self._end_call(ws, receiver)
        except ConnectionClosed:
            self._record_bot_close(ws, receiver)
        finally:
            for task in (directing, sender, receiver):
                if task is not None and not task.done():
                    task.cancel()
            for task in (directing, sender, receiver):
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, Exception):
                        await task
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)
            self._ws = None

    async def _connect(self) -> ClientConnection:
        buffer = self.options.recv_buffer_bytes
        if buffer is None:
            return await connect(
                self.options.url, open_timeout=None, max_size=2**22, compression=None
            )
        uri = parse_uri(self.options.url)
        loop = asyncio.get_running_loop()
        family, kind, proto, _name, address = (
            await loop.getaddrinfo(uri.host, uri.port, type=socket.SOCK_STREAM)
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            # Before connect(), so the window the bot may fill is this small from the start.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            return await connect(
                self.options.url, sock=sock, open_timeout=None, max_size=2**22, compression=None
            )
        except BaseException:
            sock.close()
            raise

    def _start_director(self) -> asyncio.Task[None] | None:
        if self._director is None:
            return None
        self._directed = True
        director = self._director

        async def direct() -> None:
            try:
                await director(self)
            finally:
                self._directed = False

        return asyncio.create_task(direct())

    async def _end_call(self, ws: ClientConnection, receiver: asyncio.Task[None]) -> None:
        """End the call the way the caller (or its director) chose, and watch what the bot does."""
        outcome = self.outcome
        how, code, reason = self._end_request or (HangUp.STOP, 1000, "call ended")
        await self._flush_line(ws)
        outcome.ended_by = how
        outcome.ended_at = self.now()
        self._count_after_end = True
        self._ended_wall = time.monotonic()
        if how is HangUp.RESET:
            outcome.close_code = 1006
            ws.transport.abort()
            return
        if how is HangUp.DROP:
            # The line goes dead: no stop, no close frame, just the end of the TCP stream (FIN).
            # Keep reading, so we see whether (and when) the bot lets go of its side.
            outcome.close_code = 1006
            sent = time.monotonic()
            if ws.transport.can_write_eof():
                ws.transport.write_eof()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.wait_closed(), self.options.close_wait_s)
                outcome.close_handshake_s = time.monotonic() - sent
            ws.transport.abort()
            return
        if how is HangUp.STOP:
            for message in self.session.stop_messages():
                await ws.send(message)
        sent = time.monotonic()
        ws.close_timeout = self.options.close_wait_s
        await ws.close(code, reason)
        rcvd = ws.protocol.close_rcvd
        outcome.close_code, outcome.close_reason = code, reason
        if rcvd is not None:
            outcome.bot_close_code = rcvd.code
            outcome.close_handshake_s = time.monotonic() - sent

    def _record_bot_close(self, ws: ClientConnection, receiver: asyncio.Task[None]) -> None:
        """The bot hung up (or the receive loop died) before the call ended: say exactly how."""
        outcome = self.outcome
        at = self.now()
        exc = receiver.exception() if receiver.done() and not receiver.cancelled() else None
        if exc is not None and not isinstance(exc, ConnectionClosed):
            outcome.error = f"receive loop died at {at:.2f} s: {type(exc).__name__}: {exc}"
            return
        rcvd = ws.protocol.close_rcvd
        outcome.closed_by_bot = True
        if rcvd is not None:
            outcome.close_code, outcome.close_reason = rcvd.code, rcvd.reason
            reason = f" ({rcvd.reason})" if rcvd.reason else ""
            outcome.error = f"bot closed the call at {at:.2f} s with code {rcvd.code}{reason}"
        else:
            outcome.close_code = 1006
            outcome.error = f"bot dropped the connection at {at:.2f} s without a close frame (1006)"


async def place_call(
    audio: npt.NDArray[np.int16],
    utterances: Sequence[Utterance],
    options: CallOptions,
    *,
    sample_rate: int = 8000,
    deadline_s: float | None = None,
    director: Director | None = None,
) -> CallOutcome:
    """Place one call against ``options.url`` and return what was measured."""
    call = CarrierCall(audio, utterances, options, sample_rate=sample_rate)
    if deadline_s is None:
        length = call.audio.size / call.session.wire_rate
        deadline_s = options.connect_timeout_s + (
            length * 0.6 + 30 if options.fast else length + 15
        )
    return await call.run(deadline_s, director)
