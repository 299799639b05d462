"""carrier.protocol on real loopback sockets: a bot is judged as the real carrier would judge it."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve

from voicectl.audio.g711 import ulaw_decode, ulaw_encode
from voicectl.audio.script import bundled_calls
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report.model import Report, Verdict

_TONE = ulaw_encode((4000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype(np.int16))
HARD_CODED_SID = "MZ00000000000000000000000000000000"


def _answering_bot(stream_sid: str | None):
    """Answer each caller turn with 1 s of tone, on this call's stream or on ``stream_sid``."""

    async def bot(ws: ServerConnection) -> None:
        sid, speaking, quiet = "", False, 0
        async for message in ws:
            data = json.loads(message)
            if data["event"] == "start":
                sid = stream_sid or data["start"]["streamSid"]
            if data["event"] != "media":
                continue
            pcm = ulaw_decode(base64.b64decode(data["media"]["payload"])).astype(np.float64)
            if float(np.sqrt(np.mean(pcm**2))) > 300:
                speaking, quiet = True, 0
            elif speaking:
                quiet += 1
                if quiet == 15:
                    speaking = False
                    payload = base64.b64encode(_TONE).decode()
                    for _ in range(50):
                        await ws.send(
                            json.dumps(
                                {"event": "media", "streamSid": sid, "media": {"payload": payload}}
                            )
                        )

    return bot


@pytest.fixture
async def wrong_stream_bot() -> AsyncIterator[str]:
    async with serve(_answering_bot(HARD_CODED_SID), "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/ws"


@pytest.fixture
async def right_stream_bot() -> AsyncIterator[str]:
    async with serve(_answering_bot(None), "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/ws"


def _order_status():
    return next(c for c in bundled_calls() if c.name == "order_status")


async def test_a_bot_answering_on_a_hard_coded_stream_sid_is_reported_as_such(
    wrong_stream_bot: str,
) -> None:
    report = Report("replay")
    plan = ReplayPlan(calls=[_order_status()], url=wrong_stream_bot, rates=(), fast=True)
    await run_replay(plan, report)
    checks = {c.id: c for c in report.checks}
    protocol = checks["carrier.protocol"]
    assert protocol.verdict is Verdict.FAIL
    assert "messages rejected: " in protocol.observed
    assert "addressed to another stream" in protocol.observed
    assert f"addressed to '{HARD_CODED_SID}', not this call's stream" in protocol.observed
    assert protocol.metrics["dropped_media"] == protocol.metrics["violations"]["wrong_stream"] > 0
    assert protocol.detail.startswith("first addressed to another stream: media: streamSid")
    answered = checks["replay.bot_answered"]
    assert answered.verdict is Verdict.FAIL
    assert answered.observed.endswith("the carrier drops them (see carrier.protocol)")


async def test_a_bot_answering_on_this_calls_stream_passes_carrier_protocol(
    right_stream_bot: str,
) -> None:
    report = Report("replay")
    plan = ReplayPlan(calls=[_order_status()], url=right_stream_bot, rates=(), fast=True)
    await run_replay(plan, report)
    protocol = next(c for c in report.checks if c.id == "carrier.protocol")
    assert protocol.verdict is Verdict.PASS, protocol.observed
    assert protocol.metrics["media"] > 0 and protocol.metrics["dropped_media"] == 0
