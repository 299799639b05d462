"""``--trials N``: one report from N repeats of a run. Sans-I/O: reports in, a report out.

Each check (its id, and its place among that id's checks) keeps one row whose verdict is the worst over the trials and whose observation
is its pass rate (``passed 4/5 trials``) with the first failing trial's observation; the
first-audio latencies of every trial are pooled (``metrics.first_audio_s``) and summarised
(p50, p95, min, max) per trial and over all of them, which is what a baseline compare reads.
What a ``--line`` did to each trial's calls is kept as one table per trial.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voicectl.report.compare import FIRST_AUDIO_METRIC, first_audio_latencies
from voicectl.report.model import Check, Report, Verdict

__all__ = ["merge_trials"]

_SEVERITY = [Verdict.PASS, Verdict.SKIP, Verdict.WARN, Verdict.FAIL, Verdict.ERROR]


def _percentiles(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return (
        round(float(np.percentile(values, 50)), 4),
        round(float(np.percentile(values, 95)), 4),
    )


def merge_trials(report: Report, trials: Sequence[Report]) -> None:
    """Fill ``report`` with the merged checks, pooled latencies and tables of ``trials``."""
    n = len(trials)
    order: list[tuple[str, int]] = []
    runs: dict[tuple[str, int], list[tuple[int, Check]]] = {}
    for i, trial in enumerate(trials, start=1):
        seen: dict[str, int] = {}
        for item in trial.checks:
            # The k-th check of an id in one trial is the k-th in another: titles may name
            # per-run details (a service instance, a call label) that differ between trials.
            seen[item.id] = seen.get(item.id, -1) + 1
            key = (item.id, seen[item.id])
            if key not in runs:
                order.append(key)
                runs[key] = []
            runs[key].append((i, item))
        for event in trial.events:
            report.events.append(
                type(event)(
                    event.t, f"trial {i}:{event.source}", event.kind, event.data, event.clock
                )
            )
    rate_rows = []
    for key in order:
        results = runs[key]
        passed = sum(1 for _, c in results if c.verdict is Verdict.PASS)
        worst = max((c.verdict for _, c in results), key=_SEVERITY.index)
        missing = n - len(results)
        if missing:
            worst = Verdict.ERROR
        first = results[0][1]
        bad = next(((i, c) for i, c in results if c.verdict is not Verdict.PASS), None)
        observed = f"passed {passed}/{n} trials"
        if missing:
            observed += f" (not judged in {missing})"
        if bad is not None:
            observed += f"; trial {bad[0]}: {bad[1].observed}"
        else:
            observed += f"; trial 1: {first.observed}"
        report.add_check(
            Check(
                first.id,
                first.title,
                worst,
                first.expected,
                observed,
                first.detail,
                {"pass_rate": round(passed / n, 4), "trials": n, "passed": passed},
            )
        )
        rate_rows.append([first.id, first.title, f"{passed}/{n}", round(passed / n, 3)])
    report.add_table("Check pass rates", ["check", "title", "passed", "rate"], rate_rows)
    for i, trial in enumerate(trials, start=1):
        for table in trial.tables:
            if table.title.startswith("Caller line"):
                report.add_table(f"Trial {i}: {table.title}", table.columns, table.rows)

    pooled: list[float] = []
    trial_p50s: list[float] = []
    trial_rows = []
    for i, trial in enumerate(trials, start=1):
        latencies = first_audio_latencies(trial)
        pooled.extend(latencies)
        p50, p95 = _percentiles(latencies)
        if p50 is not None:
            trial_p50s.append(p50)
        trial_rows.append(
            [
                i,
                trial.verdict.value,
                sum(1 for c in trial.checks if c.verdict is Verdict.PASS),
                len(trial.checks),
                len(latencies),
                p50,
                p95,
                trial.harness_error or "",
            ]
        )
        if trial.harness_error and report.harness_error is None:
            report.harness_error = f"trial {i}: {trial.harness_error}"
    report.add_table(
        "Trials",
        [
            "trial",
            "verdict",
            "checks passed",
            "checks",
            "answered turns",
            "p50 s",
            "p95 s",
            "error",
        ],
        trial_rows,
    )
    p50, p95 = _percentiles(pooled)
    report.metrics["trials"] = n
    report.metrics[FIRST_AUDIO_METRIC] = [round(v, 4) for v in pooled]
    report.metrics["first_audio.p50_s"] = p50
    report.metrics["first_audio.p95_s"] = p95
    report.metrics["first_audio.min_s"] = round(min(pooled), 4) if pooled else None
    report.metrics["first_audio.max_s"] = round(max(pooled), 4) if pooled else None
    if len(trial_p50s) > 1:
        report.metrics["first_audio.p50_spread_s"] = round(max(trial_p50s) - min(trial_p50s), 4)
