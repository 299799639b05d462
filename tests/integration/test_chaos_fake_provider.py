"""The fault-injecting fake provider on real loopback sockets, driven by a plain websockets client."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from voicectl.faults import (
    Flap,
    Handshake,
    Latency,
    Malformed,
    MalformedKind,
    Selector,
    StallFault,
    WsClose,
    WsDrop,
)
from voicectl.providers import (
    EndedBy,
    FakeProviderServer,
    ScriptedTranscript,
    TranscriptSchedule,
)

AUDIO = b"\x00" * 640
HEADERS = {"Authorization": "Bearer sk-live-secret"}


async def _stream(url: str, seconds: float, *, headers: dict[str, str] | None = None) -> list[str]:
    """Connect, send a config then 20 ms audio for ``seconds``; return the text messages received."""
    received: list[str] = []
    async with connect(url, additional_headers=headers or HEADERS, close_timeout=1) as ws:
        await ws.send('{"config": 1}')

        async def read() -> None:
            async for message in ws:
                if isinstance(message, str):
                    received.append(message)

        reader = asyncio.create_task(read())
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end and not reader.done():
                await ws.send(AUDIO)
                await asyncio.sleep(0.02)
            if reader.done():
                reader.result()  # re-raise how the connection ended
        finally:
            reader.cancel()
    return received


async def test_close_after_first_message_sends_the_code_and_records_both_sides() -> None:
    async with FakeProviderServer("soniox", WsClose(code=1008, reason="bad key")) as server:
        with pytest.raises(ConnectionClosedError) as info:
            await _stream(server.target_url + "?api_key=sk-123", 1.0)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008
        await asyncio.sleep(0.05)
    (record,) = server.log.records()
    assert record.close_sent == (1008, "bad key") and record.close_received == (1008, "bad key")
    assert record.ended_by is EndedBy.PROVIDER
    assert record.first_message == '{"config": 1}'
    assert record.path == "/transcribe-websocket?api_key=***"
    assert record.auth_header == "Authorization: Bearer ***"


async def test_timed_close_completes_in_one_round_trip_because_the_fake_keeps_draining() -> None:
    async with FakeProviderServer("soniox", WsClose(code=1011, after=0.3)) as server:
        with pytest.raises(ConnectionClosedError):
            await _stream(server.target_url, 3.0)
        await asyncio.sleep(0.05)
    (record,) = server.log.records()
    assert record.fault_at is not None and record.closed_at is not None
    assert record.fault_at - record.opened_at == pytest.approx(0.3, abs=0.05)
    assert record.messages_in > 5 and record.close_received == (1011, "")


async def test_handshake_rejection_is_an_http_status() -> None:
    async with FakeProviderServer("deepgram-flux", Handshake(status=401)) as server:
        with pytest.raises(InvalidStatus) as info:
            await _stream(server.target_url, 0.1)
    assert info.value.response.status_code == 401
    (record,) = server.log.records()
    assert record.status == 401 and record.ended_by is EndedBy.REJECTED


async def test_drop_sends_no_close_frame() -> None:
    async with FakeProviderServer("assemblyai", WsDrop()) as server:
        with pytest.raises(ConnectionClosedError) as info:
            await _stream(server.target_url, 1.0)
    assert info.value.rcvd is None and info.value.sent is None
    assert server.log.records()[0].ended_by is EndedBy.PROVIDER_DROP


async def test_stall_stops_answering_pings_and_stop_does_not_hang() -> None:
    server = FakeProviderServer("soniox", StallFault())
    await server.start()
    try:
        async with connect(server.target_url, close_timeout=0.2) as ws:
            await ws.send('{"config": 1}')
            for _ in range(40):
                await ws.send(AUDIO)
            pong = await ws.ping()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(pong, 0.5)
            ws.transport.abort()
        async with connect(server.target_url, close_timeout=0.2) as ws:
            ws.transport.abort()  # a new connection: the stalled one was given up
    finally:
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 1.0
    stalled, second = server.log.records()
    assert stalled.fault_action == "stall" and stalled.ended_by is EndedBy.ABANDONED
    assert stalled.closed_at == pytest.approx(second.opened_at)


async def test_latency_delays_scripted_transcripts_reproducibly() -> None:
    schedule = TranscriptSchedule((ScriptedTranscript(0.2, "hello"),))
    delays = []
    for _ in range(2):
        async with FakeProviderServer(
            "soniox", Latency(ms=300, jitter_ms=100), transcript_schedule=schedule, seed=7
        ) as server:
            received = await _stream(server.target_url, 0.9)
        assert json.loads(received[0])["tokens"][0]["text"] == "hello"
        (sent,) = server.log.transcripts
        delays.append(sent.t - sent.queued_at)
    assert 0.2 <= delays[0] <= 0.45
    assert delays[0] == pytest.approx(delays[1], abs=0.03)


async def test_malformed_sends_the_protocols_in_band_error() -> None:
    fault = Malformed(kind=MalformedKind.ERROR, error_code=401, error_message="Invalid API key.")
    async with FakeProviderServer("soniox", fault) as server:
        received = await _stream(server.target_url, 0.3)
    assert json.loads(received[0]) == {"error_code": 401, "error_message": "Invalid API key."}


async def test_fault_on_the_first_connection_only() -> None:
    schedule = TranscriptSchedule((ScriptedTranscript(0.3, "after recovery"),))
    async with FakeProviderServer(
        "cartesia-stt",
        WsClose(code=1011),
        selector=Selector.parse("first"),
        transcript_schedule=schedule,
    ) as server:
        with pytest.raises(ConnectionClosedError):
            await _stream(server.target_url, 0.5)
        received = await _stream(server.target_url, 0.5)
    assert json.loads(received[0])["text"] == "after recovery"
    first, second = server.log.records()
    assert first.selected and not second.selected and second.fault_at is None


async def test_flap_cycles_lifetimes_over_connections() -> None:
    async with FakeProviderServer("soniox", Flap(lifetimes=(0.3, 0.1))) as server:
        for _ in range(3):
            with pytest.raises(ConnectionClosedError):
                await _stream(server.target_url, 2.0)
    lifetimes = [r.fault_at - r.opened_at for r in server.log.records() if r.fault_at]
    assert lifetimes == pytest.approx([0.3, 0.1, 0.3], abs=0.06)
