"""The example Twilio bot (``examples/twilio_bot/bot.py``), unmodified and key-less, under voicectl.

Real Pipecat services (two DeepgramSTTService in a failover ServiceSwitcher, OpenAILLMService
with a tool, CartesiaTTSService) talk to voicectl's fakes; voicectl places Twilio calls and sees
inside through the bot's own Pipecat. Each test starts the bot as a user would (``--bot-cmd``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from local_servers import (
    EXAMPLE_BOT,
    EXAMPLE_BOT_CMD,
    EXAMPLE_FAKES,
    report_checks,
    run_voicectl,
    write_first_turn,
)

from voicectl.audio.script import bundled_fixtures_dir

pytestmark = pytest.mark.slow

EXAMPLE = EXAMPLE_BOT
BOT_CMD = EXAMPLE_BOT_CMD
FAKES = list(EXAMPLE_FAKES)
ROOT = Path(__file__).parents[2]


def test_the_example_bot_answers_key_less_and_is_seen_from_inside(tmp_path: Path) -> None:
    audio = write_first_turn(tmp_path, text="Hi, I'd like to check on the status of my order.")
    report = tmp_path / "r.json"
    result = run_voicectl(
        "replay", str(audio), "--bot-cmd", BOT_CMD, *FAKES, "--answer-within", "8",
        "--json", str(report),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (answered,) = report_checks(report, "replay.bot_answered")
    assert answered["verdict"] == "pass"
    events = json.loads(report.read_text())["events"]
    heard = [
        e["text"] for e in events if e["source"].startswith("bot:") and e["kind"] == "transcript"
    ]
    assert heard == ["Hi, I'd like to check on the status of my order."]
    asked = [e for e in events if e["source"] == "fake:openai" and e["kind"] == "connection"]
    assert asked and all(e["status"] == 200 for e in asked)


def test_a_revoked_deepgram_key_fails_over_as_the_bots_own_log_says(tmp_path: Path) -> None:
    """1008 at 8 s on the primary STT's connection, then 401 on every reconnect."""
    report = tmp_path / "r.json"
    run_voicectl(
        "replay", str(bundled_fixtures_dir() / "order_status.wav"), "--bot-cmd", BOT_CMD, *FAKES,
        "--fault", "deepgram=ws-close:1008@8s#first", "--fault", "deepgram=handshake:401#2..",
        "--json", str(report),
    )  # fmt: skip
    switched = report_checks(report, "failover.switched")
    assert [c["verdict"] for c in switched] == ["pass"], switched
    (cause,) = report_checks(report, "failover.cause_visible")
    assert cause["verdict"] == "pass" and "401" in str(cause["observed"])
    # The bot's own log names the service it switched to; voicectl's inside view agrees.
    log = (tmp_path / "r.bot.log").read_text()
    said = re.findall(r"STT failover: now using (\S+)", log)
    events = json.loads(report.read_text())["events"]
    seen = [e["to"] for e in events if e["kind"] == "switched"]
    assert said and seen == said
    assert "DeepgramSTTService#0" in str(switched[0]["observed"]) or "backup" in str(
        switched[0]["observed"]
    )
    # After the switch the backup transcribes what the caller said then, not the call's first
    # utterance again: the fakes name what they hear by the call's clock.
    bot = [e for e in events if e["source"].startswith("bot:")]
    switch = next(i for i, e in enumerate(bot) if e["kind"] == "switched")
    after = " ".join(e["text"] for e in bot[switch:] if e["kind"] == "transcript")
    sidecar = json.loads((bundled_fixtures_dir() / "order_status.json").read_text())
    texts = [u["text"] for u in sidecar["utterances"]]
    assert after.endswith(" ".join(texts[2:])) and after in " ".join(texts[1:]), after
    (stopped,) = report_checks(report, "bot.stopped_cleanly")
    assert stopped["verdict"] == "pass"


@pytest.mark.parametrize(
    ("fault", "verdict"),
    [("openai=llm-error:429~1#1", "pass"), ("openai=llm-stall:3#1", "fail")],
    ids=["429-retry-after", "stalled-stream"],
)
def test_llm_faults_are_judged_for_caller_impact(tmp_path: Path, fault: str, verdict: str) -> None:
    """A 429 with Retry-After is retried by the OpenAI SDK and the caller hears an answer; a
    stream that stalls mid-reply leaves the caller in silence until the call ends.

    Measured on this recording: the answer after a 429 comes ~5.2 s after the caller stops
    (Smart Turn's 3 s incomplete-turn fallback + Retry-After 1 s + the reply), the stall leaves
    ~28 s of silence; the bound sits between them with room for a busy machine."""
    audio = write_first_turn(tmp_path, silence_after_s=13.0, text="Where is my order?")
    report = tmp_path / "r.json"
    run_voicectl(
        "replay", str(audio), "--bot-cmd", BOT_CMD, *FAKES, "--fault", fault,
        "--caller-silence-bound", "12", "--json", str(report),
    )  # fmt: skip
    (silence,) = report_checks(report, "caller.silence_bounded")
    assert silence["verdict"] == verdict, silence
    (ended,) = report_checks(report, "call.ended_cleanly")
    assert ended["verdict"] == "pass", ended


def test_rate_consistency_is_judged_for_the_example_bot(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    run_voicectl(
        "replay", str(ROOT / "voicectl/data/smoke/order_status_short.wav"),
        "--bot-cmd", f"env BOT_SAMPLE_RATE={{rate}} {BOT_CMD}", *FAKES,
        "--rates", "8000,16000", "--fast", "--json", str(report),
    )  # fmt: skip
    (consistency,) = report_checks(report, "replay.rate_consistency")
    assert consistency["verdict"] in ("pass", "fail"), consistency
    # Under --fast the bot's fakes keep the caller's pace (20x), once per bot start.
    events = json.loads(report.read_text())["events"]
    speeds = [e["fakes_speed"] for e in events if e["kind"] == "bot_started"]
    assert speeds == [20.0, 20.0], speeds
    assert (tmp_path / "r.bot-8000.log").exists() and (tmp_path / "r.bot-16000.log").exists()


def test_fast_replay_waits_through_the_bots_function_call_instead_of_talking_over_it(
    tmp_path: Path,
) -> None:
    """The OpenAI fake, scripted, makes the example bot call its 2 s check_order_status. The
    recording leaves the bot 4 s to answer; --fast compresses that gap, so without the inside
    view the caller's next utterance barged in and Pipecat cancelled every call."""
    report = tmp_path / "r.json"
    result = run_voicectl(
        "replay", str(ROOT / "voicectl/data/smoke/order_status_short.wav"),
        "--fast", "--bot-cmd", BOT_CMD, *FAKES, "--llm-script", str(EXAMPLE.parent / "llm-script.json"),
        "--json", str(report),
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    events = json.loads(report.read_text())["events"]
    phases = [(e["tool_call_id"], e["phase"]) for e in events if e["kind"] == "function_call"]
    assert ("call_voicectl_1", "result") in phases, phases
    assert not [p for p in phases if p[1] == "cancelled"], phases


def test_the_guide_shows_the_pytest_example_verbatim() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "guides" / "own-bot.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, flags=re.DOTALL)
    assert (EXAMPLE.with_name("test_bot.py")).read_text() in blocks


@pytest.mark.timing
@pytest.mark.timeout(660)
def test_the_pytest_example_passes(tmp_path: Path) -> None:
    """Three real-time calls of the 35 s order_status call, one bot start each: 197-361 s at
    load 9-15 on the shared 2-core machine. Passed 5 of 6 runs there, the last three in a row;
    the 429 test's longest waits were 2.74, 7.93 and 6.87 s (bound 8 s) in the passes whose
    reports were kept and 14.81 s in the failure (see docs/guides/own-bot.md)."""
    import os
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         str(EXAMPLE.with_name("test_bot.py"))],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
