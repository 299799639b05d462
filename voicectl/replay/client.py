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
import fcntl
import socket
import sys
import termios
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.uri import parse_uri

from voicectl.audio.script import Utterance
from voicectl.carriers import (
    BotClear,
    BotMalformed,
    BotMark,
    BotMedia,
    CallIdentity,
    CarrierSession,
    open_session,
)
from voicectl.carriers.conformance import ProtocolLedger
from voicectl.errors import InputError
from voicectl.outcome.call import BotAudioRun, CallOutcome, ClearEvent, DtmfPress, TurnResult
from voicectl.replay.line import CallerLine, Delivery, LineSpec, speech_level
from voicectl.replay.pacing import PacingSchedule, sleep_until

#: ``CallOutcome`` is named here too: :func:`place_call` returns it (the pytest plugin's API).
__all__ = ["CallOptions", "CallOutcome", "CarrierCall", "Director", "place_call"]

_FRAME_S = 0.020

Director = Callable[["CarrierCall"], Awaitable[None]]
# Media arriving within this much of the end of the audio already received belongs to the same
# run of bot speech (Pipecat sends bursts paced at half the playback interval).
_RUN_GAP_S = 0.25
_SILENT_PEAK = 32  # -60 dBFS: a run whose every sample is at or below it is digital silence
#: Messages a bot had in flight when the call ended are not its fault; later ones are.
AFTER_END_GRACE_S = 1.0


#: --fast: how many times faster than real time the silence after each utterance is sent.
FAST_SILENCE_SPEED = 20.0


@dataclass(frozen=True)
class CallOptions:
    """How to place one call."""

    url: str
    carrier: str = "twilio"
    fast: bool = False
    tail_s: float = 3.0
    connect_timeout_s: float = 5.0
    fast_silence_speed: float = FAST_SILENCE_SPEED
    fast_max_wait_s: float = 8.0  # wall seconds to wait for a reply before moving on
    fast_hold_s: float = 0.3  # stop the silence this long before the next utterance
    fast_reply_quiet_s: float = 0.05
    # --fast: whether the bot, seen from inside, is still mid-answer (a function call running, or
    # its result not yet spoken); the caller waits for it before moving on. None: audio only.
    fast_answer_pending: Callable[[], bool] | None = field(default=None, compare=False)
    record: bool = False
    seed: str = "voicectl"
    close_wait_s: float = 5.0  # how long a caller-initiated close waits for the bot's close frame
    # --fast: pause after the opening messages, as the line would, so the bot's pipeline (and its
    # STT's provider connection) is up before a burst of caller audio arrives.
    fast_settle_s: float = 0.5
    # A bad caller line (loss, jitter, noise, drift) between the caller and the bot; None: clean.
    line: LineSpec | None = None
    # SO_RCVBUF of the carrier's socket, set before connecting (None: the kernel's default). A
    # small one makes the bot's sends back up soon after the carrier stops reading.
    recv_buffer_bytes: int | None = None


class CarrierCall:
    """One call in progress. Use :func:`place_call` unless you need to drive it step by step."""

    def __init__(
        self,
        audio: npt.NDArray[np.int16],
        utterances: Sequence[Utterance],
        options: CallOptions,
        *,
        sample_rate: int = 8000,
    ) -> None:
        self.options = options
        self.session: CarrierSession = open_session(
            options.carrier, CallIdentity.generate(options.carrier, options.seed)
        )
        rate = self.session.wire_rate
        if sample_rate != rate:
            from voicectl.audio.io import resample

            audio = resample(audio, sample_rate, rate)
        self.frame_samples = int(rate * _FRAME_S)
        tail = np.zeros(int(options.tail_s * rate), dtype=np.int16)
        self.audio = np.concatenate([audio.astype(np.int16), tail])
        self.utterances = list(utterances)
        self.outcome = CallOutcome(
            carrier=options.carrier, url=options.url, fast=options.fast, wire_rate=rate
        )
        self.outcome.turns = [TurnResult(i, u) for i, u in enumerate(self.utterances)]
        self.outcome.protocol = ProtocolLedger(options.carrier, self.session.encoding.value)
        self._ended_wall: float | None = None
        self._sent_s = 0.0  # call seconds of caller audio sent so far
        self._end_frames = {
            int(np.ceil(u.end / _FRAME_S)) - 1: k for k, u in enumerate(self.utterances)
        }
        self._end_sent_wall: dict[int, float] = {}
        self._t0 = 0.0
        self._playback_end = 0.0  # call seconds at which the bot audio received so far ends
        self._bot_chunks: list[tuple[float, npt.NDArray[np.int16]]] = []
        self._first_media = asyncio.Event()
        self._last_media_wall = 0.0
        self._ws: ClientConnection | None = None
        self._mark_tasks: set[asyncio.Task[None]] = set()
        self._end_request: tuple[str, int, str] | None = None
        self._count_after_end = False
        self._director: Director | None = None
        self._directed = False
        self._next_index = 0
        self._media_gaps: list[tuple[int, int | None]] = []  # frame indices not sent
        self._line: CallerLine | None = None
        self._wire: bytes | None = None  # the call's audio as wire bytes (see _frame_payload)
        self._heard: list[
            npt.NDArray[np.int16]
        ] = []  # with record: the frames a bad line let through
        if options.line is not None and not options.line.clean:
            spans = [(u.start, u.end) for u in self.utterances]
            self._line = CallerLine(
                options.line, options.seed, speech_level(self.audio, spans, rate)
            )
            self.outcome.line = self._line.stats

    # -- directing a call as it happens -----------------------------------------------------

    @property
    def sent_s(self) -> float:
        """Call seconds of caller audio sent so far."""
        return self._sent_s

    def play(self, samples: npt.NDArray[np.int16]) -> tuple[float, float]:
        """Put ``samples`` (wire rate) on the line from the next frame on; returns (start, end)
        in call seconds. Unlike :meth:`say` it is not a turn the bot is expected to answer."""
        start_index = self._next_index
        start = start_index * _FRAME_S
        end_sample = start_index * self.frame_samples + samples.size
        if end_sample > self.audio.size:
            self.audio = np.concatenate(
                [self.audio, np.zeros(end_sample - self.audio.size, np.int16)]
            )
        self.audio[start_index * self.frame_samples : end_sample] = samples
        self._wire = None
        return start, start + samples.size / self.session.wire_rate

    def say(self, samples: npt.NDArray[np.int16], text: str = "") -> TurnResult:
        """Speak ``samples`` (wire rate) from the next frame on, as a new scripted utterance."""
        start, end = self.play(samples)
        utterance = Utterance(start, end, text)
        self.utterances.append(utterance)
        self._end_frames[int(np.ceil(utterance.end / _FRAME_S)) - 1] = len(self.utterances) - 1
        turn = TurnResult(len(self.outcome.turns), utterance)
        self.outcome.turns.append(turn)
        return turn

    async def send_dtmf(
        self, digits: str, *, inband: bool = False, tone_s: float = 0.1, gap_s: float = 0.15
    ) -> list[DtmfPress]:
        """Press ``digits`` one after another, ``gap_s`` apart (after each ``tone_s`` key press).

        By default each key is the carrier's own ``dtmf`` message, sent on the call's socket
        between media frames; with ``inband`` it is the key's two tones in the caller's audio
        (what a bot hears when the carrier passes DTMF through as sound). Raises ``InputError``
        for a key or carrier that cannot carry it, before anything is sent.
        """
        from voicectl.audio.dtmf import DTMF_FREQUENCIES, dtmf_tone
        from voicectl.carriers.session import DTMF_DIGITS

        for digit in digits:
            if digit not in DTMF_DIGITS or digit not in DTMF_FREQUENCIES:
                raise InputError(f"DTMF digit must be one of {DTMF_DIGITS}, got {digit!r}")
        if not inband and not self.session.has_dtmf:
            raise InputError(
                f"the {self.options.carrier} carrier has no dtmf message; use --inband or another carrier"
            )
        pressed: list[DtmfPress] = []
        for digit in digits:
            if inband:
                tone = dtmf_tone(digit, self.session.wire_rate, tone_s)
                start, end = self.play(tone)
                await self._until_sent(start)
                press = DtmfPress(start, digit, time.monotonic(), inband=True, duration_s=tone_s)
                await self._until_sent(end + gap_s)
            else:
                if self._ws is None:
                    raise RuntimeError("send_dtmf needs a connected call")
                # Stamped before the send: the bot can read the message before send() returns.
                press = DtmfPress(self.now(), digit, time.monotonic())
                await self._ws.send(self.session.dtmf_message(digit))
                await asyncio.sleep(tone_s + gap_s)
            self.outcome.dtmf_sent.append(press)
            pressed.append(press)
        return pressed

    def stop_media(self, seconds: float | None = None) -> float:
        """Stop sending caller media from the next frame on, the socket left open, for
        ``seconds`` (None: for the rest of the call), as when the carrier's RTP leg dies.

        The call clock runs on: the audio due in the gap is never sent. Returns the call second
        the gap starts.
        """
        start = self._next_index
        end = None if seconds is None else start + round(seconds / _FRAME_S)
        self._media_gaps.append((start, end))
        self.outcome.media_gaps.append((start * _FRAME_S, None if end is None else end * _FRAME_S))
        return start * _FRAME_S

    def stop_reading(self) -> float:
        """Stop reading the call's socket (the caller keeps sending): the bot's messages pile up
        in the kernel's buffers until its sends block. Returns the call second it stopped."""
        if self._ws is None:
            raise RuntimeError("stop_reading needs a connected call")
        self._ws.transport.pause_reading()
        return self.now()

    def resume_reading(self) -> float:
        """Read the call's socket again; returns the call second it resumed."""
        if self._ws is None:
            raise RuntimeError("resume_reading needs a connected call")
        self._ws.transport.resume_reading()
        return self.now()

    def receive_buffer_bytes(self) -> int | None:
        """The kernel's receive buffer on this end's socket (Linux doubles what was asked)."""
        sock = None if self._ws is None else self._ws.transport.get_extra_info("socket")
        return None if sock is None else int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    def unread_bytes(self) -> int | None:
        """Bytes the bot sent that wait unread in this end's kernel receive buffer (None: unknown)."""
        sock = None if self._ws is None else self._ws.transport.get_extra_info("socket")
        if sock is None:
            return None
        try:
            raw = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return None
        return int.from_bytes(raw, sys.byteorder, signed=True)

    def _media_stopped(self, index: int) -> bool:
        return any(a <= index and (b is None or index < b) for a, b in self._media_gaps)

    async def _until_sent(self, t: float) -> None:
        """Wait until the caller audio up to call second ``t`` has left (or the call ends)."""
        while self._sent_s < t and self._end_request is None and self._ws is not None:
            await asyncio.sleep(_FRAME_S / 2)

    def hang_up(self, how: str = "stop", code: int = 1000, reason: str = "") -> None:
        """End the call after the current frame: ``stop`` (carrier's stop + close 1000),
        ``drop`` (the TCP stream ends: no stop, no close frame), ``close`` (a close frame with
        ``code``, no stop) or ``reset`` (the socket is torn down at once: with the bot's bytes
        unread in its buffer the kernel answers with a TCP reset)."""
        if how not in ("stop", "drop", "close", "reset"):
            raise ValueError(f"unknown hang-up {how!r}")
        self._end_request = (how, code, reason)

    def bot_audio_flowing_since(self) -> float | None:
        """Call seconds at which the current run of bot audio started, if bot audio is flowing."""
        runs = self.outcome.runs
        if runs and not runs[-1].cleared and self.now() <= self._playback_end + 0.05:
            return runs[-1].start
        return None

    # -- clock -------------------------------------------------------------------------------

    def now(self) -> float:
        """Call seconds now: wall time in real-time mode, caller audio sent in fast mode."""
        if self.options.fast:
            return self._sent_s
        return time.monotonic() - self._t0

    # -- receiving ---------------------------------------------------------------------------

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

    # -- sending -----------------------------------------------------------------------------

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
            self._sent_s = (index + 1) * _FRAME_S  # a media gap: the frame's time passes unsent
            self._next_index = index + 1
            return
        if self._line is None:
            await ws.send(self.session.media_message(self._frame_payload(index)))
            self._frame_delivered(index)
        else:
            self._line.push(index, self._frame_samples(index))
            now = self._line.send_time(index) if self.options.fast else time.monotonic() - self._t0
            await self._deliver(ws, self._line.pop_due(now))
        self._sent_s = (index + 1) * _FRAME_S
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
        period = _FRAME_S if self._line is None else self._line.send_time(1)
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
            end_index = min(frames, int(np.ceil(utterance.end / _FRAME_S)))
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
        interval = _FRAME_S / options.fast_silence_speed
        hold = frames
        if k + 1 < len(self.utterances):
            hold = min(frames, int((self.utterances[k + 1].start - options.fast_hold_s) / _FRAME_S))
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

    # -- the call ----------------------------------------------------------------------------

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
                f"(caller audio sent: {self._sent_s:.1f} of {frames * _FRAME_S:.1f} s)"
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
        how, code, reason = self._end_request or ("stop", 1000, "call ended")
        await self._flush_line(ws)
        outcome.ended_by = how
        outcome.ended_at = self.now()
        self._count_after_end = True
        self._ended_wall = time.monotonic()
        if how == "reset":
            outcome.close_code = 1006
            ws.transport.abort()
            return
        if how == "drop":
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
        if how == "stop":
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
