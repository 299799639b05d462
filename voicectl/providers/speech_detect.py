"""Energy-based speech detection on the audio a fake STT actually received (sans-I/O).

A fake STT must not transcribe what it has not heard: a client that sends a whole call in a
fast burst gets its transcripts as fast as the audio arrives, and a client that sends silence
gets none. :class:`SpeechDetector` turns received PCM into speech events on the *stream's* clock
(seconds of audio received), so every answer follows from the audio alone.

It is deliberately simple: 10 ms frames whose RMS is above ``threshold_dbfs`` are voiced;
``min_speech_ms`` of voiced frames (not necessarily contiguous, within an onset window) start
speech; ``endpoint_ms`` of unvoiced frames end it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from voicectl.audio.g711 import alaw_decode, ulaw_decode

__all__ = ["SpeechDetector", "SpeechEvent", "SpeechEventKind", "decode_pcm"]

FRAME_S = 0.01
_EMPTY = np.zeros(0, dtype=np.int16)


class SpeechEventKind(StrEnum):
    STARTED = "started"  # speech began at ``at_s`` (stream seconds)
    ONGOING = "ongoing"  # speech continues; ``at_s`` is the stream time now
    ENDED = "ended"  # speech ended at ``at_s`` (the last voiced frame's end)


@dataclass(frozen=True)
class SpeechEvent:
    kind: SpeechEventKind
    at_s: float
    started_s: float  # when this stretch of speech began


def decode_pcm(data: bytes, encoding: str) -> np.ndarray:
    """Audio bytes in a provider's ``encoding`` as int16 samples (unknown: linear16)."""
    if encoding in ("mulaw", "ulaw", "pcm_mulaw"):
        return ulaw_decode(data)
    if encoding in ("alaw", "pcm_alaw"):
        return alaw_decode(data)
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype="<i2")


class SpeechDetector:
    """Speech start/continue/end events from a stream of int16 samples at ``sample_rate``."""

    def __init__(
        self,
        sample_rate: int,
        *,
        threshold_dbfs: float = -45.0,
        min_speech_ms: float = 60.0,
        endpoint_ms: float = 500.0,
    ) -> None:
        self.sample_rate = sample_rate
        self.frame = max(1, round(sample_rate * FRAME_S))
        # Compared with each frame's energy (sum of squares): no sqrt or mean per frame.
        self._energy_threshold = self.frame * (32768.0 * 10 ** (threshold_dbfs / 20.0)) ** 2
        self._min_voiced = max(1, math.ceil(min_speech_ms / 10.0))
        self._end_frames = max(1, math.ceil(endpoint_ms / 10.0))
        self._pending = _EMPTY
        self.frames = 0  # 10 ms frames consumed
        self.speaking = False
        self._voiced_run = 0
        self._onset_frame = 0
        self._silent_run = 0
        self._started_frame = 0
        self._last_voiced_frame = 0

    @property
    def stream_s(self) -> float:
        """Seconds of audio consumed so far."""
        return self.frames * FRAME_S

    @property
    def started_s(self) -> float:
        """Stream seconds at which the current (or last) stretch of speech began."""
        return self._started_frame * FRAME_S

    @property
    def last_voiced_s(self) -> float:
        """Stream seconds at the end of the last voiced frame."""
        return self._last_voiced_frame * FRAME_S

    def feed(self, samples: np.ndarray) -> list[SpeechEvent]:
        """Consume samples; return the events they complete (at most one ONGOING per call)."""
        if self._pending.size:
            samples = np.concatenate((self._pending, samples))
        whole = samples.size - samples.size % self.frame
        if whole < samples.size:
            self._pending = samples[whole:].copy()
        elif self._pending.size:
            self._pending = _EMPTY
        if whole == 0:
            return []
        frames = samples[:whole].astype(np.float32).reshape(-1, self.frame)
        voiced = np.einsum("ij,ij->i", frames, frames) >= self._energy_threshold
        events: list[SpeechEvent] = []
        ended = False
        for is_voiced in voiced.tolist():
            self.frames += 1
            event = self._step(is_voiced)
            if event is not None:
                events.append(event)
                ended = ended or event.kind is SpeechEventKind.ENDED
        if self.speaking and not ended:
            start = self._started_frame * FRAME_S
            events.append(SpeechEvent(SpeechEventKind.ONGOING, self.stream_s, start))
        return events

    def _step(self, voiced: bool) -> SpeechEvent | None:
        if not self.speaking:
            if voiced:
                if self._voiced_run == 0:
                    self._onset_frame = self.frames - 1
                self._voiced_run += 1
                self._silent_run = 0
                if self._voiced_run >= self._min_voiced:
                    self.speaking = True
                    self._started_frame = self._onset_frame
                    self._last_voiced_frame = self.frames
                    started = self._started_frame * FRAME_S
                    return SpeechEvent(SpeechEventKind.STARTED, started, started)
            elif self._voiced_run:
                # Short gaps inside an onset are tolerated; a long one resets it.
                self._silent_run += 1
                if self._silent_run > self._min_voiced:
                    self._voiced_run = 0
                    self._silent_run = 0
            return None
        if voiced:
            self._silent_run = 0
            self._last_voiced_frame = self.frames
            return None
        self._silent_run += 1
        if self._silent_run >= self._end_frames:
            self.speaking = False
            self._voiced_run = 0
            self._silent_run = 0
            return SpeechEvent(
                SpeechEventKind.ENDED,
                self._last_voiced_frame * FRAME_S,
                self._started_frame * FRAME_S,
            )
        return None
