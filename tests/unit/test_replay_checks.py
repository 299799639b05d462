"""Verdicts of replay: each passes on a good observation and fails on a bad one."""

from __future__ import annotations

from voicectl.checks.replay import RateObservation, judge_bot_answered, judge_rate_consistency
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
    assert result.observed == "48000 Hz: VAD heard 17% of utterance 2 as speech vs 100% at 16000 Hz"


def test_rate_consistency_weights_predictions_by_the_speech_they_judged() -> None:
    long_then_fragment = [(1.0, 4.0), (4.5, 4.8)]
    steady = RateObservation(16000, [], long_then_fragment, [(4.0, 0.2), (4.8, 0.2)])
    fragment_flip = RateObservation(8000, [], long_then_fragment, [(4.0, 0.2), (4.8, 0.95)])
    # An unweighted mean would shift by 0.375; weighted by 3 s vs 0.3 s of speech it is 0.07.
    assert (
        judge_rate_consistency("call", {8000: fragment_flip, 16000: steady}, [(1.0, 4.8)]).verdict
        is Verdict.PASS
    )


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
