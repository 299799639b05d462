"""``--during tool-call`` verdicts on constructed calls: each passes, fails, or errors when unexercised."""

from __future__ import annotations

from voicectl.audio.script import Utterance
from voicectl.checks.conversation import (
    judge_clear_sent,
    judge_conversation_continues,
    judge_end_call_spared_caller,
    judge_flow_reached_next_node,
    judge_no_call_left_in_progress,
)
from voicectl.outcome.call import BotAudioRun, CallOutcome, TurnResult
from voicectl.outcome.conversation import BargeInResult, ServedCall
from voicectl.outcome.function_calls import FunctionCallLog, FunctionCallMoment
from voicectl.report.model import Verdict
from voicectl.sut.inside import InsideEvent


def _event(kind: str, call_id: str, name: str = "check_order_status") -> FunctionCallMoment:
    return FunctionCallMoment(kind=kind, function_name=name, tool_call_id=call_id, timestamp=1.0)


def _tool_call(
    kinds: list[tuple[str, str]],
    *,
    name: str = "check_order_status",
    hung_up_by: str | None = None,
    seen: bool = True,
) -> BargeInResult:
    outcome = CallOutcome(carrier="twilio", url="ws://x", fast=False, duration_s=20.0)
    outcome.runs = [BotAudioRun(9.0, 9.7, 7, True), BotAudioRun(14.0, 16.0, 20)]
    result = BargeInResult(outcome, during_tool_call=True)
    result.bot_calls = [ServedCall(index=0, full_bot=True)]
    result.function_calls = FunctionCallLog(
        [_event(kind, call_id, name) for kind, call_id in kinds]
    )
    result.aggregator_in_progress_at_end = False
    result.first = TurnResult(0, Utterance(0.5, 4.0, "first"))
    if seen:
        result.tool_call_id, result.tool_call_name, result.tool_call_seen_at = "c1", name, 9.0
        result.barge = TurnResult(1, Utterance(9.3, 13.0, "barge"))
        result.onset, result.bot_audio_at_onset, result.answer_started = 9.3, True, 14.0
        result.hung_up_by = hung_up_by
    else:
        result.note = (
            "the bot made no function call within 15 s of the caller's first utterance ending"
        )
    return result


SETTLED = [("started", "c1"), ("in_progress", "c1"), ("cancelled", "c1")]
LEFT = [("started", "c1"), ("in_progress", "c1")]


def test_no_call_left_in_progress_passes_when_every_call_settled() -> None:
    verdict = judge_no_call_left_in_progress(_tool_call(SETTLED))
    assert verdict.verdict is Verdict.PASS
    assert verdict.observed == "all settled (events: 1 started, 1 in_progress, 1 cancelled)"


def test_no_call_left_in_progress_fails_on_a_call_never_settled() -> None:
    verdict = judge_no_call_left_in_progress(_tool_call(LEFT))
    assert verdict.verdict is Verdict.FAIL
    assert verdict.observed.startswith(
        "still in progress when the call ended: check_order_status (c1)"
    )
    assert verdict.metrics["left_in_progress"] == 1


def test_no_call_left_in_progress_fails_when_the_aggregator_still_counts_a_call() -> None:
    result = _tool_call(SETTLED)
    result.aggregator_in_progress_at_end = True
    verdict = judge_no_call_left_in_progress(result)
    assert verdict.verdict is Verdict.FAIL
    assert "pipecat #3661" in verdict.observed


def test_end_call_spared_caller_passes_when_the_interrupted_end_call_did_not_hang_up() -> None:
    kinds = [*SETTLED, ("started", "c2"), ("in_progress", "c2"), ("completed", "c2")]
    verdict = judge_end_call_spared_caller(_tool_call(kinds, name="end_call", hung_up_by="c2"))
    assert verdict.verdict is Verdict.PASS
    assert "a later end_call (c2) ended the call" in verdict.observed


def test_end_call_spared_caller_fails_when_the_interrupted_end_call_hung_up() -> None:
    kinds = [("started", "c1"), ("in_progress", "c1"), ("completed", "c1")]
    verdict = judge_end_call_spared_caller(_tool_call(kinds, name="end_call", hung_up_by="c1"))
    assert verdict.verdict is Verdict.FAIL
    assert verdict.observed == "the interrupted end_call (c1) still ran and hung up on the caller"


def test_end_call_check_is_an_error_when_the_interrupted_call_was_another_function() -> None:
    verdict = judge_end_call_spared_caller(_tool_call(SETTLED))
    assert verdict.verdict is Verdict.ERROR
    assert "was check_order_status, not end_call" in verdict.observed


def test_end_call_check_is_an_error_for_a_bot_seen_only_from_its_hook() -> None:
    kinds = [("in_progress", "c1"), ("completed", "c1")]
    result = _tool_call(kinds, name="end_call")
    result.bot_calls = []
    verdict = judge_end_call_spared_caller(result)
    assert verdict.verdict is Verdict.ERROR
    assert "cannot tell which function call ended the call" in verdict.observed


def test_function_calls_seen_from_a_bot_cmd_hook_are_read_as_observer_moments() -> None:
    events = [
        InsideEvent(
            "function_call",
            1.0,
            1,
            data={"phase": "in_progress", "function": "f", "tool_call_id": "a"},
        ),
        InsideEvent(
            "function_call",
            1.5,
            1,
            data={"phase": "in_progress", "function": "f", "tool_call_id": "b"},
        ),
        InsideEvent(
            "function_call",
            2.0,
            1,
            data={"phase": "cancelled", "function": "f", "tool_call_id": "a"},
        ),
        InsideEvent("turn_end", 2.1, 1),
    ]
    log = FunctionCallLog.from_inside(events)
    assert [e.kind for e in log.events] == ["in_progress", "in_progress", "cancelled"]
    assert [e.tool_call_id for e in log.in_progress_now()] == ["b"]


def test_a_bot_that_never_calls_a_function_errors_every_check_never_passes() -> None:
    result = _tool_call([], seen=False)
    verdicts = [
        judge_no_call_left_in_progress(result),
        judge_end_call_spared_caller(result),
        judge_conversation_continues(result),
        judge_clear_sent(result),
    ]
    assert [v.verdict for v in verdicts] == [Verdict.ERROR] * 4
    for v in verdicts:
        assert "no function call within 15 s" in v.observed


def test_flow_reached_next_node_passes_when_the_flow_moved_on() -> None:
    result = _tool_call(SETTLED)
    result.flow_start_node, result.flow_node_at_end = "order", "report"
    verdict = judge_flow_reached_next_node(result)
    assert verdict.verdict is Verdict.PASS
    assert (
        verdict.observed
        == "the flow was in node 'report' when the call ended (it started in 'order')"
    )


def test_flow_reached_next_node_fails_when_the_flow_stayed_in_its_node() -> None:
    result = _tool_call(SETTLED)
    result.flow_start_node, result.flow_node_at_end = "order", "order"
    assert judge_flow_reached_next_node(result).verdict is Verdict.FAIL
    no_flows = _tool_call(SETTLED)
    assert judge_flow_reached_next_node(no_flows).verdict is Verdict.ERROR
