"""How rate-sensitive Pipecat components react when they are told the wrong sample rate.

The real models from the Pipecat wheel (Smart Turn v3, Silero VAD) run on the fixture calls'
utterances four ways: 8 kHz audio told 8000 (correct), the same audio upsampled to 16 kHz and
told 16000 (correct too: the spread between these two is the baseline), 8 kHz audio told
16000 (a component that assumes 16 kHz on telephony: speech at 2x) and 16 kHz audio told
8000 (0.5x). Smart Turn goes through its public ``append_audio``/``analyze_end_of_turn``
path; Silero through ``analyze_audio``, with its per-window confidence observed from outside.
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
from voicectl.report import Check, Verdict

__all__ = [
    "BASELINE",
    "CORRECT",
    "VARIANTS",
    "Component",
    "SmartTurnResult",
    "VadResult",
    "Variant",
    "component_checks",
    "component_tables",
    "run_silero_vad",
    "run_smart_turn",
]

PRE_SPEECH_S = 0.5  # Smart Turn's pre_speech_ms
STOP_S = 0.2  # the VAD's stop_secs: silence after speech before Smart Turn is asked
PROBABILITY_TOLERANCE = 0.1  # mean |Δp| allowed on top of the baseline spread


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


def _flips(reference: Sequence[float], other: Sequence[float]) -> tuple[int, int]:
    """Decisions (p > 0.5) that flipped: (to complete, to incomplete)."""
    up = sum(1 for r, o in zip(reference, other, strict=True) if r <= 0.5 < o)
    down = sum(1 for r, o in zip(reference, other, strict=True) if o <= 0.5 < r)
    return up, down


def _mean_shift(reference: Sequence[float], other: Sequence[float]) -> float:
    return float(np.mean(np.abs(np.asarray(other) - np.asarray(reference))))


def _smart_turn_checks(result: SmartTurnResult) -> list[Check]:
    reference = result.probability[CORRECT.key]
    base_up, base_down = _flips(reference, result.probability[BASELINE.key])
    base_shift = _mean_shift(reference, result.probability[BASELINE.key])
    n = len(reference)
    checks = []
    for variant in VARIANTS[1:]:
        other = result.probability[variant.key]
        up, down = _flips(reference, other)
        shift = _mean_shift(reference, other)
        mean_p = float(np.mean(other))
        observed = (
            f"{up + down}/{n} decisions flip ({up} to complete, {down} to incomplete); "
            f"mean |Δp| {shift:.2f}, mean p {mean_p:.2f} vs {float(np.mean(reference)):.2f}"
        )
        metrics = {
            "component": Component.SMART_TURN.value,
            "variant": variant.key,
            "audio_rate": variant.audio_rate,
            "claimed_rate": variant.claimed_rate,
            "flips_to_complete": up,
            "flips_to_incomplete": down,
            "mean_abs_shift": shift,
            "mean_probability": mean_p,
            "probabilities": other,
        }
        if variant is BASELINE:
            passed = up + down <= max(1, n // 10) and shift <= PROBABILITY_TOLERANCE
            checks.append(
                Check(
                    "component.correct_rates_agree",
                    f"smart-turn: {variant.label} vs 8 kHz",
                    Verdict.PASS if passed else Verdict.FAIL,
                    f"≤ {max(1, n // 10)} flips and mean |Δp| ≤ {PROBABILITY_TOLERANCE}",
                    observed,
                    metrics=metrics,
                )
            )
            continue
        robust = up + down <= base_up + base_down and shift <= base_shift + PROBABILITY_TOLERANCE
        checks.append(
            Check(
                "component.rate_mislabel",
                f"smart-turn: {variant.label}",
                Verdict.PASS if robust else Verdict.WARN,
                f"no more flips than the 16 kHz baseline ({base_up + base_down}), mean |Δp| ≤ "
                f"{base_shift + PROBABILITY_TOLERANCE:.2f}; warns when the model is rate-sensitive",
                observed,
                detail=""
                if robust
                else "A component told the wrong rate hears speech at "
                f"{variant.speed:g}x speed. Pass it the pipeline's real rate (LocalSmartTurnAnalyzerV3 "
                "resamples to 16 kHz itself; Pipecat issue #3844).",
                metrics=metrics,
            )
        )
    return checks


def _aligned(reference: VadRun, other: VadRun) -> npt.NDArray[np.intp]:
    """For each reference window, the index of the other run's window at the same real time."""
    index = np.searchsorted(other.times, reference.times)
    return np.clip(index, 0, max(len(other.times) - 1, 0))


def _in_speech(times: npt.NDArray[np.float64], call: Call) -> npt.NDArray[np.bool_]:
    mask = np.zeros(len(times), dtype=bool)
    for u in call.script.utterances:
        inside = (times >= u.start) & (times < u.end)
        for a, b in u.pauses:
            inside &= ~((times >= a) & (times < b))
        mask |= inside
    return mask


@dataclass(frozen=True)
class VadSummary:
    """Silero figures for one variant over all calls."""

    window_ms: float
    speech_confidence: float
    silence_confidence: float
    speech_windows_above: float  # share of speech windows at or above the threshold
    speaking_s: float
    scripted_s: float
    window_flips: float  # share of real time where the decision differs from the correct run
    utterances_detected: int
    utterances: int


def summarise_vad(result: VadResult, key: str) -> VadSummary:
    """Aggregate one variant against the script and the correct run."""
    runs, reference = result.runs[key], result.runs[CORRECT.key]
    speech_conf: list[float] = []
    silence_conf: list[float] = []
    above = flips = compared = 0
    speaking_s = scripted_s = 0.0
    detected = total = 0
    for call, run, ref in zip(result.calls, runs, reference, strict=True):
        in_speech = _in_speech(run.times, call)
        speech_conf += run.confidence[in_speech].tolist()
        silence_conf += run.confidence[~in_speech].tolist()
        above += int(np.sum(run.confidence[in_speech] >= result.threshold))
        speaking_s += float(run.speaking.sum()) * run.window_s
        scripted_s += sum(u.duration_s for u in call.script.utterances)
        index = _aligned(ref, run)
        flips += int(
            np.sum(
                (ref.confidence >= result.threshold) != (run.confidence[index] >= result.threshold)
            )
        )
        compared += len(ref.times)
        for u in call.script.utterances:
            total += 1
            during = (run.times >= u.start) & (run.times < u.end + 0.3)
            detected += bool(np.any(run.speaking[during]))
    return VadSummary(
        window_ms=runs[0].window_s * 1000,
        speech_confidence=float(np.mean(speech_conf)) if speech_conf else 0.0,
        silence_confidence=float(np.mean(silence_conf)) if silence_conf else 0.0,
        speech_windows_above=above / max(len(speech_conf), 1),
        speaking_s=speaking_s,
        scripted_s=scripted_s,
        window_flips=flips / max(compared, 1),
        utterances_detected=detected,
        utterances=total,
    )


def _vad_checks(result: VadResult) -> list[Check]:
    correct = summarise_vad(result, CORRECT.key)
    baseline = summarise_vad(result, BASELINE.key)
    checks = []
    for variant in VARIANTS[1:]:
        s = summarise_vad(result, variant.key)
        observed = (
            f"{s.window_flips:.0%} of windows flip; speech confidence {s.speech_confidence:.2f} "
            f"vs {correct.speech_confidence:.2f}; SPEAKING {s.speaking_s:.1f} s vs "
            f"{correct.speaking_s:.1f} s; {s.utterances_detected}/{s.utterances} utterances heard"
        )
        metrics = {
            "component": Component.SILERO_VAD.value,
            "variant": variant.key,
            "audio_rate": variant.audio_rate,
            "claimed_rate": variant.claimed_rate,
            **s.__dict__,
        }
        if variant is BASELINE:
            passed = s.window_flips <= 0.05 and s.utterances_detected == correct.utterances_detected
            checks.append(
                Check(
                    "component.correct_rates_agree",
                    f"silero-vad: {variant.label} vs 8 kHz",
                    Verdict.PASS if passed else Verdict.FAIL,
                    "≤ 5% of windows flip, the same utterances heard",
                    observed,
                    metrics=metrics,
                )
            )
            continue
        robust = (
            s.window_flips <= baseline.window_flips + 0.05
            and s.utterances_detected == correct.utterances_detected
            and abs(s.speaking_s - correct.speaking_s) <= 0.1 * max(correct.speaking_s, 1e-9)
        )
        checks.append(
            Check(
                "component.rate_mislabel",
                f"silero-vad: {variant.label}",
                Verdict.PASS if robust else Verdict.WARN,
                f"windows flip ≤ baseline {baseline.window_flips:.0%} + 5%, same utterances heard, "
                "SPEAKING time within 10%; warns when the model is rate-sensitive",
                observed,
                detail=""
                if robust
                else f"Told {variant.claimed_rate} Hz, Silero reads {s.window_ms:.0f} ms of real audio "
                "per window and counts start/stop times in claimed samples.",
                metrics=metrics,
            )
        )
    return checks


def component_checks(result: SmartTurnResult | VadResult) -> list[Check]:
    """Checks for a component run: the correct rates agree; mislabelling flips decisions."""
    if isinstance(result, SmartTurnResult):
        return _smart_turn_checks(result)
    return _vad_checks(result)


Table = tuple[str, list[str], list[list[object]]]


def component_tables(result: SmartTurnResult | VadResult) -> list[Table]:
    """Per-utterance probabilities (Smart Turn) or per-variant figures (Silero)."""
    keys = [v.key for v in VARIANTS]
    if isinstance(result, SmartTurnResult):
        rows: list[list[object]] = []
        reference = result.probability[CORRECT.key]
        for index, (name, number, utterance) in enumerate(result.utterances):
            row: list[object] = [f"{name} #{number}", utterance.text[:32]]
            for key in keys:
                p = result.probability[key][index]
                flipped = (p > 0.5) != (reference[index] > 0.5)
                row.append(f"{p:.2f}{' *' if flipped else ''}")
            rows.append(row)
        columns = ["utterance", "text", *keys]
        return [
            ("Smart Turn p(complete) per utterance (* = decision flipped vs 8k)", columns, rows)
        ]
    table_rows: list[list[object]] = []
    for variant in VARIANTS:
        s = summarise_vad(result, variant.key)
        table_rows.append(
            [
                variant.key,
                round(s.window_ms),
                round(s.speech_confidence, 3),
                round(s.silence_confidence, 3),
                f"{s.speech_windows_above:.0%}",
                round(s.speaking_s, 1),
                round(s.scripted_s, 1),
                f"{s.window_flips:.0%}",
                f"{s.utterances_detected}/{s.utterances}",
            ]
        )
    columns = [
        "variant",
        "window ms",
        "conf speech",
        "conf silence",
        f"speech ≥ {result.threshold:g}",
        "SPEAKING s",
        "scripted s",
        "flips",
        "heard",
    ]
    return [("Silero VAD by variant (real time)", columns, table_rows)]
