"""Every matrix check passes on a resampler known to be good and fails on one with a known flaw.

The good one is soxr VHQ on floats. The flawed ones are built here, each with exactly one
defect whose size is known in advance: a gain error, sample dropping, a zero-order hold, a
tilt, a fixed FIFO delay, lost samples, a growing backlog, a filter that restarts per chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
import soxr

from voicectl.errors import HarnessError, InputError
from voicectl.report import Check, Verdict
from voicectl.resample.judge import Grade, grade, matrix_checks, matrix_tables
from voicectl.resample.matrix import MatrixPlan, MatrixResult, measure_pair, pair_label, run_matrix
from voicectl.resample.metrics import measure_stream_run
from voicectl.resample.resamplers import (
    Kind,
    ResamplerSpec,
    StreamSession,
    available_resamplers,
    drive,
    parse_resamplers,
)
from voicectl.resample.signals import FloatArray

RATES = (8000, 16000)
# VHQ holds back 64 ms at 8k<->16k (a latency warning) but only 12-21 ms between 44.1k and 48k.
LOW_LATENCY_RATES = (44100, 48000)


def _vhq(x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
    return np.asarray(soxr.resample(x, in_rate, out_rate, quality="VHQ"), dtype=np.float64)


class _Stream:
    """A stream resampler made of a one-shot function plus a twist applied per push."""

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        *,
        hold: int = 0,
        grow: int = 0,
        drop_every: int = 0,
        stateless: bool = False,
    ) -> None:
        self.rates = (in_rate, out_rate)
        self.inner = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float64", quality="VHQ")
        self.backlog = np.zeros(0)
        self.hold, self.grow, self.drop_every, self.stateless = hold, grow, drop_every, stateless
        self.pushes = self.produced = 0
        self.flush_error: str | None = None

    def push(self, chunk: FloatArray) -> FloatArray:
        self.pushes += 1
        if self.stateless:
            return _vhq(chunk, *self.rates)
        fresh = self.inner.resample_chunk(chunk)
        if self.drop_every:  # lose the samples whose running index is a multiple of drop_every
            index = self.produced + np.arange(len(fresh))
            self.produced += len(fresh)
            fresh = fresh[index % self.drop_every != 0]
        out = np.concatenate([self.backlog, fresh])
        keep = self.hold + self.grow * self.pushes
        self.backlog = out[max(len(out) - keep, 0) :]
        return out[: max(len(out) - keep, 0)]

    def flush(self) -> FloatArray:
        if self.stateless:
            return np.zeros(0)
        tail = self.inner.resample_chunk(np.zeros(0), last=True)
        return np.concatenate([self.backlog, tail])


def _stream_spec(name: str, **twist: int | bool) -> ResamplerSpec:
    return ResamplerSpec(
        name=name,
        label=name,
        kind=Kind.STREAM,
        sample_format="float64",
        quality="VHQ",
        stream_factory=lambda i, o: _Stream(i, o, **twist),  # type: ignore[arg-type]
    )


def _oneshot_spec(name: str, fn: Callable[[FloatArray, int, int], FloatArray]) -> ResamplerSpec:
    return ResamplerSpec(
        name=name,
        label=name,
        kind=Kind.ONESHOT,
        sample_format="float64",
        quality="-",
        oneshot_fn=fn,
    )


def _checks(
    spec: ResamplerSpec, rates: tuple[int, ...] = RATES, chunks: int = 120
) -> dict[str, Check]:
    plan = MatrixPlan(resamplers=[spec], rates=rates)
    result = MatrixResult(plan)
    result.cells = [measure_pair(spec, a, b, stream_chunks=chunks) for a, b in plan.pairs]
    return {c.id: c for c in matrix_checks(result)}


def _drop_samples(x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
    """Decimate by keeping every n-th sample, no filter: aliases at full level."""
    if out_rate < in_rate:
        return x[:: in_rate // out_rate].copy()
    return _vhq(x, in_rate, out_rate)


def _zero_order_hold(x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
    """Upsample by repeating samples: strong images."""
    if out_rate > in_rate:
        return np.repeat(x, out_rate // in_rate)
    return _vhq(x, in_rate, out_rate)


def _tilt(x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
    """VHQ, then a one-pole low-pass at 1 kHz: several dB down at 3.6 kHz."""
    y = _vhq(x, in_rate, out_rate)
    a = np.exp(-2 * np.pi * 1000 / out_rate)
    out = np.empty_like(y)
    state = 0.0
    for i, v in enumerate(y):
        state = (1 - a) * v + a * state
        out[i] = state
    return out


GOOD_STREAM = _stream_spec("good-stream")
GOOD_ONESHOT = _oneshot_spec("good-oneshot", _vhq)


def test_a_vhq_float_stream_passes_every_check() -> None:
    checks = _checks(GOOD_STREAM, LOW_LATENCY_RATES)
    assert {c.verdict for c in checks.values()} == {Verdict.PASS}, checks
    assert set(checks) == {
        "resample.snr",
        "resample.aliasing",
        "resample.passband",
        "resample.chunk_boundaries",
        "resample.latency",
        "resample.length_exact",
    }
    assert checks["resample.snr"].metrics["by_pair"]["44100->48000"] > 150
    at_telephony_rates = _checks(GOOD_STREAM)
    assert at_telephony_rates["resample.latency"].verdict is Verdict.WARN
    assert at_telephony_rates["resample.snr"].verdict is Verdict.PASS


def test_a_vhq_oneshot_passes_and_per_chunk_use_of_it_warns() -> None:
    checks = _checks(GOOD_ONESHOT)
    assert "resample.latency" not in checks
    for check_id in (
        "resample.snr",
        "resample.aliasing",
        "resample.passband",
        "resample.length_exact",
    ):
        assert checks[check_id].verdict is Verdict.PASS, checks[check_id]
    boundary = checks["resample.chunk_boundaries"]
    assert boundary.verdict is Verdict.WARN
    assert "SNR down to" in boundary.observed and "#2070" in boundary.detail


def test_gain_error_fails_snr_at_exactly_20_db_and_warns_on_passband() -> None:
    checks = _checks(_oneshot_spec("gain", lambda x, a, b: 0.9 * _vhq(x, a, b)))
    snr = checks["resample.snr"]
    assert snr.verdict is Verdict.FAIL
    assert snr.metrics["by_pair"]["8000->16000"] == pytest.approx(20.0, abs=0.01)
    assert checks["resample.passband"].verdict is Verdict.WARN  # 0.92 dB everywhere
    assert checks["resample.aliasing"].verdict is Verdict.PASS


def test_sample_dropping_decimator_fails_aliasing_at_0_db() -> None:
    check = _checks(_oneshot_spec("drop", _drop_samples))["resample.aliasing"]
    assert check.verdict is Verdict.FAIL
    assert check.metrics["by_pair"]["16000->8000"] == pytest.approx(0.0, abs=0.01)
    assert check.metrics["verdict_by_pair"]["8000->16000"] == "pass"
    assert "16k→8k" in check.observed


def test_zero_order_hold_fails_imaging() -> None:
    check = _checks(_oneshot_spec("zoh", _zero_order_hold))["resample.aliasing"]
    assert check.verdict is Verdict.FAIL
    assert check.metrics["kind"]["8000->16000"] == "imaging"
    assert check.metrics["by_pair"]["8000->16000"] > -44


def test_a_tilted_response_fails_passband() -> None:
    check = _checks(_oneshot_spec("tilt", _tilt))["resample.passband"]
    assert check.verdict is Verdict.FAIL
    gains = check.metrics["gains_db"]["8000->16000"]
    assert gains[50] == pytest.approx(0.0, abs=0.05)
    assert gains[3600] < -3


def test_latency_is_the_held_fifo_exactly_and_warns_past_40_ms() -> None:
    # 480 output samples are 10-11 ms on top of VHQ's own 12-21 ms: under 40 ms.
    short = _checks(_stream_spec("fifo10", hold=480), LOW_LATENCY_RATES)["resample.latency"]
    assert short.verdict is Verdict.PASS
    long = _checks(_stream_spec("fifo40", hold=1920), LOW_LATENCY_RATES)["resample.latency"]
    assert long.verdict is Verdict.WARN
    vhq = measure_stream_run(GOOD_STREAM, 8000, 16000, 120)
    fifo = measure_stream_run(_stream_spec("fifo", hold=960), 8000, 16000, 120)
    assert fifo.latency_mean_ms - vhq.latency_mean_ms == pytest.approx(60.0, abs=1e-6)
    assert fifo.error_after_flush == 0


def test_lost_samples_fail_length_exact() -> None:
    check = _checks(_stream_spec("lossy", drop_every=1000))["resample.length_exact"]
    assert check.verdict is Verdict.FAIL
    # 120 chunks of 8k->16k are 38400 samples, of which VHQ still holds ~1000 at the flush
    # (the tail is not thinned): indices 0, 1000, ..., 37000 are lost, 38 samples.
    lost = check.metrics["expected"]["8000->16000"] - check.metrics["after_flush"]["8000->16000"]
    assert lost == 38
    assert "-38.0 samples after flush" in check.observed


def test_a_growing_backlog_fails_length_exact_even_though_flush_recovers_it() -> None:
    check = _checks(_stream_spec("creep", grow=4))["resample.length_exact"]
    assert check.verdict is Verdict.FAIL
    assert "held back grew" in check.observed
    assert check.metrics["after_flush"] == check.metrics["expected"]


def test_a_stream_that_restarts_its_filter_per_chunk_fails_chunk_boundaries() -> None:
    check = _checks(_stream_spec("restart", stateless=True))["resample.chunk_boundaries"]
    assert check.verdict is Verdict.FAIL
    assert max(check.metrics["by_pair"].values()) > -40


def test_a_flush_that_raises_is_a_failure_with_the_reason() -> None:
    class Broken(_Stream):
        def flush(self) -> FloatArray:
            self.flush_error = "MemoryError: std::bad_array_new_length"
            return np.zeros(0)

    spec = ResamplerSpec(
        "broken", "broken", Kind.STREAM, "float64", "VHQ", stream_factory=lambda i, o: Broken(i, o)
    )
    check = _checks(spec)["resample.length_exact"]
    assert check.verdict is Verdict.FAIL
    assert "flush() raised MemoryError" in check.observed


def test_grade_handles_both_directions() -> None:
    higher = Grade(84, 44)
    assert [grade(v, higher) for v in (90, 50, 10)] == [Verdict.PASS, Verdict.WARN, Verdict.FAIL]
    lower = Grade(-84, -44, lower_is_better=True)
    assert [lower(v) for v in (-90, -50, -10)] == [Verdict.PASS, Verdict.WARN, Verdict.FAIL]


def test_tables_summarise_each_resampler_and_grid_every_pair() -> None:
    plan = MatrixPlan(resamplers=[GOOD_STREAM, GOOD_ONESHOT], rates=LOW_LATENCY_RATES)
    result = asyncio.run(run_matrix(plan))
    checks = matrix_checks(result)
    tables = {
        title: (columns, rows)
        for title, columns, rows in matrix_tables(result, checks, verbose=True)
    }
    summary = next(rows for title, (_, rows) in tables.items() if title.startswith("Resamplers"))
    assert [row[0] for row in summary] == ["good-stream", "good-oneshot"]
    assert summary[1][-1] == "WARN 1" and summary[0][-1] == "pass"
    grids = [t for t in tables if "by rate pair" in t]
    assert len(grids) == 4
    columns, rows = tables[grids[0]]
    assert columns == ["kHz", "stream", "oneshot"]
    assert [r[0] for r in rows] == ["44.1→48", "48→44.1"]


def test_pair_labels_read_in_khz() -> None:
    assert pair_label(22050, 44100) == "22.05k→44.1k"


def test_parse_resamplers_keeps_order_and_rejects_unknown_names() -> None:
    specs = available_resamplers()
    names = [s.name for s in specs]
    assert names[:2] == ["pipecat-stream", "pipecat-oneshot"]
    assert names[-5:] == ["soxr-qq", "soxr-lq", "soxr-mq", "soxr-hq", "soxr-vhq"]
    chosen = parse_resamplers("soxr-vhq, pipecat-stream,soxr-vhq", specs)
    assert [s.name for s in chosen] == ["soxr-vhq", "pipecat-stream"]
    with pytest.raises(InputError, match="unknown resampler 'nope'"):
        parse_resamplers("nope", specs)
    with pytest.raises(InputError, match="at least one"):
        parse_resamplers(" , ", specs)


def test_drive_runs_a_non_suspending_coroutine_and_refuses_one_that_suspends() -> None:
    async def immediate() -> int:
        return 7

    async def suspends() -> None:
        await asyncio.sleep(0)

    assert drive(immediate()) == 7
    with pytest.raises(HarnessError, match="suspended"):
        drive(suspends())


def test_stream_session_protocol_is_met_by_the_test_streams() -> None:
    session: StreamSession = _Stream(8000, 16000)
    assert len(session.push(np.zeros(160))) + len(session.flush()) == 320
