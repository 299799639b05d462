"""Find a caller's utterances in a recording with the Silero VAD that ships inside pipecat-ai.

The rule (:class:`SegmentationRule`, tuned for telephony caller tracks):

1. The audio is scored by Pipecat's :class:`~pipecat.audio.vad.silero.SileroVADAnalyzer` in
   its own windows (32 ms: 256 samples at 8 kHz, 512 at 16 kHz; other rates are resampled to
   16 kHz, or 8 kHz below it). Nothing is downloaded: the ONNX model is in the pipecat wheel.
2. Speech starts at a window scoring at least ``speech_confidence`` and continues while windows
   score at least ``stay_confidence`` (hysteresis, so a soft syllable does not split a word).
3. A silence shorter than ``min_pause_s`` stays inside the utterance (it is listed in the
   utterance's ``pauses`` when it lasts at least ``min_listed_pause_s``); a longer one ends it.
4. An utterance with less than ``min_speech_s`` of speech windows is a breath, click or line
   noise, not an utterance, and is dropped.
5. The VAD's timing is corrected by ``start_offset_s``/``end_offset_s`` (measured on real
   speech: Silero reacts within a window of the onset and keeps scoring speech for a while
   after it ends).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicectl.audio.io import resample

__all__ = [
    "DEFAULT_RULE",
    "SegmentationRule",
    "SegmentationScore",
    "SpeechRun",
    "find_speech_runs",
    "runs_from_scores",
    "score_segmentation",
    "speech_probabilities",
]

_SILERO_RATES = (8000, 16000)


@dataclass(frozen=True)
class SegmentationRule:
    """How Silero's window scores become utterances (see the module docstring)."""

    speech_confidence: float = 0.5
    stay_confidence: float = 0.25
    min_pause_s: float = 0.6
    min_listed_pause_s: float = 0.15
    min_speech_s: float = 0.2
    start_offset_s: float = -0.05
    end_offset_s: float = 0.0

    def describe(self) -> str:
        """The rule in one line, for reports and sidecars."""
        return (
            f"Silero VAD (pipecat-ai), speech at p >= {self.speech_confidence:g} held down to "
            f"p >= {self.stay_confidence:g}; pauses under {self.min_pause_s:g} s stay inside an "
            f"utterance; under {self.min_speech_s:g} s of speech is not an utterance"
        )


DEFAULT_RULE = SegmentationRule()


@dataclass(frozen=True)
class SpeechRun:
    """One utterance found in the audio: start and end (s) and the pauses inside it."""

    start: float
    end: float
    pauses: tuple[tuple[float, float], ...] = ()


def speech_probabilities(
    samples: npt.NDArray[np.int16], sample_rate: int
) -> tuple[npt.NDArray[np.float64], float]:
    """Silero's speech probability for each window of the audio, and the window length (s)."""
    from pipecat.audio.vad.silero import SileroVADAnalyzer

    rate = sample_rate if sample_rate in _SILERO_RATES else (16000 if sample_rate > 8000 else 8000)
    audio = resample(np.ascontiguousarray(samples, dtype=np.int16), sample_rate, rate)
    analyzer = SileroVADAnalyzer(sample_rate=rate)
    analyzer.set_sample_rate(rate)
    window = analyzer.num_frames_required()
    count = len(audio) // window
    scores = np.empty(count, dtype=np.float64)
    for index in range(count):
        chunk = audio[index * window : (index + 1) * window]
        scores[index] = np.asarray(analyzer.voice_confidence(chunk.tobytes())).reshape(-1)[0]
    return scores, window / rate


def find_speech_runs(
    samples: npt.NDArray[np.int16], sample_rate: int, rule: SegmentationRule = DEFAULT_RULE
) -> tuple[SpeechRun, ...]:
    """The utterances in mono audio, by ``rule``."""
    scores, window_s = speech_probabilities(samples, sample_rate)
    duration = len(samples) / sample_rate
    return runs_from_scores(scores, window_s, duration, rule)


def runs_from_scores(
    scores: Sequence[float] | npt.NDArray[np.float64],
    window_s: float,
    duration_s: float,
    rule: SegmentationRule = DEFAULT_RULE,
) -> tuple[SpeechRun, ...]:
    """Apply ``rule`` to per-window speech probabilities (pure; the VAD is run elsewhere)."""
    runs: list[SpeechRun] = []
    for bursts in _utterance_bursts(list(_bursts(scores, rule)), window_s, rule):
        speech_windows = sum(end - start for start, end in bursts)
        if speech_windows * window_s < rule.min_speech_s:
            continue
        start = max(0.0, bursts[0][0] * window_s + rule.start_offset_s)
        end = min(duration_s, bursts[-1][1] * window_s + rule.end_offset_s)
        pauses = tuple(
            (a[1] * window_s, b[0] * window_s)
            for a, b in itertools.pairwise(bursts)
            if (b[0] - a[1]) * window_s >= rule.min_listed_pause_s
            and start < a[1] * window_s < b[0] * window_s < end
        )
        if end > start:
            runs.append(SpeechRun(round(start, 3), round(end, 3), _rounded(pauses)))
    return tuple(runs)


def _bursts(
    scores: Sequence[float] | npt.NDArray[np.float64], rule: SegmentationRule
) -> Iterator[tuple[int, int]]:
    """Runs of speech windows [start, end) with hysteresis."""
    start: int | None = None
    for index, score in enumerate(scores):
        if start is None:
            if score >= rule.speech_confidence:
                start = index
        elif score < rule.stay_confidence:
            yield start, index
            start = None
    if start is not None:
        yield start, len(scores)


def _utterance_bursts(
    bursts: list[tuple[int, int]], window_s: float, rule: SegmentationRule
) -> Iterator[list[tuple[int, int]]]:
    """Group bursts separated by less than ``min_pause_s`` into utterances."""
    group: list[tuple[int, int]] = []
    for burst in bursts:
        if group and (burst[0] - group[-1][1]) * window_s >= rule.min_pause_s:
            yield group
            group = []
        group.append(burst)
    if group:
        yield group


def _rounded(pauses: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    return tuple((round(a, 3), round(b, 3)) for a, b in pauses)


@dataclass(frozen=True)
class SegmentationScore:
    """How found utterances compare with reference ones."""

    reference: int  # reference utterances
    found: int  # utterances found
    matched: int  # reference utterances found with start and end within the tolerance
    spurious: int  # found utterances that overlap no reference utterance
    start_errors_s: tuple[float, ...] = ()  # found - reference, for overlapping pairs
    end_errors_s: tuple[float, ...] = ()

    @property
    def matched_fraction(self) -> float:
        return self.matched / self.reference if self.reference else 0.0

    @property
    def spurious_fraction(self) -> float:
        return self.spurious / self.found if self.found else 0.0

    def __add__(self, other: SegmentationScore) -> SegmentationScore:
        return SegmentationScore(
            self.reference + other.reference,
            self.found + other.found,
            self.matched + other.matched,
            self.spurious + other.spurious,
            self.start_errors_s + other.start_errors_s,
            self.end_errors_s + other.end_errors_s,
        )


def score_segmentation(
    found: Sequence[tuple[float, float]],
    reference: Sequence[tuple[float, float]],
    tolerance_s: float = 0.15,
) -> SegmentationScore:
    """Match each reference (start, end) with the found utterance overlapping it most."""
    matched = 0
    start_errors: list[float] = []
    end_errors: list[float] = []
    for ref_start, ref_end in reference:
        overlapping = [f for f in found if f[0] < ref_end and f[1] > ref_start]
        if not overlapping:
            continue
        best = max(overlapping, key=lambda f: min(f[1], ref_end) - max(f[0], ref_start))
        start_errors.append(best[0] - ref_start)
        end_errors.append(best[1] - ref_end)
        if abs(best[0] - ref_start) <= tolerance_s and abs(best[1] - ref_end) <= tolerance_s:
            matched += 1
    spurious = sum(
        1 for f in found if not any(f[0] < end and f[1] > start for start, end in reference)
    )
    return SegmentationScore(
        len(reference), len(found), matched, spurious, tuple(start_errors), tuple(end_errors)
    )
