"""Conversation faults end to end: barge-in, interrupted function call, hang-up, carrier close."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from chaos_cli import run_chaos

pytestmark = pytest.mark.slow


def _chaos(tmp_path: Path, *args: str) -> tuple[int, dict]:
    return run_chaos(tmp_path, *args)


def _verdicts(report: dict) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["checks"]}


def test_reference_bot_stops_and_answers_when_the_caller_barges_in(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "interrupt")
    assert code == 0, report["checks"]
    assert set(_verdicts(report).values()) == {"pass"}
    assert "carrier.protocol" in _verdicts(report)
    clear = next(c for c in report["checks"] if c["id"] == "interrupt.clear_sent")
    # Barge-in onset to clear: VAD start (0.2 s of speech) plus the pipeline, measured ~0.4 s.
    assert 0.15 < clear["metrics"]["clear_latency_s"] < 1.5


def test_a_bot_that_ignores_barge_in_fails_clear_and_audio_checks(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "interrupt", "--bot-variant", "ignore-barge-in")
    assert code == 1
    verdicts = _verdicts(report)
    assert verdicts["interrupt.clear_sent"] == "fail"
    assert verdicts["interrupt.audio_stopped"] == "fail"
    stopped = next(c for c in report["checks"] if c["id"] == "interrupt.audio_stopped")
    assert stopped["metrics"]["residual_ms"] > 1000  # the 4 s reply played over the caller


def test_barge_in_during_a_function_call_still_gets_an_answer(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "interrupt", "--tool-delay", "2")
    assert code == 0, report["checks"]
    assert _verdicts(report)["interrupt.conversation_continues"] == "pass"
    assert report["metrics"]["bot.tool_calls_interrupted"] == 1


def test_an_interrupted_function_call_that_never_completes_freezes_the_bot(tmp_path: Path) -> None:
    code, report = _chaos(
        tmp_path, "interrupt", "--tool-delay", "2", "--bot-variant", "freeze-on-interrupted-tool"
    )
    assert code == 1
    continues = next(c for c in report["checks"] if c["id"] == "interrupt.conversation_continues")
    assert continues["verdict"] == "fail" and "the conversation froze" in continues["observed"]


def test_hangup_ends_the_reference_bot_pipeline_and_its_tasks(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "hangup", "--at", "3")
    assert code == 0, report["checks"]
    assert {k: v for k, v in _verdicts(report).items() if k.startswith("hangup.")} == {
        "hangup.bot_released_call": "pass",
        "hangup.pipeline_ended": "pass",
        "hangup.tasks_released": "pass",
    }
    assert set(_verdicts(report).values()) == {"pass"}


def test_a_bot_that_hangs_on_hangup_fails(tmp_path: Path) -> None:
    code, report = _chaos(
        tmp_path, "hangup", "--at", "3", "--bot-variant", "hang-on-hangup", "--end-within", "2"
    )
    assert code == 1
    verdicts = _verdicts(report)
    assert (
        verdicts["hangup.pipeline_ended"] == "fail" and verdicts["hangup.tasks_released"] == "fail"
    )


def test_carrier_close_1011_is_answered_and_cleaned_up(tmp_path: Path) -> None:
    code, report = _chaos(tmp_path, "carrier-close", "--code", "1011", "--at", "3")
    assert code == 0, report["checks"]
    released = next(c for c in report["checks"] if c["id"] == "carrier_close.bot_released_call")
    assert "with code 1011" in released["observed"]


def test_interrupt_against_a_pipecat_runner_bot(
    pipecat_runner_bot_url: str, tmp_path: Path
) -> None:
    code, report = _chaos(tmp_path, "interrupt", "--url", pipecat_runner_bot_url)
    assert code == 0, report["checks"]
    assert set(_verdicts(report).values()) == {"pass"}


def test_carrier_close_against_a_pipecat_runner_bot(
    pipecat_runner_bot_url: str, tmp_path: Path
) -> None:
    code, report = _chaos(tmp_path, "carrier-close", "--url", pipecat_runner_bot_url, "--at", "2")
    assert code == 0, report["checks"]
    assert [k for k in _verdicts(report) if k != "carrier.protocol"] == [
        "carrier_close.bot_released_call"
    ]
    assert set(_verdicts(report).values()) == {"pass"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["carrier-close", "--code", "1006"], "--code: close code 1006 cannot be sent"),
        (["carrier-close", "--code", "5000"], "--code: close code 5000 cannot be sent"),
        (["interrupt", "--url", "http://x"], "--url must be a ws:// or wss:// URL"),
        (["hangup", "--at", "999"], "--at 999.0 is past the end of the call"),
    ],
)
def test_bad_conversation_fault_input_exits_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "chaos", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
