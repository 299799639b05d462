"""Regression gating on plain data: the bootstrap compare, run identities and merged trials."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.report.compare import (
    FIRST_AUDIO_METRIC,
    bootstrap_diff,
    comparable,
    compare_latencies,
    first_audio_latencies,
    run_identity,
)
from voicectl.report.model import Check, Report, Verdict
from voicectl.report.trials import merge_trials


def _latencies(n: int, centre: float, seed: int, spread: float = 0.08) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(np.clip(rng.normal(centre, spread, n), 0.05, None))


def _verdicts(checks: list[Check]) -> dict[str, Verdict]:
    return {c.id: c.verdict for c in checks}


def test_a_run_compared_with_itself_passes() -> None:
    base = _latencies(30, 0.6, 1)
    checks = compare_latencies(base, list(base))
    assert _verdicts(checks) == {
        "baseline.first_audio_p50": Verdict.PASS,
        "baseline.first_audio_p95": Verdict.PASS,
    }
    assert "+0 ms" in checks[0].observed


def test_two_samples_of_the_same_bot_pass() -> None:
    checks = compare_latencies(_latencies(30, 0.6, 1), _latencies(30, 0.6, 2))
    assert all(c.verdict is Verdict.PASS for c in checks)


def test_a_bot_0_8_s_slower_fails_both_percentiles_with_the_interval() -> None:
    checks = compare_latencies(_latencies(30, 0.6, 1), _latencies(30, 1.4, 2))
    assert all(c.verdict is Verdict.FAIL for c in checks)
    p50 = checks[0]
    assert p50.metrics["ci_low_s"] > 0.6 and 0.7 < p50.metrics["diff_s"] < 0.9
    assert "regressed" in p50.observed and "95 % CI" in p50.observed


def test_a_slowdown_below_the_minimum_effect_passes() -> None:
    checks = compare_latencies(_latencies(200, 0.6, 1, 0.01), _latencies(200, 0.65, 2, 0.01))
    assert checks[0].metrics["ci_low_s"] > 0  # a real 50 ms slow-down ...
    assert all(c.verdict is Verdict.PASS for c in checks)  # ... below the 100 ms minimum


def test_a_slowdown_whose_interval_includes_zero_passes() -> None:
    rng = np.random.default_rng(5)
    base = list(rng.uniform(0.2, 3.0, 6))
    new = [v + 0.15 for v in rng.uniform(0.2, 3.0, 6)]
    checks = compare_latencies(base, new)
    p50 = checks[0]
    assert p50.metrics["ci_low_s"] <= 0
    assert p50.verdict is Verdict.PASS


def test_a_faster_run_passes() -> None:
    checks = compare_latencies(_latencies(30, 1.4, 1), _latencies(30, 0.6, 2))
    assert all(c.verdict is Verdict.PASS for c in checks)


def test_too_few_turns_is_an_error_not_a_pass() -> None:
    checks = compare_latencies([0.5, 0.6], _latencies(30, 0.6, 2))
    assert all(c.verdict is Verdict.ERROR for c in checks)
    assert "too few answered turns" in checks[0].observed


def test_the_bootstrap_is_seeded_and_its_interval_holds_the_difference() -> None:
    base, new = _latencies(20, 0.6, 1), _latencies(20, 0.9, 2)
    first = bootstrap_diff(base, new, 50)
    assert first == bootstrap_diff(base, new, 50)
    assert first.low <= first.diff <= first.high
    assert first.resamples == 4000 and first.confidence == 0.95


def test_runs_of_different_recordings_bots_or_carriers_are_not_comparable() -> None:
    args = {
        "audio": ["/x/a.wav"],
        "recordings": {"a.wav": "1234"},
        "rates": [16000],
        "url": None,
        "carrier": "twilio",
        "pacing": "realtime",
    }
    same = run_identity("replay", args)
    assert comparable(same, run_identity("replay", dict(args))) is None
    other_audio = run_identity("replay", {**args, "recordings": {"a.wav": "5678"}})
    assert "differ in recordings" in (comparable(same, other_audio) or "")
    other_bot = run_identity("replay", {**args, "url": "ws://127.0.0.1:8765/ws"})
    message = comparable(same, other_bot) or ""
    assert "differ in bot" in message and "ws://127.0.0.1:8765/ws" in message
    other_carrier = run_identity("replay", {**args, "carrier": "telnyx"})
    assert "differ in carrier (baseline: twilio; new: telnyx)" in (
        comparable(same, other_carrier) or ""
    )
    assert "differ in command" in (comparable(same, run_identity("load", args)) or "")


def test_latencies_come_from_the_metric_or_the_journal() -> None:
    report = Report("replay")
    report.metrics[FIRST_AUDIO_METRIC] = [0.5, 0.7]
    assert first_audio_latencies(report) == [0.5, 0.7]
    old = Report("replay")
    old.log("call:x", "bot_answered", t=1.0, clock="call", latency_s=0.4)
    old.log("call:x", "bot_answered", t=2.0, clock="call", latency_s=None)
    assert first_audio_latencies(old) == [0.4]


def _trial(verdict: Verdict, latencies: list[float], observed: str = "ok") -> Report:
    report = Report("replay")
    report.add_check(Check("replay.bot_answered", "answered", verdict, "answers", observed))
    report.metrics[FIRST_AUDIO_METRIC] = latencies
    return report


def test_trials_report_pass_rates_and_pool_latencies() -> None:
    merged = Report("replay")
    trials = [
        _trial(Verdict.PASS, [0.5, 0.6]),
        _trial(Verdict.FAIL, [0.7, 3.2], "1/2 answered"),
        _trial(Verdict.PASS, [0.55]),
    ]
    merge_trials(merged, trials)
    [check] = merged.checks
    assert check.verdict is Verdict.FAIL
    assert check.observed.startswith("passed 2/3 trials; trial 2: 1/2 answered")
    assert check.metrics["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert merged.metrics[FIRST_AUDIO_METRIC] == [0.5, 0.6, 0.7, 3.2, 0.55]
    assert merged.metrics["first_audio.p50_s"] == 0.6
    assert merged.metrics["trials"] == 3
    assert [t.title for t in merged.tables] == ["Check pass rates", "Trials"]


def test_trials_that_all_pass_pass() -> None:
    merged = Report("replay")
    merge_trials(merged, [_trial(Verdict.PASS, [0.5]), _trial(Verdict.PASS, [0.6])])
    assert merged.checks[0].verdict is Verdict.PASS
    assert merged.checks[0].observed.startswith("passed 2/2 trials")


def test_a_check_missing_from_a_trial_is_an_error() -> None:
    merged = Report("replay")
    merge_trials(merged, [_trial(Verdict.PASS, [0.5]), Report("replay")])
    assert merged.checks[0].verdict is Verdict.ERROR
    assert "not judged in 1" in merged.checks[0].observed


def test_trials_match_checks_by_id_and_order_even_when_titles_differ() -> None:
    def trial(instance: int) -> Report:
        report = Report("chaos stt-crash")
        for k in range(2):
            report.add_check(
                Check(
                    "failover.cause_visible",
                    f"SonioxSTTService#{instance + k}",
                    Verdict.PASS,
                    "",
                    "",
                )
            )
        return report

    merged = Report("chaos stt-crash")
    merge_trials(merged, [trial(0), trial(2)])
    assert [c.verdict for c in merged.checks] == [Verdict.PASS, Verdict.PASS]
    assert all(c.observed.startswith("passed 2/2 trials") for c in merged.checks)
