"""STT failover verdicts on constructed outcomes: each passes and fails; incident parsing."""

from __future__ import annotations

import pytest

from voicectl.audio.script import Utterance
from voicectl.checks.failover import (
    judge_cause_visible,
    judge_failback,
    judge_no_false_switch,
    judge_switched,
    judge_transcripts_continue,
)
from voicectl.errors import InputError
from voicectl.failover.crashes import parse_incidents
from voicectl.faults import Malformed, StallFault, WsClose, WsDrop
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.failover import (
    FailoverOutcome,
    Incident,
    SeenError,
    ServiceEvent,
    Switch,
    Transcript,
)
from voicectl.report.model import ExitCode, Report, Verdict

UTTERANCES = [
    Utterance(1, 4, "one"),
    Utterance(9, 12, "two"),
    Utterance(17, 20, "three"),
    Utterance(25, 28, "four"),
    Utterance(31, 33, "five"),
]
CRASH = Incident(8.0, WsClose.as_crash())


def _outcome(
    *, switch_at: float | None, transcribed_by_backup: bool = True, usable_errors: bool = False
) -> FailoverOutcome:
    outcome = FailoverOutcome(
        (CRASH,),
        call=CallOutcome(carrier="twilio", url="", fast=False, duration_s=36.0),
    )
    outcome.names = {"primary": "SonioxSTTService#0", "backup": "SonioxSTTService#1"}
    outcome.incidents_done = [(CRASH, 8.0, "primary")]
    outcome.transcripts = [Transcript(4.1, "primary", "one")]
    outcome.errors = [
        SeenError(8.0, "SonioxSTTService#0", "Unable to connect: HTTP 503", "server", True)
    ]
    if switch_at is not None:
        outcome.errors.append(
            SeenError(
                switch_at,
                "SonioxSTTService#0",
                "failed to reconnect after 3 attempts",
                "connectivity",
                False,
            )
        )
        outcome.switches = [Switch(switch_at, "backup")]
        if transcribed_by_backup:
            outcome.transcripts += [
                Transcript(u.end + 0.1, "backup", u.text) for u in UTTERANCES if u.end > switch_at
            ]
    elif usable_errors:
        outcome.errors += [
            SeenError(
                8.0 + i * 0.02,
                "SonioxSTTService#0",
                "Error processing frame: boom",
                "unknown",
                True,
            )
            for i in range(50)
        ]
    outcome.false_error_at = 3.0
    outcome.errors.append(SeenError(3.0, "DownstreamTTS", "TTS 503", "unknown", True))
    return outcome


def test_switched_passes_within_the_bound_and_names_the_deciding_error() -> None:
    (result,) = judge_switched(_outcome(switch_at=20.0), bound_s=15.0)
    assert result.verdict is Verdict.PASS
    assert result.metrics["latency_s"] == 12.0
    assert "decided by [connectivity] 'failed to reconnect after 3 attempts'" in result.observed


def test_switched_fails_when_too_slow() -> None:
    (result,) = judge_switched(_outcome(switch_at=20.0), bound_s=5.0)
    assert result.verdict is Verdict.FAIL


def test_switched_explains_a_service_that_stays_usable() -> None:
    (result,) = judge_switched(_outcome(switch_at=None, usable_errors=True), bound_s=15.0)
    assert result.verdict is Verdict.FAIL
    assert "switches only when the failed service becomes unusable" in result.observed


def test_switched_explains_a_silent_outage() -> None:
    outcome = _outcome(switch_at=None)
    outcome.errors = [e for e in outcome.errors if e.processor == "DownstreamTTS"]
    (result,) = judge_switched(outcome, bound_s=15.0)
    assert "the outage was silent" in result.observed


def test_transcripts_continue_passes_and_reports_the_loss_and_gap() -> None:
    (result,) = judge_transcripts_continue(_outcome(switch_at=20.0), UTTERANCES)
    assert result.verdict is Verdict.PASS
    assert (
        result.observed
        == "2/2 utterances after the switch transcribed by the backup; 2 lost during the outage; transcript gap 24.0 s"
    )


def test_transcripts_continue_fails_when_the_backup_hears_nothing() -> None:
    (result,) = judge_transcripts_continue(
        _outcome(switch_at=20.0, transcribed_by_backup=False), UTTERANCES
    )
    assert result.verdict is Verdict.FAIL and "missing: 'four', 'five'" in result.observed


def test_transcripts_continue_is_an_error_when_no_utterance_follows_the_switch() -> None:
    (result,) = judge_transcripts_continue(_outcome(switch_at=20.0), UTTERANCES[:3])
    assert result.verdict is Verdict.ERROR
    assert "the call ended before any utterance after the switch" in result.observed


def test_transcripts_continue_without_a_switch_fails_on_lost_utterances() -> None:
    (result,) = judge_transcripts_continue(_outcome(switch_at=None), UTTERANCES)
    assert (
        result.verdict is Verdict.FAIL
        and "0 of 4 utterances after the crash transcribed" in result.observed
    )


def test_no_false_switch_passes_and_fails() -> None:
    assert judge_no_false_switch(_outcome(switch_at=20.0)).verdict is Verdict.PASS
    fooled = _outcome(switch_at=None)
    fooled.switches = [Switch(3.2, "backup")]
    result = judge_no_false_switch(fooled)
    assert (
        result.verdict is Verdict.FAIL
        and "switched the STT to the backup at 3.20 s" in result.observed
    )


def test_cause_visible_passes_with_the_absorbed_error_and_fails_without_one() -> None:
    (visible,) = judge_cause_visible(_outcome(switch_at=20.0))
    assert visible.verdict is Verdict.PASS and "absorbed by the switch" in visible.observed
    mystery = _outcome(switch_at=None)
    mystery.switches = [Switch(12.0, "backup")]
    (hidden,) = judge_cause_visible(mystery)
    assert hidden.verdict is Verdict.FAIL


def test_parse_incidents() -> None:
    assert parse_incidents("1011@5,recover@20,backup:drop@30") == (
        Incident(5.0, WsClose.as_crash(1011)),
        Incident(20.0, ServiceEvent.RECOVER),
        Incident(30.0, WsDrop.as_crash(), "backup"),
    )
    for bad, message in [
        ("1006@5", "cannot be sent"),
        ("boom@5", "unknown kind"),
        ("1011", "is not KIND@SECONDS"),
        ("", "at least one"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_incidents(bad)


def _stalled(**signals: object) -> FailoverOutcome:
    outcome = _outcome(switch_at=None)
    outcome.errors = []
    outcome.incidents_done = [(Incident(8.0, StallFault.as_crash(), "primary"), 8.0, "primary")]
    outcome.connections = {"primary": [{"connection": 1, "opened_at": 0.0}]}
    if "error_at" in signals:
        outcome.errors = [
            SeenError(
                float(signals["error_at"]),
                "SonioxSTTService#0",
                "no response for 3 s",
                "connectivity",
                True,
            )
        ]  # type: ignore[arg-type]
    if "heartbeat_at" in signals:
        outcome.heartbeat_timeouts = [float(signals["heartbeat_at"])]  # type: ignore[arg-type]
    if "reconnect_at" in signals:
        outcome.connections["primary"].append(
            {"connection": 2, "opened_at": signals["reconnect_at"]}
        )
    return outcome


def test_stall_surfaced_passes_on_an_error_a_heartbeat_timeout_or_a_reconnect() -> None:
    from voicectl.checks.failover import judge_stall_surfaced

    for signals, what in [
        ({"error_at": 11.0}, "error [connectivity] 'no response for 3 s' 3.00 s after the stall"),
        ({"heartbeat_at": 12.5}, "heartbeat timeout 4.50 s after the stall"),
        ({"reconnect_at": 9.0}, "reconnect (connection 2) 1.00 s after the stall"),
    ]:
        (result,) = judge_stall_surfaced(_stalled(**signals), bound_s=5.0)
        assert result.verdict is Verdict.PASS and result.observed == what


def test_stall_surfaced_fails_on_silence_or_a_late_signal() -> None:
    from voicectl.checks.failover import judge_stall_surfaced

    (silent,) = judge_stall_surfaced(_stalled(), bound_s=5.0)
    assert silent.verdict is Verdict.FAIL and "the caller talked into silence" in silent.observed
    (late,) = judge_stall_surfaced(_stalled(error_at=20.0), bound_s=5.0)
    assert late.verdict is Verdict.FAIL


def test_no_false_switch_ignores_a_switch_caused_by_a_real_crash_right_after_the_probe() -> None:
    outcome = _outcome(switch_at=4.0)
    outcome.incidents_done = [(Incident(4.0, Malformed.as_crash()), 4.0, "primary")]
    assert judge_no_false_switch(outcome).verdict is Verdict.PASS


def test_a_schedule_of_recoveries_only_is_a_usage_error() -> None:
    with pytest.raises(InputError, match="has no crash, only recoveries"):
        parse_incidents("recover@5")
    with pytest.raises(InputError, match="has no crash"):
        parse_incidents("backup:recover@5,recover@9")


def test_a_planned_crash_that_never_happened_is_an_error_not_a_pass() -> None:
    outcome = _outcome(switch_at=None)
    outcome.incidents_done = []
    outcome.switches = []
    report = Report("chaos failover")
    report.extend_checks(judge_switched(outcome, bound_s=15.0))
    report.add_check(judge_no_false_switch(outcome))
    (missed,) = [c for c in report.checks if c.id == "failover.switched"]
    assert missed.verdict is Verdict.ERROR
    assert missed.observed.startswith("not exercised: 1 planned crash(es) never happened")
    assert report.exit_code is ExitCode.HARNESS


def test_a_custom_strategy_is_not_blamed_on_pipecats() -> None:
    outcome = _outcome(switch_at=None, usable_errors=True)
    outcome.strategy = "mymod:Breaker"
    (switched,) = judge_switched(outcome, bound_s=15.0)
    assert "the strategy mymod:Breaker did not switch" in switched.observed
    assert "Pipecat's failover strategy" not in switched.observed


RECOVER = Incident(20.0, ServiceEvent.RECOVER)


def _failback(
    switches: list[tuple[float, str]], backup_crash_at: float | None = None
) -> FailoverOutcome:
    crash = Incident(5.0, WsClose.as_crash())
    outcome = FailoverOutcome(
        (crash, RECOVER), call=CallOutcome(carrier="twilio", url="", fast=False, duration_s=34.6)
    )
    outcome.incidents_done = [(crash, 5.0, "primary"), (RECOVER, 20.0, "all")]
    if backup_crash_at is not None:
        outcome.incidents_done.append(
            (Incident(backup_crash_at, WsClose.as_crash()), backup_crash_at, "backup")
        )
    outcome.switches = [Switch(t, to) for t, to in switches]
    return outcome


def test_failback_passes_when_the_bot_returns_to_the_recovered_primary() -> None:
    check = judge_failback(_failback([(8.0, "backup"), (19.99, "primary")]))
    assert check is not None and check.verdict is Verdict.PASS
    assert check.metrics["failback_s"] == 0.0


def test_failback_warns_when_the_bot_stays_on_the_backup() -> None:
    check = judge_failback(_failback([(8.0, "backup")]))
    assert check is not None and check.verdict is Verdict.WARN
    assert "still on the backup 10.0 s after" in check.observed
    assert "Pipecat 1.14 has no failback" in check.detail


def test_failback_warns_when_only_a_backup_crash_brings_the_primary_back() -> None:
    check = judge_failback(_failback([(8.0, "backup"), (26.9, "primary")], backup_crash_at=24.0))
    assert check is not None and check.verdict is Verdict.WARN
    assert "only because the backup crashed at 24.0 s" in check.observed


def test_failback_is_an_error_when_the_bot_never_left_the_primary() -> None:
    check = judge_failback(_failback([]))
    assert check is not None and check.verdict is Verdict.ERROR


def test_failback_is_not_judged_without_a_recovery() -> None:
    outcome = _failback([(8.0, "backup")])
    outcome.incidents_done = outcome.incidents_done[:1]
    assert judge_failback(outcome) is None
