"""Regression gating: compare the first-audio latencies of two runs with a bootstrap.

Sans-I/O: plain reports and lists of seconds in, checks out. A run regressed when its p50 or
p95 first-audio latency grew by at least a minimum effect (default 100 ms) *and* the 95 %
bootstrap confidence interval of that growth excludes zero. The bootstrap resamples both runs'
latencies with replacement (:data:`RESAMPLES` times, seeded), so the same two reports always
give the same verdict. Runs of different recordings, bots, carriers, commands or pacing are not
compared at all (:func:`comparable` says what differs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicectl.report.model import Check, Report, Verdict

__all__ = [
    "FIRST_AUDIO_METRIC",
    "MIN_SAMPLES",
    "RESAMPLES",
    "BootstrapDiff",
    "bootstrap_diff",
    "comparable",
    "compare_latencies",
    "first_audio_latencies",
    "recording_fingerprints",
    "run_identity",
]

FIRST_AUDIO_METRIC = "first_audio_s"  # every answered turn's first-audio latency, seconds
RESAMPLES = 4000
MIN_SAMPLES = 5
_SEED = 20240611


@dataclass(frozen=True)
class BootstrapDiff:
    """NEW minus BASE for one statistic, with its bootstrap confidence interval (seconds)."""

    statistic: str
    base: float
    new: float
    low: float
    high: float
    resamples: int
    confidence: float

    @property
    def diff(self) -> float:
        return self.new - self.base


def bootstrap_diff(
    base: Sequence[float],
    new: Sequence[float],
    percentile: float,
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int = _SEED,
) -> BootstrapDiff:
    """The ``percentile`` of NEW minus that of BASE, with a percentile-bootstrap interval."""
    rng = np.random.default_rng(seed)
    b = np.asarray(base, dtype=np.float64)
    n = np.asarray(new, dtype=np.float64)
    b_samples = np.percentile(rng.choice(b, (resamples, b.size)), percentile, axis=1)
    n_samples = np.percentile(rng.choice(n, (resamples, n.size)), percentile, axis=1)
    diffs = n_samples - b_samples
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return BootstrapDiff(
        f"p{percentile:g}",
        float(np.percentile(b, percentile)),
        float(np.percentile(n, percentile)),
        float(low),
        float(high),
        resamples,
        confidence,
    )


def compare_latencies(
    base: Sequence[float],
    new: Sequence[float],
    *,
    min_effect_s: float = 0.1,
    resamples: int = RESAMPLES,
    seed: int = _SEED,
) -> list[Check]:
    """``baseline.first_audio_p50`` and ``baseline.first_audio_p95``: NEW did not regress."""
    checks = []
    for percentile in (50, 95):
        title = f"first-audio latency p{percentile} did not regress against the baseline"
        expected = (
            f"p{percentile} not slower by >= {min_effect_s * 1000:.0f} ms with a 95 % "
            f"bootstrap interval excluding zero ({resamples} resamples)"
        )
        if len(base) < MIN_SAMPLES or len(new) < MIN_SAMPLES:
            checks.append(
                Check(
                    f"baseline.first_audio_p{percentile}",
                    title,
                    Verdict.ERROR,
                    expected,
                    f"too few answered turns to compare: baseline {len(base)}, new {len(new)} "
                    f"(need {MIN_SAMPLES} each; run more --trials)",
                )
            )
            continue
        d = bootstrap_diff(base, new, percentile, resamples=resamples, seed=seed)
        regressed = d.diff >= min_effect_s and d.low > 0
        observed = (
            f"p{percentile} {d.base * 1000:.0f} ms -> {d.new * 1000:.0f} ms "
            f"({d.diff * 1000:+.0f} ms, 95 % CI {d.low * 1000:+.0f} to {d.high * 1000:+.0f} ms; "
            f"{len(base)} vs {len(new)} turns)"
        )
        if regressed:
            observed += ": regressed"
        elif d.diff >= min_effect_s:
            observed += ": slower, but the interval includes zero"
        checks.append(
            Check(
                f"baseline.first_audio_p{percentile}",
                title,
                Verdict.FAIL if regressed else Verdict.PASS,
                expected,
                observed,
                metrics={
                    "base_s": round(d.base, 4),
                    "new_s": round(d.new, 4),
                    "diff_s": round(d.diff, 4),
                    "ci_low_s": round(d.low, 4),
                    "ci_high_s": round(d.high, 4),
                    "min_effect_s": min_effect_s,
                    "resamples": resamples,
                    "base_n": len(base),
                    "new_n": len(new),
                },
            )
        )
    return checks


def first_audio_latencies(report: Report) -> list[float]:
    """Every answered turn's first-audio latency in a report (all trials)."""
    values = report.metrics.get(FIRST_AUDIO_METRIC)
    if isinstance(values, list):
        return [float(v) for v in values if isinstance(v, int | float)]
    return [
        float(e.data["latency_s"])
        for e in report.events
        if e.kind == "bot_answered" and isinstance(e.data.get("latency_s"), int | float)
    ]


def recording_fingerprints(paths: Sequence[str]) -> dict[str, str]:
    """File name -> first 16 hex digits of its SHA-256, so a compare knows the same recording."""
    prints = {}
    for path in paths:
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
        except OSError:
            digest = "unreadable"
        prints[Path(path).name] = digest
    return prints


def run_identity(command: str, args: dict[str, Any]) -> dict[str, str]:
    """What must be equal for two runs' latencies to be comparable."""
    recordings = args.get("recordings")
    if not isinstance(recordings, dict):
        audio = args.get("audio")
        names = audio if isinstance(audio, list) else [audio] if audio else []
        recordings = {Path(str(a)).name: "?" for a in names}
    url = args.get("url")
    if url:
        bot = f"the bot at {url}"
    else:
        rates = args.get("rates")
        bot = "the reference bot" + (f" at {', '.join(map(str, rates))} Hz" if rates else "")
    line = args.get("line")
    return {
        "command": command,
        "recordings": ", ".join(f"{k} ({v})" for k, v in sorted(recordings.items())) or "none",
        "bot": bot,
        "carrier": str(args.get("carrier", "?")),
        "pacing": str(args.get("pacing", "realtime")),
        "line": str(line.get("spec")) if isinstance(line, dict) else "clean",
    }


def comparable(base: dict[str, str], new: dict[str, str]) -> str | None:
    """None if two identities may be compared, else one line saying what differs."""
    for key in ("command", "recordings", "bot", "carrier", "pacing", "line"):
        if base.get(key) != new.get(key):
            return (
                f"refusing to compare: the runs differ in {key} "
                f"(baseline: {base.get(key)!s}; new: {new.get(key)!s})"
            )
    return None
