"""Reconnect verdicts on constructed journals: every check passes on one and fails on another.

The journals reproduce what the real services do (see tests/integration/test_chaos_provider.py
for the same verdicts against Pipecat 1.14): times are seconds from the start of the run.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from voicectl.checks.journal_facts import QUIET_AFTER_GIVE_UP_S, Judgement
from voicectl.checks.policy import (
    Expectation,
    Reaction,
    classify_close_code,
    classify_status,
    expectation_for,
)
from voicectl.checks.reconnect import judge_chaos
from voicectl.faults import (
    Fault,
    Flap,
    Handshake,
    Latency,
    Malformed,
    MalformedKind,
    StallFault,
    WsClose,
    WsDrop,
)
from voicectl.outcome.connections import ConnectionLog, EndedBy
from voicectl.outcome.journal import ChaosJournal, ErrorRecord
from voicectl.report.model import Verdict

QUICK_GIVE_UP = "SonioxSTTService#0 connection failed 3 times immediately after connecting"


@dataclass
class Conn:
    """One connection as the fake saw it: ``fault`` is when the fault acted (None: never)."""

    opened: float
    fault: float | None = None
    ended: float | None = None
    doomed: bool = True
    rejected: int | None = None
    by: EndedBy = EndedBy.PROVIDER


def journal(
    *conns: Conn,
    errors: tuple[ErrorRecord, ...] = (),
    unusable_at: float | None = None,
    answers: tuple[tuple[float, float], ...] = (),
) -> ChaosJournal:
    """``answers``: (sent by the fake, delivered by the target) pairs."""
    log = ConnectionLog()
    for conn in conns:
        record = log.open(conn.opened, selected=conn.fault is not None, doomed=conn.doomed)
        if conn.rejected is not None:
            log.reject(record, conn.opened, conn.rejected)
            continue
        if conn.fault is not None:
            log.fault_fired(record, conn.fault, "close")
        if conn.ended is not None:
            log.end(record, conn.ended, conn.by)
    result = ChaosJournal(log)
    for error in errors:
        result.add_error(error)
    if unusable_at is not None:
        result.add_usable(unusable_at, False)
    for sent, delivered in answers:
        log.transcript_sent(sent, log.record(1), "hello")  # type: ignore[arg-type]
        result.add_output(delivered, "transcript", "hello")
    return result


def error(
    t: float, message: str, *, usable: bool = False, category: str = "unknown"
) -> ErrorRecord:
    return ErrorRecord(t=t, message=message, category=category, processor="stt", usable=usable)


def quick_closes(code_t: list[float]) -> list[Conn]:
    """Connections closed by the provider 1 ms after they opened."""
    return [Conn(t, fault=t + 0.001, ended=t + 0.001) for t in code_t]


def judge(
    j: ChaosJournal, fault: Fault, *, now: float, final: bool = True, **overrides: object
) -> dict[str, Judgement]:
    expectation = expectation_for(fault, **overrides)  # type: ignore[arg-type]
    return {x.check.id: x for x in judge_chaos(j, fault, expectation, now=now, final=final)}


def verdicts(results: dict[str, Judgement]) -> dict[str, str]:
    return {k: v.check.verdict.value for k, v in results.items()}


# -- the policy table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reaction"),
    [
        (1008, Reaction.NON_RECOVERABLE),
        (1002, Reaction.NON_RECOVERABLE),
        (1011, Reaction.RECOVERABLE),
        (1012, Reaction.RECOVERABLE),
        (1001, Reaction.RECOVERABLE),
        (1000, Reaction.NORMAL),
        (4001, Reaction.RECOVERABLE),
        (3000, Reaction.RECOVERABLE),
    ],
)
def test_close_code_policy_classes(code: int, reaction: Reaction) -> None:
    assert classify_close_code(code) is reaction


def test_private_codes_follow_the_provider_map() -> None:
    private = {4001: "non-recoverable", 3008: "recoverable"}
    assert classify_close_code(4001, private) is Reaction.NON_RECOVERABLE
    assert classify_close_code(3008, private) is Reaction.RECOVERABLE


@pytest.mark.parametrize(
    ("status", "reaction"),
    [
        (401, Reaction.NON_RECOVERABLE),
        (403, Reaction.NON_RECOVERABLE),
        (404, Reaction.NON_RECOVERABLE),
        (429, Reaction.RECOVERABLE),
        (503, Reaction.RECOVERABLE),
        (500, Reaction.RECOVERABLE),
    ],
)
def test_handshake_status_policy_classes(status: int, reaction: Reaction) -> None:
    assert classify_status(status) is reaction


def test_expectation_overrides_and_stall_default_bound() -> None:
    assert expectation_for(WsClose(code=1011)).reaction is Reaction.RECOVERABLE
    forced = expectation_for(WsClose(code=1011), expect=Reaction.NON_RECOVERABLE, max_attempts=1)
    assert forced.reaction is Reaction.NON_RECOVERABLE and forced.source == "--expect"
    assert forced.max_attempts == 1
    assert expectation_for(StallFault()).surface_within_s == 10.0
    assert expectation_for(WsDrop()).surface_within_s == 2.0
    assert expectation_for(WsDrop(), surface_within_s=0.5).surface_within_s == 0.5
    assert "non-recoverable" in expectation_for(Handshake(status=401)).describe()


# -- close.not_retried ------------------------------------------------------------------------


def test_1008_retried_three_times_fails_close_not_retried() -> None:
    j = journal(
        *quick_closes([0.11, 0.20, 0.25]), errors=(error(0.29, QUICK_GIVE_UP),), unusable_at=0.29
    )
    result = judge(j, WsClose(code=1008), now=0.8)
    check = result["close.not_retried"].check
    assert check.verdict is Verdict.FAIL
    assert "3 connections" in check.observed and "reconnected 2 time(s)" in check.observed
    assert check.metrics["reconnects"] == 2
    assert result["close.not_retried"].settled


def test_1008_not_retried_passes_once_the_target_gave_up_and_stayed_quiet() -> None:
    j = journal(
        *quick_closes([0.1]),
        errors=(error(0.12, "provider closed 1008 (policy violation)"),),
        unusable_at=0.12,
    )
    early = judge(j, WsClose(code=1008), now=0.12 + QUIET_AFTER_GIVE_UP_S / 2, final=False)
    assert early["close.not_retried"].check.verdict is Verdict.PASS
    assert not early["close.not_retried"].settled
    late = judge(j, WsClose(code=1008), now=0.12 + QUIET_AFTER_GIVE_UP_S + 0.01, final=False)
    assert late["close.not_retried"].settled
    assert all(x.settled for x in late.values())
    assert set(verdicts(late).values()) <= {"pass", "skip"}


def test_close_not_retried_is_skipped_for_a_recoverable_code() -> None:
    j = journal(*quick_closes([0.1, 0.2]))
    check = judge(j, WsClose(code=1011), now=5)["close.not_retried"].check
    assert check.verdict is Verdict.SKIP and check.observed.startswith("not judged: ")
    assert "recoverable" in check.observed


# -- reconnect.bounded ------------------------------------------------------------------------


def test_1011_every_6_s_fails_reconnect_bounded() -> None:
    conns = [Conn(t, fault=t + 6.0, ended=t + 6.0) for t in (0.0, 6.0, 12.0, 18.0)]
    conns.append(Conn(24.0))  # open, doomed: will be closed at 30 s
    result = judge(journal(*conns), WsClose(code=1011, after=6.0), now=24.1, final=False)
    bounded = result["reconnect.bounded"]
    assert bounded.check.verdict is Verdict.FAIL and bounded.settled
    assert "4 retries in one incident (bound 3)" in bounded.check.observed
    assert "still reconnecting, no terminal error" in bounded.check.observed


def test_quick_failure_give_up_is_bounded() -> None:
    j = journal(*quick_closes([0.1, 0.2, 0.25]), errors=(error(0.29, QUICK_GIVE_UP),))
    check = judge(j, WsDrop(), now=1.0)["reconnect.bounded"].check
    assert check.verdict is Verdict.PASS
    assert "2 retries at most" in check.observed and "gave up at 0.29" in check.observed


def test_loop_still_running_at_the_end_of_the_budget_fails_even_under_the_bound() -> None:
    conns = [Conn(t, fault=t + 6.0, ended=t + 6.0) for t in (0.0, 6.0)]
    conns.append(Conn(12.0))
    check = judge(journal(*conns), WsClose(code=1011, after=6.0), now=15.0)[
        "reconnect.bounded"
    ].check
    assert check.verdict is Verdict.FAIL
    assert "still in an accept-then-close loop" in check.observed


def test_recovery_after_one_faulted_connection_is_bounded() -> None:
    j = journal(Conn(0.0, fault=6.0, ended=6.0), Conn(6.1, doomed=False))
    result = judge(j, WsClose(code=1011, after=6.0), now=8.2, final=False)
    assert result["reconnect.bounded"].check.verdict is Verdict.PASS
    assert result["reconnect.bounded"].settled
    assert "recovered on connection 2" in result["reconnect.bounded"].check.observed
    assert result["error.surfaced"].check.verdict is Verdict.SKIP
    assert result["service.unusable_after_give_up"].check.verdict is Verdict.SKIP
    assert result["error.surfaced"].check.observed.startswith("not judged: the target recovered")


def test_flapping_lifetimes_are_one_unbounded_incident() -> None:
    times, conns, t = [6.0, 1.0, 1.0] * 3, [], 0.0
    for life in times:
        conns.append(Conn(t, fault=t + life, ended=t + life))
        t += life + 0.01
    check = judge(journal(*conns), Flap(), now=t)["reconnect.bounded"].check
    assert check.verdict is Verdict.FAIL and "8 retries in one incident" in check.observed


def test_a_reconnect_storm_is_judged_in_bounded_memory() -> None:
    j = journal(*quick_closes([i * 0.001 for i in range(5000)]))
    check = judge(j, WsClose(code=1000, after=0.0), now=5.0)["reconnect.bounded"].check
    assert check.verdict is Verdict.FAIL
    assert "5000 connections in 5.0 s (1000 per second)" in check.observed
    assert len(j.connections.records()) == 400 and j.connections.truncated == 4600


# -- reconnect.backoff ------------------------------------------------------------------------


def test_retries_without_delay_warn() -> None:
    check = judge(journal(*quick_closes([0.1, 0.11, 0.12])), WsDrop(), now=2)[
        "reconnect.backoff"
    ].check
    assert check.verdict is Verdict.WARN and "2 of 2 retries without delay" in check.observed


def test_pipecat_fixed_4_s_delays_warn_no_jitter() -> None:
    conns = [Conn(t, rejected=503) for t in (0.08, 0.13, 4.13, 8.13)]
    check = judge(journal(*conns), Handshake(status=503), now=13)["reconnect.backoff"].check
    assert check.verdict is Verdict.WARN
    assert "no jitter (4.00 s then 4.00 s)" in check.observed
    assert "1 of 3 retries without delay" in check.observed


def test_jittered_exponential_delays_pass() -> None:
    starts, t = [], 0.0
    for delay in (0.7, 1.9, 3.6):
        starts.append(t)
        t += delay
    starts.append(t)
    conns = [Conn(s, rejected=503) for s in starts]
    check = judge(journal(*conns), Handshake(status=503), now=t + 1)["reconnect.backoff"].check
    assert check.verdict is Verdict.PASS, check.observed


def test_exact_doubling_warns_no_jitter() -> None:
    conns = [Conn(t, rejected=503) for t in (0.0, 1.0, 3.0, 7.0)]
    check = judge(journal(*conns), Handshake(status=503), now=9)["reconnect.backoff"].check
    assert check.verdict is Verdict.WARN and "doubled" in check.observed


def delayed_retries(*delays: float) -> list[Conn]:
    """Rejected connections, each retried after the given delay."""
    starts = list(itertools.accumulate(delays, initial=0.0))
    return [Conn(s, rejected=503) for s in starts]


def test_jitter_that_happens_to_double_once_still_passes() -> None:
    # The well-behaved test target's uniform(0.5, 1) * 2**n drew this: one pair doubles by chance.
    conns = delayed_retries(0.71, 1.42, 3.3)
    check = judge(journal(*conns), Handshake(status=503), now=7)["reconnect.backoff"].check
    assert check.verdict is Verdict.PASS, check.observed


def test_capped_doubling_warns_with_every_pair_alike() -> None:
    conns = delayed_retries(1.0, 2.0, 4.0, 4.0)
    check = judge(journal(*conns), Handshake(status=503), now=13)["reconnect.backoff"].check
    assert check.verdict is Verdict.WARN
    assert "no jitter (1.00 s doubled to 2.00 s, all 3 pairs alike)" in check.observed


def test_backoff_is_skipped_without_retries() -> None:
    check = judge(journal(Conn(0.1, rejected=401)), Handshake(status=401), now=1)[
        "reconnect.backoff"
    ].check
    assert check.verdict is Verdict.SKIP and check.observed == "not judged: no retries to time"


# -- error.surfaced / error.attributable / service.unusable_after_give_up ---------------------


def test_handshake_401_with_a_permanent_error_passes_everything() -> None:
    message = "Unable to connect to Soniox: server rejected WebSocket connection: HTTP 401"
    j = journal(
        Conn(0.14, rejected=401),
        errors=(error(0.14, message, category="authentication"),),
        unusable_at=0.14,
    )
    result = judge(j, Handshake(status=401), now=0.7)
    assert verdicts(result) == {
        "close.not_retried": "pass",
        "reconnect.bounded": "pass",
        "reconnect.backoff": "skip",
        "error.surfaced": "pass",
        "error.attributable": "pass",
        "service.unusable_after_give_up": "pass",
    }
    assert "names '401'" in result["error.attributable"].check.observed


def test_silent_endless_reconnects_fail_error_surfaced_and_unusable() -> None:
    conns = [Conn(t, fault=t + 6.0, ended=t + 6.0) for t in (0.0, 6.0, 12.0, 18.0)]
    conns.append(Conn(24.0))
    result = judge(journal(*conns), WsClose(code=1011, after=6.0), now=26.1, final=False)
    surfaced = result["error.surfaced"]
    assert surfaced.check.verdict is Verdict.FAIL and surfaced.settled
    assert "connection 4 (retry 3) at 24.00 s" in surfaced.check.observed
    assert "no ErrorFrame at all" in surfaced.check.observed
    unusable = result["service.unusable_after_give_up"].check
    assert unusable.verdict is Verdict.FAIL and "still usable" in unusable.observed
    assert result["error.attributable"].check.verdict is Verdict.SKIP


def test_error_surfaced_is_pending_inside_the_window() -> None:
    conns = [Conn(t, fault=t + 6.0, ended=t + 6.0) for t in (0.0, 6.0, 12.0, 18.0)]
    conns.append(Conn(24.0))
    result = judge(journal(*conns), WsClose(code=1011, after=6.0), now=25.0, final=False)
    assert not result["error.surfaced"].settled


def test_terminal_error_after_a_trailing_backoff_sleep_is_too_late() -> None:
    # Pipecat's 503 path: 4 rejections, then it sleeps 4 s more before giving up.
    conns = [Conn(t, rejected=503) for t in (0.08, 0.13, 4.16, 8.18)]
    late = error(12.18, "SonioxSTTService#0 failed to reconnect after 3 attempts: HTTP 503")
    j = journal(*conns, errors=(late,), unusable_at=12.18)
    result = judge(j, Handshake(status=503), now=12.7)
    surfaced = result["error.surfaced"].check
    assert surfaced.verdict is Verdict.FAIL
    assert "the first came 4.00 s after" in surfaced.observed
    assert result["service.unusable_after_give_up"].check.verdict is Verdict.FAIL
    assert result["reconnect.bounded"].check.verdict is Verdict.PASS
    assert result["error.attributable"].check.verdict is Verdict.PASS


def test_a_non_terminal_error_does_not_count_as_giving_up() -> None:
    j = journal(*quick_closes([0.1]), errors=(error(0.2, "closed 1008", usable=True),))
    check = judge(j, WsClose(code=1008), now=3.0)["error.surfaced"].check
    assert check.verdict is Verdict.FAIL and "1 non-terminal error(s)" in check.observed


def test_error_that_does_not_name_the_cause_fails_attributable() -> None:
    j = journal(*quick_closes([0.1, 0.2, 0.25]), errors=(error(0.29, QUICK_GIVE_UP),))
    check = judge(j, WsClose(code=1008), now=1.0)["error.attributable"].check
    assert check.verdict is Verdict.FAIL
    assert "'1008' or 'policy violation'" in check.expected


def test_stall_counts_any_error_within_its_longer_bound() -> None:
    j = journal(
        Conn(0.0, fault=0.05),
        errors=(error(6.0, "keepalive ping timeout", usable=True),),
    )
    result = judge(j, StallFault(), now=10.1, final=False)
    assert result["error.surfaced"].check.verdict is Verdict.PASS
    assert result["error.attributable"].check.verdict is Verdict.PASS


def test_stall_that_nobody_notices_fails_after_ten_seconds() -> None:
    j = journal(Conn(0.0, fault=0.05))
    result = judge(j, StallFault(), now=10.06, final=False)
    assert result["error.surfaced"].check.verdict is Verdict.FAIL
    assert result["error.surfaced"].settled
    assert result["reconnect.bounded"].check.verdict is Verdict.PASS
    assert not result["reconnect.bounded"].settled


def test_stall_left_after_the_keepalive_and_reconnected_silently() -> None:
    # Pipecat 1.14 vs a stalled Soniox: websockets' keepalive (20 s + 20 s) gives up at ~42 s.
    j = journal(Conn(0.02, fault=0.02, ended=42.02, by=EndedBy.ABANDONED), Conn(42.02, fault=42.02))
    result = judge(j, StallFault(), now=70.0)
    surfaced = result["error.surfaced"].check
    assert surfaced.verdict is Verdict.FAIL
    assert "left the stalled connection after 42.0 s and reconnected without an error" in (
        surfaced.observed
    )
    bounded = result["reconnect.bounded"].check
    assert bounded.verdict is Verdict.FAIL and "accept-then-stall loop" in bounded.observed


# -- recvloop.error_surfaced ------------------------------------------------------------------


def test_in_band_error_that_vanishes_fails_recvloop() -> None:
    j = journal(Conn(0.0, fault=0.4, doomed=False))
    result = judge(j, Malformed(), now=2.5, final=False)
    recv = result["recvloop.error_surfaced"]
    assert recv.check.verdict is Verdict.FAIL and recv.settled
    assert "stayed up, the message vanished" in recv.check.observed
    assert result["error.attributable"].check.verdict is Verdict.SKIP


def test_in_band_error_reported_as_an_error_frame_passes_recvloop() -> None:
    fault = Malformed(error_code=401, error_message="Invalid API key")
    j = journal(
        Conn(0.0, fault=0.4, doomed=False),
        errors=(error(0.41, "Error: 401 (_receive_messages) - Invalid API key"),),
    )
    result = judge(j, fault, now=0.5, final=False)
    assert result["recvloop.error_surfaced"].check.verdict is Verdict.PASS
    assert result["error.attributable"].check.verdict is Verdict.PASS


def test_receive_loop_that_crashes_and_reconnects_silently_fails() -> None:
    j = journal(
        Conn(0.0, fault=1.0, ended=1.01, doomed=False, by=EndedBy.TARGET),
        Conn(1.02, fault=1.5, doomed=False),
    )
    check = judge(j, Malformed(kind=MalformedKind.KEYS), now=4.0)["recvloop.error_surfaced"].check
    assert check.verdict is Verdict.FAIL
    assert "reconnected silently at 1.02 s" in check.observed


# -- latency.tolerated ------------------------------------------------------------------------


def test_latency_tolerated_when_answers_arrive_late_but_arrive() -> None:
    j = journal(Conn(0.0, fault=0.0, doomed=False), answers=((4.7, 4.71), (12.4, 12.42)))
    result = judge(j, Latency(ms=300), now=12.5, final=False)
    assert result["latency.tolerated"].check.verdict is Verdict.PASS
    assert result["latency.tolerated"].settled


def test_latency_that_loses_answers_fails() -> None:
    j = journal(Conn(0.0, fault=0.0, doomed=False), answers=((4.7, 4.71),))
    j.connections.transcript_sent(8.0, j.connections.record(1), "lost")  # type: ignore[arg-type]
    check = judge(j, Latency(ms=300), now=12.0)["latency.tolerated"].check
    assert check.verdict is Verdict.FAIL and "1 answer(s) not delivered" in check.observed


def test_latency_that_causes_a_reconnect_fails() -> None:
    j = journal(
        Conn(0.0, fault=0.0, ended=3.0, doomed=False, by=EndedBy.TARGET),
        Conn(3.1, fault=3.1, doomed=False),
    )
    check = judge(j, Latency(ms=300), now=6.0)["latency.tolerated"].check
    assert check.verdict is Verdict.FAIL and "reconnected 1 time(s)" in check.observed


# -- the fault never acted --------------------------------------------------------------------


def test_a_target_that_never_connects_is_a_harness_error() -> None:
    results = judge_chaos(
        journal(),
        WsClose(code=1008),
        expectation_for(WsClose(code=1008)),
        now=30,
        final=True,
        target_url="ws://127.0.0.1:1/x",
    )
    assert [r.check.verdict for r in results] == [Verdict.ERROR]
    assert "never connected to ws://127.0.0.1:1/x" in results[0].check.observed


def test_nothing_is_settled_before_the_fault_acts() -> None:
    results = judge_chaos(
        journal(Conn(0.1)), WsClose(code=1008), expectation_for(WsClose(code=1008)), now=1.0
    )
    assert not any(r.settled for r in results)


def test_journal_is_read_as_of_now() -> None:
    j = journal(*quick_closes([0.1, 0.2, 0.25]), errors=(error(0.29, QUICK_GIVE_UP),))
    early = judge(j, WsClose(code=1008), now=0.15, final=False)
    assert early["close.not_retried"].check.verdict is Verdict.PASS
    assert early["close.not_retried"].check.metrics["connections"] == 1


def test_expectation_is_a_plain_value() -> None:
    expectation = Expectation(Reaction.RECOVERABLE, "close 1011 (internal error)")
    assert expectation.to_json()["max_attempts"] == 3


def test_a_port_that_contains_the_close_code_does_not_name_it() -> None:
    message = "Unable to connect to ws://127.0.0.1:51008/v1/listen: connection closed"
    j = journal(*quick_closes([0.1, 0.2, 0.25]), errors=(error(0.29, message),))
    check = judge(j, WsClose(code=1008), now=1.0)["error.attributable"].check
    assert check.verdict is Verdict.FAIL
    assert check.observed.startswith("names none of them")
