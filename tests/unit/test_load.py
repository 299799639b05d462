"""Load runs on plain data: arrival shape, failure classes, aggregate figures and the verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.audio.io import Audio
from voicectl.audio.script import Call, CallScript, Utterance
from voicectl.errors import InputError
from voicectl.load.aggregate import (
    CallRecord,
    FailureKind,
    LoadStats,
    Percentiles,
    aggregate_calls,
    barge_in_clear_latencies,
    call_failure,
    stalls,
)
from voicectl.load.checks import (
    LoadBounds,
    judge_client_pacing,
    judge_first_audio_p95,
    judge_load,
    judge_success_rate,
)
from voicectl.load.plan import FRAME_S, LoadPlan, LoadShape
from voicectl.outcome.call import BotAudioRun, CallOutcome, ClearEvent, TurnResult
from voicectl.report.model import Verdict

UTTERANCES = (Utterance(1.0, 2.0, "hello"), Utterance(4.0, 5.0, "my order"))


def outcome(
    latencies: tuple[float | None, ...] = (0.5, 0.7),
    *,
    error: str | None = None,
    closed_by_bot: bool = False,
    close_code: int | None = None,
    close_reason: str = "",
    sent_s: float = 8.0,
    pacing_ms: tuple[float, ...] = (0.2,) * 10,
) -> CallOutcome:
    result = CallOutcome(carrier="twilio", url="ws://127.0.0.1:1/ws", fast=False)
    result.turns = [
        TurnResult(i, u, latency_s=x, answered_at=None if x is None else u.end + x)
        for i, (u, x) in enumerate(zip(UTTERANCES, latencies, strict=True))
    ]
    result.error = error
    result.closed_by_bot = closed_by_bot
    result.close_code = close_code
    result.close_reason = close_reason
    result.duration_s = sent_s
    result.pacing.errors = [ms / 1000 for ms in pacing_ms]
    return result


def record(index: int, result: CallOutcome, start: float = 0.0, end: float = 8.0) -> CallRecord:
    return CallRecord(index, index, "order", start, result, ended_s=end)


def recording(name: str = "order", script: bool = True) -> Call:
    audio = Audio(np.zeros(8000 * 6, dtype=np.int16), 8000, f"{name}.wav", "pcm16")
    return Call(audio, CallScript(UTTERANCES if script else ()), name)


# -- shape and plan --------------------------------------------------------------------------


def test_callers_start_at_the_ramp_rate_with_frame_phases_spread_evenly() -> None:
    shape = LoadShape(concurrency=200, ramp_per_s=20.0, total_calls=200)
    starts = [shape.caller_start(k) for k in range(200)]
    assert all(k / 20 <= s < k / 20 + FRAME_S for k, s in enumerate(starts))
    phases = np.sort(np.mod(starts, FRAME_S))
    # 200 phases over a 20 ms frame: no two closer than 0.02 ms, none more than 0.4 ms apart.
    gaps = np.diff(phases)
    assert gaps.min() > 0.00002 and gaps.max() < 0.0004


def test_without_spreading_a_20_per_second_ramp_puts_calls_on_two_phases() -> None:
    shape = LoadShape(200, 20.0, total_calls=200, spread_phases=False)
    phases_ms = {round(shape.caller_start(k) * 1000, 6) % 20 for k in range(200)}
    assert phases_ms == {0.0, 10.0}


def test_a_count_stops_new_calls_and_a_duration_stops_them_in_time() -> None:
    by_count = LoadShape(4, 2.0, total_calls=6)
    assert by_count.may_start(1000.0, 5) and not by_count.may_start(0.0, 6)
    by_time = LoadShape(4, 2.0, duration_s=30.0)
    assert by_time.may_start(29.9, 10_000) and not by_time.may_start(30.0, 0)
    assert by_time.planned_calls() is None and by_count.planned_calls() == 6


def test_with_neither_each_caller_places_one_call() -> None:
    shape = LoadShape(8, 4.0)
    assert shape.planned_calls() == 8
    assert shape.may_start(100.0, 7) and not shape.may_start(0.0, 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0, "ramp_per_s": 1.0}, "--calls must be at least 1"),
        ({"concurrency": 2, "ramp_per_s": 0.0}, "--ramp must be a positive number"),
        ({"concurrency": 2, "ramp_per_s": 1.0, "duration_s": -1.0}, "--duration must be positive"),
        ({"concurrency": 2, "ramp_per_s": 1.0, "total_calls": 0}, "--count must be at least 1"),
    ],
)
def test_a_shape_rejects_impossible_values(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        LoadShape(**kwargs)  # type: ignore[arg-type]


def test_recordings_are_played_round_robin_and_need_caller_utterances() -> None:
    plan = LoadPlan([recording("a"), recording("b")], "ws://x/ws", LoadShape(3, 1.0))
    assert [plan.call_for(i).name for i in range(5)] == ["a", "b", "a", "b", "a"]
    with pytest.raises(InputError, match=r"lone.wav: its sidecar lists no caller utterances"):
        LoadPlan([recording("lone", script=False)], "ws://x/ws", LoadShape(1, 1.0))


def test_the_planned_run_is_bounded_by_ramp_rounds_and_call_deadlines() -> None:
    plan = LoadPlan([recording()], "ws://x/ws", LoadShape(4, 2.0, total_calls=8))
    call = plan.call_deadline_s(plan.calls[0])
    assert call == pytest.approx(5.0 + 6.0 + 3.0 + 15.0)
    assert plan.expected_run_s() == pytest.approx(plan.shape.ramp_s + 2 * call)
    timed = LoadPlan([recording()], "ws://x/ws", LoadShape(4, 2.0, duration_s=60.0))
    assert timed.expected_run_s() == pytest.approx(60.0 + call)


# -- failures --------------------------------------------------------------------------------


def test_a_call_that_ran_and_was_answered_did_not_fail() -> None:
    assert call_failure(outcome()) is None


def test_a_bot_close_is_attributed_to_its_code_and_reason_without_the_time() -> None:
    failure = call_failure(
        outcome(
            error="bot closed the call at 12.34 s with code 1013 (at capacity)",
            closed_by_bot=True,
            close_code=1013,
            close_reason="at capacity",
        )
    )
    assert failure is not None and failure.kind is FailureKind.BOT_CLOSED
    assert failure.summary == "bot closed the call with code 1013 (at capacity)"
    assert "12.34 s" in failure.detail


def test_a_drop_without_close_frame_is_1006() -> None:
    failure = call_failure(
        outcome(error="bot dropped ... (1006)", closed_by_bot=True, close_code=1006)
    )
    assert failure is not None
    assert failure.summary == "bot dropped the connection without a close frame (1006)"


def test_connect_timeout_and_receive_loop_errors_are_told_apart() -> None:
    refused = call_failure(outcome(error="cannot connect to ws://x: refused", sent_s=0.0))
    late = call_failure(outcome(error="call did not finish within its 45 s deadline (...)"))
    died = call_failure(outcome(error="receive loop died at 3.20 s: ValueError: bad"))
    assert refused is not None and refused.kind is FailureKind.CONNECT
    assert late is not None and late.kind is FailureKind.TIMEOUT
    assert died is not None and died.kind is FailureKind.ERROR
    assert died.summary == "receive loop died: ValueError: bad"


def test_an_unanswered_utterance_fails_the_call_naming_it() -> None:
    some = call_failure(outcome((0.5, None)))
    none = call_failure(outcome((None, None)))
    assert some is not None and some.kind is FailureKind.NO_ANSWER
    assert some.summary == "no answer to utterance 2 of 2"
    assert "'my order'" in some.detail
    assert none is not None and none.summary == "no answer to any of 2 utterances"


# -- figures ---------------------------------------------------------------------------------


def test_barge_in_clear_latency_runs_from_the_overlap_start() -> None:
    result = outcome()
    # The bot talks from 2.5 s; the caller barges in at 4.0 s; the bot clears at 4.3 s.
    result.runs = [BotAudioRun(2.5, 4.3, messages=50, cleared=True)]
    result.clears = [ClearEvent(4.3, during_bot_audio=True), ClearEvent(7.0, False)]
    assert barge_in_clear_latencies(result) == pytest.approx([0.3])
    # Caller already talking when the bot starts (a turn ended inside it): from the bot's start.
    result.runs = [BotAudioRun(4.5, 4.7, messages=5, cleared=True)]
    result.clears = [ClearEvent(4.7, during_bot_audio=True)]
    assert barge_in_clear_latencies(result) == pytest.approx([0.2])


def test_a_pause_inside_an_utterance_is_a_speech_onset() -> None:
    result = outcome()
    result.turns[1].utterance = Utterance(4.0, 7.0, "account four five", ((5.0, 5.6),))
    result.runs = [BotAudioRun(5.2, 5.9, messages=20, cleared=True)]
    result.clears = [ClearEvent(5.9, during_bot_audio=True)]
    assert barge_in_clear_latencies(result) == pytest.approx([0.3])


def test_bot_audio_resuming_without_a_caller_turn_is_a_stall() -> None:
    result = outcome()
    result.runs = [
        BotAudioRun(2.5, 3.0, 25),
        BotAudioRun(3.6, 4.0, 20),  # same reply, 0.6 s of dead air: a stall
        BotAudioRun(5.5, 6.0, 25),  # after the caller's second utterance: a new reply
    ]
    assert stalls(result) == pytest.approx([0.6])


def test_a_reply_to_a_turn_ended_inside_the_next_utterance_is_not_a_stall() -> None:
    # Measured on the reference bot: Smart Turn ends a turn mid-utterance, the bot answers
    # while the caller talks on, then clears. The caller spoke in the gap: a new reply.
    result = outcome()
    result.runs = [BotAudioRun(2.5, 3.0, 25), BotAudioRun(4.5, 4.7, 4, cleared=True)]
    assert stalls(result) == []


def test_percentiles_of_nothing_are_none() -> None:
    assert Percentiles.of([]) is None
    p = Percentiles.of([1.0, 2.0, 3.0, 4.0])
    assert p is not None and p.count == 4 and p.p50 == 2.5 and p.max == 4.0


def test_aggregate_counts_successes_closes_gaps_and_concurrency() -> None:
    ok = outcome((0.4, 0.6), pacing_ms=(0.1, 0.2, 0.3))
    ok.underruns = [(3.0, 0.05), (3.5, 0.1)]
    closed = outcome(
        (0.5, None),
        error="bot closed the call at 4.1 s with code 1011 (boom)",
        closed_by_bot=True,
        close_code=1011,
        close_reason="boom",
        pacing_ms=(9.0,),
    )
    stats = aggregate_calls(
        [record(0, ok, 0.0, 8.0), record(1, closed, 1.0, 5.0), record(2, outcome(), 8.0, 16.0)]
    )
    assert (stats.calls, stats.succeeded) == (3, 2)
    assert stats.success_rate == pytest.approx(2 / 3)
    assert stats.failures == {"bot closed the call with code 1011 (boom)": 1}
    assert stats.bot_closes == {1011: 1} and stats.close_reasons[1011] == "boom"
    assert (stats.turns, stats.answered) == (6, 5)
    assert stats.first_audio is not None and stats.first_audio.max == pytest.approx(0.7)
    assert (stats.gaps, round(stats.gap_max_s, 3), round(stats.gap_total_s, 3)) == (2, 0.1, 0.15)
    assert stats.frames == 3 + 1 + 10 and stats.send_error_ms is not None
    assert stats.send_error_ms.max == pytest.approx(9.0)
    # Calls 0 and 1 overlap; call 2 starts the instant call 0 ends.
    assert stats.peak_concurrency == 2
    metrics = stats.to_metrics()
    assert metrics["bot_closes"] == {"1011": 1} and metrics["success_rate"] == 0.6667


# -- checks ----------------------------------------------------------------------------------


def stats_of(*results: CallOutcome) -> LoadStats:
    return aggregate_calls(record(i, r) for i, r in enumerate(results))


def test_success_rate_passes_at_the_bound_and_fails_below_it_naming_the_cause() -> None:
    good = judge_success_rate(stats_of(outcome(), outcome()), 1.0)
    assert good.verdict is Verdict.PASS and good.observed.startswith("2/2 calls succeeded")
    bad = judge_success_rate(stats_of(outcome(), outcome((None, 0.5))), 0.99)
    assert bad.verdict is Verdict.FAIL
    assert bad.observed == "1/2 calls succeeded (50.0%); 1 x no answer to utterance 1 of 2"
    lenient = judge_success_rate(stats_of(outcome(), outcome((None, 0.5))), 0.5)
    assert lenient.verdict is Verdict.PASS


def test_success_rate_with_no_finished_call_fails() -> None:
    assert judge_success_rate(stats_of(), 0.9).verdict is Verdict.FAIL


def test_first_audio_p95_passes_under_the_bound_and_fails_over_it() -> None:
    stats = stats_of(outcome((0.5, 0.7)), outcome((0.6, 1.9)))
    assert judge_first_audio_p95(stats, 2.0).verdict is Verdict.PASS
    failed = judge_first_audio_p95(stats, 1.0)
    assert failed.verdict is Verdict.FAIL and "over 4/4 answered turns" in failed.observed
    assert failed.metrics["p95_s"] == pytest.approx(np.percentile([0.5, 0.7, 0.6, 1.9], 95))


def test_first_audio_p95_fails_when_nothing_was_answered() -> None:
    check = judge_first_audio_p95(stats_of(outcome((None, None))), 2.0)
    assert check.verdict is Verdict.FAIL and check.observed.startswith("no turn was answered")


def test_client_pacing_passes_when_the_generator_kept_time() -> None:
    check = judge_client_pacing(stats_of(outcome(pacing_ms=(0.1,) * 97 + (20.0,) * 3)), 5.0)
    assert check.verdict is Verdict.PASS  # a few late frames (p99) are the machine, not us


def test_client_pacing_marks_the_run_invalid_when_the_generator_fell_behind() -> None:
    late = outcome(pacing_ms=tuple(float(x) for x in np.linspace(0.1, 60.0, 100)))
    check = judge_client_pacing(stats_of(late), 5.0)
    assert check.verdict is Verdict.ERROR
    assert check.observed.startswith("RUN INVALID: the load generator was the bottleneck")


def test_client_pacing_is_an_error_when_no_frame_was_sent() -> None:
    refused = outcome(error="cannot connect", sent_s=0.0, pacing_ms=())
    check = judge_client_pacing(stats_of(refused), 5.0)
    assert check.verdict is Verdict.ERROR and check.observed.startswith("not exercised")


def test_a_bot_no_call_reached_is_unreachable_not_failed() -> None:
    refused = outcome(
        error="cannot connect to ws://127.0.0.1:1/ws: refused", sent_s=0.0, pacing_ms=()
    )
    checks = judge_load(stats_of(refused, refused), LoadBounds())
    assert [c.verdict for c in checks] == [Verdict.ERROR] * 3
    assert "none of the 2 calls reached the bot" in checks[0].observed
    assert "cannot connect to ws://127.0.0.1:1/ws" in checks[0].observed


def test_connect_failures_under_load_fail_the_bot_when_some_calls_got_through() -> None:
    refused = outcome(
        error="cannot connect to ws://127.0.0.1:9/ws: refused", sent_s=0.0, pacing_ms=()
    )
    checks = judge_load(stats_of(outcome(), refused), LoadBounds())
    assert checks[0].verdict is Verdict.FAIL and "1/2 calls succeeded" in checks[0].observed


def test_an_invalid_run_is_never_a_pass_and_its_other_checks_say_why() -> None:
    late = outcome(pacing_ms=(30.0,) * 100)
    checks = judge_load(stats_of(late), LoadBounds())
    assert [c.id for c in checks] == [
        "load.success_rate",
        "load.first_audio_p95",
        "load.client_pacing",
    ]
    assert checks[2].verdict is Verdict.ERROR
    assert all("load generator was the bottleneck" in c.detail for c in checks[:2])
    valid = judge_load(stats_of(outcome()), LoadBounds())
    assert [c.verdict for c in valid] == [Verdict.PASS] * 3
    assert all(c.detail == "" for c in valid)


def test_the_cli_and_the_library_share_one_set_of_default_bounds() -> None:
    import inspect

    from voicectl.cli.load import load

    defaults = {p.name: p.default for p in inspect.signature(load).parameters.values()}
    assert defaults["first_audio_p95"] == LoadBounds().first_audio_p95_s == 2.5
    assert defaults["min_success"] == LoadBounds().min_success_rate
