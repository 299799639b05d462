"""Silero VAD at any pipeline rate: Pipecat's analyzer accepts only 8 and 16 kHz."""

from __future__ import annotations

import numpy as np
import soxr
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams, VADState

__all__ = ["RateAdaptingSileroVAD"]

_NATIVE_RATES = (8000, 16000)


class RateAdaptingSileroVAD(SileroVADAnalyzer):
    """``SileroVADAnalyzer`` that streams 24/48 kHz input down to 16 kHz before the model.

    At 8 and 16 kHz it is Pipecat's analyzer unchanged. At other rates it keeps a soxr stream
    resampler (quality LQ: ~11-22 ms held back instead of VHQ's ~45-85 ms, and a VAD does not
    need more than 5 kHz of bandwidth) and feeds the model 16 kHz audio.
    """

    def __init__(self, *, params: VADParams | None = None) -> None:
        super().__init__(params=params)
        self._stream: soxr.ResampleStream | None = None
        self.pipeline_rate = 0

    def set_sample_rate(self, sample_rate: int) -> None:
        self.pipeline_rate = sample_rate
        if sample_rate in _NATIVE_RATES:
            self._stream = None
            super().set_sample_rate(sample_rate)
        else:
            self._stream = soxr.ResampleStream(sample_rate, 16000, 1, dtype="int16", quality="LQ")
            super().set_sample_rate(16000)

    def _run_analyzer(self, buffer: bytes) -> VADState:
        if self._stream is not None:
            pcm = np.frombuffer(buffer, dtype=np.int16)
            buffer = self._stream.resample_chunk(pcm).tobytes()
        return super()._run_analyzer(buffer)
