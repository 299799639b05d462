"""The matrix on the installed Pipecat and soxr: the figures the docs and issue 6 rely on."""

from __future__ import annotations

import asyncio

import pytest

from voicectl.report import Check, Verdict
from voicectl.resample.judge import matrix_checks
from voicectl.resample.matrix import MatrixPlan, run_matrix
from voicectl.resample.resamplers import available_resamplers, parse_resamplers


@pytest.fixture(scope="module")
def checks() -> list[Check]:
    specs = parse_resamplers(
        "pipecat-stream,pipecat-oneshot,soxr-vhq,soxr-qq", available_resamplers()
    )
    result = asyncio.run(run_matrix(MatrixPlan(resamplers=specs, rates=(8000, 16000, 48000))))
    return matrix_checks(result)


def _find(checks: list[Check], check_id: str, resampler: str, mode: str | None = None) -> Check:
    return next(
        c
        for c in checks
        if c.id == check_id
        and c.metrics["resampler"] == resampler
        and (mode is None or c.metrics["mode"] == mode)
    )


def test_soxr_vhq_passes_snr_far_above_the_int16_floor(checks: list[Check]) -> None:
    snr = _find(checks, "resample.snr", "soxr-vhq")
    assert snr.verdict is Verdict.PASS
    assert min(snr.metrics["by_pair"].values()) > 150


def test_pipecat_int16_resamplers_sit_at_the_dithered_int16_floor(checks: list[Check]) -> None:
    for name in ("pipecat-stream", "pipecat-oneshot"):
        snr = _find(checks, "resample.snr", name)
        assert snr.verdict is Verdict.PASS
        assert all(87 < v < 92 for v in snr.metrics["by_pair"].values()), snr.metrics


def test_serializer_default_loses_tens_of_ms_per_pause_and_the_fixes_lose_none(
    checks: list[Check],
) -> None:
    serializer = _find(checks, "resample.stream_continuity", "pipecat-stream", "serializer")
    assert serializer.verdict is Verdict.FAIL
    lost = serializer.metrics["lost_ms_per_pause"]
    assert 40 < lost["8000->16000"] < 90 and 60 < lost["8000->48000"] < 130
    for mode in ("flush", "no-clear"):
        fixed = _find(checks, "resample.stream_continuity", "pipecat-stream", mode)
        assert fixed.verdict is Verdict.PASS
        assert set(fixed.metrics["lost_ms_per_pause"].values()) == {0.0}


def test_pipecat_stream_holds_back_about_64_ms_at_telephony_rates(checks: list[Check]) -> None:
    latency = _find(checks, "resample.latency", "pipecat-stream")
    assert latency.verdict is Verdict.WARN
    assert latency.metrics["by_pair"]["8000->16000"] == pytest.approx(64, abs=3)
    assert _find(checks, "resample.length_exact", "pipecat-stream").verdict is Verdict.PASS
    assert _find(checks, "resample.chunk_boundaries", "pipecat-stream").verdict is Verdict.PASS


def test_per_chunk_use_of_the_oneshot_resampler_is_flagged(checks: list[Check]) -> None:
    misuse = _find(checks, "resample.chunk_boundaries", "pipecat-oneshot")
    assert misuse.verdict is Verdict.WARN
    assert max(misuse.metrics["by_pair"].values()) > -40
    assert min(misuse.metrics["chunked_snr_db"].values()) < 45


def test_soxr_quick_aliases_at_full_level_when_it_drops_samples(checks: list[Check]) -> None:
    aliasing = _find(checks, "resample.aliasing", "soxr-qq")
    assert aliasing.verdict is Verdict.FAIL
    assert aliasing.metrics["by_pair"]["16000->8000"] > -1


def test_ten_minutes_of_chunks_come_out_exact_after_flush() -> None:
    from voicectl.resample.matrix import THOROUGH_STREAM_CHUNKS, MatrixPlan
    from voicectl.resample.metrics import measure_stream_run

    stream = parse_resamplers("pipecat-stream", available_resamplers())[0]
    assert MatrixPlan([stream], thorough=True).stream_chunks == THOROUGH_STREAM_CHUNKS == 30_000
    run = measure_stream_run(stream, 8000, 16000, THOROUGH_STREAM_CHUNKS)
    # libsoxr VHQ still holds 688 samples (43 ms) at the end; the flush returns exactly those.
    assert (run.expected, run.before_flush, run.after_flush) == (9_600_000, 9_599_312, 9_600_000)
    assert abs(run.drift_ms) < 0.5
