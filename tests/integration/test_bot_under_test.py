"""``--bot-cmd``: the user's bot as a process under test, started, called and always stopped.

The bots here are real processes: Pipecat's own runner serving a Twilio bot
(``pipecat_runner_bot.py``), a Twilio bot that is not Pipecat (``echo_bot.py``) and commands that
fail in the ways a user's bot does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from local_servers import report_checks, run_voicectl, write_first_turn

HERE = Path(__file__).parent
VOICECTL = [sys.executable, "-m", "voicectl"]
RUNNER_BOT = (
    f"env BOT_RATE={{rate}} {sys.executable} {HERE / 'pipecat_runner_bot.py'} "
    "-t twilio --host 127.0.0.1 --port {port}"
)
ECHO_BOT = f"{sys.executable} {HERE / 'echo_bot.py'} {{port}}"


TAG_ENV = "VOICECTL_TEST_PROCESS_TAG"


@pytest.fixture(autouse=True)
def process_tag(monkeypatch: pytest.MonkeyPatch) -> str:
    """A tag in this test's environment, inherited by the voicectl it runs and the bot that one
    starts: xdist runs other tests' bots from the same scripts at the same time."""
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG_ENV, tag)
    return tag


def _alive(marker: str) -> list[str]:
    """Command lines of this test's live processes whose arguments contain ``marker``."""
    tag = f"{TAG_ENV}={os.environ[TAG_ENV]}".encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
            ours = tag in (cmdline.parent / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in text and state != "Z" and "pytest" not in text and ours:
            found.append(text)
    return found


def test_a_bot_that_exits_at_once_is_one_line_with_its_last_log_lines(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path)
    bot = f"{sys.executable} -c 'import sys; print(\"no API key for DEEPGRAM\"); sys.exit(4)' {{port}}"
    result = run_voicectl(
        "replay", str(audio), "--bot-cmd", bot, "--json", str(tmp_path / "r.json")
    )
    assert result.returncode == 3, result.stdout + result.stderr
    first, *rest = result.stdout.splitlines()
    assert "the bot exited with code 4 before it listened on 127.0.0.1:" in first
    assert any("no API key for DEEPGRAM" in line for line in rest)
    assert "Traceback" not in result.stdout + result.stderr
    assert (tmp_path / "r.bot.log").read_text().strip() == "no API key for DEEPGRAM"


def test_a_bot_that_never_listens_is_stopped_with_its_whole_group(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path)
    marker = f"never-listens-{os.getpid()}"
    script = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)  # {marker}']); "
        "print('starting...', flush=True); time.sleep(60)"
    )
    bot = f'{sys.executable} -c "{script}" {{port}} {marker}'
    started = time.monotonic()
    result = run_voicectl("replay", str(audio), "--bot-cmd", bot, "--bot-ready-timeout", "3")
    assert result.returncode == 3, result.stdout + result.stderr
    assert time.monotonic() - started < 30
    assert "the bot did not listen on 127.0.0.1:" in result.stdout
    assert "within 3 s" in result.stdout and "| starting..." in result.stdout
    assert _alive(marker) == []


def test_a_bot_serving_another_path_is_named(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path)
    result = run_voicectl("replay", str(audio), "--bot-cmd", ECHO_BOT, "--bot-path", "/ws")
    assert result.returncode == 3, result.stdout + result.stderr
    first = result.stdout.splitlines()[0]
    assert "the bot listens on 127.0.0.1:" in first and "refused a call at /ws" in first
    assert "HTTP 404" in first and "--bot-path" in first


def test_ctrl_c_stops_the_bots_whole_process_group_and_keeps_the_report(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path)
    report = tmp_path / "r.json"
    proc = subprocess.Popen(
        [
            *VOICECTL,
            "replay",
            str(audio),
            "--bot-cmd",
            ECHO_BOT + " --child",
            "--bot-path",
            "/media",
            "--json",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    try:
        log = tmp_path / "r.bot.log"
        deadline = time.monotonic() + 60
        while "listening" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline and proc.poll() is None, "the bot never started"
            time.sleep(0.1)
        assert _alive("echo-bot-child")
        time.sleep(1.0)  # inside the call
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert _alive("echo-bot-child") == [] and _alive(str(HERE / "echo_bot.py")) == []
    saved = json.loads(report.read_text())
    stopped = [e for e in saved["events"] if e["kind"] == "bot_stopped"]
    assert stopped and stopped[0]["left_running"] is False


@pytest.mark.slow
def test_a_bot_that_is_not_pipecat_gets_carrier_checks_and_unjudged_inside_checks(
    tmp_path: Path,
) -> None:
    audio = write_first_turn(tmp_path)
    report = tmp_path / "r.json"
    result = run_voicectl(
        "replay",
        str(audio),
        "--bot-cmd",
        ECHO_BOT + " --rate {rate}",
        "--bot-path",
        "/media",
        "--rates",
        "8000,16000",
        "--fast",
        "--json",
        str(report),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    answered = report_checks(report, "replay.bot_answered")
    assert [c["verdict"] for c in answered] == ["pass", "pass"]
    (consistency,) = report_checks(report, "replay.rate_consistency")
    assert consistency["verdict"] == "error"
    assert "setup hook never reported from inside the bot" in str(consistency["observed"])


@pytest.mark.slow
def test_replay_into_a_pipecat_runner_bot_sees_inside_and_stops_it(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path)
    report = tmp_path / "r.json"
    result = run_voicectl(
        "replay",
        str(audio),
        "--bot-cmd",
        RUNNER_BOT,
        "--rates",
        "8000",
        "--fast",
        "--answer-within",
        "8",  # this test is about the inside view; a shared machine may slow a --fast answer
        "--json",
        str(report),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    saved = json.loads(report.read_text())
    (inside,) = [e for e in saved["events"] if e["kind"] == "bot_inside"]
    assert inside["hooked"] is True and inside["pipecat"].startswith("1.")
    kinds = {e["kind"] for e in saved["events"] if e["source"].startswith("bot:")}
    assert {"vad_start", "vad_stop", "turn_start", "turn_end", "bot_start"} <= kinds
    assert "pipeline_end" in kinds
    (stopped,) = [e for e in saved["events"] if e["kind"] == "bot_stopped"]
    assert stopped["left_running"] is False
    log = (tmp_path / "r.bot-8000.log").read_text()
    assert "setup_pipeline_worker" in log or "Pipecat" in log
    assert _alive(str(HERE / "pipecat_runner_bot.py")) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("smart_turn_rate", "verdict"), [(None, "pass"), ("16000", "fail")], ids=["correct", "bug"]
)
def test_rate_consistency_of_the_users_bot_is_judged_from_inside(
    tmp_path: Path, smart_turn_rate: str | None, verdict: str
) -> None:
    """One bot start per {rate}; the Pipecat #3844 class of bug (Smart Turn told 8 kHz audio is
    16 kHz) is caught from what the bot's own Smart Turn predicted."""
    from voicectl.audio.script import bundled_fixtures_dir

    report = tmp_path / "r.json"
    result = run_voicectl(
        "replay",
        str(bundled_fixtures_dir() / "appointment_pause.wav"),
        "--bot-cmd",
        RUNNER_BOT,
        "--rates",
        "8000,16000",
        "--fast",
        "--answer-within",
        "6",  # this test is about perception; a shared machine may slow a --fast answer
        "--json",
        str(report),
        env={"BOT_SMART_TURN_RATE": smart_turn_rate or ""},
    )
    (consistency,) = report_checks(report, "replay.rate_consistency")
    assert consistency["verdict"] == verdict, consistency
    assert result.returncode == (0 if verdict == "pass" else 1), result.stdout
    assert (tmp_path / "r.bot-8000.log").exists() and (tmp_path / "r.bot-16000.log").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "ws://127.0.0.1:1/ws"], "--url and --bot-cmd both name the bot"),
        (["--reply-secs", "2"], "--reply-secs applies to the reference bot"),
        (["--fake", "nope"], "unknown provider 'nope'"),
        (["--fake", "deepgram", "--fault", "openai=llm-error:429"], "which is not started"),
    ],
)
def test_load_with_a_bad_bot_option_is_a_usage_error(args: list[str], message: str) -> None:
    result = run_voicectl("load", "--bot-cmd", ECHO_BOT, *args, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_load_drives_concurrent_calls_through_the_bot_command_and_stops_it(
    tmp_path: Path,
) -> None:
    audio = write_first_turn(tmp_path)
    report = tmp_path / "load.json"
    result = run_voicectl(
        "load", str(audio), "--bot-cmd", ECHO_BOT + " --child", "--bot-path", "/media",
        "--calls", "3", "--count", "3", "--json", str(report),
    )  # fmt: skip
    saved = json.loads(report.read_text())
    assert saved["metrics"]["bot_log"] == str(tmp_path / "load.bot.log"), result.stdout
    (success,) = report_checks(report, "load.success_rate")
    assert "3/3 calls succeeded" in str(success["observed"]), success
    (stopped,) = [e for e in saved["events"] if e["kind"] == "bot_stopped"]
    assert stopped["left_running"] is False and _alive("echo-bot-child") == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "judged"),
    [
        (["chaos", "interrupt"], "interrupt.clear_sent"),
        (["chaos", "hangup", "--at", "5"], "hangup.bot_released_call"),
    ],
    ids=["interrupt", "hangup"],
)
def test_conversation_chaos_starts_and_stops_the_bot_command(
    tmp_path: Path, command: list[str], judged: str
) -> None:
    report = tmp_path / "r.json"
    result = run_voicectl(
        *command, "--bot-cmd", RUNNER_BOT.replace("BOT_RATE={rate}", "BOT_RATE=8000"),
        "--json", str(report),
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    (check,) = report_checks(report, judged)
    assert check["verdict"] in ("pass", "fail")
    saved = json.loads(report.read_text())
    (stopped,) = [e for e in saved["events"] if e["kind"] == "bot_stopped"]
    assert stopped["left_running"] is False
    assert _alive(str(HERE / "pipecat_runner_bot.py")) == []


def test_a_suite_scenario_takes_the_bot_options_and_a_fault_that_never_fired_is_an_error(
    tmp_path: Path,
) -> None:
    """The echo bot never calls the OpenAI fake, so its fault cannot act: error, not pass."""
    audio = write_first_turn(tmp_path)
    suite = tmp_path / "suite.toml"
    suite.write_text(
        "[[scenario]]\n"
        'name = "own-bot"\n'
        'command = "replay"\n'
        f"audio = [{json.dumps(str(audio))}]\n"
        f"bot-cmd = {json.dumps(ECHO_BOT)}\n"
        'bot-path = "/media"\n'
        'fake = ["deepgram", "openai"]\n'
        'fault = ["openai=llm-error:429"]\n'
    )
    report = tmp_path / "r.json"
    result = run_voicectl("run", str(suite), "--json", str(report))
    assert result.returncode == 3, result.stdout + result.stderr
    (fired,) = report_checks(report, "own-bot/fault.fired")
    assert fired["verdict"] == "error" and "no fault fired during the call" in str(
        fired["observed"]
    )
    (stopped,) = report_checks(report, "own-bot/bot.stopped_cleanly")
    assert stopped["verdict"] == "pass"


@pytest.mark.slow
async def test_a_setup_hook_that_cannot_reach_voicectl_is_one_line_with_the_bots_log(
    tmp_path: Path,
) -> None:
    from voicectl.audio.script import load_call
    from voicectl.errors import HarnessError
    from voicectl.replay.runner import ReplayPlan, run_replay
    from voicectl.report import Report
    from voicectl.sut.command import BotCommand
    from voicectl.sut.session import BotUnderTest

    bot = BotUnderTest(
        BotCommand.parse(RUNNER_BOT.replace("BOT_RATE={rate}", "BOT_RATE=8000")),
        log_stem=tmp_path / "r",
        env={"VOICECTL_PROBE": "127.0.0.1:1"},  # nothing listens there
    )
    plan = ReplayPlan(calls=[load_call(write_first_turn(tmp_path))], rates=(), fast=True, bot=bot)
    with pytest.raises(HarnessError) as caught:
        await run_replay(plan, Report("replay"))
    first = str(caught.value).splitlines()[0]
    assert first.startswith(
        "voicectl's setup hook failed in the bot: voicectl setup hook: cannot reach"
    )
    assert _alive(str(HERE / "pipecat_runner_bot.py")) == []
