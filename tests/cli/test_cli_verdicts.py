"""Exit codes for inputs that cannot test anything: usage errors (2) before anything starts."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOICECTL, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chaos", "failover", "--crashes", "recover@5"], "has no crash, only recoveries"),
        (["chaos", "carrier-close", "--code", "1004"], "close code 1004 cannot be sent"),
        (["chaos", "carrier-close", "--code", "1015"], "--code: close code 1015 cannot be sent"),
        (["chaos", "failover", "--crashes", "1004@5"], "close code 1004 cannot be sent"),
        (["chaos", "ws-close", "--code", "1004"], "close code 1004 cannot be sent"),
        (
            ["replay", "--url", "ws://127.0.0.1:1/ws", "--rates", "8000"],
            "--rates applies to the reference bot and cannot apply to the bot at --url",
        ),
        (
            ["replay", "--url", "ws://127.0.0.1:1/ws", "--reply-secs", "2"],
            "--reply-secs applies to the reference bot",
        ),
        (["replay", "--bot-smart-turn-rate", "-8000"], "--bot-smart-turn-rate must be one of"),
        (
            ["chaos", "interrupt", "--url", "ws://127.0.0.1:1/ws", "--tool-delay", "2"],
            "--tool-delay applies to the reference bot and cannot apply to the bot at --url",
        ),
        (
            [
                "chaos",
                "interrupt",
                "--url",
                "ws://127.0.0.1:1/ws",
                "--bot-variant",
                "ignore-barge-in",
            ],
            "--bot-variant applies to the reference bot",
        ),
    ],
)
def test_a_run_that_could_not_test_anything_is_a_usage_error(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_hangup_with_a_variant_of_the_reference_bot_and_url_is_a_usage_error() -> None:
    result = _run(
        "chaos", "hangup", "--url", "ws://127.0.0.1:1/ws", "--bot-variant", "hang-on-hangup"
    )
    assert result.returncode == 2
    assert "--bot-variant applies to the reference bot" in result.stderr


def test_bot_on_a_busy_port_is_a_harness_error_exit_3() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("bot", "--port", str(port), "--duration", "5")
    assert result.returncode == 3, result.stderr
    assert str(port) in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unwritable_json_path_is_found_before_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run("replay", "--json", str(tmp_path / "no" / "such" / "r.json"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert time.monotonic() - started < 30  # a replay of the bundled calls would take longer


@pytest.mark.slow
def test_chaos_interrupt_that_never_barged_in_is_an_error_not_a_pass(tmp_path: Path) -> None:
    # The reference bot's replies last 4 s: at 6 s into one the bot is already silent.
    out = tmp_path / "r.json"
    result = _run("chaos", "interrupt", "--during-reply", "6", "--json", str(out), timeout=200)
    assert result.returncode == 3, result.stdout + result.stderr
    verdicts = {c["id"]: c["verdict"] for c in json.loads(out.read_text())["checks"]}
    assert verdicts["interrupt.clear_sent"] == verdicts["interrupt.audio_stopped"] == "error"
    assert result.stdout.splitlines()[1].startswith("ERROR interrupt.clear_sent")


@pytest.mark.parametrize("command", ["hangup", "carrier-close", "interrupt"])
def test_a_caller_fault_against_nothing_listening_is_exit_3_not_a_failed_bot(command: str) -> None:
    result = _run("chaos", command, "--url", "ws://127.0.0.1:1/ws", "-q")
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.startswith(f"ERROR voicectl chaos {command}")
