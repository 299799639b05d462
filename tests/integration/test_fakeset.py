"""A set of fakes on real loopback sockets, driven by plain clients (websockets, the OpenAI SDK)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from voicectl.outcome.connections import EndedBy
from voicectl.providers.fakeset import FakeSet, plan_fakes


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


async def test_a_client_that_gives_up_on_a_stalled_llm_stream_is_journaled() -> None:
    import openai

    plan = plan_fakes(["openai"], ["openai=llm-stall:2"])
    async with FakeSet(plan) as fakes:
        client = openai.AsyncOpenAI(
            base_url=fakes.env["OPENAI_BASE_URL"], api_key="k", max_retries=0, timeout=1.0
        )
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        with pytest.raises(openai.APITimeoutError):
            async for _ in stream:
                pass
        await client.close()
        record = fakes["openai"].log.records()[0]
        for _ in range(30):
            if record.closed_at is not None:
                break
            await asyncio.sleep(0.1)
    assert record.ended_by is EndedBy.TARGET
    assert "the client closed the stalled answer" in record.notes
    assert record.messages_out == 2
