"""The reference bot's Silero VAD and Smart Turn load their models once and behave as Pipecat's."""

from __future__ import annotations

import numpy as np
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer

from voicectl.audio.script import bundled_calls
from voicectl.bot.turn import SharedModelSmartTurnV3
from voicectl.bot.vad import RateAdaptingSileroVAD


def _speech(seconds: float) -> np.ndarray:
    call = bundled_calls()[0]
    assert call.audio.sample_rate == 8000
    return call.audio.samples[: int(seconds * 8000)].astype(np.int16)


def _confidences(analyzer: SileroVADAnalyzer, audio: np.ndarray) -> list[float]:
    analyzer.set_sample_rate(8000)
    window = analyzer.num_frames_required()
    return [
        float(np.ravel(analyzer.voice_confidence(audio[i : i + window].tobytes()))[0])
        for i in range(0, audio.size - window + 1, window)
    ]


def test_silero_analyzers_share_one_session_and_score_as_pipecats_own() -> None:
    audio = _speech(3.0)
    first, second = RateAdaptingSileroVAD(), RateAdaptingSileroVAD()
    assert first._model.session is second._model.session
    assert first._model is not second._model
    _confidences(first, audio[::-1].copy())  # another call's audio must not leak into the next
    expected = _confidences(SileroVADAnalyzer(), audio)
    assert max(expected) > 0.5  # there is speech in it
    assert _confidences(second, audio) == expected


def test_smart_turn_analyzers_share_one_session_and_predict_as_pipecats_own() -> None:
    audio = _speech(4.0).astype(np.float32) / 32768.0
    first = SharedModelSmartTurnV3(sample_rate=8000)
    second = SharedModelSmartTurnV3(sample_rate=8000)
    assert first._session is second._session
    assert first._audio_buffer is not second._audio_buffer
    expected = LocalSmartTurnAnalyzerV3(sample_rate=8000)._predict_endpoint(audio)
    assert second._predict_endpoint(audio) == expected
