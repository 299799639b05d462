"""Smart Turn v3 and Silero VAD from the Pipecat wheel, told the right and the wrong rate."""

from __future__ import annotations

import asyncio

import pytest

from voicectl.audio.script import Call, bundled_calls
from voicectl.report import Verdict
from voicectl.resample.components import (
    CORRECT,
    component_checks,
    run_silero_vad,
    run_smart_turn,
    summarise_vad,
)


@pytest.fixture(scope="module")
def call() -> Call:
    return next(c for c in bundled_calls() if c.name == "appointment_pause")


def test_smart_turn_hears_2x_speech_as_finished_and_agrees_across_correct_rates(
    call: Call,
) -> None:
    result = asyncio.run(run_smart_turn([call]))
    assert len(result.probability[CORRECT.key]) == 5
    fast = result.probability["8k-as-16k"]
    assert min(fast) > 0.9  # every utterance sounds finished at double speed
    checks = {c.metrics["variant"]: c for c in component_checks(result)}
    assert checks["16k"].verdict is Verdict.PASS
    assert checks["8k-as-16k"].verdict is Verdict.WARN
    assert checks["8k-as-16k"].metrics["flips_to_complete"] >= 2


def test_silero_loses_confidence_when_told_the_wrong_rate(call: Call) -> None:
    result = asyncio.run(run_silero_vad([call]))
    correct = summarise_vad(result, CORRECT.key)
    assert correct.utterances_detected == 5 and correct.speech_confidence > 0.85
    assert summarise_vad(result, "8k-as-16k").window_ms == 64
    assert summarise_vad(result, "16k-as-8k").window_ms == 16
    checks = {c.metrics["variant"]: c for c in component_checks(result)}
    assert checks["16k"].verdict is Verdict.PASS
    assert Verdict.WARN in {checks["8k-as-16k"].verdict, checks["16k-as-8k"].verdict}
