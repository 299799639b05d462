"""Pipecat 1.14's real function-calling path under interruption, as it is (pipecat #3661, #4997).

Real ``OpenAILLMService`` (no request is made: the calls are handed to its public
``run_function_calls``, as its own streaming code does) with a registered handler, and the real
``LLMAssistantAggregator`` after it. Each test pins what 1.14 does, for ``cancel_on_interruption``
True and False; docs/findings/pipecat-1.14.md quotes them.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pipecat
import pytest
from loguru import logger
from pipecat.frames.frames import (
    Frame,
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMMessagesAppendFrame,
    SystemFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import FunctionCallParams
from pipecat.services.openai.llm import OpenAILLMService
from service_pipeline import running

MEASURED_ON = "1.14.0"


@pytest.fixture(autouse=True)
def quiet_pipecat() -> Iterator[None]:
    assert pipecat.__version__ == MEASURED_ON, "re-measure these behaviours on the new Pipecat"
    logger.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _service(cancel_on_interruption: bool, ran: list[str]) -> OpenAILLMService:
    llm = OpenAILLMService(api_key="k", base_url="http://127.0.0.1:9/v1")

    async def end_call(params: FunctionCallParams) -> None:
        ran.append("started")
        await asyncio.sleep(0.3)
        ran.append("hung up")
        await params.result_callback({"ended": True})

    llm.register_function("end_call", end_call, cancel_on_interruption=cancel_on_interruption)
    return llm


def _call(context: LLMContext) -> list[FunctionCallFromLLM]:
    return [
        FunctionCallFromLLM(
            function_name="end_call", tool_call_id="c1", arguments={}, context=context
        )
    ]


class BusyStage(FrameProcessor):
    """Takes 0.3 s over each non-system frame, as a TTS working through text does.

    A ``SystemFrame`` (``FunctionCallCancelFrame``) overtakes the ``ControlFrame``
    (``FunctionCallInProgressFrame``) queued behind it: the order pipecat #3661 describes.
    """

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM and not isinstance(frame, SystemFrame):
            await asyncio.sleep(0.3)
        await self.push_frame(frame, direction)


@pytest.mark.parametrize("cancel_on_interruption", [True, False])
async def test_pipecat_3661_a_cancel_that_overtakes_in_progress_leaves_the_call_in_progress(
    cancel_on_interruption: bool,
) -> None:
    """The caller barges in while FunctionCallInProgressFrame waits behind a busy stage.

    True: the interruption cancels the call; its FunctionCallCancelFrame (a SystemFrame) reaches
    the assistant aggregator before FunctionCallInProgressFrame, which returns early on its
    ``None`` entry, and the call stays in progress for good. False: nothing is cancelled and the
    call settles with its result.
    """
    ran: list[str] = []
    llm = _service(cancel_on_interruption, ran)
    context = LLMContext(messages=[{"role": "user", "content": "bye"}])
    assistant = LLMContextAggregatorPair(context).assistant()
    async with running([llm, BusyStage()], tail=[assistant]) as run:
        await run.queue(LLMMessagesAppendFrame([], run_llm=False))  # occupy the busy stage
        await asyncio.sleep(0.05)
        await llm.run_function_calls(_call(context))
        await asyncio.sleep(0.1)  # the call is running; its in-progress frame is queued
        await run.queue(InterruptionFrame())
        await asyncio.sleep(1.5)
        order = [
            type(f).__name__
            for f in run.of_type(
                (FunctionCallCancelFrame, FunctionCallInProgressFrame, FunctionCallResultFrame)
            )
        ]
        stuck = assistant.has_function_calls_in_progress
    if cancel_on_interruption:
        assert order[0] == "FunctionCallCancelFrame", order
        assert "FunctionCallResultFrame" not in order
        assert ran == ["started"]
        assert stuck, "1.14 settled a cancel that beat FunctionCallInProgressFrame: #3661 is fixed"
    else:
        assert "FunctionCallCancelFrame" not in order
        assert order[-1] == "FunctionCallResultFrame", order
        assert ran == ["started", "hung up"]
        assert not stuck


@pytest.mark.parametrize("cancel_on_interruption", [True, False])
async def test_pipecat_4997_an_end_call_interrupted_while_in_progress(
    cancel_on_interruption: bool,
) -> None:
    """The caller barges in while ``end_call`` runs: True cancels it, False lets it hang up."""
    ran: list[str] = []
    llm = _service(cancel_on_interruption, ran)
    context = LLMContext(messages=[{"role": "user", "content": "bye"}])
    assistant = LLMContextAggregatorPair(context).assistant()
    async with running([llm], tail=[assistant]) as run:
        await llm.run_function_calls(_call(context))
        await run.wait_for(lambda: bool(run.of_type(FunctionCallInProgressFrame)), timeout=5)
        await llm.process_frame(InterruptionFrame(), FrameDirection.DOWNSTREAM)
        await asyncio.sleep(0.8)
        cancels = run.of_type(FunctionCallCancelFrame)
        stuck = assistant.has_function_calls_in_progress
    assert not stuck
    if cancel_on_interruption:
        assert ran == ["started"] and len(cancels) == 1
    else:
        assert ran == ["started", "hung up"] and cancels == []
