"""``chaos heartbeat`` on a bot that is not the reference bot: timeouts from its inside view."""

from __future__ import annotations

from voicectl.checks.heartbeat import judge_heartbeat_detects_stall, judge_heartbeat_no_false_alarm
from voicectl.conversation.heartbeat import heartbeats_seen_inside
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.conversation import HeartbeatPlan, HeartbeatResult
from voicectl.report.model import Verdict
from voicectl.sut.inside import InsideEvent, InsideView, WorkerView


def _result() -> HeartbeatResult:
    outcome = CallOutcome(carrier="twilio", url="ws://127.0.0.1:1/ws", fast=False)
    outcome.started_monotonic = 500.0
    result = HeartbeatResult(HeartbeatPlan(reply_s=None), outcome)
    result.reply = (4.0, 9.0)
    return result


def _worker(enabled: bool | None, timeouts: tuple[float, ...] = ()) -> WorkerView:
    view = InsideView()
    data = {} if enabled is None else {"heartbeats": {"enabled": enabled, "monitor_s": 10.0}}
    view.add(1, InsideEvent("worker", 500.0, 1, 0.0, data))
    for t in timeouts:
        view.add(1, InsideEvent("heartbeat_timeout", t, 1, None))
    (worker,) = view.workers.values()
    return worker


def test_heartbeat_timeouts_seen_inside_are_put_on_the_call_clock_and_fail_the_check() -> None:
    result = _result()
    heartbeats_seen_inside(result, _worker(True, [512.5]), "")
    assert result.timeouts == [12.5] and not result.unseen
    alarm = judge_heartbeat_no_false_alarm(result)
    assert alarm.verdict is Verdict.FAIL and "12.50" in alarm.observed
    assert alarm.expected == "no on_heartbeat_timeout while the bot answers"


def test_a_bot_with_heartbeats_and_no_timeout_passes() -> None:
    result = _result()
    heartbeats_seen_inside(result, _worker(True), "")
    assert judge_heartbeat_no_false_alarm(result).verdict is Verdict.PASS


def test_a_bot_without_heartbeats_is_an_error_naming_enable_heartbeats_not_a_pass() -> None:
    result = _result()
    heartbeats_seen_inside(result, _worker(False), "")
    for judged in (judge_heartbeat_no_false_alarm(result), judge_heartbeat_detects_stall(result)):
        assert judged.verdict is Verdict.ERROR
        assert "enable_heartbeats=False" in judged.observed


def test_a_bot_not_seen_inside_is_an_error_with_the_reason() -> None:
    result = _result()
    heartbeats_seen_inside(result, None, "a bot at --url gives no inside view")
    judged = judge_heartbeat_no_false_alarm(result)
    assert judged.verdict is Verdict.ERROR
    assert judged.observed.startswith("a bot at --url gives no inside view: on_heartbeat_timeout")


def test_a_bot_whose_heartbeat_settings_are_unknown_is_an_error() -> None:
    result = _result()
    heartbeats_seen_inside(result, _worker(None), "")
    assert judge_heartbeat_no_false_alarm(result).verdict is Verdict.ERROR


def test_a_bot_at_url_that_never_answered_says_why_the_call_failed_first() -> None:
    result = _result()
    result.reply = None
    result.outcome.error = "could not connect to ws://127.0.0.1:1/ws"
    heartbeats_seen_inside(result, None, "a bot at --url gives no inside view")
    judged = judge_heartbeat_no_false_alarm(result)
    assert judged.verdict is Verdict.ERROR
    assert judged.observed.startswith("could not connect to ws://127.0.0.1:1/ws; a bot at --url")
