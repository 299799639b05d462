"""STT failover end to end: real Pipecat services behind a ServiceSwitcher in the reference bot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from chaos_cli import run_chaos
from typer.testing import Result

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("pipecat_1_14")]
HERE = Path(__file__).parent
# The first 21 s of order_status (three turns), shipped for the smoke suite: shorter real-time runs.
SHORT = ["--audio", "voicectl/data/smoke/order_status_short.wav"]  # as the docs write it


def _chaos(tmp_path: Path, *args: str) -> tuple[int, dict]:
    return run_chaos(tmp_path, *args, timeout=170)


def _check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_default_close_fails_over_after_pipecats_12_s_of_retries(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "stt-crash", "--at", "4", *SHORT)
    assert code == 0, report["checks"]
    switched = _check(report, "failover.switched")
    # Pipecat 1.14 default backoff: 1 + 3 reconnect attempts 4 s apart, then give-up.
    assert 11.0 < switched["metrics"]["latency_s"] < 13.5
    assert "absorbed by the switch" in _check(report, "failover.cause_visible")["observed"]
    assert report["metrics"]["errors_at_origin"] > report["metrics"]["errors_at_on_pipeline_error"]


def test_an_stt_that_raises_never_fails_over(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "stt-crash", "--mode", "exception", "--at", "4", *SHORT)
    assert code == 1
    switched = _check(report, "failover.switched")
    assert switched["verdict"] == "fail"
    assert "switches only when the failed service becomes unusable" in switched["observed"]


def test_a_circuit_breaker_strategy_fails_over_from_a_raising_stt(tmp_path: Path) -> None:
    code, report = _chaos(
        tmp_path,
        "stt-crash",
        "--mode",
        "exception",
        "--at",
        "4",
        *SHORT,
        "--strategy",
        "tests.integration.failover_strategies:TripAfterErrors",
    )
    assert code == 0, report["checks"]
    assert _check(report, "failover.switched")["metrics"]["latency_s"] < 1.0


def test_in_band_auth_error_fails_over_at_once_across_protocols_with_user_factories(
    tmp_path: Path,
) -> None:
    code, report = _chaos(
        tmp_path,
        "stt-crash",
        "--mode",
        "error",
        "--at",
        "4",
        *SHORT,
        "--primary",
        str(HERE / "user_stt.py") + ":primary",
        "--backup",
        str(HERE / "user_stt.py") + ":backup",
        "--protocol",
        "soniox,assemblyai",
    )
    assert code == 0, report["checks"]
    # The fake rejects the key after its in-band 401: authentication is permanent, no retries.
    assert _check(report, "failover.switched")["metrics"]["latency_s"] < 1.5
    assert "by the backup" in _check(report, "failover.transcripts_continue")["observed"]


def test_a_stalled_provider_goes_unnoticed(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "stt-crash", "--mode", "stall", "--at", "4", *SHORT)
    assert code == 1
    assert "the outage was silent" in _check(report, "failover.switched")["observed"]
    assert _check(report, "failover.transcripts_continue")["verdict"] == "fail"


def test_pipecat_never_fails_back_to_a_recovered_primary(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "failover", "--crashes", "1011@5,recover@20")
    failback = _check(report, "failover.failback")
    assert code == 0, report["checks"]  # a warn: Pipecat has no failback to judge it against
    assert failback["verdict"] == "warn" and "still on the backup" in failback["observed"]


def test_a_failback_strategy_returns_to_the_recovered_primary(tmp_path: Path) -> None:
    code, report = _chaos(
        tmp_path,
        "failover",
        "--crashes",
        "1011@5,recover@20",
        "--strategy",
        "tests.integration.failover_strategies:FailBackToPrimary",
    )
    failback = _check(report, "failover.failback")
    assert failback["verdict"] == "pass", failback
    assert failback["metrics"]["failback_s"] < 1.0
    # set_usable(True) does not reconnect the primary's socket: back on it, the bot hears nothing.
    assert _check(report, "failover.transcripts_continue")["verdict"] == "fail"
    assert code == 1
    table = next(t for t in report["tables"] if t["title"] == "Provider connections")
    primary = [float(row[2]) for row in table["rows"] if row[0] == "primary"]
    assert primary and min(primary) < 5, table["rows"]  # it was connected before the crash
    assert not [t for t in primary if t > 20], f"the primary reconnected after recovery: {primary}"


def test_bad_failover_input_exits_2(voicectl_in_process: Callable[..., Result]) -> None:
    for args, message in [
        (["stt-crash", "--mode", "melt"], "--mode must be one of"),
        (["stt-crash", "--at", "99"], "past the end of the call"),
        (["failover", "--crashes", "boom@3"], "unknown kind 'boom'"),
        (["stt-crash", "--primary", "nope"], "unknown target 'nope'"),
        (["stt-crash", "--backoff", "3"], "--backoff must be MIN,MAX"),
        (["stt-crash", "--surface-within", "2"], "--surface-within bounds how soon a stall"),
        (["stt-crash", "--protocol", "soniox"], "--protocol applies to custom factories"),
        (
            [
                *("failover", "--backoff", "1,2"),
                *("--primary", str(HERE / "user_stt.py") + ":primary"),
                *("--backup", str(HERE / "user_stt.py") + ":backup"),
            ],
            "--backoff applies to built-in services",
        ),
    ]:
        result = voicectl_in_process("chaos", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)


def test_a_stalled_stt_provider_leaves_the_caller_talking_into_silence(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "stall", "--stage", "stt", "--at", "4", "--heartbeats")
    assert code == 1
    surfaced = _check(report, "recvloop.error_surfaced")
    assert (
        surfaced["verdict"] == "fail" and "the caller talked into silence" in surfaced["observed"]
    )
