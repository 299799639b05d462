"""carrier.protocol on real loopback sockets: a bot is judged as the real carrier would judge it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from local_servers import run_voicectl
from shared_runs import shared_run
from websockets.asyncio.server import serve

from voicectl.audio.g711 import alaw_encode
from voicectl.audio.script import load_call
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report.model import Report, Verdict

# The docs' example bot (docs/concepts/experiment-model.md runs it with --bot-cmd), in-process.
ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location(
    "wrong_stream_bot", ROOT / "examples" / "wrong_stream_bot.py"
)
assert _SPEC is not None and _SPEC.loader is not None
wrong_stream_bot_example = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(wrong_stream_bot_example)
HARD_CODED_SID = wrong_stream_bot_example.HARD_CODED_SID
_answering_bot = wrong_stream_bot_example.answering_bot


@pytest.fixture
async def right_stream_bot() -> AsyncIterator[str]:
    async with serve(_answering_bot(None), "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/ws"


@pytest.fixture
async def alaw_bot() -> AsyncIterator[str]:
    """Answers on the call's stream, but in A-law: a Twilio call carries mu-law."""
    tone = (4000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype(np.int16)
    async with serve(_answering_bot(None, alaw_encode(tone)), "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/ws"


def _order_status():
    """The first 21 s of the bundled order_status call (three turns)."""
    return load_call(ROOT / "voicectl" / "data" / "smoke" / "order_status_short.wav")


@pytest.mark.slow  # --fast waits up to 8 s for each of the three replies the carrier drops
def test_a_bot_answering_on_a_hard_coded_stream_sid_is_reported_as_such() -> None:
    # The same run as experiment-model.md's example: the example bot started by --bot-cmd.
    run = shared_run(
        "replay", "voicectl/data/smoke/order_status_short.wav", "--fast",
        "--bot-cmd", "python examples/wrong_stream_bot.py --port {port}",
        timeout=120,
    )  # fmt: skip
    assert run.code == 1, run.output[-3000:]
    checks = {c["id"]: c for c in run.report["checks"]}
    protocol = checks["carrier.protocol"]
    assert protocol["verdict"] == "fail"
    assert "messages rejected: " in protocol["observed"]
    assert "addressed to another stream" in protocol["observed"]
    assert f"addressed to '{HARD_CODED_SID}', not this call's stream" in protocol["observed"]
    metrics = protocol["metrics"]
    assert metrics["dropped_media"] == metrics["violations"]["wrong_stream"] > 0
    assert protocol["detail"].startswith("first addressed to another stream: media: streamSid")
    answered = checks["replay.bot_answered"]
    assert answered["verdict"] == "fail"
    assert answered["observed"].endswith("the carrier drops them (see carrier.protocol)")


async def test_a_bot_answering_on_this_calls_stream_passes_carrier_protocol(
    right_stream_bot: str,
) -> None:
    report = Report("replay")
    plan = ReplayPlan(calls=[_order_status()], url=right_stream_bot, rates=(), fast=True)
    await run_replay(plan, report)
    protocol = next(c for c in report.checks if c.id == "carrier.protocol")
    assert protocol.verdict is Verdict.PASS, protocol.observed
    assert protocol.metrics["media"] > 0 and protocol.metrics["dropped_media"] == 0


async def test_a_bot_answering_a_twilio_call_in_a_law_fails_carrier_protocol_naming_the_codec(
    alaw_bot: str,
) -> None:
    report = Report("replay")
    plan = ReplayPlan(calls=[_order_status()], url=alaw_bot, rates=(), fast=True)
    await run_replay(plan, report)
    checks = {c.id: c for c in report.checks}
    protocol = checks["carrier.protocol"]
    assert protocol.verdict is Verdict.FAIL
    assert protocol.observed.startswith("the bot's audio is alaw, not mulaw (decoded as mulaw, ")
    assert protocol.observed.endswith("twilio plays it distorted")
    assert protocol.metrics["dropped_media"] == 0 and protocol.metrics["media"] > 0
    assert protocol.metrics["law_step_ratio"] > 1.0


@pytest.mark.slow  # a real-time call: the first utterance, the reply, 1 s of silence (~20 s)
async def test_a_caller_fault_command_judges_the_carrier_protocol_too(
    alaw_bot: str, tmp_path: Path
) -> None:
    """chaos silence (one of the caller-fault commands): the bot's A-law answer is judged."""
    report = tmp_path / "r.json"
    result = await asyncio.to_thread(
        run_voicectl,
        "chaos", "silence", "--url", alaw_bot, "--within", "1", "--listen", "1",
        "--audio", str(ROOT / "voicectl" / "data" / "smoke" / "order_status_short.wav"),
        "--json", str(report),
        timeout=90,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    checks = {c["id"]: c for c in json.loads(report.read_text())["checks"]}
    assert checks["carrier.protocol"]["verdict"] == "fail", checks
    assert "the bot's audio is alaw, not mulaw" in checks["carrier.protocol"]["observed"]
