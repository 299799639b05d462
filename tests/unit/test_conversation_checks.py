"""Barge-in and call-ending verdicts on constructed call outcomes: each passes and fails."""

from __future__ import annotations

import pytest

from voicectl.audio.script import Utterance
from voicectl.checks.conversation import (
    judge_audio_stopped,
    judge_bot_released_call,
    judge_clear_sent,
    judge_conversation_continues,
    judge_pipeline_ended,
    judge_tasks_released,
)
from voicectl.errors import InputError
from voicectl.outcome.call import BotAudioRun, CallOutcome, ClearEvent, HangUp, TurnResult
from voicectl.outcome.conversation import BargeInResult, CallEnding, CallEndingResult, ServedCall
from voicectl.report.model import ExitCode, Report, RunVerdict, Verdict


def _barge(
    *, clear_at: float | None, runs: list[BotAudioRun], duration: float = 15.0
) -> BargeInResult:
    outcome = CallOutcome(carrier="twilio", url="ws://x", fast=False, duration_s=duration)
    outcome.runs = runs
    if clear_at is not None:
        outcome.clears = [ClearEvent(0.9, False), ClearEvent(clear_at, True)]
    result = BargeInResult(outcome)
    result.first = TurnResult(0, Utterance(0.5, 4.0, "first"))
    result.barge = TurnResult(1, Utterance(6.8, 11.1, "barge"))
    result.reply_started, result.onset, result.bot_audio_at_onset = 5.8, 6.8, True
    later = [r.start for r in runs if r.start >= 11.1]
    result.answer_started = min(later) if later else None
    return result


GOOD = _barge(clear_at=7.2, runs=[BotAudioRun(5.8, 7.2, 15, True), BotAudioRun(12.9, 16.9, 40)])
DEAF = _barge(clear_at=None, runs=[BotAudioRun(5.8, 9.8, 42), BotAudioRun(12.9, 16.9, 40)])
LATE_CLEAR = _barge(
    clear_at=8.9, runs=[BotAudioRun(5.8, 8.9, 30, True), BotAudioRun(12.9, 16.9, 40)]
)
LEAKY = _barge(
    clear_at=7.2,
    runs=[BotAudioRun(5.8, 7.2, 15, True), BotAudioRun(7.3, 7.8, 5), BotAudioRun(12.9, 16.9, 40)],
)
FROZEN = _barge(clear_at=7.2, runs=[BotAudioRun(5.8, 7.2, 15, True)], duration=19.6)


def test_clear_sent_passes_with_a_prompt_clear_and_reports_its_latency() -> None:
    result = judge_clear_sent(GOOD)
    assert result.verdict is Verdict.PASS
    assert result.observed == "clear 0.40 s after speech onset (1.00 s into the bot's reply)"
    assert result.metrics["clear_latency_s"] == 0.4


def test_clear_sent_fails_without_a_clear_or_with_a_late_one() -> None:
    deaf = judge_clear_sent(DEAF)
    assert deaf.verdict is Verdict.FAIL
    assert (
        deaf.observed == "no clear: the bot kept talking for 3.00 s after the caller began speaking"
    )
    assert judge_clear_sent(LATE_CLEAR, bound_s=1.5).verdict is Verdict.FAIL


def test_audio_stopped_passes_when_nothing_follows_the_clear() -> None:
    result = judge_audio_stopped(GOOD)
    assert result.verdict is Verdict.PASS and result.metrics["residual_ms"] == 0


def test_audio_stopped_fails_on_audio_after_the_clear_or_talking_over_the_caller() -> None:
    leaky = judge_audio_stopped(LEAKY)
    assert leaky.verdict is Verdict.FAIL and leaky.metrics["residual_ms"] == 500
    deaf = judge_audio_stopped(DEAF)
    assert (
        deaf.verdict is Verdict.FAIL
        and "3000 ms of bot audio played over the caller" in deaf.observed
    )


def test_conversation_continues_passes_and_fails_on_a_freeze() -> None:
    assert judge_conversation_continues(GOOD).observed == "answered 1.80 s after the barge-in ended"
    frozen = judge_conversation_continues(FROZEN)
    assert frozen.verdict is Verdict.FAIL
    assert "the conversation froze" in frozen.observed
    assert judge_conversation_continues(GOOD, bound_s=1.0).verdict is Verdict.FAIL


def test_a_bot_silent_at_the_barge_in_is_an_error_not_a_pass() -> None:
    silent = _barge(clear_at=None, runs=[BotAudioRun(12.9, 16.9, 40)])
    silent.bot_audio_at_onset = False
    report = Report("chaos interrupt")
    report.extend_checks(
        [
            judge_clear_sent(silent),
            judge_audio_stopped(silent),
            judge_conversation_continues(silent),
        ]
    )
    clear, stopped, answered = report.checks
    assert clear.verdict is Verdict.ERROR and stopped.verdict is Verdict.ERROR
    assert clear.observed.startswith("not exercised: the bot was silent")
    assert "--during-reply" in clear.detail
    assert answered.verdict is Verdict.PASS
    assert report.verdict is RunVerdict.ERROR and report.exit_code is ExitCode.HARNESS


def test_no_reply_to_barge_in_on_fails_every_check_with_the_reason() -> None:
    result = BargeInResult(
        CallOutcome(carrier="twilio", url="", fast=False),
        note="the bot did not start a reply within 10 s of the first utterance",
    )
    for judged in (
        judge_clear_sent(result),
        judge_audio_stopped(result),
        judge_conversation_continues(result),
    ):
        assert judged.verdict is Verdict.FAIL and judged.observed.startswith(
            "the bot did not start a reply"
        )


def _ending(
    *, released: float | None, ended_after: float | None, leftovers: list[str] | None = None
) -> CallEndingResult:
    outcome = CallOutcome(
        carrier="twilio", url="", fast=False, ended_at=5.0, close_handshake_s=released
    )
    result = CallEndingResult(outcome, CallEnding(HangUp.DROP, 5.0))
    result.ended_at_wall = 100.0
    bot = ServedCall(0, ended_at=None if ended_after is None else 100.0 + ended_after)
    bot.leftover_tasks = leftovers or []
    result.bot_calls = [bot]
    return result


def test_call_ending_checks_pass_for_a_bot_that_lets_go() -> None:
    result = _ending(released=0.001, ended_after=0.02)
    assert judge_bot_released_call("hangup", result).verdict is Verdict.PASS
    assert judge_pipeline_ended("hangup", result).verdict is Verdict.PASS
    assert judge_tasks_released("hangup", result).verdict is Verdict.PASS


def test_call_ending_checks_fail_for_a_bot_that_hangs_on() -> None:
    holds = _ending(
        released=None, ended_after=None, leftovers=["Task-9 (StuckOnShutdown.process_frame)"]
    )
    assert judge_bot_released_call("hangup", holds).verdict is Verdict.FAIL
    ended = judge_pipeline_ended("hangup", holds)
    assert ended.verdict is Verdict.FAIL and "StuckOnShutdown" in ended.observed
    assert judge_tasks_released("hangup", holds).verdict is Verdict.FAIL
    leaks = _ending(released=0.001, ended_after=0.02, leftovers=["Task-7 (heartbeat)"])
    assert judge_tasks_released("hangup", leaks).observed == "1 still running: Task-7 (heartbeat)"
    slow = _ending(released=3.0, ended_after=7.0)
    assert judge_bot_released_call("hangup", slow).verdict is Verdict.FAIL
    assert judge_pipeline_ended("hangup", slow).verdict is Verdict.FAIL


def test_a_call_that_never_connected_is_not_a_bot_that_held_on() -> None:
    never = _ending(released=None, ended_after=None)
    never.outcome.unreachable = True
    never.outcome.error = "cannot connect to ws://127.0.0.1:1/ws: refused"
    check = judge_bot_released_call("hangup", never)
    assert check.verdict is Verdict.ERROR
    assert check.observed == (
        "not exercised: the call never connected (cannot connect to ws://127.0.0.1:1/ws: refused)"
    )


def test_pipeline_ended_is_an_error_with_the_reason_when_the_bot_is_not_seen_inside() -> None:
    result = _ending(released=0.001, ended_after=None)
    result.bot_calls = []
    ended = judge_pipeline_ended("hangup", result, unseen="the setup hook never reported")
    assert ended.verdict is Verdict.ERROR and ended.observed == "the setup hook never reported"


def test_a_carrier_close_is_checked_by_the_one_close_code_and_reason_rule() -> None:
    assert CallEnding(HangUp.CLOSE, code=4000, reason="x" * 123).describe() == "closed with 4000"
    for code in (1004, 1005, 1006, 1015, 999, 5000):
        with pytest.raises(InputError, match=f"^--code: close code {code} cannot be sent"):
            CallEnding(HangUp.CLOSE, code=code)
    with pytest.raises(InputError, match=r"^--reason: a close reason of 124 bytes cannot be sent"):
        CallEnding(HangUp.CLOSE, code=1011, reason="é" * 62)


def test_a_dropped_line_carries_no_close_code_to_check() -> None:
    assert CallEnding(HangUp.DROP, code=1006).describe() == "dropped the line"


def test_a_carrier_ends_a_call_by_drop_or_close_only() -> None:
    for how in (HangUp.STOP, HangUp.RESET):
        with pytest.raises(ValueError, match="by drop or close"):
            CallEnding(how)
