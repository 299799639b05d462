"""LLM faults on the OpenAI fake, against Pipecat 1.14's real OpenAILLMService.

These pin what the installed Pipecat does with each fault (the findings in
docs/findings/pipecat-1.14.md): if a release changes it, these say so.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator

import pytest
from loguru import logger
from pipecat.frames.frames import (
    ErrorFrame,
    FunctionCallInProgressFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
)
from service_pipeline import RunningPipeline, running

from voicectl.outcome.connections import EndedBy
from voicectl.providers.fakeset import FakeSet, plan_fakes
from voicectl.providers.openai_http import LLMTiming
from voicectl.providers.openai_llm import DEFAULT_REPLY, LLMRule, LLMScript

FAST = LLMTiming(first_token_s=0.0, chunk_interval_s=0.002)
USER = "Where is my order please"
FULL_REPLY = DEFAULT_REPLY.replace("{user}", USER)


@pytest.fixture(autouse=True)
def quiet_pipecat() -> Iterator[None]:
    logger.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def context(tools: bool = False):
    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
    from pipecat.processors.aggregators.llm_context import LLMContext

    schema = ToolsSchema(
        standard_tools=[
            FunctionSchema(
                name="check_order_status",
                description="Look up an order",
                properties={"order_id": {"type": "string"}},
                required=["order_id"],
            )
        ]
    )
    messages = [{"role": "user", "content": USER}]
    return LLMContext(messages=messages, tools=schema) if tools else LLMContext(messages=messages)


def llm(url: str):
    from pipecat.services.openai.llm import OpenAILLMService

    return OpenAILLMService(api_key="voicectl-fake-key", base_url=url)


def text_of(run: RunningPipeline) -> str:
    return "".join(f.text for f in run.of_type(LLMTextFrame))


async def test_429_with_retry_after_is_retried_by_the_sdk_and_the_turn_answers() -> None:
    plan = plan_fakes(["openai"], ["openai=llm-error:429~0.3#first"], llm_timing=FAST)
    async with FakeSet(plan) as fakes:
        async with running([llm(fakes.env["OPENAI_BASE_URL"])]) as run:
            start = time.monotonic()
            await run.queue(LLMContextFrame(context()))
            await run.wait_for(lambda: bool(run.of_type(LLMFullResponseEndFrame)), timeout=10)
            took = time.monotonic() - start
            assert text_of(run) == FULL_REPLY
        records = fakes["openai"].log.records()
    assert [r.status for r in records] == [429, 200]
    assert records[1].opened_at - records[0].opened_at >= 0.3  # Retry-After was honoured
    assert took >= 0.3


async def test_503_on_every_request_surfaces_an_error_after_the_sdk_retries() -> None:
    plan = plan_fakes(["openai"], ["openai=llm-error:503~0"], llm_timing=FAST)
    async with FakeSet(plan) as fakes:
        async with running([llm(fakes.env["OPENAI_BASE_URL"])]) as run:
            await run.queue(LLMContextFrame(context()))
            await run.wait_for(lambda: bool(run.errors or run.of_type(ErrorFrame)), timeout=15)
            assert text_of(run) == ""
        statuses = [r.status for r in fakes["openai"].log.records()]
    assert statuses == [503, 503, 503]  # the OpenAI SDK's 2 retries, then Pipecat's error


async def test_slow_first_token_delays_the_reply_by_the_fault() -> None:
    plan = plan_fakes(["openai"], ["openai=llm-slow:800"], llm_timing=FAST)
    async with FakeSet(plan) as fakes, running([llm(fakes.env["OPENAI_BASE_URL"])]) as run:
        start = time.monotonic()
        await run.queue(LLMContextFrame(context()))
        await run.wait_for(lambda: bool(run.of_type(LLMTextFrame)), timeout=10)
        first_text = next(t for t, f in run.frames if isinstance(f, LLMTextFrame)) - start
    assert first_text >= 0.8


async def test_a_stalled_stream_leaves_the_turn_unfinished_with_no_error() -> None:
    plan = plan_fakes(["openai"], ["openai=llm-stall:3"], llm_timing=FAST)
    async with FakeSet(plan) as fakes:
        async with running([llm(fakes.env["OPENAI_BASE_URL"])]) as run:
            await run.queue(LLMContextFrame(context()))
            await run.wait_for(lambda: bool(run.of_type(LLMTextFrame)), timeout=10)
            await asyncio.sleep(2.0)
            assert run.of_type(LLMFullResponseEndFrame) == []
            assert run.errors == [] and run.of_type(ErrorFrame) == []
            assert 0 < len(text_of(run)) < len(FULL_REPLY)
        (record,) = fakes["openai"].log.records()
    assert record.fault_action == "stream stalled after chunk 3"
    assert record.ended_by in (EndedBy.SHUTDOWN, EndedBy.TARGET)


async def test_a_truncated_stream_is_spoken_as_if_it_were_the_whole_reply() -> None:
    plan = plan_fakes(["openai"], ["openai=llm-truncate:3"], llm_timing=FAST)
    async with FakeSet(plan) as fakes, running([llm(fakes.env["OPENAI_BASE_URL"])]) as run:
        await run.queue(LLMContextFrame(context()))
        await run.wait_for(lambda: bool(run.of_type(LLMFullResponseEndFrame)), timeout=10)
        spoken = text_of(run)
        assert run.errors == [] and run.of_type(ErrorFrame) == []
    assert spoken and FULL_REPLY.startswith(spoken) and spoken != FULL_REPLY
    (record,) = fakes["openai"].log.records()
    assert record.ended_by is EndedBy.PROVIDER


async def test_malformed_tool_arguments_make_pipecat_skip_the_call_silently() -> None:
    script = LLMScript((LLMRule(tool="check_order_status"),))
    plan = plan_fakes(["openai"], ["openai=llm-bad-args"], llm_script=script, llm_timing=FAST)
    called: list[object] = []

    async def handler(params: object) -> None:
        called.append(params)

    async with FakeSet(plan) as fakes:
        service = llm(fakes.env["OPENAI_BASE_URL"])
        service.register_function("check_order_status", handler)
        async with running([service]) as run:
            await run.queue(LLMContextFrame(context(tools=True)))
            await run.wait_for(lambda: bool(run.of_type(LLMFullResponseEndFrame)), timeout=10)
            await asyncio.sleep(0.3)
            assert called == [] and run.of_type(FunctionCallInProgressFrame) == []
            assert run.errors == [] and run.of_type(ErrorFrame) == []
        (record,) = fakes["openai"].log.records()
    assert record.fault_action == "malformed tool-call arguments"
    assert "(arguments corrupted)" in " ".join(record.notes)


async def test_a_client_that_leaves_mid_answer_is_recorded_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A caller's barge-in closes the stream mid-answer: the fake notes it, aiohttp logs nothing."""
    slow = LLMTiming(first_token_s=0.0, chunk_interval_s=0.05)
    plan = plan_fakes(["openai"], [], llm_timing=slow)
    body = b'{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Where is my order"}]}'
    async with FakeSet(plan) as fakes:
        host, port = fakes.env["OPENAI_BASE_URL"].split("//")[1].split("/")[0].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        await writer.drain()
        assert b"200" in await asyncio.wait_for(reader.readline(), 5)
        writer.transport.abort()
        await asyncio.sleep(0.5)
        (record,) = fakes["openai"].log.records()
        assert record.ended_by is EndedBy.TARGET
        assert "the client closed the connection mid-answer" in record.notes
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name.startswith("aiohttp")]
    assert errors == [], [r.getMessage() for r in errors]
