"""Caller impact verdicts on plain call timelines: answered in time, left in silence, ended cleanly."""

from __future__ import annotations

from voicectl.audio.script import Utterance
from voicectl.checks.caller import (
    CallerTimeline,
    judge_bot_stopped_cleanly,
    judge_call_ended_cleanly,
    judge_caller_not_left_in_silence,
)
from voicectl.report.model import Verdict

UTTERANCES = [
    Utterance(1.0, 4.0, "hi, where is my order"),
    Utterance(10.0, 13.0, "it is seven two nine four"),
    Utterance(20.0, 23.0, "thanks"),
]


def test_a_bot_that_answers_every_turn_after_the_fault_passes() -> None:
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0), (14.5, 16.0), (24.0, 25.0)], 30.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=8.0)
    assert verdict.verdict is Verdict.PASS, verdict.observed
    assert verdict.metrics["longest_wait_s"] == 1.5 and verdict.metrics["judged"] == 2


def test_a_caller_talking_into_silence_after_the_fault_fails() -> None:
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0)], 35.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=8.0, bound_s=8.0)
    assert verdict.verdict is Verdict.FAIL
    assert "utterance 2" in verdict.observed and "never answered" in verdict.observed
    assert verdict.metrics["longest_wait_s"] == 22.0


def test_a_late_answer_past_the_bound_fails_with_the_wait() -> None:
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0), (22.5, 24.0), (24.5, 25.0)], 35.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=8.0, bound_s=8.0)
    assert verdict.verdict is Verdict.FAIL
    assert verdict.observed.startswith("longest wait 9.50 s: utterance 2")


def test_the_last_turn_before_an_llm_fault_still_waiting_is_judged() -> None:
    """An LLM fault fires on the request of the caller's last turn: that turn's wait counts."""
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0), (22.5, 24.0), (24.5, 25.0)], 35.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=13.5, bound_s=8.0)
    assert verdict.verdict is Verdict.FAIL
    assert verdict.observed.startswith("longest wait 9.50 s: utterance 2")


def test_an_unanswered_turn_the_caller_talked_past_before_the_fault_is_not_its_silence() -> None:
    """The example bot at load: its answer to turn 1 came after turn 2 began, so turn 1 had no
    answer; the 429 hit turn 2's request and turn 2 was answered 1.5 s after it ended."""
    timeline = CallerTimeline(UTTERANCES, [(14.5, 16.0), (24.0, 25.0)], 30.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=13.5, bound_s=8.0)
    assert verdict.verdict is Verdict.PASS, verdict.observed
    assert verdict.metrics["longest_wait_s"] == 1.5 and verdict.metrics["judged"] == 2


def test_the_bot_ending_the_call_is_an_answer() -> None:
    timeline = CallerTimeline(UTTERANCES[:2], [(5.0, 7.0)], 15.0, bot_ended_at=15.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=8.0)
    assert verdict.verdict is Verdict.PASS
    assert "the bot ended the call" in verdict.observed


def test_a_call_too_short_to_hear_the_silence_is_not_judged() -> None:
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0), (14.0, 15.0)], 25.0)
    late = judge_caller_not_left_in_silence("call", timeline, fault_at=21.0)
    assert late.verdict is Verdict.ERROR and "could not be judged" in late.observed
    answered = CallerTimeline(UTTERANCES, [(5.0, 7.0), (14.0, 15.0), (24.0, 24.5)], 25.0)
    after_all = judge_caller_not_left_in_silence("call", answered, fault_at=24.6)
    assert after_all.verdict is Verdict.ERROR
    assert "no caller utterance ends after the fault" in after_all.observed


def test_a_pipeline_that_finished_after_the_call_passes() -> None:
    assert judge_call_ended_cleanly("c", hooked=True, pipeline_ended=True).verdict is Verdict.PASS


def test_a_pipeline_left_running_after_the_call_fails() -> None:
    running = judge_call_ended_cleanly("c", hooked=True, pipeline_ended=False)
    assert running.verdict is Verdict.FAIL and "still running" in running.observed
    blind = judge_call_ended_cleanly("c", hooked=False, pipeline_ended=False, why_unseen="no hook")
    assert blind.verdict is Verdict.ERROR and "no hook" in blind.observed


def test_a_bot_that_exits_on_sigterm_with_nothing_left_passes() -> None:
    clean = judge_bot_stopped_cleanly(
        exit_code=0, killed=False, left_running=False, stop_timeout_s=5
    )
    assert clean.verdict is Verdict.PASS


def test_a_bot_that_ignores_sigterm_or_leaves_processes_fails() -> None:
    killed = judge_bot_stopped_cleanly(
        exit_code=-9, killed=True, left_running=False, stop_timeout_s=5
    )
    assert killed.verdict is Verdict.FAIL and "had to be killed" in killed.observed
    left = judge_bot_stopped_cleanly(exit_code=0, killed=False, left_running=True, stop_timeout_s=5)
    assert left.verdict is Verdict.FAIL


def test_the_turn_the_fault_hit_counts_even_though_it_ended_before() -> None:
    """An LLM fault fires on the request the caller's turn made, after that turn ended."""
    timeline = CallerTimeline(UTTERANCES, [(5.0, 7.0), (24.0, 25.0)], 30.0)
    verdict = judge_caller_not_left_in_silence("call", timeline, fault_at=13.5)
    assert verdict.verdict is Verdict.FAIL
    assert verdict.observed.startswith("longest wait 11.00 s: utterance 2")
