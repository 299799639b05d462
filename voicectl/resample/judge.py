"""Verdicts on the matrix: one check per metric and resampler, the failing pairs named.

Every per-pair figure goes into the check's ``metrics`` (the JSON report); the console gets a
summary row per resampler and a pair-by-resampler SNR grid instead of hundreds of checks
(built in :mod:`voicectl.resample.tables`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from voicectl.report import Check, Report, Verdict
from voicectl.resample.continuity import PAUSE_S, ContinuityMode, ContinuityResult
from voicectl.resample.limits import (
    ALIAS_PASS_DB,
    ALIAS_WARN_DB,
    BOUNDARY_PASS_DB,
    G711_SNR_DB,
    HELD_BACK_GROWTH_MS,
    INT16_DITHERED_SNR_DB,
    LATENCY_WARN_MS,
    LENGTH_TOLERANCE,
    PASSBAND_PASS_DB,
    PASSBAND_WARN_DB,
    SNR_PASS_DB,
    SNR_WARN_DB,
)
from voicectl.resample.matrix import (
    CONTINUITY_RESAMPLER,
    MatrixResult,
    PairResult,
    pair_key,
    pair_label,
)
from voicectl.resample.resamplers import Kind, ResamplerSpec
from voicectl.resample.tables import matrix_tables

__all__ = ["Grade", "grade", "judge_matrix", "matrix_checks", "matrix_tables"]

_SHOWN_PAIRS = 4
_RANK = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.FAIL: 2}


@dataclass(frozen=True)
class Grade:
    """Pass/warn limits for a figure; ``lower_is_better`` for levels of unwanted things."""

    pass_at: float
    warn_at: float | None = None
    lower_is_better: bool = False

    def __call__(self, value: float) -> Verdict:
        return grade(value, self)


def grade(value: float, limits: Grade) -> Verdict:
    """PASS within ``pass_at``, WARN within ``warn_at`` (if any), else FAIL."""

    def within(limit: float) -> bool:
        return value <= limit if limits.lower_is_better else value >= limit

    if within(limits.pass_at):
        return Verdict.PASS
    if limits.warn_at is not None and within(limits.warn_at):
        return Verdict.WARN
    return Verdict.FAIL


SNR = Grade(SNR_PASS_DB, SNR_WARN_DB)
ALIASING = Grade(ALIAS_PASS_DB, ALIAS_WARN_DB, lower_is_better=True)
PASSBAND = Grade(PASSBAND_PASS_DB, PASSBAND_WARN_DB, lower_is_better=True)
BOUNDARY = Grade(BOUNDARY_PASS_DB, lower_is_better=True)
LATENCY = Grade(LATENCY_WARN_MS, float("inf"), lower_is_better=True)

SNR_EXPECTED = (
    f"≥ {SNR_PASS_DB} dB (int16+dither {INT16_DITHERED_SNR_DB:.0f} - 6); "
    f"< {SNR_WARN_DB} fails (G.711 {G711_SNR_DB:.0f} + 6)"
)
ALIAS_EXPECTED = f"≤ {ALIAS_PASS_DB} dB (int16+dither floor); > {ALIAS_WARN_DB} fails (G.711)"
PASSBAND_EXPECTED = f"±{PASSBAND_PASS_DB} dB to 0.9 x Nyquist; > {PASSBAND_WARN_DB:g} dB fails"
BOUNDARY_EXPECTED = f"chunked = whole within {BOUNDARY_PASS_DB:.0f} dB at edges (dither alone -87)"
ONESHOT_BOUNDARY_EXPECTED = f"whole signals only; edges > {BOUNDARY_PASS_DB:.0f} dB per chunk warn"
LATENCY_EXPECTED = f"mean ≤ {LATENCY_WARN_MS:.0f} ms held (2 frames of G.114's 150 ms); else warn"
CONTINUITY_EXPECTED = f"nothing lost at {PAUSE_S:g} s pauses (≤ 1 sample)"


def _length_expected(plan_chunks: int) -> str:
    minutes = plan_chunks * 0.02 / 60
    span = f"{minutes:g} min" if minutes >= 1 else f"{plan_chunks * 0.02:g} s"
    return (
        f"exact ±{LENGTH_TOLERANCE:g} after flush over {span}; held back grows "
        f"< {HELD_BACK_GROWTH_MS:g} ms"
    )


def _worst(
    values: dict[tuple[int, int], float], verdicts: dict[tuple[int, int], Verdict], lower: bool
) -> tuple[tuple[int, int], float]:
    """The pair with the worst verdict, and within it the worst value."""
    pair = max(
        values,
        key=lambda p: (_RANK.get(verdicts[p], 3), values[p] if lower else -values[p]),
    )
    return pair, values[pair]


def _aggregate(
    check_id: str,
    spec: ResamplerSpec,
    what: str,
    expected: str,
    values: dict[tuple[int, int], float],
    limits: Grade,
    fmt: Callable[[float], str],
    *,
    detail: str = "",
    **metrics: object,
) -> Check:
    """One check over all pairs: the worst verdict, the pairs that missed named."""
    verdicts = {pair: limits(value) for pair, value in values.items()}
    verdict = max(verdicts.values(), key=lambda v: _RANK[v])
    pair, value = _worst(values, verdicts, limits.lower_is_better)
    missed = [p for p in values if verdicts[p] is not Verdict.PASS]
    missed.sort(key=lambda p: values[p], reverse=limits.lower_is_better)
    if not missed:
        observed = f"{len(values)}/{len(values)} pass; worst {fmt(value)} ({pair_label(*pair)})"
    else:
        shown = ", ".join(f"{pair_label(*p)} {fmt(values[p])}" for p in missed[:_SHOWN_PAIRS])
        more = f" +{len(missed) - _SHOWN_PAIRS}" if len(missed) > _SHOWN_PAIRS else ""
        observed = f"{len(missed)}/{len(values)} miss: {shown}{more}"
    return Check(
        id=check_id,
        title=f"{spec.name}: {what}",
        verdict=verdict,
        expected=expected,
        observed=observed,
        detail=detail,
        metrics={
            "resampler": spec.name,
            "resampler_label": spec.label,
            "by_pair": {pair_key(*p): v for p, v in values.items()},
            "verdict_by_pair": {pair_key(*p): v.value for p, v in verdicts.items()},
            **metrics,
        },
    )


def _db(value: float) -> str:
    return "-∞ dB (identical)" if value <= -299.0 else f"{value:.1f} dB"


def _resampler_checks(spec: ResamplerSpec, cells: Sequence[PairResult], chunks: int) -> list[Check]:
    pairs = {(c.in_rate, c.out_rate): c for c in cells}
    checks = [
        _aggregate(
            "resample.snr",
            spec,
            "SNR, 997 Hz at -3 dBFS",
            SNR_EXPECTED,
            {p: c.chunking.snr_db for p, c in pairs.items()},
            SNR,
            _db,
            threshold_db=SNR_PASS_DB,
            warn_threshold_db=SNR_WARN_DB,
        ),
        _aggregate(
            "resample.aliasing",
            spec,
            "aliasing (down) / imaging (up)",
            ALIAS_EXPECTED,
            {p: c.alias.level_db for p, c in pairs.items()},
            ALIASING,
            _db,
            threshold_db=ALIAS_PASS_DB,
            warn_threshold_db=ALIAS_WARN_DB,
            test_tone_hz={pair_key(*p): c.alias.tone_hz for p, c in pairs.items()},
            kind={pair_key(*p): c.alias.kind for p, c in pairs.items()},
            lands_at_hz={pair_key(*p): list(c.alias.at_hz) for p, c in pairs.items()},
        ),
        _aggregate(
            "resample.passband",
            spec,
            "passband flatness",
            PASSBAND_EXPECTED,
            {p: c.passband_deviation_db for p, c in pairs.items()},
            PASSBAND,
            lambda v: f"±{v:.2f} dB",
            threshold_db=PASSBAND_PASS_DB,
            warn_threshold_db=PASSBAND_WARN_DB,
            gains_db={
                pair_key(*p): dict(
                    zip([round(f) for f in c.passband_hz], c.passband_gain_db, strict=True)
                )
                for p, c in pairs.items()
            },
        ),
        _boundary_check(spec, pairs),
    ]
    if spec.kind is Kind.STREAM:
        checks.append(_latency_check(spec, pairs))
    checks.append(_length_check(spec, pairs, chunks))
    return checks


def _boundary_check(spec: ResamplerSpec, pairs: dict[tuple[int, int], PairResult]) -> Check:
    values = {p: c.chunking.boundary_error_db for p, c in pairs.items()}
    extra: dict[str, Any] = {
        "chunked_snr_db": {pair_key(*p): c.chunking.chunked_snr_db for p, c in pairs.items()},
        "mid_chunk_error_db": {
            pair_key(*p): c.chunking.mid_chunk_error_db for p, c in pairs.items()
        },
    }
    if spec.kind is Kind.STREAM:
        return _aggregate(
            "resample.chunk_boundaries",
            spec,
            "20 ms chunks vs whole",
            BOUNDARY_EXPECTED,
            values,
            BOUNDARY,
            _db,
            threshold_db=BOUNDARY_PASS_DB,
            **extra,
        )
    # A one-shot resampler has no state to carry over: per-chunk use is the misuse measured.
    check = _aggregate(
        "resample.chunk_boundaries",
        spec,
        "one call per 20 ms chunk (misuse)",
        ONESHOT_BOUNDARY_EXPECTED,
        values,
        Grade(BOUNDARY_PASS_DB, float("inf"), lower_is_better=True),
        _db,
        detail=(
            "Per chunk it restarts its filter at every edge: clicks every 20 ms (Pipecat issue "
            "#2070). Chunked audio needs a stream resampler (create_stream_resampler)."
        ),
        threshold_db=BOUNDARY_PASS_DB,
        **extra,
    )
    if check.verdict is Verdict.WARN:
        worst = min(extra["chunked_snr_db"].values())
        check.observed = f"{check.observed}; SNR down to {worst:.0f} dB"
    return check


def _latency_check(spec: ResamplerSpec, pairs: dict[tuple[int, int], PairResult]) -> Check:
    runs = {p: c.stream for p, c in pairs.items() if c.stream is not None}
    check = _aggregate(
        "resample.latency",
        spec,
        "audio held back (latency)",
        LATENCY_EXPECTED,
        {p: r.latency_mean_ms for p, r in runs.items()},
        LATENCY,
        lambda v: f"{v:.0f} ms",
        threshold_ms=LATENCY_WARN_MS,
        max_ms={pair_key(*p): r.latency_max_ms for p, r in runs.items()},
        first_output_chunk={pair_key(*p): r.first_output_chunk for p, r in runs.items()},
    )
    worst = max(runs, key=lambda p: runs[p].latency_max_ms)
    check.observed += f"; max {runs[worst].latency_max_ms:.0f} ms ({pair_label(*worst)})"
    return check


def _length_check(
    spec: ResamplerSpec, pairs: dict[tuple[int, int], PairResult], chunks: int
) -> Check:
    if spec.kind is Kind.ONESHOT:
        errors = {p: c.oneshot_length_error or 0.0 for p, c in pairs.items()}
        return _aggregate(
            "resample.length_exact",
            spec,
            "output length, 1.0123 s signal",
            f"in x out/in samples, ±{LENGTH_TOLERANCE:g}",
            {p: abs(e) for p, e in errors.items()},
            Grade(LENGTH_TOLERANCE, lower_is_better=True),
            lambda v: f"{v:.2f} samples",
            error_samples={pair_key(*p): e for p, e in errors.items()},
        )
    runs = {p: c.stream for p, c in pairs.items() if c.stream is not None}
    failures: dict[tuple[int, int], str] = {}
    for p, run in runs.items():
        if run.flush_error:
            failures[p] = f"flush() raised {run.flush_error}"
        elif abs(run.error_after_flush) > LENGTH_TOLERANCE:
            failures[p] = f"{run.error_after_flush:+.1f} samples after flush"
        elif abs(run.drift_ms) > HELD_BACK_GROWTH_MS:
            failures[p] = f"held back grew by {run.drift_ms:.0f} ms"
    if failures:
        shown = ", ".join(f"{pair_label(*p)}: {why}" for p, why in list(failures.items())[:3])
        more = f" +{len(failures) - 3} more" if len(failures) > 3 else ""
        observed = f"{len(failures)}/{len(runs)} miss: {shown}{more}"
    else:
        worst = max(runs, key=lambda p: abs(runs[p].drift_ms))
        observed = (
            f"{len(runs)}/{len(runs)} exact; held back moved ≤ "
            f"{abs(runs[worst].drift_ms):.1f} ms ({pair_label(*worst)})"
        )
    return Check(
        id="resample.length_exact",
        title=f"{spec.name}: sample count after flush",
        verdict=Verdict.FAIL if failures else Verdict.PASS,
        expected=_length_expected(chunks),
        observed=observed,
        metrics={
            "resampler": spec.name,
            "chunks": chunks,
            "expected": {pair_key(*p): r.expected for p, r in runs.items()},
            "before_flush": {pair_key(*p): r.before_flush for p, r in runs.items()},
            "after_flush": {pair_key(*p): r.after_flush for p, r in runs.items()},
            "held_back_growth_ms": {pair_key(*p): r.drift_ms for p, r in runs.items()},
            "flush_error": {pair_key(*p): r.flush_error for p, r in runs.items() if r.flush_error},
        },
    )


def _continuity_checks(results: Sequence[ContinuityResult]) -> list[Check]:
    checks = []
    for mode in ContinuityMode:
        rows = [r for r in results if r.mode is mode]
        if not rows:
            continue
        lost = {(r.in_rate, r.out_rate): r.lost_per_pause_ms for r in rows}
        losing = {p: v for p, v in lost.items() if v * p[1] / 1000.0 > 1.0}
        held = [h for r in rows for h in r.held_at_pause_ms]
        if losing:
            ordered = sorted(losing, key=lambda p: -losing[p])
            shown = ", ".join(f"{pair_label(*p)} {losing[p]:.0f}" for p in ordered[:_SHOWN_PAIRS])
            observed = (
                f"{len(losing)}/{len(lost)} lose audio; ms per pause: "
                f"{shown}{' ...' if len(ordered) > _SHOWN_PAIRS else ''}"
            )
            first = next(iter(lost))
            if first in losing and first not in ordered[:_SHOWN_PAIRS]:
                observed += f"; {pair_label(*first)} {losing[first]:.0f}"
        else:
            observed = f"{len(lost)}/{len(lost)} lose nothing"
            if mode is ContinuityMode.NO_CLEAR and held:
                observed += f"; the {min(held):.0f}-{max(held):.0f} ms held comes out late"
        detail = ""
        if mode is ContinuityMode.SERIALIZER and losing:
            detail = (
                "Telephony serializers (Twilio, Telnyx, Plivo, Exotel, Vonage, Genesys) clear their "
                "stream resamplers after resampler_clear_after_secs of silence and never flush: "
                "the audio held in the filter is dropped. Set resampler_clear_after_secs=None."
            )
        checks.append(
            Check(
                id="resample.stream_continuity",
                title=f"pipecat-stream: {mode.description}",
                verdict=Verdict.FAIL if losing else Verdict.PASS,
                expected=CONTINUITY_EXPECTED,
                observed=observed,
                detail=detail,
                metrics={
                    "resampler": CONTINUITY_RESAMPLER,
                    "mode": mode.value,
                    "pause_s": PAUSE_S,
                    "pauses": rows[0].pauses,
                    "lost_ms_per_pause": {pair_key(*p): v for p, v in lost.items()},
                    "held_at_pause_ms": {
                        pair_key(r.in_rate, r.out_rate): list(r.held_at_pause_ms) for r in rows
                    },
                },
            )
        )
    return checks


def matrix_checks(result: MatrixResult) -> list[Check]:
    """All checks of a matrix run, resampler by resampler."""
    checks: list[Check] = []
    for spec in result.plan.resamplers:
        cells = result.for_resampler(spec.name)
        if cells:
            checks += _resampler_checks(spec, cells, result.plan.stream_chunks)
        if spec.name == CONTINUITY_RESAMPLER:
            checks += _continuity_checks(result.continuity)
    return checks


def judge_matrix(result: MatrixResult, report: Report, *, verbose: bool = False) -> None:
    """Add the matrix's checks, tables and headline metrics to ``report``."""
    checks = matrix_checks(result)
    report.extend_checks(checks)
    for title, columns, rows in matrix_tables(result, checks, verbose=verbose):
        report.add_table(title, columns, rows)
    report.metrics["matrix"] = {
        "resamplers": len(result.plan.resamplers),
        "rate_pairs": len(result.plan.pairs),
        "seconds": round(result.seconds, 2),
    }
