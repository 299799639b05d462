"""What the fake saw and what the bot reported, put on the call clock and judged (no network)."""

from __future__ import annotations

from typing import Any

from voicectl.audio.script import Utterance
from voicectl.checks.policy import expectation_for
from voicectl.faults import WsClose, WsDrop
from voicectl.outcome.connections import ConnectionLog, EndedBy
from voicectl.outcome.failover import FailoverOutcome, Incident, Transcript
from voicectl.report.model import Verdict
from voicectl.sut.fake_reactions import (
    fake_journal,
    judge_fake_reactions,
    served_speech,
    service_of_fake,
)
from voicectl.sut.inside import InsideEvent, WorkerView
from voicectl.sut.judge import recovered_without_switch

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


def _dropped_at_4(transcripts: list[Transcript], usable: list[tuple[float, str, bool]]) -> Any:
    failover = FailoverOutcome(names={"primary": "STT#0", "backup": "STT#1"})
    incident = Incident(4.0, WsDrop.as_crash(), "primary")
    failover.incidents = (incident,)
    failover.incidents_done.append((incident, 4.0, "primary"))
    failover.transcripts.extend(transcripts)
    failover.usable.extend(usable)
    return failover


UTTERANCES = [Utterance(0.9, 4.3, "one"), Utterance(8.3, 12.6, "two")]


def test_a_service_that_reconnected_and_kept_transcribing_needs_no_failover() -> None:
    failover = _dropped_at_4([Transcript(13.0, "primary", "two")], [])
    check = recovered_without_switch(failover, UTTERANCES)
    assert check is not None and check.verdict is Verdict.SKIP
    assert "recovered without giving up" in check.observed


def test_a_service_that_gave_up_or_went_deaf_is_judged_for_failover() -> None:
    gave_up = _dropped_at_4([Transcript(13.0, "primary", "two")], [(8.0, "STT#0", False)])
    deaf = _dropped_at_4([], [])
    assert recovered_without_switch(gave_up, UTTERANCES) is None
    assert recovered_without_switch(deaf, UTTERANCES) is None


def test_a_fake_served_speech_when_the_bot_used_its_tts_route() -> None:
    speak, listen = ConnectionLog(), ConnectionLog()
    speak.open(0.1, selected=False, doomed=False, path="/v1/speak?encoding=linear16")
    listen.open(0.1, selected=False, doomed=False, path="/v1/listen?model=nova-3")
    assert served_speech(speak, "deepgram") and not served_speech(listen, "deepgram")


def test_failover_in_a_bot_not_seen_inside_is_an_error_with_the_reason() -> None:
    from types import SimpleNamespace

    from voicectl.sut.incidents import IncidentDriver
    from voicectl.sut.inside import InsideView

    driver = IncidentDriver([Incident(3.0, WsClose.as_crash(), "primary")], {"primary": "deepgram"})
    run = SimpleNamespace(outcome=SimpleNamespace(started_monotonic=T0), inside=None, label="c")
    checks, outcome = driver.judge(
        SimpleNamespace(inside=InsideView()), run,
        switch_within_s=15, failback_within_s=10, surface_within_s=5,
    )  # fmt: skip
    assert outcome is None
    assert [(c.id, c.verdict) for c in checks] == [("failover.switched", Verdict.ERROR)]
    assert "setup hook never reported" in checks[0].observed
