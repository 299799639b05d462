"""Hear key presses in the caller's audio: an in-band DTMF detector for a Pipecat pipeline.

Pipecat 1.14 turns a carrier's ``dtmf`` messages into ``InputDTMFFrame`` but has no detector
for keys that arrive as tones in the audio (a carrier or PBX that passes DTMF through in-band).
:class:`InBandDTMFDetector` is a ``FrameProcessor`` to put right after ``transport.input()``:
it passes the audio on untouched and pushes ``InputDTMFFrame(KeypadEntry)`` for each key it
hears, so the rest of the pipeline sees tones exactly as it sees carrier dtmf events. It
needs numpy only; copy this file into your bot::

    pipeline = Pipeline([transport.input(), InBandDTMFDetector(), vad, ..., transport.output()])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from loguru import logger
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import Frame, InputAudioRawFrame, InputDTMFFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

__all__ = ["DtmfToneDetector", "InBandDTMFDetector"]

_ROWS = (697.0, 770.0, 852.0, 941.0)
_COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYPAD = ("123A", "456B", "789C", "*0#D")

BLOCK_S = 0.0256  # 205 samples at 8 kHz, the classic Goertzel DTMF block
MIN_TONE_DBFS = -35.0  # each of the two tones at least this loud (peak amplitude)
RELATIVE_PEAK_DB = 8.0  # the row (column) tone over every other row (column) frequency
NORMAL_TWIST_DB = 8.0  # the column tone may be this much weaker than the row tone
REVERSE_TWIST_DB = 4.0  # ... or this much stronger
TONE_SHARE = 0.6  # the two tones' share of the block's energy (speech and noise spread theirs)
MIN_BLOCKS = 2  # consecutive blocks with the same key before it counts (about 40-50 ms)


class DtmfToneDetector:
    """Keys in a stream of 16-bit mono samples, each reported once per press.

    Each block of :data:`BLOCK_S` seconds is judged on the power at the 8 row and column
    frequencies (the single-bin DFT power that Goertzel's recursion yields, computed as one
    matrix product): one row and one column tone loud enough, each clearly the strongest of its
    group, within the twist limits, and together most of the block's energy. A key counts once
    it holds for :data:`MIN_BLOCKS` blocks; the same key counts again only after a block
    without it.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.block = max(1, round(BLOCK_S * sample_rate))
        n = np.arange(self.block)[:, None]
        omega = 2 * np.pi * np.array(_ROWS + _COLUMNS)[None, :] / sample_rate
        self._basis = np.exp(-1j * omega * n)  # (block, 8)
        self._pending = np.zeros(0, dtype=np.float64)
        self._samples_seen = 0
        self._candidate: str | None = None
        self._run = 0
        self._reported = False

    def feed(self, samples: npt.NDArray[np.int16]) -> list[tuple[str, float]]:
        """Add ``samples``; return the keys that started counting, with the stream second."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float64) / 32768.0])
        keys: list[tuple[str, float]] = []
        while self._pending.size >= self.block:
            block, self._pending = self._pending[: self.block], self._pending[self.block :]
            self._samples_seen += self.block
            key = self.classify(block)
            if key is not None and key == self._candidate:
                self._run += 1
            else:
                self._candidate, self._run, self._reported = key, 1 if key else 0, False
            if key is not None and self._run >= MIN_BLOCKS and not self._reported:
                self._reported = True
                keys.append((key, self._samples_seen / self.sample_rate))
        return keys

    def classify(self, block: npt.NDArray[np.float64]) -> str | None:
        """The key one block of full-scale-normalized samples holds, or None."""
        energy = float(np.dot(block, block))
        if energy <= 0.0:
            return None
        # Energy of a sinusoid at each frequency in the block: 2|X|^2/N (= A^2 N/2).
        power = 2.0 * np.abs(block @ self._basis) ** 2 / self.block
        rows, columns = power[:4], power[4:]
        r, c = int(np.argmax(rows)), int(np.argmax(columns))
        row, column = float(rows[r]), float(columns[c])
        floor = (10 ** (MIN_TONE_DBFS / 20)) ** 2 * self.block / 2
        if row < floor or column < floor:
            return None
        if column < row * 10 ** (-NORMAL_TWIST_DB / 10) or column > row * 10 ** (
            REVERSE_TWIST_DB / 10
        ):
            return None
        peak = 10 ** (RELATIVE_PEAK_DB / 10)
        if any(rows[i] * peak > row for i in range(4) if i != r):
            return None
        if any(columns[i] * peak > column for i in range(4) if i != c):
            return None
        if row + column < TONE_SHARE * energy:
            return None
        return _KEYPAD[r][c]


class InBandDTMFDetector(FrameProcessor):
    """Push ``InputDTMFFrame`` for each key heard in the caller's ``InputAudioRawFrame``s.

    The audio goes on unchanged. Keys A-D are detected but dropped with a warning: Pipecat's
    ``KeypadEntry`` has no member for them (its serializers drop them too).
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._detector: DtmfToneDetector | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if not isinstance(frame, InputAudioRawFrame):
            return
        detector = self._detector
        if detector is None or detector.sample_rate != frame.sample_rate:
            detector = self._detector = DtmfToneDetector(frame.sample_rate)
        samples = np.frombuffer(frame.audio, dtype=np.int16)
        if frame.num_channels > 1:
            samples = samples[:: frame.num_channels]
        for key, _at in detector.feed(samples):
            try:
                button = KeypadEntry(key)
            except ValueError:
                logger.warning(f"{self}: in-band DTMF key {key!r} has no Pipecat KeypadEntry")
                continue
            await self.push_frame(InputDTMFFrame(button=button))
