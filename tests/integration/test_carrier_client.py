"""The carrier client against small scripted bots on real loopback sockets."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve

from voicectl.audio.g711 import ulaw_decode, ulaw_encode
from voicectl.audio.script import Utterance
from voicectl.replay.client import CallOptions, place_call

RATE = 8000
UTTERANCES = [Utterance(0.4, 1.2, "first"), Utterance(2.4, 3.2, "second")]


def _call_audio(seconds: float = 4.0) -> np.ndarray:
    audio = np.zeros(int(seconds * RATE), dtype=np.int16)
    t = np.arange(int(0.8 * RATE)) / RATE
    tone = (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    for utterance in UTTERANCES:
        start = int(utterance.start * RATE)
        audio[start : start + tone.size] = tone
    return audio


Behaviour = Callable[[ServerConnection], Awaitable[None]]


async def _media(ws: ServerConnection, sid: str, seconds: float, *, pace: bool = False) -> None:
    frame = ulaw_encode((4000 * np.sin(2 * np.pi * 440 * np.arange(160) / RATE)).astype(np.int16))
    for _ in range(int(seconds / 0.02)):
        payload = base64.b64encode(frame).decode()
        await ws.send(
            json.dumps({"event": "media", "streamSid": sid, "media": {"payload": payload}})
        )
        if pace:
            await asyncio.sleep(0.02)


async def energy_bot(
    ws: ServerConnection, *, answer: bool = True, clear_at_second: bool = False
) -> None:
    """Reply 0.3 s of tone after 200 ms of silence that follows speech; mark each reply."""
    sid = ""
    speaking = False
    quiet_frames = 0
    replies = 0
    async for message in ws:
        data = json.loads(message)
        if data["event"] == "start":
            sid = data["start"]["streamSid"]
        if data["event"] != "media":
            continue
        pcm = ulaw_decode(base64.b64decode(data["media"]["payload"])).astype(np.float64)
        loud = float(np.sqrt(np.mean(pcm**2))) > 500
        if loud:
            if speaking is False and clear_at_second and replies == 1:
                await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
            speaking, quiet_frames = True, 0
        elif speaking:
            quiet_frames += 1
            if quiet_frames == 10:
                speaking = False
                if answer:
                    replies += 1
                    await _media(ws, sid, 0.3)
                    await ws.send(
                        json.dumps(
                            {
                                "event": "mark",
                                "streamSid": sid,
                                "mark": {"name": f"reply-{replies}"},
                            }
                        )
                    )


async def closing_bot(ws: ServerConnection) -> None:
    """Close with 1011 after about a second of audio."""
    count = 0
    async for _ in ws:
        count += 1
        if count == 50:
            await ws.close(1011, "internal error: llm crashed")
            return


async def dropping_bot(ws: ServerConnection) -> None:
    """Abort the TCP connection (no close frame) after about a second of audio."""
    count = 0
    async for _ in ws:
        count += 1
        if count == 50:
            ws.transport.abort()
            return


async def clearing_bot(ws: ServerConnection) -> None:
    """Send a clear while silent, then talk for two seconds and clear in the middle of it."""
    sid = ""
    async for message in ws:
        data = json.loads(message)
        if data["event"] == "start":
            sid = data["start"]["streamSid"]
            await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
            await asyncio.sleep(0.5)
            talk = asyncio.create_task(_media(ws, sid, 2.0, pace=True))
            await asyncio.sleep(1.0)
            await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
            talk.cancel()
            break
    async for _ in ws:
        pass


@pytest.fixture
async def bot_url() -> AsyncIterator[Callable[[Behaviour], Awaitable[str]]]:
    servers = []

    async def start(behaviour: Behaviour) -> str:
        server = await serve(behaviour, "127.0.0.1", 0)
        servers.append(server)
        port = next(iter(server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/ws"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_fast_call_measures_each_answer_and_echoes_marks(bot_url) -> None:
    url = await bot_url(energy_bot)
    outcome = await place_call(
        _call_audio(), UTTERANCES, CallOptions(url=url, fast=True, tail_s=0.5, record=True)
    )
    assert outcome.error is None
    assert [t.answered for t in outcome.turns] == [True, True]
    for turn in outcome.turns:
        # The bot answers after 10 quiet frames: 200 ms of caller audio after the tone ends,
        # which fast pacing delivers in a fraction of that wall time.
        assert turn.answered_at is not None and 0.15 <= turn.answered_at - turn.utterance.end <= 0.5
        assert turn.latency_s is not None and turn.latency_s < 0.2
    assert outcome.marks_echoed == 2
    assert outcome.bot_audio is not None and np.abs(outcome.bot_audio).max() > 1000
    assert outcome.close_code == 1000 and not outcome.closed_by_bot


@pytest.mark.timing
async def test_realtime_call_is_paced_and_measures_wall_latency(bot_url) -> None:
    url = await bot_url(energy_bot)
    outcome = await place_call(
        _call_audio(), UTTERANCES, CallOptions(url=url, fast=False, tail_s=0.2)
    )
    assert outcome.error is None
    assert 4.0 <= outcome.wall_s < 5.5
    summary = outcome.pacing.summary_ms()
    assert summary["frames"] == 210
    assert summary["p50_ms"] < 2.0
    assert all(t.answered for t in outcome.turns)


async def test_a_bot_that_never_answers_leaves_every_turn_unanswered(bot_url) -> None:
    async def mute(ws: ServerConnection) -> None:
        await energy_bot(ws, answer=False)

    url = await bot_url(mute)
    outcome = await place_call(
        _call_audio(), UTTERANCES, CallOptions(url=url, fast=True, tail_s=0.5, fast_max_wait_s=1.0)
    )
    assert outcome.error is None
    assert [t.answered for t in outcome.turns] == [False, False]


async def test_a_bot_close_fails_fast_naming_code_and_reason(bot_url) -> None:
    url = await bot_url(closing_bot)
    outcome = await place_call(_call_audio(), UTTERANCES, CallOptions(url=url, fast=False))
    assert outcome.closed_by_bot and outcome.close_code == 1011
    assert outcome.error is not None
    assert "with code 1011 (internal error: llm crashed)" in outcome.error
    assert outcome.wall_s < 2.5  # fails at the close, not after the 7 s call or a timeout


async def test_a_dropped_connection_is_reported_as_1006(bot_url) -> None:
    url = await bot_url(dropping_bot)
    outcome = await place_call(_call_audio(), UTTERANCES, CallOptions(url=url, fast=False))
    assert outcome.close_code == 1006
    assert outcome.error is not None and "without a close frame (1006)" in outcome.error
    assert outcome.wall_s < 2.5


async def test_only_clears_while_bot_audio_flows_count_as_barge_in(bot_url) -> None:
    url = await bot_url(clearing_bot)
    outcome = await place_call(
        _call_audio(), UTTERANCES, CallOptions(url=url, fast=False, tail_s=0.2)
    )
    assert len(outcome.clears) == 2
    assert [c.during_bot_audio for c in outcome.clears] == [False, True]
    assert outcome.runs[0].cleared


async def test_nothing_listening_is_an_attributable_error() -> None:
    outcome = await place_call(
        _call_audio(), UTTERANCES, CallOptions(url="ws://127.0.0.1:9/ws", connect_timeout_s=2)
    )
    assert outcome.error is not None and outcome.error.startswith(
        "cannot connect to ws://127.0.0.1:9/ws"
    )


async def test_a_rejected_handshake_names_the_http_status() -> None:
    def reject(connection, request):
        return connection.respond(403, "Forbidden\n")

    async with serve(energy_bot, "127.0.0.1", 0, process_request=reject) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        outcome = await place_call(
            _call_audio(), UTTERANCES, CallOptions(url=f"ws://127.0.0.1:{port}/ws")
        )
    assert outcome.error is not None and "HTTP 403" in outcome.error
