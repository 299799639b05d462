"""Verdicts of a load run: calls succeed, first audio stays fast, and the generator kept time."""

from __future__ import annotations

from dataclasses import dataclass, replace

from voicectl.load.aggregate import FailureKind, LoadStats
from voicectl.report.model import Check, Verdict

__all__ = [
    "CLIENT_PACING",
    "FIRST_AUDIO_P95",
    "SUCCESS_RATE",
    "LoadBounds",
    "judge_client_pacing",
    "judge_first_audio_p95",
    "judge_load",
    "judge_success_rate",
]

SUCCESS_RATE = "load.success_rate"
FIRST_AUDIO_P95 = "load.first_audio_p95"
CLIENT_PACING = "load.client_pacing"


@dataclass(frozen=True)
class LoadBounds:
    """The expectations of a load run (each a CLI option)."""

    min_success_rate: float = 0.99
    # One default for the library and the CLI (they used to say 1.5 and 2.5 s). The reference
    # bot answers with a p95 of 1.9 s on the shared 2-core machine (verdict audit 2026-12, one
    # 8-call run), so 2.5 s passes it with 0.6 s to spare while a bot that stalls a turn fails.
    first_audio_p95_s: float = 2.5
    # Judged on the p95: at p99 a shared machine's scheduling shows (measured: 8 calls, p99 5-16
    # ms while the client needed about a tenth of a CPU); a generator that cannot keep up is
    # late on most frames, and its p95 grows to tens of milliseconds.
    send_error_p95_ms: float = 5.0


def _passed(ok: bool) -> Verdict:
    return Verdict.PASS if ok else Verdict.FAIL


def judge_success_rate(stats: LoadStats, min_rate: float) -> Check:
    """``load.success_rate``: enough calls ran to the end with every utterance answered."""
    title = "calls succeed under load"
    expected = f">= {min_rate:.1%} of calls complete with every utterance answered"
    rate = stats.success_rate
    metrics: dict[str, object] = {
        "calls": stats.calls,
        "succeeded": stats.succeeded,
        "success_rate": rate,
        "min_success_rate": min_rate,
    }
    if rate is None:
        return Check(
            SUCCESS_RATE, title, Verdict.FAIL, expected, "no call finished", metrics=metrics
        )
    observed = f"{stats.succeeded}/{stats.calls} calls succeeded ({rate:.1%})"
    reasons = [f"{n} x {summary}" for summary, n in stats.failures.most_common()]
    if reasons:
        observed += "; " + reasons[0]
    return Check(
        SUCCESS_RATE,
        title,
        _passed(rate >= min_rate),
        expected,
        observed,
        detail="; ".join(reasons[1:]),
        metrics=metrics,
    )


def judge_first_audio_p95(stats: LoadStats, bound_s: float) -> Check:
    """``load.first_audio_p95``: the bot's first audio after an utterance, p95 over all turns."""
    title = "first audio stays fast under load"
    expected = f"p95 of first-audio latency over all turns <= {bound_s:.2f} s"
    p = stats.first_audio
    metrics: dict[str, object] = {
        "turns": stats.turns,
        "answered": stats.answered,
        "bound_s": bound_s,
        "p50_s": None if p is None else p.p50,
        "p95_s": None if p is None else p.p95,
        "p99_s": None if p is None else p.p99,
    }
    if p is None:
        observed = f"no turn was answered ({stats.turns} utterances sent)"
        return Check(FIRST_AUDIO_P95, title, Verdict.FAIL, expected, observed, metrics=metrics)
    observed = (
        f"p95 {p.p95:.3f} s (p50 {p.p50:.3f}, p99 {p.p99:.3f}, max {p.max:.3f}) "
        f"over {stats.answered}/{stats.turns} answered turns"
    )
    return Check(
        FIRST_AUDIO_P95, title, _passed(p.p95 <= bound_s), expected, observed, metrics=metrics
    )


def judge_client_pacing(stats: LoadStats, bound_ms: float) -> Check:
    """``load.client_pacing``: the load generator itself kept time.

    When it did not, its latency figures include its own delays, so the run is invalid: the
    verdict is ``error`` (a harness problem, exit 3), never a pass and never the bot's failure.
    """
    title = "the load generator kept time"
    expected = f"send-time error p95 <= {bound_ms:g} ms (the load generator is not the bottleneck)"
    p = stats.send_error_ms
    if p is None:
        return Check(
            CLIENT_PACING,
            title,
            Verdict.ERROR,
            expected,
            "not exercised: no frame was sent",
            metrics={"frames": 0, "bound_ms": bound_ms},
        )
    observed = (
        f"p95 {p.p95:.2f} ms (p50 {p.p50:.2f}, p99 {p.p99:.2f}, max {p.max:.1f}) over "
        f"{stats.frames} frames of {stats.calls} calls, peak {stats.peak_concurrency} concurrent"
    )
    metrics: dict[str, object] = {
        "frames": stats.frames,
        "bound_ms": bound_ms,
        "p50_ms": p.p50,
        "p95_ms": p.p95,
        "p99_ms": p.p99,
        "max_ms": p.max,
    }
    if p.p95 <= bound_ms:
        return Check(CLIENT_PACING, title, Verdict.PASS, expected, observed, metrics=metrics)
    return Check(
        CLIENT_PACING,
        title,
        Verdict.ERROR,
        expected,
        f"RUN INVALID: the load generator was the bottleneck; {observed}",
        detail=(
            "the client sent frames late, so the latencies it measured include its own delay; "
            "place fewer calls per process, give it a quieter machine (or real-time priority: "
            "chrt -r 10 voicectl load ...), or spread the load over Locust workers"
        ),
        metrics=metrics,
    )


def judge_load(stats: LoadStats, bounds: LoadBounds) -> list[Check]:
    """All load checks; when the generator was the bottleneck, the others say so too.

    When no call reached the bot, nothing about it was tested: every check is ``error`` (exit 3,
    the bot was unreachable), never the bot's failure.
    """
    if stats.calls and stats.failure_kinds[FailureKind.CONNECT] == stats.calls:
        return _unreachable(stats, bounds)
    pacing = judge_client_pacing(stats, bounds.send_error_p95_ms)
    checks = [
        judge_success_rate(stats, bounds.min_success_rate),
        judge_first_audio_p95(stats, bounds.first_audio_p95_s),
    ]
    if pacing.verdict is Verdict.ERROR:
        note = "measured while the load generator was the bottleneck (see load.client_pacing)"
        checks = [replace(c, detail=f"{note}; {c.detail}" if c.detail else note) for c in checks]
    return [*checks, pacing]


def _unreachable(stats: LoadStats, bounds: LoadBounds) -> list[Check]:
    reason = next(iter(stats.failures), "no call connected")
    observed = f"not exercised: none of the {stats.calls} calls reached the bot ({reason})"
    checks = [
        judge_success_rate(stats, bounds.min_success_rate),
        judge_first_audio_p95(stats, bounds.first_audio_p95_s),
        judge_client_pacing(stats, bounds.send_error_p95_ms),
    ]
    return [replace(c, verdict=Verdict.ERROR, observed=observed) for c in checks]
