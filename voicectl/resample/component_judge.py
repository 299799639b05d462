"""Verdicts and tables on component runs: the correct rates agree, mislabelled rates flip decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicectl.audio.script import Call
from voicectl.report import Check, Verdict
from voicectl.resample.component_runs import (
    BASELINE,
    CORRECT,
    VARIANTS,
    Component,
    SmartTurnResult,
    VadResult,
    VadRun,
)

__all__ = ["VadSummary", "component_checks", "component_tables", "summarise_vad"]

PROBABILITY_TOLERANCE = 0.1  # mean |Δp| allowed on top of the baseline spread


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
