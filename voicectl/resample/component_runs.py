"""Smart Turn v3 and Silero VAD from the Pipecat wheel, run on the fixture calls four ways.

The variants (correct rates, and each rate told for the other), what each run gives (plain
data: probabilities, per-window confidence and state) and the runs themselves. Pipecat is
imported inside the runs only; :mod:`voicectl.resample.component_judge` judges the results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from voicectl.audio.script import Call, Utterance

__all__ = [
    "BASELINE",
    "CORRECT",
    "VARIANTS",
    "Component",
    "SmartTurnResult",
    "VadResult",
    "VadRun",
    "Variant",
    "run_silero_vad",
    "run_smart_turn",
]

PRE_SPEECH_S = 0.5  # Smart Turn's pre_speech_ms
STOP_S = 0.2  # the VAD's stop_secs: silence after speech before Smart Turn is asked


class Component(StrEnum):
    """The rate-sensitive components voicectl can exercise offline."""

    SMART_TURN = "smart-turn"
    SILERO_VAD = "silero-vad"


@dataclass(frozen=True)
class Variant:
    """What the component is given: audio at ``audio_rate``, told it is ``claimed_rate``."""

    key: str
    audio_rate: int
    claimed_rate: int
    label: str
    short: str

    @property
    def speed(self) -> float:
        """How fast the component hears the speech (1 = correct)."""
        return self.claimed_rate / self.audio_rate


CORRECT = Variant("8k", 8000, 8000, "8 kHz audio, told 8000 Hz (correct)", "8k told 8k")
BASELINE = Variant(
    "16k", 16000, 16000, "16 kHz (upsampled), told 16000 Hz (correct)", "16k told 16k"
)
VARIANTS = (
    CORRECT,
    BASELINE,
    Variant(
        "8k-as-16k", 8000, 16000, "8 kHz audio told 16000 Hz: speech at 2x", "8k told 16k (2x)"
    ),
    Variant(
        "16k-as-8k", 16000, 8000, "16 kHz audio told 8000 Hz: speech at 0.5x", "16k told 8k (0.5x)"
    ),
)


def _at_rate(samples: npt.NDArray[np.int16], rate: int) -> npt.NDArray[np.int16]:
    """Telephony samples (8 kHz) at ``rate`` (VHQ, rounded)."""
    if rate == 8000:
        return samples
    y = soxr.resample(samples.astype(np.float64), 8000, rate, quality="VHQ")
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


@dataclass
class SmartTurnResult:
    """End-of-turn probability per utterance for each variant."""

    utterances: list[tuple[str, int, Utterance]] = field(default_factory=list)
    probability: dict[str, list[float]] = field(default_factory=dict)  # variant key -> per utt


async def run_smart_turn(calls: Sequence[Call]) -> SmartTurnResult:
    """Ask Smart Turn v3 about every utterance, through its public turn-analysis path."""
    from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3

    result = SmartTurnResult()
    for call in calls:
        for number, utterance in enumerate(call.script.utterances, start=1):
            result.utterances.append((call.name, number, utterance))
    for variant in VARIANTS:
        analyzer: Any = LocalSmartTurnAnalyzerV3(sample_rate=variant.claimed_rate)
        analyzer.set_sample_rate(variant.claimed_rate)
        probabilities: list[float] = []
        try:
            for call in calls:
                audio = _at_rate(call.audio.samples, variant.audio_rate)
                for utterance in call.script.utterances:
                    probabilities.append(
                        await _end_of_turn(analyzer, audio, variant.audio_rate, utterance)
                    )
        finally:
            await analyzer.cleanup()
        result.probability[variant.key] = probabilities
    return result


async def _end_of_turn(
    analyzer: Any, audio: npt.NDArray[np.int16], rate: int, utterance: Utterance
) -> float:
    """Feed one utterance as a pipeline would (pre-speech, speech, a VAD stop) and ask."""
    chunk = rate // 50
    start = max(0, round((utterance.start - PRE_SPEECH_S) * rate))
    speech = round(utterance.start * rate)
    end = min(len(audio), round((utterance.end + STOP_S) * rate))
    stop = round(utterance.end * rate)
    for first in range(start, end, chunk):
        piece = audio[first : min(first + chunk, end)]
        analyzer.append_audio(piece.tobytes(), is_speech=speech <= first < stop)
    _, metrics = await analyzer.analyze_end_of_turn()
    analyzer.clear()
    return float(metrics.probability) if metrics is not None else float("nan")


@dataclass
class VadRun:
    """Silero on one call for one variant: per-window confidence and state, in real time."""

    window_s: float  # real seconds per model window
    times: npt.NDArray[np.float64]  # real time of each window's centre
    confidence: npt.NDArray[np.float64]
    speaking: npt.NDArray[np.bool_]  # VAD state SPEAKING or STOPPING after the window


@dataclass
class VadResult:
    """Silero VAD on every call, for each variant."""

    calls: list[Call] = field(default_factory=list)
    runs: dict[str, list[VadRun]] = field(default_factory=dict)  # variant key -> per call
    threshold: float = 0.7


async def run_silero_vad(calls: Sequence[Call]) -> VadResult:
    """Run Silero VAD over each whole call, window by window, as a transport does."""
    from pipecat.audio.vad.silero import SileroVADAnalyzer
    from pipecat.audio.vad.vad_analyzer import VADState

    result = VadResult(calls=list(calls))
    for variant in VARIANTS:
        runs: list[VadRun] = []
        for call in calls:
            analyzer: Any = SileroVADAnalyzer(sample_rate=variant.claimed_rate)
            analyzer.set_sample_rate(variant.claimed_rate)
            result.threshold = analyzer.params.confidence
            seen: list[float] = []
            model_confidence = analyzer.voice_confidence

            def observe(
                buffer: bytes, score: Any = model_confidence, out: list[float] = seen
            ) -> Any:
                confidence = score(buffer)
                out.append(float(np.ravel(confidence)[0]))
                return confidence

            analyzer.voice_confidence = observe  # watch the model's output, change nothing
            audio = _at_rate(call.audio.samples, variant.audio_rate)
            window = analyzer.num_frames_required()
            states: list[bool] = []
            try:
                for first in range(0, len(audio) - window + 1, window):
                    state = await analyzer.analyze_audio(audio[first : first + window].tobytes())
                    states.append(state in (VADState.SPEAKING, VADState.STOPPING))
            finally:
                await analyzer.cleanup()
            window_s = window / variant.audio_rate
            runs.append(
                VadRun(
                    window_s=window_s,
                    times=(np.arange(len(states)) + 0.5) * window_s,
                    confidence=np.asarray(seen[: len(states)]),
                    speaking=np.asarray(states, dtype=bool),
                )
            )
            await asyncio.sleep(0)
        result.runs[variant.key] = runs
    return result
