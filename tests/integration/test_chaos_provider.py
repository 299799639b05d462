"""Provider faults against Pipecat 1.14's real services in a real PipelineWorker (real time).

These pin what the installed Pipecat actually does; if a Pipecat release changes its reconnect
logic, the verdicts here change with it and these tests say so.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from voicectl.audio.script import bundled_calls
from voicectl.checks.policy import expectation_for
from voicectl.faults import parse_fault_spec
from voicectl.harness.runner import ChaosOutcome, ChaosPlan, run_chaos
from voicectl.harness.targets import resolve_target, target_names
from voicectl.providers import get_protocol
from voicectl.report.model import Verdict

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("pipecat_1_14")]

TARGETS = Path(__file__).with_name("chaos_targets.py")


@pytest.fixture(autouse=True)
def quiet_pipecat() -> Iterator[None]:
    """Pipecat logs every reconnect through loguru; the CLI silences it, so do the tests."""
    logger.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


async def run(spec: str, target: str, budget: float, protocol: str | None = None) -> ChaosOutcome:
    fault, selector = parse_fault_spec(spec)
    resolved = resolve_target(target, protocol)
    expectation = expectation_for(
        fault, private_codes=get_protocol(resolved.protocol).private_close_codes
    )
    plan = ChaosPlan(
        target=resolved,
        fault=fault,
        expectation=expectation,
        call=bundled_calls()[0],
        selector=selector,
        budget_s=budget,
        seed=1,
    )
    return await run_chaos(plan)


def verdicts(outcome: ChaosOutcome) -> dict[str, str]:
    return {j.check.id: j.check.verdict.value for j in outcome.judgements}


def observed(outcome: ChaosOutcome, check_id: str) -> str:
    return next(j.check.observed for j in outcome.judgements if j.check.id == check_id)


def give_up_at(outcome: ChaosOutcome) -> float:
    flips = [f.t for f in outcome.journal.usable_flips if not f.usable]
    assert flips, "the target never became unusable"
    return flips[0]


async def test_1008_is_retried_three_times_within_a_fraction_of_a_second() -> None:
    outcome = await run("ws-close:1008", "soniox", 10)
    assert verdicts(outcome) == {
        "close.not_retried": "fail",
        "reconnect.bounded": "pass",
        "reconnect.backoff": "warn",
        "error.surfaced": "pass",
        "error.attributable": "fail",
        "service.unusable_after_give_up": "pass",
    }
    opened = list(outcome.journal.connections.opened_at)
    assert len(opened) == 3 and opened[-1] - opened[0] < 0.3
    assert all(r.close_received == (1008, "") for r in outcome.journal.connections.records())
    assert "connection failed 3 times immediately after connecting" in observed(
        outcome, "error.surfaced"
    )
    assert outcome.stop_reason == "settled"
    assert outcome.verdict_at - give_up_at(outcome) < 1.0


async def test_1011_after_6_s_reconnects_silently_forever() -> None:
    outcome = await run("ws-close:1011@6s", "soniox", 30)
    result = verdicts(outcome)
    assert result["reconnect.bounded"] == "fail"
    assert result["error.surfaced"] == "fail"
    assert result["service.unusable_after_give_up"] == "fail"
    assert outcome.journal.errors.count == 0 and not list(outcome.journal.usable_flips)
    records = outcome.journal.connections.records()
    assert len(records) == 5
    lifetimes = [r.fault_at - r.opened_at for r in records[:4] if r.fault_at is not None]
    assert lifetimes == pytest.approx([6.0] * 4, abs=0.1)
    assert "4 retries in one incident (bound 3)" in observed(outcome, "reconnect.bounded")
    assert outcome.stop_reason == "settled" and outcome.verdict_at < 28


async def test_handshake_401_is_not_retried_and_reported_as_authentication() -> None:
    outcome = await run("handshake:401", "soniox", 10)
    assert set(verdicts(outcome).values()) <= {"pass", "skip"}
    assert len(outcome.journal.connections) == 1
    (error,) = list(outcome.journal.errors)
    assert error.category == "authentication" and "HTTP 401" in error.message
    assert outcome.verdict_at - give_up_at(outcome) < 1.0


async def test_soniox_in_band_error_without_tokens_vanishes() -> None:
    outcome = await run("malformed:error", "soniox", 10)
    assert verdicts(outcome)["recvloop.error_surfaced"] == "fail"
    assert outcome.journal.errors.count == 0
    assert "the message vanished" in observed(outcome, "recvloop.error_surfaced")


async def test_a_well_behaved_custom_target_passes_the_non_recoverable_checks() -> None:
    outcome = await run("ws-close:1008", f"{TARGETS}:make_well_behaved_stt", 10)
    result = verdicts(outcome)
    assert result["close.not_retried"] == "pass"
    assert result["error.surfaced"] == "pass"
    assert result["error.attributable"] == "pass"
    assert result["service.unusable_after_give_up"] == "pass"
    assert result["reconnect.bounded"] == "pass"
    assert outcome.stop_reason == "settled" and outcome.verdict_at < 2.0


async def test_a_well_behaved_custom_target_retries_a_recoverable_close_with_jitter() -> None:
    outcome = await run("ws-close:1011", f"{TARGETS}:make_well_behaved_stt", 20)
    assert set(verdicts(outcome).values()) <= {"pass", "skip"}, verdicts(outcome)
    assert len(outcome.journal.connections) == 4


async def test_an_async_factory_that_reconnects_in_a_tight_loop_is_caught() -> None:
    outcome = await run("ws-close:1000@0", f"{TARGETS}:make_tight_loop_stt", 10)
    result = verdicts(outcome)
    assert result["reconnect.bounded"] == "fail" and result["error.surfaced"] == "fail"
    assert len(outcome.journal.connections) > 50


# Every fault against Soniox and AssemblyAI: what Pipecat 1.14 does, verdict by verdict.
EVERY_FAULT = [
    (
        "ws-drop",
        10,
        {"reconnect.bounded": "pass", "error.surfaced": "pass", "error.attributable": "fail"},
    ),
    (
        "handshake:503",
        20,
        {
            "reconnect.bounded": "pass",
            "error.surfaced": "fail",
            "service.unusable_after_give_up": "fail",
            "error.attributable": "fail",
        },
    ),
    ("stall", 13, {"error.surfaced": "fail", "reconnect.bounded": "pass"}),
    ("malformed:json", 8, {"recvloop.error_surfaced": "fail"}),
    ("latency:300~100", 20, {"latency.tolerated": "pass", "reconnect.bounded": "pass"}),
    ("flap:5.5,0.5,0.5", 15, {"reconnect.bounded": "fail", "error.surfaced": "fail"}),
]


@pytest.mark.parametrize("target", ["soniox", "assemblyai"])
@pytest.mark.parametrize(
    ("spec", "budget", "expected"), EVERY_FAULT, ids=[f[0] for f in EVERY_FAULT]
)
async def test_every_fault_produces_the_measured_verdicts(
    target: str, spec: str, budget: float, expected: dict[str, str]
) -> None:
    outcome = await run(spec, target, budget)
    result = verdicts(outcome)
    assert Verdict.ERROR.value not in result.values(), result
    assert {k: result[k] for k in expected} == expected, [j.check for j in outcome.judgements]


async def test_assemblyai_reports_an_in_band_error_but_without_its_code() -> None:
    outcome = await run("malformed:error", "assemblyai", 8)
    result = verdicts(outcome)
    assert result["recvloop.error_surfaced"] == "pass"
    assert result["error.attributable"] == "fail"
    assert "Unknown message type: Error" in observed(outcome, "recvloop.error_surfaced")


@pytest.mark.parametrize("target", target_names())
async def test_ws_close_1008_gives_a_verdict_for_every_builtin_target(target: str) -> None:
    outcome = await run("ws-close:1008", target, 6)
    result = verdicts(outcome)
    assert Verdict.ERROR.value not in result.values(), result
    assert result["close.not_retried"] == "fail", observed(outcome, "close.not_retried")


@pytest.mark.parametrize(("spec", "budget"), [("ws-drop", 10), ("handshake:503", 20)])
async def test_soniox_errors_after_a_drop_or_a_503_do_not_name_their_cause(
    spec: str, budget: float
) -> None:
    outcome = await run(spec, "soniox", budget)
    assert verdicts(outcome)["error.attributable"] == "fail"
    assert observed(outcome, "error.attributable").startswith("names none of them")
    opened = [r.opened_at for r in outcome.journal.connections.records()]
    if spec == "ws-drop":  # the quick-failure give-up: three connections
        assert len(opened) == 3
        return
    # The 503 row: attempts at 0, +0.1, +4.0, +4.0 s, then the 4 s backoff once more, give-up.
    gaps = [b - a for a, b in itertools.pairwise(opened)]
    assert len(opened) == 4 and gaps == pytest.approx([0.1, 4.0, 4.0], abs=0.35), gaps
    assert 11.5 < give_up_at(outcome) - opened[0] < 13.0


@pytest.mark.parametrize("target", ["soniox", "assemblyai"])
async def test_a_dropped_connection_is_retried_to_the_quick_failure_give_up(target: str) -> None:
    """The ws-drop row, for both services it names: three connections, then the give-up."""
    outcome = await run("ws-drop", target, 10)
    assert len(outcome.journal.connections.records()) == 3
    assert verdicts(outcome)["service.unusable_after_give_up"] == "pass"


async def test_a_stalled_connection_is_dropped_by_websockets_keepalive_at_20_plus_20_s() -> None:
    """The stall row: Pipecat opens every provider socket with websockets' default keepalive (a
    ping every 20 s, dropped after 20 s without a pong) and the stall fake answers no ping, so a
    stalled provider is noticed only when keepalive drops it, 40-42 s in (the whole row is the
    next test; the fake's half is pinned in test_chaos_fake_provider.py)."""
    from pipecat.services.soniox.stt import SonioxSTTService

    from voicectl.faults import StallFault
    from voicectl.providers import FakeProviderServer

    async with FakeProviderServer("soniox", StallFault()) as server:
        service = SonioxSTTService(api_key="voicectl-fake-key", url=server.target_url)
        websocket = await service._websocket_connect(server.target_url)
        try:
            assert (websocket.ping_interval, websocket.ping_timeout) == (20, 20)
        finally:
            websocket.transport.abort()


async def test_keepalive_drops_a_stalled_soniox_at_42_s_and_it_reconnects_silently() -> None:
    """The stall row, end to end (46 s of real time): nothing for 42 s, then websockets'
    keepalive drops the stalled connection and the service reconnects at once, silently, into
    the next stall; no error, still usable, so three checks fail."""
    outcome = await run("stall", "soniox", 46)
    records = outcome.journal.connections.records()
    assert len(records) == 2, records
    first, second = records
    assert first.fault_action == second.fault_action == "stall"
    assert first.fault_at is not None
    assert 40.0 < second.opened_at - first.fault_at < 44.0, (first, second)
    assert not list(outcome.journal.errors) and not list(outcome.journal.usable_flips)
    result = verdicts(outcome)
    assert {k: result[k] for k in ("error.surfaced", "service.unusable_after_give_up")} == {
        "error.surfaced": "fail",
        "service.unusable_after_give_up": "fail",
    }
    assert result["reconnect.bounded"] == "fail"
    assert "still in an accept-then-stall loop" in observed(outcome, "reconnect.bounded")


async def test_cartesia_tts_reconnects_a_normal_close_in_a_tight_loop_forever() -> None:
    """The cartesia row: a 1000 close bypasses the quick-failure counter, no terminal error."""
    outcome = await run("ws-close:1000@0", "cartesia-tts", 4)
    result = verdicts(outcome)
    assert result["reconnect.bounded"] == "fail"
    assert result["error.surfaced"] == "fail"
    assert result["service.unusable_after_give_up"] == "fail"
    opened = [r.opened_at for r in outcome.journal.connections.records()]
    # Measured 650-940 a second on an idle machine; 92 a second with the machine at load 12.
    assert len(opened) > 20 and not list(outcome.journal.usable_flips)
