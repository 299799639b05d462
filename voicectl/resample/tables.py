"""Console tables of a matrix run: the physical limits, a summary row per resampler and the
pair-by-resampler grids (SNR, and with ``--verbose`` aliasing, passband and chunk edges).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from voicectl.report import Check, Verdict
from voicectl.resample.continuity import ContinuityMode
from voicectl.resample.limits import measure_limits
from voicectl.resample.matrix import CONTINUITY_RESAMPLER, MatrixResult, PairResult

__all__ = ["matrix_tables"]


def _short(name: str) -> str:
    """Grid column names: ``pipecat-stream`` -> ``stream``, ``soxr-vhq`` -> ``vhq``."""
    return name.split("-", 1)[-1]


def _checks_summary(checks: Sequence[Check], name: str) -> str:
    """``FAIL 2, WARN 1`` over a resampler's checks, or ``pass``."""
    mine = [c.verdict for c in checks if c.metrics.get("resampler") == name]
    parts = [
        f"{v.value.upper()} {mine.count(v)}" for v in (Verdict.FAIL, Verdict.WARN) if v in mine
    ]
    return ", ".join(parts) if parts else "pass"


def _compact_pair(in_rate: int, out_rate: int) -> str:
    """``22.05→44.1`` (kHz), narrow enough for a grid column."""
    return f"{in_rate / 1000:g}→{out_rate / 1000:g}"


Rows = list[list[object]]


def matrix_tables(
    result: MatrixResult, checks: Sequence[Check], *, verbose: bool
) -> list[tuple[str, list[str], Rows]]:
    """Limits, a summary row per resampler, and a grid of SNR by rate pair and resampler."""
    tables: list[tuple[str, list[str], Rows]] = [
        (
            "Physical limits (997 Hz sine at -3 dBFS)",
            ["floor", "theory dB", "measured dB"],
            [
                [lim.name, round(lim.theory_db, 1), round(lim.measured_db, 1)]
                for lim in measure_limits()
            ],
        )
    ]
    summary: Rows = []
    for spec in result.plan.resamplers:
        cells = result.for_resampler(spec.name)
        if not cells:
            continue
        runs = [c.stream for c in cells if c.stream is not None]
        summary.append(
            [
                spec.name,
                spec.kind.value,
                round(min(c.chunking.snr_db for c in cells), 1),
                round(max(c.alias.level_db for c in cells), 1),
                round(max(c.passband_deviation_db for c in cells), 2),
                round(max(c.chunking.boundary_error_db for c in cells), 1),
                f"{max(r.latency_mean_ms for r in runs):.0f}/{max(r.latency_max_ms for r in runs):.0f}"
                if runs
                else "-",
                _checks_summary(checks, spec.name),
            ]
        )
    tables.append(
        (
            f"Resamplers, worst of {len(result.plan.pairs)} rate pairs (held: mean/max ms)",
            [
                "resampler",
                "kind",
                "SNR dB",
                "alias dB",
                "band ±dB",
                "edges dB",
                "held ms",
                "checks",
            ],
            summary,
        )
    )
    names = [s.name for s in result.plan.resamplers]
    by_pair = {(c.resampler.name, c.in_rate, c.out_rate): c for c in result.cells}
    lost = {
        (r.in_rate, r.out_rate): r.lost_per_pause_ms
        for r in result.continuity
        if r.mode is ContinuityMode.SERIALIZER
    }
    figures: list[tuple[str, Callable[[PairResult], float]]] = [
        ("SNR dB", lambda c: round(c.chunking.snr_db, 1))
    ]
    if verbose:
        figures += [
            ("Aliasing/imaging dB", lambda c: round(c.alias.level_db, 1)),
            ("Passband deviation ±dB", lambda c: round(c.passband_deviation_db, 2)),
            ("Chunk-edge error dB", lambda c: round(c.chunking.boundary_error_db, 1)),
        ]
    for index, (title, figure) in enumerate(figures):
        grid: Rows = []
        for in_rate, out_rate in result.plan.pairs:
            row: list[object] = [_compact_pair(in_rate, out_rate)]
            for name in names:
                cell = by_pair.get((name, in_rate, out_rate))
                row.append(figure(cell) if cell else None)
            stream = by_pair.get((CONTINUITY_RESAMPLER, in_rate, out_rate))
            if index == 0 and stream is not None and stream.stream is not None:
                row.append(round(stream.stream.latency_mean_ms))
                if lost:
                    row.append(round(lost[(in_rate, out_rate)], 1))
            grid.append(row)
        columns = ["kHz", *map(_short, names)]
        title = f"{title} by rate pair"
        if index == 0 and CONTINUITY_RESAMPLER in names:
            columns.append("held ms")
            title += (
                " (pipecat-stream: held = mean held back, lost = per pause as serializers run it)"
            )
            if lost:
                columns.append("lost ms")
        tables.append((title, columns, grid))
    return tables
