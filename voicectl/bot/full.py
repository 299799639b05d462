"""The FULL reference bot: real Deepgram STT, OpenAI LLM with registered functions, Cartesia TTS.

Every stage is Pipecat's own service, talking to voicectl's provider fakes on loopback
(:mod:`voicectl.providers.fakeset`). The LLM fake's script makes the model call
``check_order_status`` when the caller mentions an order, and ``end_call`` when they say goodbye;
both go through Pipecat's real function-calling path (``register_function``,
``FunctionCallParams``, ``result_callback``), so an interruption meets ``FunctionCallInProgressFrame``,
``FunctionCallCancelFrame`` and the aggregators' bookkeeping as in production.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import EndWorkerFrame, TTSStartedFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.function_call_observer import (
    FunctionCallEvent,
    FunctionCallObserver,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import FunctionCallParams
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import BaseUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from voicectl.bot.full_llm import (
    FUNCTIONS,
    SYSTEM_PROMPT,
    full_bot_llm_script,
    full_bot_tools,
)
from voicectl.errors import InputError
from voicectl.outcome.function_calls import FunctionCallLog, FunctionCallMoment

__all__ = [
    "FULL_BOT_FAKES",
    "FUNCTIONS",
    "FullBotBrain",
    "full_bot_llm_script",
    "full_bot_stages",
    "load_flow",
    "log_function_calls",
]

#: The provider fakes the full bot talks to (started in-process by the reference bot server).
FULL_BOT_FAKES = ("deepgram", "openai", "cartesia")


def load_flow(path: str, *, function: str = "check_order_status") -> Any:
    """A user's ``pipecat.flows`` ``FlowConfig`` (YAML or JSON) for the flows bot, checked now.

    Its tools are joined by name to the bot's handlers (:data:`FUNCTIONS`; a
    ``transition_only`` tool needs none), and its initial node must offer ``function``, the tool
    the fake model calls. Any problem is one :class:`InputError` line.
    """
    from pipecat.flows import Flow, FlowConfig, FlowError

    try:
        config = FlowConfig.from_file(path)
    except OSError as exc:
        raise InputError(f"{path}: the flows configuration cannot load: {exc.strerror}") from None
    except Exception as exc:  # yaml, JSON and pydantic errors alike
        raise InputError(
            f"{path}: the flows configuration cannot load: {_load_problem(exc)}"
        ) from None
    try:
        Flow(config, handlers=FullBotBrain(flow_config=config).flow_handlers())
    except FlowError as exc:
        reason = " ".join(str(exc).split())
        raise InputError(
            f"{path}: the flows configuration names what the bot does not have: {reason} "
            f"(the bot's functions: {', '.join(FUNCTIONS)})"
        ) from None
    initial = config.nodes[config.initial_node]
    if function not in [f.name for f in initial.functions]:
        raise InputError(
            f"{path}: its initial node {config.initial_node!r} offers no {function} "
            "(the fake model calls it on the caller's first turn)"
        )
    return config


def _load_problem(exc: Exception) -> str:
    """One line for why a flow config did not load (pydantic: each field and its problem)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        problems = [
            f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in errors()
        ]
        return "; ".join(problems)
    return " ".join(str(exc).split())


def log_function_calls(
    log: FunctionCallLog, observer: FunctionCallObserver
) -> FunctionCallObserver:
    """Record every moment Pipecat's ``observer`` reports into ``log``, as plain data; returns it."""

    @observer.event_handler("on_function_call_event")
    async def _on_event(_observer: object, event: FunctionCallEvent) -> None:
        log.events.append(
            FunctionCallMoment(
                kind=event.kind.value.removeprefix("function_call_"),
                function_name=event.function_name,
                tool_call_id=event.tool_call_id,
                timestamp=event.timestamp,
            )
        )

    return observer


class _BrainObserver(FunctionCallObserver):
    """Pipecat's ``FunctionCallObserver`` that also counts the bot's replies (each
    ``TTSStartedFrame`` the TTS service pushes).

    One observer rather than two: Pipecat's worker hands every frame each processor handles to
    every observer through that observer's own queue and task, for each of the call's ~3 000
    caller frames at every stage. Like its base, it hears each frame's first push only.
    """

    def __init__(self, brain: FullBotBrain) -> None:
        super().__init__(include_results=True)
        self._brain = brain

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, TTSStartedFrame) and data.direction is FrameDirection.DOWNSTREAM:
            self._brain.replies += 1
        await super().on_push_frame(data)


@dataclass
class FullBotBrain:
    """What the full bot did in one call: replies, function calls, whether it hung up and when."""

    tool_secs: float = 2.0
    cancel_on_interruption: bool = True
    calls: FunctionCallLog = field(default_factory=FunctionCallLog)
    replies: int = 0
    hung_up_at: float | None = None  # monotonic, when end_call asked the pipeline to end
    hung_up_by: str | None = None  # the tool_call_id of the end_call that ended the call
    handler_runs: dict[str, int] = field(default_factory=dict)
    assistant: Any = None  # the call's LLMAssistantAggregator
    flows: bool = False  # a pipecat.flows FlowManager runs the conversation
    flow_manager: Any = None
    flow_nodes: list[str] = field(default_factory=list)  # nodes the flow entered, in order
    llm: Any = None
    pair: Any = None

    flow_config: Any = None  # a user's pipecat.flows FlowConfig; None: order -> report

    async def start_flow(self, worker: Any) -> None:
        """Build the call's ``FlowManager`` and enter the first node (once the pipeline runs)."""
        from pipecat.flows import Flow, FlowManager

        if self.flow_config is None:
            self.flow_manager = FlowManager(
                llm=self.llm, context_aggregator=self.pair, worker=worker
            )
            await self.flow_manager.initialize(self.order_node())
            return
        flow = Flow(self.flow_config, handlers=self.flow_handlers())
        self.flow_manager = FlowManager(
            llm=self.llm,
            context_aggregator=self.pair,
            worker=worker,
            global_functions=flow.global_functions,
        )
        await self.flow_manager.initialize(flow.initial_node)

    @property
    def first_node(self) -> str:
        """The node the flow starts in."""
        return "order" if self.flow_config is None else str(self.flow_config.initial_node)

    def flow_handlers(self) -> dict[str, Any]:
        """The bot's functions as Flows direct functions, for a user's flow configuration."""
        from pipecat.flows import TRANSITION_IN_YAML, flows_tool_options

        brain = self

        @flows_tool_options(cancel_on_interruption=self.cancel_on_interruption)
        async def check_order_status(
            flow_manager: Any, order_id: str
        ) -> tuple[dict[str, str], Any]:
            """Look up the delivery status of an order.

            Args:
                order_id: The order number.
            """
            brain.handler_runs["check_order_status"] = (
                brain.handler_runs.get("check_order_status", 0) + 1
            )
            await asyncio.sleep(brain.tool_secs)
            return {"order_id": order_id, "status": "shipped yesterday"}, TRANSITION_IN_YAML

        @flows_tool_options(cancel_on_interruption=self.cancel_on_interruption)
        async def end_call(flow_manager: Any) -> tuple[dict[str, bool], Any]:
            """End the phone call once the caller has said goodbye."""
            brain.handler_runs["end_call"] = brain.handler_runs.get("end_call", 0) + 1
            await asyncio.sleep(brain.tool_secs)
            brain.hung_up_at = time.monotonic()
            # A direct function is not told its call's id: it is the end_call running now.
            brain.hung_up_by = next(
                (
                    e.tool_call_id
                    for e in reversed(brain.calls.events)
                    if e.function_name == "end_call"
                ),
                None,
            )
            await flow_manager.worker.queue_frame(EndWorkerFrame())
            return {"ended": True}, TRANSITION_IN_YAML

        return {"check_order_status": check_order_status, "end_call": end_call}

    def flow_node(self) -> str | None:
        return None if self.flow_manager is None else self.flow_manager.current_node

    # At the call's end: whether the assistant aggregator still counted a call in progress
    # (pipecat #3661 leaves one there even when the observer saw the call cancelled).
    aggregator_in_progress_at_end: bool | None = None

    async def order_node_check(self, args: dict[str, Any], flow_manager: Any) -> tuple[Any, Any]:
        """Flows handler for ``check_order_status``: look the order up, then go to ``report``."""
        self.handler_runs["check_order_status"] = self.handler_runs.get("check_order_status", 0) + 1
        await asyncio.sleep(self.tool_secs)
        order = str(args.get("order_id", "unknown"))
        return {"order_id": order, "status": "shipped yesterday"}, self.report_node()

    def order_node(self) -> dict[str, Any]:
        """The flow's first node: the caller asks about an order; a function moves the flow on."""
        from pipecat.flows import FlowsFunctionSchema

        return {
            "name": "order",
            "role_message": SYSTEM_PROMPT,
            "task_messages": [{"role": "developer", "content": "Ask for the order number."}],
            "functions": [
                FlowsFunctionSchema(
                    name="check_order_status",
                    description="Look up the delivery status of an order.",
                    properties={"order_id": {"type": "string"}},
                    required=["order_id"],
                    handler=self.order_node_check,
                    cancel_on_interruption=self.cancel_on_interruption,
                )
            ],
            "respond_immediately": False,
        }

    def report_node(self) -> dict[str, Any]:
        """The flow's second node: tell the caller what the order system said."""
        return {
            "name": "report",
            "task_messages": [{"role": "developer", "content": "Tell the caller the status."}],
            "functions": [],
        }

    def call_ended(self) -> None:
        """Record what the aggregator holds once the call is over."""
        if self.flow_manager is not None and self.flow_manager.current_node:
            self.flow_nodes.append(str(self.flow_manager.current_node))
        if self.assistant is not None:
            self.aggregator_in_progress_at_end = bool(self.assistant.has_function_calls_in_progress)

    @property
    def tool_calls_interrupted(self) -> int:
        return len(self.calls.of_kind("cancelled"))

    def observers(self) -> list[BaseObserver]:
        return [log_function_calls(self.calls, _BrainObserver(self))]

    async def check_order_status(self, params: FunctionCallParams) -> None:
        """Look the order up (a ~``tool_secs`` back-end call) and hand the result to the LLM."""
        self.handler_runs["check_order_status"] = self.handler_runs.get("check_order_status", 0) + 1
        await asyncio.sleep(self.tool_secs)
        order = str(params.arguments.get("order_id", "unknown"))
        await params.result_callback({"order_id": order, "status": "shipped yesterday"})

    async def end_call(self, params: FunctionCallParams) -> None:
        """Hang up: report the result, then end the pipeline (the caller's line closes)."""
        self.handler_runs["end_call"] = self.handler_runs.get("end_call", 0) + 1
        await asyncio.sleep(self.tool_secs)
        await params.result_callback({"ended": True})
        self.hung_up_at = time.monotonic()
        self.hung_up_by = params.tool_call_id
        await params.llm.push_frame(EndWorkerFrame(), FrameDirection.UPSTREAM)


def full_bot_stages(
    env: Mapping[str, str],
    brain: FullBotBrain,
    *,
    sample_rate: int,
    stop: list[BaseUserTurnStopStrategy],
    interruptions: bool,
    user_turn_stop_timeout: float,
) -> tuple[list[Any], Any]:
    """The stages between the VAD and the output transport, and the assistant aggregator after it.

    ``env`` holds the fakes' base URLs (``DEEPGRAM_BASE_URL``, ``OPENAI_BASE_URL``,
    ``CARTESIA_BASE_URL``) as :class:`~voicectl.providers.fakeset.FakeSet` gives them.
    """
    from pipecat.services.cartesia.tts import CartesiaTTSService
    from pipecat.services.deepgram.stt import DeepgramSTTService
    from pipecat.services.openai.llm import OpenAILLMService

    missing = [
        k for k in ("DEEPGRAM_BASE_URL", "OPENAI_BASE_URL", "CARTESIA_BASE_URL") if k not in env
    ]
    if missing:
        raise InputError(f"the full reference bot needs {', '.join(missing)}")
    stt = DeepgramSTTService(
        api_key="voicectl-fake-key", base_url=env["DEEPGRAM_BASE_URL"], sample_rate=sample_rate
    )
    llm = OpenAILLMService(
        api_key="voicectl-fake-key",
        base_url=env["OPENAI_BASE_URL"],
        settings=OpenAILLMService.Settings(system_instruction=SYSTEM_PROMPT),
    )
    brain.llm = llm
    if not brain.flows:  # with flows, each node registers its own functions
        llm.register_function(
            "check_order_status",
            brain.check_order_status,
            cancel_on_interruption=brain.cancel_on_interruption,
        )
        llm.register_function(
            "end_call", brain.end_call, cancel_on_interruption=brain.cancel_on_interruption
        )
    tts = CartesiaTTSService(
        api_key="voicectl-fake-key",
        url=env["CARTESIA_BASE_URL"] + "/tts/websocket",
        sample_rate=sample_rate,
        settings=CartesiaTTSService.Settings(voice="voicectl-fake-voice"),
    )
    context = LLMContext() if brain.flows else LLMContext(tools=full_bot_tools())
    pair = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            user_turn_strategies=UserTurnStrategies(
                start=[VADUserTurnStartStrategy(enable_interruptions=interruptions)], stop=stop
            ),
            user_turn_stop_timeout=user_turn_stop_timeout,
        ),
    )
    brain.pair = pair
    brain.assistant = pair.assistant()
    return [stt, pair.user(), llm, tts], brain.assistant
