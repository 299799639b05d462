"""Verdicts of replay: each passes on a good observation and fails on a bad one."""

from __future__ import annotations

import pytest

from voicectl.checks.replay import (
    CallPerceptions,
    RateObservation,
    judge_bot_answered,
    judge_rate_consistency,
    judge_run_rate_consistency,
    pool_calls,
)
from voicectl.report.model import Verdict

TEXTS = ["hello there", "my order number is seven", "thanks, bye"]


def test_bot_answered_passes_when_every_utterance_is_answered_in_time() -> None:
    result = judge_bot_answered("call @ 8000 Hz", [0.5, 0.7, 1.2], TEXTS, bound_s=3.0)
    assert result.verdict is Verdict.PASS
    assert "3/3 answered in time" in result.observed
    assert result.metrics["latency_max_s"] == 1.2


def test_bot_answered_fails_naming_the_unanswered_utterance() -> None:
    result = judge_bot_answered("call", [0.5, None, 1.2], TEXTS, bound_s=3.0)
    assert result.verdict is Verdict.FAIL
    assert "utterance 2 ('my order number is seven') got no reply" in result.observed


def test_bot_answered_fails_on_a_late_answer() -> None:
    result = judge_bot_answered("call", [0.5, 3.4, 1.2], TEXTS, bound_s=3.0)
    assert result.verdict is Verdict.FAIL
    assert "utterance 2 answered after 3.40 s" in result.observed


def test_bot_answered_fails_with_the_call_error_first() -> None:
    result = judge_bot_answered(
        "call",
        [0.5, None, None],
        TEXTS,
        bound_s=3.0,
        call_error="bot closed the call at 4.10 s with code 1011",
    )
    assert result.verdict is Verdict.FAIL
    assert "; bot closed the call at 4.10 s with code 1011" in result.observed
    assert "utterance 2" in result.detail


def test_bot_answered_never_passes_a_call_without_utterances() -> None:
    assert judge_bot_answered("call", [], [], bound_s=3.0).verdict is Verdict.FAIL


SPANS = [(1.0, 3.0), (6.0, 9.0)]


def _obs(
    rate: int, probs: list[float], segments: list[tuple[float, float]] | None = None
) -> RateObservation:
    segments = segments or [(1.1, 3.1), (6.1, 9.1)]
    predictions = [(seg[1], p) for seg, p in zip(segments, probs, strict=False)]
    return RateObservation(rate, [s[1] for s in segments], segments, predictions)


def test_rate_consistency_passes_when_rates_perceive_alike() -> None:
    result = judge_rate_consistency(
        "call", {8000: _obs(8000, [0.2, 0.9]), 16000: _obs(16000, [0.3, 0.85])}, SPANS
    )
    assert result.verdict is Verdict.PASS
    assert result.metrics["baseline_rate"] == 16000


def test_rate_consistency_fails_when_the_turn_model_hears_everything_as_finished() -> None:
    result = judge_rate_consistency(
        "call", {8000: _obs(8000, [0.98, 0.99]), 16000: _obs(16000, [0.05, 0.4])}, SPANS
    )
    assert result.verdict is Verdict.FAIL
    assert result.observed.startswith("8000 Hz: end-of-turn model leans to 'caller finished'")


def test_rate_consistency_fails_when_the_vad_misses_an_utterance() -> None:
    deaf = RateObservation(48000, [3.1, 9.1], [(1.1, 3.1), (8.5, 9.1)], [(3.1, 0.5), (9.1, 0.5)])
    heard = RateObservation(16000, [3.1, 9.1], [(1.1, 3.1), (6.0, 9.0)], [(3.1, 0.5), (9.0, 0.5)])
    result = judge_rate_consistency("call", {48000: deaf, 16000: heard}, SPANS)
    assert result.verdict is Verdict.FAIL
    assert result.observed == (
        "48000 Hz: VAD coverage differs by 0.42 on average from 16000 Hz "
        "(most on utterance 2: 17% heard as speech vs 100%)"
    )


def test_rate_consistency_pools_a_runs_calls_so_one_fragment_cannot_fail_it() -> None:
    steady = [_obs(16000, [0.2, 0.9]), _obs(16000, [0.3, 0.85]), _obs(16000, [0.1, 0.9])]
    flipped = [_obs(8000, [0.95, 0.9]), _obs(8000, [0.3, 0.85]), _obs(8000, [0.1, 0.9])]
    alone = judge_rate_consistency("call", {8000: flipped[0], 16000: steady[0]}, SPANS)
    assert alone.verdict is Verdict.FAIL  # one call: a shift of 0.375
    calls = [({8000: f, 16000: s}, SPANS) for f, s in zip(flipped, steady, strict=True)]
    observations, spans = pool_calls(calls)
    assert len(spans) == 6 and len(observations[8000].predictions) == 6
    pooled = judge_rate_consistency("3 calls", observations, spans)
    assert pooled.verdict is Verdict.PASS, pooled.observed  # six predictions: 0.125


def test_run_rate_consistency_is_one_check_over_every_call() -> None:
    steady = [_obs(16000, [0.2, 0.9]), _obs(16000, [0.3, 0.85]), _obs(16000, [0.1, 0.9])]
    flipped = [_obs(8000, [0.95, 0.9]), _obs(8000, [0.3, 0.85]), _obs(8000, [0.1, 0.9])]
    calls = [
        CallPerceptions(name, {8000: f, 16000: s}, SPANS, heard_until=12.0)
        for name, f, s in zip("abc", flipped, steady, strict=True)
    ]
    result = judge_run_rate_consistency(calls)
    assert result.verdict is Verdict.PASS, result.observed
    assert result.title == "3 calls: same perception at every rate" and not result.detail
    bug = [_obs(8000, [0.95, 0.99])] * 3
    buggy = [CallPerceptions(c.name, {8000: b, 16000: c.observations[16000]}, SPANS, 12.0)
             for c, b in zip(calls, bug, strict=True)]  # fmt: skip
    assert judge_run_rate_consistency(buggy).verdict is Verdict.FAIL


def test_run_rate_consistency_leaves_out_utterances_a_pipeline_never_processed() -> None:
    heard = RateObservation(16000, [3.1], [(1.1, 3.1), (6.0, 9.0)], [(3.1, 0.5)])
    cut = RateObservation(8000, [3.1], [(1.1, 3.1)], [(3.1, 0.5)])  # ended at 5 s of audio
    call = CallPerceptions("a", {8000: cut, 16000: heard}, SPANS, heard_until=5.0)
    result = judge_run_rate_consistency([call])
    assert result.verdict is Verdict.PASS, result.observed
    assert result.title.startswith("a: ")
    assert result.detail.startswith("VAD coverage of 1 of 2 utterances not judged")
    whole = judge_run_rate_consistency([CallPerceptions("a", call.observations, SPANS, 12.0)])
    assert whole.verdict is Verdict.FAIL  # the utterance the 8 kHz pipeline never got to


def test_rate_consistency_names_the_call_of_an_utterance_the_vad_missed() -> None:
    heard = RateObservation(16000, [3.1, 9.1], [(1.1, 3.1), (6.0, 9.0)], [(3.1, 0.5), (9.0, 0.5)])
    deaf = RateObservation(48000, [9.1], [(8.5, 9.1)], [(3.1, 0.5), (9.1, 0.5)])
    observations, spans = pool_calls(
        [({48000: heard, 16000: heard}, SPANS), ({48000: deaf, 16000: heard}, SPANS)]
    )
    names = ["a utterance 1", "a utterance 2", "b utterance 1", "b utterance 2"]
    result = judge_rate_consistency("2 calls", observations, spans, utterance_names=names)
    assert result.observed == (
        "48000 Hz: VAD coverage differs by 0.45 on average from 16000 Hz "
        "(most on b utterance 1: 0% heard as speech vs 95%)"
    )


def test_rate_consistency_tolerates_one_borderline_utterance_among_many() -> None:
    spans = [(1.0 + 4 * i, 3.0 + 4 * i) for i in range(6)]
    segments = [(a, b) for a, b in spans]
    predictions = [(b, 0.5) for _, b in spans]
    ref = RateObservation(16000, [], segments, predictions)
    one_short = RateObservation(8000, [], [*segments[:5], (21.0, 22.0)], predictions)
    result = judge_rate_consistency("call", {8000: one_short, 16000: ref}, spans)
    assert result.verdict is Verdict.PASS, result.observed
    assert result.metrics["max_coverage_difference"] == 0.5
    assert result.metrics["mean_coverage_difference"] == pytest.approx(0.083, abs=0.001)


def test_rate_consistency_skips_with_a_single_rate() -> None:
    assert judge_rate_consistency("call", {8000: _obs(8000, [0.2])}, SPANS).verdict is Verdict.SKIP


def test_rate_consistency_without_any_end_of_turn_prediction_is_an_error() -> None:
    # Smart Turn failed at every rate (e.g. --bot-smart-turn-rate -8000): "shift +0.00" is no pass.
    silent = {r: RateObservation(r, [], [(1.1, 3.1), (6.1, 9.1)], []) for r in (8000, 16000)}
    result = judge_rate_consistency("call", silent, SPANS)
    assert result.verdict is Verdict.ERROR
    assert result.observed.startswith("not exercised: no end-of-turn prediction at any rate")


def test_rate_consistency_when_the_vad_heard_nothing_at_any_rate_is_an_error() -> None:
    deaf = {r: RateObservation(r, [], [], [(3.1, 0.5)]) for r in (8000, 16000)}
    result = judge_rate_consistency("call", deaf, SPANS)
    assert result.verdict is Verdict.ERROR
    assert "the VAD heard none of the utterances" in result.observed


def test_bot_answered_for_a_call_that_never_connected_is_an_error() -> None:
    result = judge_bot_answered(
        "call",
        [None, None],
        ["hi", "bye"],
        bound_s=3.0,
        call_error="cannot connect to ws://127.0.0.1:1/ws: [Errno 111] Connect call failed",
        connected=False,
    )
    assert result.verdict is Verdict.ERROR
    assert result.observed.startswith("not exercised: the call never connected (cannot connect")
