"""Silero VAD at any pipeline rate (Pipecat's analyzer accepts only 8 and 16 kHz), its model
loaded once per process."""

from __future__ import annotations

import copy
import functools

import numpy as np
import soxr
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState

__all__ = ["RateAdaptingSileroVAD"]

_NATIVE_RATES = (8000, 16000)


@functools.cache
def _loaded() -> SileroVADAnalyzer:
    """Pipecat's analyzer, built once: its model's inference session is what every call shares."""
    return SileroVADAnalyzer()


class RateAdaptingSileroVAD(SileroVADAnalyzer):
    """``SileroVADAnalyzer`` that streams 24/48 kHz input down to 16 kHz before the model.

    At 8 and 16 kHz it is Pipecat's analyzer unchanged. At other rates it keeps a soxr stream
    resampler (quality LQ: ~11-22 ms held back instead of VHQ's ~45-85 ms, and a VAD does not
    need more than 5 kHz of bandwidth) and feeds the model 16 kHz audio.

    The model is loaded once per process (~0.06 CPU-s and ~0.1 s of a call's event loop each
    time otherwise): every analyzer gets its own copy of Pipecat's ``SileroOnnxModel`` with fresh
    recurrent state around the one ONNX Runtime session, which is safe to run from several
    threads at once. ``VADAnalyzer`` sets up the analyzer's own state; what Silero's constructor
    adds beyond that comes from the loaded analyzer, its model copied.
    """

    def __init__(self, *, params: VADParams | None = None) -> None:
        VADAnalyzer.__init__(self, params=params)
        loaded = _loaded()
        own = set(vars(self))
        for name, value in vars(loaded).items():
            if name not in own:
                setattr(self, name, value)
        self._model = copy.copy(loaded._model)
        self._model.reset_states()
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
