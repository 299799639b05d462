"""The state of one call in progress, shared by the carrier client's sending, receiving and
directing sides (:class:`voicectl.replay.client.CarrierCall` is all of them)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection

from voicectl.audio.script import Utterance
from voicectl.carriers import CallIdentity, CarrierSession, open_session
from voicectl.carriers.conformance import ProtocolLedger
from voicectl.outcome.call import CallOutcome, HangUp, TurnResult
from voicectl.replay.call_options import CallOptions
from voicectl.replay.line import CallerLine, speech_level

if TYPE_CHECKING:
    from voicectl.replay.client import CarrierCall

__all__ = ["FRAME_S", "CallState", "Director"]

FRAME_S = 0.020

Director = Callable[["CarrierCall"], Awaitable[None]]


class CallState:
    """One call's audio, carrier session, outcome and progress, and its clock."""

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
        self.frame_samples = int(rate * FRAME_S)
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
            int(np.ceil(u.end / FRAME_S)) - 1: k for k, u in enumerate(self.utterances)
        }
        self._end_sent_wall: dict[int, float] = {}
        self._t0 = 0.0
        self._playback_end = 0.0  # call seconds at which the bot audio received so far ends
        self._bot_chunks: list[tuple[float, npt.NDArray[np.int16]]] = []
        self._first_media = asyncio.Event()
        self._last_media_wall = 0.0
        self._ws: ClientConnection | None = None
        self._mark_tasks: set[asyncio.Task[None]] = set()
        self._end_request: tuple[HangUp, int, str] | None = None
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

    def now(self) -> float:
        """Call seconds now: wall time in real-time mode, caller audio sent in fast mode."""
        if self.options.fast:
            return self._sent_s
        return time.monotonic() - self._t0
