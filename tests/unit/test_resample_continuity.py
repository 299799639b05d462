"""Stream continuity: Pipecat's stream resampler with pauses, on a fake clock (no sleeping)."""

from __future__ import annotations

import time

import pytest

from voicectl.report import Verdict
from voicectl.resample.continuity import (
    PAUSE_S,
    ContinuityMode,
    FakeClock,
    measure_continuity,
    serializer_clear_after_secs,
)
from voicectl.resample.judge import matrix_checks
from voicectl.resample.matrix import MatrixPlan, MatrixResult
from voicectl.resample.resamplers import available_resamplers


def test_installed_pipecat_serializers_clear_after_0_2_s() -> None:
    assert serializer_clear_after_secs() == 0.2
    assert PAUSE_S > 0.2


def test_serializer_default_loses_exactly_what_it_held_at_each_pause() -> None:
    result = measure_continuity(ContinuityMode.SERIALIZER, 8000, 16000)
    assert result.pauses == 5
    lost_ms = (result.expected - result.delivered) / 16000 * 1000
    assert sum(result.held_at_pause_ms) == pytest.approx(lost_ms, abs=1e-6)
    # VHQ at 8k->16k holds 17-111 ms depending on where in its block cycle the pause falls.
    assert all(15 < held < 115 for held in result.held_at_pause_ms)
    assert 40 < result.lost_per_pause_ms < 90


def test_pauses_shorter_than_the_clear_time_lose_nothing() -> None:
    result = measure_continuity(ContinuityMode.SERIALIZER, 8000, 16000, pause_s=0.1)
    assert result.delivered == result.expected
    assert result.lost_per_pause_ms == 0


@pytest.mark.parametrize("mode", [ContinuityMode.FLUSH, ContinuityMode.NO_CLEAR])
@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 16000), (48000, 8000), (44100, 16000)])
def test_flush_at_pauses_and_no_clear_lose_nothing(
    mode: ContinuityMode, in_rate: int, out_rate: int
) -> None:
    result = measure_continuity(mode, in_rate, out_rate)
    assert abs(result.delivered - result.expected) <= 1
    if mode is ContinuityMode.FLUSH:
        assert result.held_at_pause_ms == (0.0,) * result.pauses


def test_the_fake_clock_is_swapped_in_and_put_back() -> None:
    from pipecat.audio.resamplers import soxr_stream_resampler

    before = soxr_stream_resampler.time
    measure_continuity(ContinuityMode.SERIALIZER, 8000, 16000, runs=(3, 3))
    assert soxr_stream_resampler.time is before is time
    clock = FakeClock(10.0)
    clock.advance(0.25)
    assert clock.time() == 10.25


def test_continuity_checks_fail_the_serializer_default_and_pass_the_fixes() -> None:
    stream = next(s for s in available_resamplers() if s.name == "pipecat-stream")
    plan = MatrixPlan(resamplers=[stream], rates=(8000, 16000))
    result = MatrixResult(plan)
    result.continuity = [
        measure_continuity(mode, a, b) for mode in ContinuityMode for a, b in plan.pairs
    ]
    checks = [c for c in matrix_checks(result) if c.id == "resample.stream_continuity"]
    verdicts = {c.metrics["mode"]: c.verdict for c in checks}
    assert verdicts == {"serializer": Verdict.FAIL, "flush": Verdict.PASS, "no-clear": Verdict.PASS}
    failing = checks[0]
    assert "2/2 lose audio" in failing.observed
    assert "resampler_clear_after_secs=None" in failing.detail
    assert 40 < failing.metrics["lost_ms_per_pause"]["8000->16000"] < 90
    assert "held comes out late" in checks[2].observed
