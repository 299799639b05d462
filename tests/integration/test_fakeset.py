"""A set of fakes on real loopback sockets, driven by plain clients (websockets, the OpenAI SDK)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from voicectl.providers.fakeset import FakeSet, plan_fakes
from voicectl.providers.log import EndedBy


async def test_revoked_key_closes_1008_then_rejects_every_reconnect_with_401() -> None:
    plan = plan_fakes(
        ["deepgram"], ["deepgram=ws-close:1008@0.3s#first", "deepgram=handshake:401#2.."]
    )
    async with FakeSet(plan) as fakes:
        url = fakes.env["DEEPGRAM_BASE_URL"] + "/v1/listen?sample_rate=16000"
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosedError) as closed:
                while True:
                    await ws.send(b"\x00" * 640)
                    await asyncio.sleep(0.02)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        for _ in range(2):
            with pytest.raises(InvalidStatus) as rejected:
                async with connect(url):
                    pass
            assert rejected.value.response.status_code == 401
        records = fakes["deepgram"].log.records()
        events = fakes.journal()
    assert [r.ended_by for r in records] == [EndedBy.PROVIDER, EndedBy.REJECTED, EndedBy.REJECTED]
    assert records[0].close_sent == (1008, "")
    assert [e["kind"] for e in events if e["kind"] != "connection"] == ["fault"] * 3
    assert all(e["source"] == "fake:deepgram" for e in events)


async def test_every_fake_gets_its_own_port_and_env_var() -> None:
    plan = plan_fakes(["deepgram", "deepgram:backup", "openai", "cartesia"])
    async with FakeSet(plan) as fakes:
        env = fakes.env
        assert list(env) == [
            "DEEPGRAM_BASE_URL",
            "DEEPGRAM_BACKUP_BASE_URL",
            "OPENAI_BASE_URL",
            "CARTESIA_BASE_URL",
        ]
        assert len(set(env.values())) == 4
        assert env["OPENAI_BASE_URL"].startswith("http://127.0.0.1:")
        assert env["OPENAI_BASE_URL"].endswith("/v1")
        assert fakes.env_lines()[0] == f"DEEPGRAM_BASE_URL={env['DEEPGRAM_BASE_URL']}"
