"""``chaos slow-reader`` verdicts on results built by hand, and its usage errors.

A stall that never filled the carrier's buffers, or that began after the reply ended, is an
error with its reason, never a pass; what cannot be seen of a bot at ``--url`` is an error too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voicectl.audio.script import Utterance
from voicectl.checks.slow_reader import (
    judge_slow_reader_cleaned_up,
    judge_slow_reader_log_bounded,
    judge_slow_reader_recovered,
)
from voicectl.conversation.slow_reader import log_lines_since
from voicectl.outcome.call import BotAudioRun, CallOutcome, TurnResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.outcome.slow_reader import LogLine, SlowReaderPlan, SlowReaderResult
from voicectl.report.model import Verdict


def _result(**changes: object) -> SlowReaderResult:
    """A stall that happened: mid-reply, window closed 0.5 s in, read again, answered 1.2 s later."""
    outcome = CallOutcome(carrier="twilio", url="", fast=False, duration_s=30.0)
    outcome.runs = [BotAudioRun(7.0, 8.0), BotAudioRun(16.0, 24.0), BotAudioRun(28.2, 29.0)]
    result = SlowReaderResult(
        SlowReaderPlan(stall_s=8.0),
        DirectedCall(outcome),
        question=TurnResult(0, Utterance(1.0, 4.7, "q")),
        stopped_at=8.0,
        stopped_wall=100.0,
        mid_reply=True,
        unread=[(0.0, 0), (0.5, 5555), (4.0, 5555), (8.0, 5555)],
        receive_buffer_bytes=8192,
        resumed_at=16.0,
        backlog_s=8.0,
        after=TurnResult(1, Utterance(25.0, 27.0, "a")),
        hung_up_wall=130.0,
        log=[],
        pipeline_end_s=0.03,
        leftover_tasks=[],
    )
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def test_a_stall_that_happened_and_an_answer_in_time_pass_every_check() -> None:
    result = _result()
    assert result.window_closed_s == 0.5
    assert judge_slow_reader_recovered(result).verdict is Verdict.PASS
    assert judge_slow_reader_log_bounded(result).verdict is Verdict.PASS
    assert judge_slow_reader_cleaned_up(result).verdict is Verdict.PASS


def test_a_reply_that_ended_before_the_stall_is_an_error_for_every_check() -> None:
    result = _result(mid_reply=False, unread=[(0.0, 0), (0.5, 900), (8.0, 900)])
    for judge in (
        judge_slow_reader_recovered,
        judge_slow_reader_log_bounded,
        judge_slow_reader_cleaned_up,
    ):
        check = judge(result)
        assert check.verdict is Verdict.ERROR
        assert "reply had ended" in check.observed


def test_a_window_that_closed_counts_as_a_stall_even_if_audio_paused_at_the_stop() -> None:
    assert judge_slow_reader_recovered(_result(mid_reply=False)).verdict is Verdict.PASS


def test_a_receive_buffer_that_never_filled_is_an_error_not_a_pass() -> None:
    # The bot stopped sending after 1 200 bytes: the window never closed.
    result = _result(unread=[(0.0, 0), (0.5, 1200), (8.0, 1200)])
    assert result.window_closed_s is None
    check = judge_slow_reader_recovered(result)
    assert check.verdict is Verdict.ERROR
    assert "receive buffer never filled (1200 bytes unread of 8192)" in check.observed


def test_a_bot_that_never_answers_after_the_stall_fails_recovered() -> None:
    result = _result()
    result.outcome.runs = result.outcome.runs[:2]
    check = judge_slow_reader_recovered(result)
    assert check.verdict is Verdict.FAIL
    assert "held the call but stayed silent" in check.observed


def test_a_bot_that_ended_the_call_during_the_stall_fails_recovered() -> None:
    result = _result(after=None)
    result.outcome.closed_by_bot = True
    result.outcome.error = "bot closed the call at 17.00 s with code 1011"
    check = judge_slow_reader_recovered(result)
    assert check.verdict is Verdict.FAIL and "ended the call" in check.observed


def test_log_lines_before_the_stall_do_not_count_and_a_flood_fails() -> None:
    before = [LogLine(99.0, "WARNING", "before the stall")] * 50
    during = [LogLine(101.0, "WARNING", "exception sending data")] * 21
    assert judge_slow_reader_log_bounded(_result(log=before)).verdict is Verdict.PASS
    flooded = judge_slow_reader_log_bounded(_result(log=before + during))
    assert flooded.verdict is Verdict.FAIL
    assert flooded.observed.startswith("21 warning/error line(s)")


def test_what_a_bot_at_url_does_not_show_is_an_error() -> None:
    result = _result(log=None, pipeline_end_s=None, leftover_tasks=None)
    assert judge_slow_reader_log_bounded(result).verdict is Verdict.ERROR
    assert judge_slow_reader_cleaned_up(result).verdict is Verdict.ERROR


def test_a_pipeline_still_running_after_the_hang_up_fails_cleaned_up() -> None:
    result = _result(pipeline_end_s=None, leftover_tasks=["StuckOnShutdown#0 (process_frame)"])
    check = judge_slow_reader_cleaned_up(result)
    assert check.verdict is Verdict.FAIL and "StuckOnShutdown#0" in check.observed


def test_a_bot_log_file_is_counted_from_the_stall_on(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text("2026 | WARNING | early\n")
    offset = log.stat().st_size
    with log.open("a") as out:
        out.write("2026 | INFO | fine\n2026 | ERROR | send failed\nWARNING:root:slow\n")
    assert [line.level for line in log_lines_since(log, offset)] == ["ERROR", "WARNING"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stall-s", "soon"], "--stall-s 'soon': give seconds or 'never'"),
        (["--stall-s", "0.1"], "--stall-s 0.1: must be 0.5-300 seconds (or 'never')"),
        (
            ["--url", "ws://127.0.0.1:1/ws", "--bot-write-timeout", "2"],
            "--bot-write-timeout applies to the reference bot",
        ),
        (["--url", "http://x"], "--url must be a ws:// or wss:// URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "chaos", "slow-reader", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
