"""``chaos slow-reader`` end to end: the carrier really stops reading its socket mid-reply.

Six real-time calls, run three at a time once for the whole module (about two minutes of wall
time): the reference bot as Pipecat 1.14 ships, two reference bots that fail (a 1 s audio write
timeout on a 4 KB send buffer plus a pipeline that blocks shutdown; a bot that logs every send
it gives up on), Pipecat's runner bot at ``--url`` and as ``--bot-cmd``, and a carrier that never
reads again.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from chaos_cli import check_of, run_chaos, verdicts

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
RUNNER_BOT = (
    f"{sys.executable} {HERE / 'pipecat_runner_bot.py'} -t twilio --host 127.0.0.1 --port {{port}}"
)
RECOVERED, LOG, CLEANED = (
    "slow_reader.recovered",
    "slow_reader.log_bounded",
    "slow_reader.cleaned_up",
)
Run = tuple[int, dict[str, Any]]


@pytest.fixture(scope="module")
def runs(
    pipecat_runner_bot_url: str, tmp_path_factory: pytest.TempPathFactory, pipecat_1_14: str
) -> dict[str, Run]:
    plans = {
        "reference": ["--reply-secs", "12"],
        # The bot's 4 KB send buffer and uvicorn's 64 kB one fill about 6 s into the stall;
        # 12 s leaves the 1 s write timeout room to fire on a loaded machine.
        "muted": [
            "--stall-s",
            "12",
            "--reply-secs",
            "16",
            "--bot-send-buffer",
            "4096",
            "--bot-write-timeout",
            "1",
            "--bot-variant",
            "hang-on-hangup",
            "--end-within",
            "2",
        ],
        "flood": [
            "--reply-secs",
            "18",
            "--stall-s",
            "14",
            "--bot-send-buffer",
            "4096",
            "--bot-variant",
            "log-every-blocked-send",
        ],
        "url": ["--stall-s", "4", "--url", pipecat_runner_bot_url],
        "bot_cmd": ["--stall-s", "4", "--bot-cmd", RUNNER_BOT],
        "never": ["--stall-s", "never", "--hangup-after", "6", "--reply-secs", "12"],
    }

    def run(name: str) -> Run:
        where = tmp_path_factory.mktemp(name)
        return run_chaos(where, "slow-reader", *plans[name], timeout=150)

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(plans, pool.map(run, plans), strict=True))
    return done


def test_pipecat_recovers_from_a_carrier_that_stops_reading_for_8_s(runs: dict[str, Run]) -> None:
    code, report = runs["reference"]
    assert code == 0, verdicts(report)
    recovered = check_of(report, RECOVERED)
    assert recovered["metrics"]["answer_latency_s"] <= 6.0
    # Linux holds what the bot wrote during the stall; it arrives at once when reading resumes.
    assert recovered["metrics"]["backlog_s"] > 4.0
    assert check_of(report, LOG)["metrics"]["log_lines"] == 0
    cleaned = check_of(report, CLEANED)
    assert cleaned["metrics"] == {
        "pipeline_end_s": cleaned["metrics"]["pipeline_end_s"],
        "leftover_tasks": 0,
    }
    assert report["metrics"]["slow_reader.window_closed_s"] < 2.0


def test_a_bot_whose_audio_write_times_out_stays_mute_and_outlives_the_call(
    runs: dict[str, Run],
) -> None:
    code, report = runs["muted"]
    assert code == 1
    assert verdicts(report)[RECOVERED] == "fail", check_of(report, RECOVERED)
    assert verdicts(report)[CLEANED] == "fail", check_of(report, CLEANED)
    assert "held the call but stayed silent" in check_of(report, RECOVERED)["observed"]
    assert "still running" in check_of(report, CLEANED)["observed"]
    # Pipecat's own two lines: the write timed out, the output transport is unusable.
    log = check_of(report, LOG)
    assert log["verdict"] == "pass" and log["metrics"]["log_lines"] == 2


def test_a_bot_that_logs_every_blocked_send_floods_its_log(runs: dict[str, Run]) -> None:
    code, report = runs["flood"]
    assert code == 1
    log = check_of(report, LOG)
    assert log["verdict"] == "fail" and log["metrics"]["log_lines"] > 20
    assert "exception sending data" in log["observed"]


def test_a_bot_at_url_is_judged_on_recovery_and_says_its_log_and_pipeline_are_unseen(
    runs: dict[str, Run],
) -> None:
    code, report = runs["url"]
    assert code == 3
    assert verdicts(report) == {
        RECOVERED: "pass",
        LOG: "error",
        CLEANED: "error",
        "carrier.protocol": "pass",
    }
    assert "not visible from the carrier side" in check_of(report, LOG)["observed"]


def test_a_bot_cmd_pipecat_bot_is_judged_from_its_log_file_and_inside_view(
    runs: dict[str, Run],
) -> None:
    code, report = runs["bot_cmd"]
    assert code == 0, verdicts(report)
    assert check_of(report, LOG)["metrics"]["log_lines"] == 0
    assert "not visible from outside the bot's process" in check_of(report, CLEANED)["observed"]


def test_a_carrier_that_never_reads_again_and_tears_down_leaves_nothing_running(
    runs: dict[str, Run],
) -> None:
    code, report = runs["never"]
    assert code == 0, verdicts(report)
    assert set(verdicts(report)) == {LOG, CLEANED, "carrier.protocol"}
    assert "after the carrier tore the socket down" in check_of(report, CLEANED)["observed"]
