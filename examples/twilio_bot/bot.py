"""A Twilio voice bot shaped like Pipecat's own Twilio examples, with STT failover and a tool.

Run it for real with keys (``python bot.py -t twilio --proxy your.domain``), or key-less under
voicectl, which serves fakes of every provider and points the bot at them through the
``*_BASE_URL`` variables below (nothing in this file knows about voicectl)::

    voicectl replay --bot-cmd "python examples/twilio_bot/bot.py -t twilio --port {port}" \\
        --fake deepgram --fake deepgram:backup --fake openai --fake cartesia

Pipeline: Twilio serializer -> Silero VAD + Smart Turn v3 (user turns) -> two Deepgram STTs in
a failover ``ServiceSwitcher`` -> OpenAI LLM with a ``check_order_status`` tool that takes 2 s ->
Cartesia TTS -> Twilio. ``BOT_SAMPLE_RATE`` sets the pipeline rate (default: Pipecat's).
"""

from __future__ import annotations

import asyncio
import os

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.service_switcher import ServiceSwitcher, ServiceSwitcherStrategyFailover
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.runner.types import RunnerArguments
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.services.llm_service import FunctionCallParams
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

SYSTEM_PROMPT = (
    "You are a friendly support agent on a phone call. Answer in one or two short spoken "
    "sentences. Use check_order_status when the caller asks about an order."
)

ORDER_TOOL = FunctionSchema(
    name="check_order_status",
    description="Look up the status of a customer's order.",
    properties={"order_number": {"type": "string", "description": "The order number."}},
    required=["order_number"],
)


async def check_order_status(params: FunctionCallParams) -> None:
    """The order system takes two seconds to answer."""
    await asyncio.sleep(2.0)
    number = params.arguments.get("order_number", "unknown")
    await params.result_callback({"order_number": number, "status": "shipped"})


def deepgram_stt(base_url_var: str, sample_rate: int | None) -> DeepgramSTTService:
    return DeepgramSTTService(
        api_key=os.getenv("DEEPGRAM_API_KEY", ""),
        base_url=os.getenv(base_url_var, ""),
        sample_rate=sample_rate,
    )


async def bot(runner_args: RunnerArguments) -> None:
    """Pipecat runner entry point: one call."""
    _, call_data = await parse_telephony_websocket(runner_args.websocket)
    rate = int(os.environ["BOT_SAMPLE_RATE"]) if os.getenv("BOT_SAMPLE_RATE") else None
    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_data["call_id"],
        account_sid=os.getenv("TWILIO_ACCOUNT_SID", ""),
        auth_token=os.getenv("TWILIO_AUTH_TOKEN", ""),
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        runner_args.websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True, audio_out_enabled=True, serializer=serializer
        ),
    )

    primary = deepgram_stt("DEEPGRAM_BASE_URL", rate)
    backup = deepgram_stt("DEEPGRAM_BACKUP_BASE_URL", rate)
    stt = ServiceSwitcher([primary, backup], strategy_type=ServiceSwitcherStrategyFailover)

    @stt.strategy.event_handler("on_service_switched")
    async def on_service_switched(_strategy: object, service: object) -> None:
        logger.warning(f"STT failover: now using {service}")

    llm = OpenAILLMService(
        api_key=os.getenv("OPENAI_API_KEY", ""),
        base_url=os.getenv("OPENAI_BASE_URL") or None,
        settings=OpenAILLMService.Settings(model=os.getenv("OPENAI_MODEL", "gpt-4o-mini")),
    )
    llm.register_function("check_order_status", check_order_status)
    tts = CartesiaTTSService(
        api_key=os.getenv("CARTESIA_API_KEY", ""),
        url=os.getenv("CARTESIA_BASE_URL", "wss://api.cartesia.ai") + "/tts/websocket",
        settings=CartesiaTTSService.Settings(
            voice=os.getenv("CARTESIA_VOICE_ID", "71a7ad14-091c-4e8e-a314-022ece01c121")
        ),
    )

    context = LLMContext(
        messages=[{"role": "system", "content": SYSTEM_PROMPT}],
        tools=ToolsSchema(standard_tools=[ORDER_TOOL]),
    )
    aggregators = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            vad_analyzer=SileroVADAnalyzer(),
            user_turn_strategies=UserTurnStrategies(
                stop=[TurnAnalyzerUserTurnStopStrategy(turn_analyzer=LocalSmartTurnAnalyzerV3())]
            ),
        ),
    )
    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            aggregators.user(),
            llm,
            tts,
            transport.output(),
            aggregators.assistant(),
        ]
    )
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=rate or 8000, audio_out_sample_rate=rate or 8000
        ),
    )

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(_transport: object, _client: object) -> None:
        await worker.cancel()

    runner = WorkerRunner(handle_sigint=runner_args.handle_sigint)
    await runner.add_workers(worker)
    await runner.run()


if __name__ == "__main__":
    from pipecat.runner.run import main

    main()
