"""Caller-fault verdicts (silence, media gap) from plain call outcomes (no sockets, no bot)."""

from __future__ import annotations

from voicectl.audio.script import Utterance
from voicectl.checks.caller_faults import (
    judge_media_gap_bot_responsive,
    judge_media_gap_idle_handled,
    judge_media_gap_turn_ended,
    judge_silence_reengaged,
)
from voicectl.outcome.call import BotAudioRun, CallOutcome, TurnResult
from voicectl.outcome.caller_faults import MediaGapPlan, MediaGapResult, SilencePlan, SilenceResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.outcome.perception import BotPerception, PerceivedEvent


def _silence(
    runs: list[tuple[float, float]], duration: float, closed: bool = False
) -> SilenceResult:
    outcome = CallOutcome(carrier="twilio", url="ws://bot", fast=False, duration_s=duration)
    outcome.runs = [BotAudioRun(a, b, messages=10) for a, b in runs]
    outcome.closed_by_bot = closed
    outcome.close_code = 1000 if closed else None
    result = SilenceResult(SilencePlan(), DirectedCall(outcome))
    result.question = TurnResult(0, Utterance(0.5, 3.0, "hello?"))
    result.reply_end = runs[0][1] if runs else None
    return result


def test_silence_reengaged_passes_when_the_bot_checks_in_within_the_bound() -> None:
    check = judge_silence_reengaged(_silence([(4.0, 6.0), (11.0, 12.5)], 14.0), bound_s=8.0)
    assert check.verdict.value == "pass" and check.metrics["reengaged_after_s"] == 5.0


def test_silence_reengaged_fails_a_check_in_after_the_bound() -> None:
    check = judge_silence_reengaged(_silence([(4.0, 6.0), (15.0, 16.0)], 17.0), bound_s=8.0)
    assert check.verdict.value == "fail" and "spoke again 9.00 s" in check.observed


def test_silence_reengaged_passes_a_bot_that_ends_the_call_in_time() -> None:
    check = judge_silence_reengaged(_silence([(4.0, 6.0)], 10.0, closed=True), bound_s=8.0)
    assert check.verdict.value == "pass" and check.metrics["how"] == "ended the call"


def test_digital_silence_before_the_bot_ends_the_call_is_not_speaking_again() -> None:
    # Pipecat writes 2 s of zeros after an EndFrame before the socket closes.
    result = _silence([(4.0, 6.0)], 9.1, closed=True)
    result.outcome.runs.append(BotAudioRun(9.0, 11.0, messages=100, voiced=False))
    check = judge_silence_reengaged(result, bound_s=8.0)
    assert check.verdict.value == "pass" and check.metrics["how"] == "ended the call"
    assert "3.10 s after its reply ended, without a word" in check.observed


def test_silence_reengaged_fails_a_bot_silent_until_the_caller_hangs_up() -> None:
    check = judge_silence_reengaged(_silence([(4.0, 6.0)], 18.0), bound_s=8.0)
    assert check.verdict.value == "fail" and check.metrics["silent_for_s"] == 12.0


def test_silence_reengaged_is_an_error_when_the_bot_never_answered() -> None:
    result = _silence([], 12.0)
    result.note = "the bot did not answer within 10 s of the caller's question"
    check = judge_silence_reengaged(result)
    assert check.verdict.value == "error" and "did not answer" in check.observed


def _gap(runs: list[tuple[float, float]], duration: float) -> MediaGapResult:
    outcome = CallOutcome(carrier="twilio", url="ws://bot", fast=False, duration_s=duration)
    outcome.runs = [BotAudioRun(a, b, messages=10) for a, b in runs]
    result = MediaGapResult(MediaGapPlan(), DirectedCall(outcome))
    result.cut = TurnResult(0, Utterance(0.5, 3.0, "hello?"))
    result.gap_start = 1.5
    result.after = TurnResult(1, Utterance(7.5, 10.0, "still there?"))
    return result


def test_media_gap_checks_pass_a_bot_that_replies_and_answers_again() -> None:
    result = _gap([(7.4, 7.9), (10.8, 12.0)], 13.0)
    ended = judge_media_gap_turn_ended(result)
    assert ended.verdict.value == "pass" and "the bot replied 5.90 s later" in ended.observed
    assert judge_media_gap_bot_responsive(result).metrics["answer_latency_s"] == 0.8


def test_media_gap_bot_responsive_fails_a_bot_that_never_answers_again() -> None:
    result = _gap([], 16.0)
    responsive = judge_media_gap_bot_responsive(result)
    assert responsive.verdict.value == "fail" and "the bot hung" in responsive.observed
    assert judge_media_gap_turn_ended(result).verdict.value == "fail"


def _dead_line(
    runs: list[tuple[float, float]], duration: float, closed: bool = False
) -> MediaGapResult:
    """Media stopped for good at 1.5 s; the bot's audio runs after it; the call's end."""
    outcome = CallOutcome(carrier="twilio", url="ws://bot", fast=False, duration_s=duration)
    outcome.runs = [BotAudioRun(a, b, messages=10) for a, b in runs]
    outcome.closed_by_bot = closed
    outcome.close_code = 1000 if closed else None
    result = MediaGapResult(MediaGapPlan(gap_s=None), DirectedCall(outcome))
    result.cut = TurnResult(0, Utterance(0.5, 3.0, "hello?"))
    result.gap_start = 1.5
    return result


def test_media_gap_idle_handled_passes_a_check_in_after_the_answer_within_the_bound() -> None:
    check = judge_media_gap_idle_handled(_dead_line([(7.5, 10.5), (13.5, 14.6)], 15.6))
    assert check.verdict.value == "pass", check
    assert check.metrics == {"reengaged_after_s": 3.0, "how": "spoke"}
    assert "spoke again 3.00 s after its answer ended" in check.observed


def test_media_gap_idle_handled_passes_a_bot_that_hangs_up_behind_digital_silence() -> None:
    result = _dead_line([(7.5, 8.9)], 11.9, closed=True)
    result.outcome.runs.append(BotAudioRun(11.9, 13.8, messages=95, voiced=False))
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "pass" and check.metrics["how"] == "ended the call"
    assert "3.00 s after its answer ended, without a word" in check.observed


def test_media_gap_idle_handled_fails_a_bot_silent_on_the_dead_line() -> None:
    check = judge_media_gap_idle_handled(_dead_line([(7.5, 10.9)], 19.9), bound_s=8.0)
    assert check.verdict.value == "fail" and check.metrics["silent_for_s"] == 9.0
    assert "it never checked in or ended the call" in check.observed


def test_media_gap_idle_handled_fails_a_check_in_after_the_bound() -> None:
    check = judge_media_gap_idle_handled(_dead_line([(7.5, 10.0), (19.0, 20.0)], 21.0))
    assert check.verdict.value == "fail" and "spoke again 9.00 s" in check.observed


def test_media_gap_idle_handled_counts_from_the_gap_when_the_bot_never_answered() -> None:
    check = judge_media_gap_idle_handled(_dead_line([], 18.5))
    assert check.verdict.value == "fail"
    assert "silent for 17.0 s after the caller's media stopped" in check.observed


def test_media_gap_idle_handled_skips_when_the_media_resumed() -> None:
    result = _gap([(7.4, 7.9), (10.8, 12.0)], 13.0)
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "skip"
    assert "media resumed after 5 s" in check.observed and "--resume-after never" in check.observed


def test_media_gap_idle_handled_is_an_error_when_the_call_dropped_before_the_bound() -> None:
    result = _dead_line([(7.5, 9.0)], 11.0)
    result.outcome.error = "receive loop died at 11.00 s: OSError: boom"
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "error", check
    assert "2.0 s after its answer ended, before the 8.0 s bound" in check.observed
    assert "receive loop died" in check.observed


def test_media_gap_idle_handled_is_an_error_when_the_media_never_stopped() -> None:
    result = _dead_line([], 5.0)
    result.gap_start = None
    result.note = "the caller's audio ended before the cut"
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "error" and check.observed == result.note


def test_media_gap_idle_handled_names_pipecats_user_idle_event_seen_from_inside() -> None:
    result = _dead_line([(7.5, 10.5), (13.5, 14.6)], 15.6)
    # the gap began at monotonic 100.0 (call second 1.5); the bot's clock starts at 99.0
    result.gap_start_wall = 100.0
    idle = PerceivedEvent("user_idle", 9.0, 14.0)  # monotonic 113.0: call second 14.5
    result.call.perception = BotPerception([idle], wall_origin=99.0)
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "pass", check
    assert check.metrics["user_idle_after_s"] == 4.0
    assert "Pipecat's on_user_turn_idle fired 4.00 s after its answer ended" in check.observed


def test_media_gap_idle_handled_says_when_the_user_idle_event_never_fired() -> None:
    result = _dead_line([(7.5, 10.9)], 19.9)
    result.gap_start_wall = 100.0
    result.call.perception = BotPerception([], wall_origin=99.0)
    check = judge_media_gap_idle_handled(result)
    assert check.verdict.value == "fail" and check.metrics["user_idle_after_s"] is None
    assert check.observed.endswith("; inside, Pipecat's on_user_turn_idle never fired")
