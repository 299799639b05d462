"""What the fake saw and what the bot reported, put on the call clock and judged (no network)."""

from __future__ import annotations

from voicectl.checks.policy import expectation_for
from voicectl.faults import WsClose
from voicectl.outcome.connections import ConnectionLog, EndedBy
from voicectl.report.model import Verdict
from voicectl.sut.fake_reactions import fake_journal, judge_fake_reactions, service_of_fake
from voicectl.sut.inside import InsideEvent, WorkerView

T0 = 1000.0  # the call's start on the fakes' (monotonic) clock


def _closed_then_rejected() -> ConnectionLog:
    """Connection 1 closed with 1008 at call 3.9 s; connection 2 refused with 401 at 7.9 s."""
    log = ConnectionLog()
    first = log.open(T0 + 0.9, selected=True, doomed=True, path="/v1/listen")
    log.fault_fired(first, T0 + 3.9, "close 1008")
    first.close_sent = (1008, "")
    log.end(first, T0 + 3.9, EndedBy.PROVIDER)
    second = log.open(T0 + 7.9, selected=True, doomed=True, path="/v1/listen")
    log.reject(second, T0 + 7.9, 401)
    return log


def _worker(*events: InsideEvent) -> WorkerView:
    return WorkerView((1, 1), events=list(events))


def _error(t: float, processor: str, message: str, usable: bool) -> InsideEvent:
    data = {"processor": processor, "message": message, "category": "x", "usable": usable}
    return InsideEvent("error", T0 + t, 1, None, data)


def test_a_shifted_log_is_on_the_call_clock_and_leaves_the_original_alone() -> None:
    log = _closed_then_rejected()
    shifted = log.shifted(T0)
    assert [round(r.opened_at, 2) for r in shifted.records()] == [0.9, 7.9]
    assert [round(t, 2) for t in shifted.fault_at] == [3.9, 7.9]
    assert shifted.is_rejected(1) and not shifted.is_rejected(0)
    assert [r.opened_at for r in log.records()] == [T0 + 0.9, T0 + 7.9]


def test_errors_count_from_the_service_named_like_the_provider_that_failed_after_the_fault() -> (
    None
):
    events = [
        _error(1.0, "OpenAILLMService#0", "rate limited", True),
        _error(3.95, "DeepgramSTTService#0", "received 1008", True),
    ]
    assert service_of_fake(_closed_then_rejected().shifted(T0), [
        InsideEvent(e.kind, e.t - T0, e.worker, None, e.data) for e in events
    ], "deepgram", 3.9) == "DeepgramSTTService#0"  # fmt: skip


def test_the_service_whose_transcripts_the_fake_sent_is_the_one_that_talked_to_it() -> None:
    log = ConnectionLog()
    record = log.open(0.5, selected=False, doomed=False)
    log.transcript_sent(2.0, record, "hello there")
    said = InsideEvent("transcript", 2.1, 1, None, {"processor": "MySTT#3", "text": "hello there"})
    assert service_of_fake(log, [said], "deepgram", None) == "MySTT#3"


def test_a_1008_retried_and_a_late_terminal_error_fail_from_both_views() -> None:
    worker = _worker(
        _error(3.95, "DeepgramSTTService#0", "received 1008 (policy violation)", True),
        _error(7.95, "DeepgramSTTService#0", "rejected the connection (status 401)", False),
    )
    journal, service = fake_journal(_closed_then_rejected(), worker, t0=T0, provider="deepgram")
    fault = WsClose(code=1008, after=3.0)
    checks = judge_fake_reactions(
        "call", fault, expectation_for(fault), journal, now=12.0,
        fake_url="ws://127.0.0.1:1", service=service, why_unseen=None,
    )  # fmt: skip
    verdicts = {c.id: c.verdict for c in checks}
    assert service == "DeepgramSTTService#0"
    assert verdicts["close.not_retried"] is Verdict.FAIL
    assert verdicts["error.surfaced"] is Verdict.FAIL  # terminal only 4.05 s after the close
    assert verdicts["reconnect.bounded"] is Verdict.PASS


def test_a_bot_not_seen_inside_gets_error_not_a_verdict_on_its_errors() -> None:
    journal, service = fake_journal(_closed_then_rejected(), None, t0=T0, provider="deepgram")
    fault = WsClose(code=1008, after=3.0)
    checks = judge_fake_reactions(
        "call", fault, expectation_for(fault), journal, now=12.0,
        fake_url="ws://127.0.0.1:1", service=service, why_unseen="not a Pipecat bot",
    )  # fmt: skip
    verdicts = {c.id: c.verdict for c in checks}
    assert verdicts["error.surfaced"] is Verdict.ERROR
    assert verdicts["service.unusable_after_give_up"] is Verdict.ERROR
    assert verdicts["close.not_retried"] is Verdict.FAIL  # the fake's own evidence stands
    surfaced = next(c for c in checks if c.id == "error.surfaced")
    assert "not a Pipecat bot" in surfaced.observed
