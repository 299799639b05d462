"""Directing a call as it happens: what a :data:`~voicectl.replay.call_state.Director` calls on a
:class:`~voicectl.replay.client.CarrierCall` (speak, press keys, stop media or reading, hang up)."""

from __future__ import annotations

import asyncio
import fcntl
import socket
import sys
import termios
import time

import numpy as np
import numpy.typing as npt

from voicectl.audio.script import Utterance
from voicectl.errors import InputError
from voicectl.faults.base import check_close_code
from voicectl.outcome.call import DtmfPress, HangUp, TurnResult
from voicectl.replay.call_state import FRAME_S, CallState

__all__ = ["CallDirecting"]


class CallDirecting(CallState):
    """The steering side of a call in progress."""

    @property
    def sent_s(self) -> float:
        """Call seconds of caller audio sent so far."""
        return self._sent_s

    def play(self, samples: npt.NDArray[np.int16]) -> tuple[float, float]:
        """Put ``samples`` (wire rate) on the line from the next frame on; returns (start, end)
        in call seconds. Unlike :meth:`say` it is not a turn the bot is expected to answer."""
        start_index = self._next_index
        start = start_index * FRAME_S
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
        self._end_frames[int(np.ceil(utterance.end / FRAME_S)) - 1] = len(self.utterances) - 1
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
        end = None if seconds is None else start + round(seconds / FRAME_S)
        self._media_gaps.append((start, end))
        self.outcome.media_gaps.append((start * FRAME_S, None if end is None else end * FRAME_S))
        return start * FRAME_S

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

    async def _until_sent(self, t: float) -> None:
        """Wait until the caller audio up to call second ``t`` has left (or the call ends)."""
        while self._sent_s < t and self._end_request is None and self._ws is not None:
            await asyncio.sleep(FRAME_S / 2)

    def hang_up(self, how: HangUp = HangUp.STOP, code: int = 1000, reason: str = "") -> None:
        """End the call after the current frame, as :class:`HangUp` ``how`` says (``close``:
        with ``code``, checked by the one close-code rule; InputError if it cannot be sent)."""
        if how is HangUp.CLOSE:
            check_close_code(code)
        self._end_request = (HangUp(how), code, reason)
