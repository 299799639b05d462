"""``voicectl chaos <fault> --bot-cmd``: the example user bot (``examples/twilio_bot/bot.py``,
unmodified, key-less) under a chaos command's own fault, judged from the fake's connection log
and from inside the bot, and checked against the bot's own log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from local_servers import (
    EXAMPLE_BOT_CMD,
    EXAMPLE_FAKES,
    report_checks,
    run_voicectl,
    write_first_turn,
    write_opening,
)
from shared_runs import CliRun, shared_run

pytestmark = pytest.mark.slow


def _verdicts(report: Path) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in json.loads(report.read_text())["checks"]}


def _switched_inside(report: Path) -> list[str]:
    events = json.loads(report.read_text())["events"]
    return [str(e["to"]) for e in events if e["kind"] == "switched"]


@pytest.fixture(scope="module")
def revoked_key() -> tuple[CliRun, Path]:
    """``chaos ws-close --code 1008`` on the primary STT's fake 3 s after it connected, every
    reconnect refused with 401 (a revoked key): one run shared by the tests below and by the
    same example in docs/commands/chaos.md."""
    run = shared_run(
        "chaos", "ws-close", "--code", "1008", "--after", "3", "--on", "first",
        "--audio", "voicectl/data/smoke/order_status_short.wav",
        "--bot-cmd", "python examples/twilio_bot/bot.py -t twilio --port {port}",
        *EXAMPLE_FAKES, "--fault", "deepgram=handshake:401#2..", timeout=240,
    )  # fmt: skip
    return run, run.folder / "report.json"


def test_a_1008_on_the_primary_stt_is_judged_from_the_fakes_connection_log(
    revoked_key: tuple[CliRun, Path],
) -> None:
    run, report = revoked_key
    assert run.code == 1, run.output  # close.not_retried fails
    (not_retried,) = report_checks(report, "close.not_retried")
    # Pipecat 1.14's DeepgramSTTService retries a 1008 once: the fake saw a second handshake.
    assert not_retried["verdict"] == "fail"
    assert "2 connections" in str(not_retried["observed"])
    assert "close 1008 on connection 1" in str(not_retried["observed"])
    (bounded,) = report_checks(report, "reconnect.bounded")
    assert bounded["verdict"] == "pass", bounded
    data = json.loads(report.read_text())
    (table,) = [t for t in data["tables"] if t["title"].startswith("Connections to the deepgram")]
    assert [row[4] for row in table["rows"]] == ["close 1008", "HTTP 401"]
    assert data["args"]["target"] == "deepgram"


def test_the_verdicts_agree_with_the_bots_own_log(revoked_key: tuple[CliRun, Path]) -> None:
    _, report = revoked_key
    log = report.with_name("report.bot.log").read_text()
    # The service that got the 1008 (the bot's log) is the one whose errors were counted.
    (hit,) = set(
        re.findall(r"(DeepgramSTTService#\d+) connection error, will retry: received 1008", log)
    )
    assert json.loads(report.read_text())["metrics"]["errors_counted_from"] == hit
    (surfaced,) = report_checks(report, "error.surfaced")
    # Its first error (the 1008) was not terminal; the terminal one is the 401 on the retry.
    assert surfaced["verdict"] == "fail" and "status 401" in str(surfaced["observed"])
    said = re.findall(r"STT failover: now using (\S+)", log)
    assert said and _switched_inside(report) == said
    verdicts = _verdicts(report)
    assert verdicts["failover.switched"] == "pass"
    assert verdicts["failover.cause_visible"] == "pass"
    assert verdicts["call.ended_cleanly"] == "pass"
    assert verdicts["bot.stopped_cleanly"] == "pass"


def test_failover_takes_the_fakes_down_and_up_and_judges_the_switch(tmp_path: Path) -> None:
    """1011 on the primary's fake at 2 s, every reconnect refused with 503 until 12 s."""
    report = tmp_path / "r.json"
    result = run_voicectl(
        "chaos", "failover", "--crashes", "1011@2,recover@12", "--audio", str(write_opening(tmp_path)),
        "--bot-cmd", EXAMPLE_BOT_CMD, *EXAMPLE_FAKES, "--json", str(report),
    )  # fmt: skip
    verdicts = _verdicts(report)
    assert result.returncode == 1, result.stdout + result.stderr
    assert verdicts["failover.switched"] == "pass"
    # Pipecat spends ~8 s on three reconnects before the switch: the caller's first turn,
    # spoken into the outage, is never answered; the next answer comes after turn 2 (12.6 s).
    (silence,) = report_checks(report, "caller.silence_bounded")
    assert silence["verdict"] == "fail" and "utterance 1" in str(silence["observed"])
    assert verdicts["failover.transcripts_continue"] == "pass"
    # Pipecat 1.14 has no failback: the bot stays on the backup after the primary recovers.
    assert verdicts["failover.failback"] == "warn"
    assert verdicts["failover.no_false_switch"] == "skip"
    log = (tmp_path / "r.bot.log").read_text()
    said = re.findall(r"STT failover: now using (\S+)", log)
    assert said and _switched_inside(report) == said
    assert "received 1011 (internal error) provider crashed" in log


def test_a_stalled_stt_provider_is_not_survived(tmp_path: Path) -> None:
    """The example bot never notices its STT provider stopped reading: no error, no switch.

    Measured: its user turn then ends on a timeout ~5 s after the caller stopped, and the LLM
    answers a turn it never heard ("You said: nothing yet"), so the caller is not left in
    silence; the pipeline never ended and the bot needed SIGKILL (the stalled socket)."""
    report = tmp_path / "r.json"
    result = run_voicectl(
        "chaos", "stt-crash", "--mode", "stall", "--at", "2",
        "--audio", str(write_first_turn(tmp_path, text="Where is my order?")),
        "--bot-cmd", EXAMPLE_BOT_CMD, *EXAMPLE_FAKES, "--json", str(report),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = _verdicts(report)
    assert verdicts["failover.switched"] == "fail"
    assert verdicts["recvloop.error_surfaced"] == "fail"
    assert verdicts["failover.transcripts_continue"] == "fail"
    log = (tmp_path / "r.bot.log").read_text()
    assert "STT failover" not in log and _switched_inside(report) == []
