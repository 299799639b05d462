"""Component-sensitivity verdicts on constructed model outputs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.audio.io import Audio
from voicectl.audio.script import Call, CallScript, Utterance
from voicectl.report import Verdict
from voicectl.resample.components import (
    BASELINE,
    CORRECT,
    VARIANTS,
    SmartTurnResult,
    VadResult,
    VadRun,
    component_checks,
    component_tables,
    summarise_vad,
)

UTTERANCES = [Utterance(1.0 + 3 * i, 2.5 + 3 * i, f"utterance {i}") for i in range(10)]


def _smart_turn(**probabilities: list[float]) -> SmartTurnResult:
    result = SmartTurnResult(utterances=[("call", i + 1, u) for i, u in enumerate(UTTERANCES)])
    result.probability = {v.key: probabilities.get(v.key.replace("-", "_"), []) for v in VARIANTS}
    return result


REFERENCE = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.05, 0.95, 0.4, 0.6]


def test_a_rate_robust_model_passes_every_check() -> None:
    same = [p + 0.02 for p in REFERENCE]
    checks = component_checks(
        _smart_turn(**{"8k": REFERENCE, "16k": same, "8k_as_16k": same, "16k_as_8k": same})
    )
    assert [c.id for c in checks] == [
        "component.correct_rates_agree",
        "component.rate_mislabel",
        "component.rate_mislabel",
    ]
    assert {c.verdict for c in checks} == {Verdict.PASS}


def test_a_model_that_hears_every_turn_complete_at_2x_warns_with_the_flip_count() -> None:
    everything_complete = [0.98] * 10
    checks = component_checks(
        _smart_turn(
            **{
                "8k": REFERENCE,
                "16k": REFERENCE,
                "8k_as_16k": everything_complete,
                "16k_as_8k": REFERENCE,
            }
        )
    )
    fast = checks[1]
    assert fast.verdict is Verdict.WARN
    assert fast.metrics["flips_to_complete"] == 5 and fast.metrics["flips_to_incomplete"] == 0
    assert fast.observed.startswith("5/10 decisions flip (5 to complete, 0 to incomplete)")
    assert "#3844" in fast.detail
    assert checks[2].verdict is Verdict.PASS


def test_correct_rates_that_disagree_fail() -> None:
    flipped = [1 - p for p in REFERENCE]
    checks = component_checks(
        _smart_turn(
            **{"8k": REFERENCE, "16k": flipped, "8k_as_16k": REFERENCE, "16k_as_8k": REFERENCE}
        )
    )
    assert checks[0].id == "component.correct_rates_agree"
    assert checks[0].verdict is Verdict.FAIL


def test_smart_turn_table_marks_flipped_decisions() -> None:
    result = _smart_turn(
        **{"8k": REFERENCE, "16k": REFERENCE, "8k_as_16k": [0.98] * 10, "16k_as_8k": REFERENCE}
    )
    (title, columns, rows) = component_tables(result)[0]
    assert "flipped" in title
    assert columns == ["utterance", "text", "8k", "16k", "8k-as-16k", "16k-as-8k"]
    assert rows[0][:3] == ["call #1", "utterance 0", "0.10"]
    assert rows[0][4] == "0.98 *" and rows[1][4] == "0.98"


def _vad_call() -> Call:
    script = CallScript(tuple(UTTERANCES[:3]))
    return Call(Audio(np.zeros(8000 * 10, dtype=np.int16), 8000, "c.wav", "pcm16"), script, "c")


def _vad_run(window_s: float, speech_level: float, speaking_share: float = 1.0) -> VadRun:
    times = (np.arange(int(10 / window_s)) + 0.5) * window_s
    call = _vad_call()
    assert call.script is not None
    in_speech = np.zeros(len(times), dtype=bool)
    for u in call.script.utterances:
        in_speech |= (times >= u.start) & (times < u.end)
    confidence = np.where(in_speech, speech_level, 0.02)
    speaking = in_speech & (np.arange(len(times)) % 100 < 100 * speaking_share)
    return VadRun(window_s, times, confidence, speaking)


def test_vad_summary_counts_confidence_time_and_heard_utterances() -> None:
    result = VadResult(calls=[_vad_call()])
    for variant in VARIANTS:
        result.runs[variant.key] = [_vad_run(0.032, 0.95)]
    summary = summarise_vad(result, CORRECT.key)
    assert summary.speech_confidence == pytest.approx(0.95)
    assert summary.silence_confidence == pytest.approx(0.02)
    assert summary.speech_windows_above == 1.0
    assert summary.speaking_s == pytest.approx(4.5, abs=0.05)
    assert summary.utterances_detected == summary.utterances == 3
    assert summary.window_flips == 0
    assert {c.verdict for c in component_checks(result)} == {Verdict.PASS}


def test_a_vad_that_stops_hearing_speech_when_mislabelled_warns() -> None:
    result = VadResult(calls=[_vad_call()])
    result.runs = {
        CORRECT.key: [_vad_run(0.032, 0.95)],
        BASELINE.key: [_vad_run(0.032, 0.93)],
        "8k-as-16k": [_vad_run(0.064, 0.5, speaking_share=0.0)],
        "16k-as-8k": [_vad_run(0.016, 0.9)],
    }
    checks = {c.metrics["variant"]: c for c in component_checks(result)}
    assert checks["16k"].verdict is Verdict.PASS
    assert checks["16k-as-8k"].verdict is Verdict.PASS
    fast = checks["8k-as-16k"]
    assert fast.verdict is Verdict.WARN
    assert "0/3 utterances heard" in fast.observed
    assert fast.metrics["window_flips"] == pytest.approx(0.45, abs=0.01)
    (_, columns, rows) = component_tables(result)[0]
    assert columns[0] == "variant" and [r[0] for r in rows] == [v.key for v in VARIANTS]
    assert rows[2][1] == 64
