"""The reference bot's pipeline: real Pipecat serializer, Silero VAD, Smart Turn v3, a responder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import EndWorkerFrame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.transports.base_transport import BaseTransport
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import (
    BaseUserTurnStopStrategy,
    SpeechTimeoutUserTurnStopStrategy,
    TurnAnalyzerUserTurnStopStrategy,
)
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from voicectl.bot.faulty import StuckOnShutdown
from voicectl.bot.full import FullBotBrain, full_bot_stages
from voicectl.bot.inband_dtmf import InBandDTMFDetector
from voicectl.bot.observer import ObserverGroup, PerceptionObserver
from voicectl.bot.responder import SpeechResponder
from voicectl.bot.turn import SharedModelSmartTurnV3
from voicectl.bot.vad import RateAdaptingSileroVAD

__all__ = ["SUPPORTED_RATES", "BotBrain", "BotVariant", "ReferenceBotConfig", "build_bot_worker"]

SUPPORTED_RATES = (8000, 16000, 24000, 48000)


class BotVariant(StrEnum):
    """The reference bot as it should be, or with one known production bug reproduced."""

    CORRECT = "correct"
    IGNORE_BARGE_IN = "ignore-barge-in"  # user turns never interrupt the bot
    FREEZE_ON_INTERRUPTED_TOOL = (
        "freeze-on-interrupted-tool"  # interrupted function call never completes
    )
    HANG_ON_HANGUP = "hang-on-hangup"  # a processor blocks shutdown when the call ends
    DEAF_TO_DTMF = "deaf-to-dtmf"  # the serializer drops the carrier's dtmf events
    # a send that waits (the carrier stopped reading) is dropped with a warning, frame after frame
    LOG_EVERY_BLOCKED_SEND = "log-every-blocked-send"


class BotBrain(StrEnum):
    """What answers the caller: the light speech-shaped responder, or real STT, LLM and TTS."""

    RESPONDER = "responder"  # fast: no STT/LLM/TTS, a reply of speech-shaped audio per turn
    FULL = "full"  # Deepgram STT, OpenAI LLM with real function calls, Cartesia TTS (fakes)
    FLOWS = "flows"  # FULL, with a pipecat.flows FlowManager: two nodes, a function moves on


@dataclass(frozen=True)
class ReferenceBotConfig:
    """How the reference bot is built; every field maps to a real Pipecat knob."""

    sample_rate: int = 16000
    reply_secs: float = 1.5
    vad_stop_secs: float = 0.2
    # VADParams.start_secs: continuous speech needed before the caller's turn starts (and the
    # bot is interrupted); Pipecat's 0.2 s default stops the bot at any "mm-hmm".
    vad_start_secs: float = 0.2
    # VADProcessor(audio_idle_timeout=...): with no caller audio for this long while the caller
    # speaks, the VAD forces the speech to stop (0: never, Pipecat #4124's stuck turn).
    vad_audio_idle_timeout: float = 1.0
    smart_turn: bool = True
    # Pipecat's default is 3 s; the bundled callers pause 2.5-4 s between utterances and would
    # talk again before an "incomplete" turn ended, so the reference bot gives up after 1.5 s.
    smart_turn_stop_secs: float = 1.5
    user_turn_stop_timeout: float = 5.0
    smart_turn_rate: int | None = None
    tool_delay_s: float = 0.0
    variant: BotVariant = BotVariant.CORRECT
    extra_processors: Sequence[FrameProcessor] = field(default_factory=tuple)
    # An STT stage (a service, or a ServiceSwitcher of them) between the VAD and the turn
    # processor; turns then end only with a transcript, as in a real bot. Processors serve one
    # pipeline: a config carrying one is good for one call.
    stt: FrameProcessor | None = None
    # UserTurnProcessor(user_idle_timeout=...): seconds of caller silence after the bot stops
    # speaking before it checks in with another reply (0: never, Pipecat's default).
    idle_checkin_s: float = 0.0
    # At idle_checkin_s, end the call (EndWorkerFrame: the pipeline flushes and the transport
    # closes the socket) instead of checking in.
    idle_end_call: bool = False
    heartbeats: bool = False  # PipelineParams(enable_heartbeats=True): on_heartbeat_timeout
    brain: BotBrain = BotBrain.RESPONDER
    # FULL brain: register_function(cancel_on_interruption=...) for every function, and which
    # function the fake model calls (see voicectl.bot.full.full_bot_llm_script).
    cancel_on_interruption: bool = True
    function: str = "check_order_status"
    # FULL brain: its provider fakes stream and speak this many times faster than real time
    # (replay --fast sets the caller's silence speed: the model's timing and the length of its
    # spoken replies then shrink as the caller's pauses do).
    provider_speed: float = 1.0
    # FLOWS brain: a user's pipecat.flows FlowConfig (voicectl.bot.full.load_flow) instead of
    # the built-in order -> report flow.
    flow_config: Any = None
    # TransportParams.audio_out_write_timeout_secs: how long one audio write may block before
    # Pipecat writes the peer off (1.14's default 10 s).
    audio_out_write_timeout_s: float = 10.0
    # SO_SNDBUF of the bot's call sockets (None: the kernel's, which on Linux grows to 4 MB):
    # how much of its speech the kernel holds for a carrier that stopped reading.
    send_buffer_bytes: int | None = None
    # voicectl.bot.inband_dtmf.InBandDTMFDetector right after transport.input(): keys sent as
    # tones in the caller's audio become InputDTMFFrame (Pipecat 1.14 has no such detector).
    inband_dtmf: bool = False

    def describe(self) -> str:
        if self.brain is not BotBrain.RESPONDER:
            fakes = (
                "provider fakes"
                if self.provider_speed == 1.0
                else f"provider fakes {self.provider_speed:g}x faster than real time"
            )
            return (
                f"{self.brain.value} bot: {self.sample_rate} Hz pipeline, Silero VAD, Deepgram STT, OpenAI LLM, "
                f"Cartesia TTS ({fakes}); the model calls {self.function} "
                f"({self.tool_delay_s or 2.0} s), cancel_on_interruption={self.cancel_on_interruption}"
                + (
                    f"; your flow, from node {self.flow_config.initial_node!r}"
                    if self.flow_config is not None
                    else ""
                )
            )
        turn = "Smart Turn v3" if self.smart_turn else "0.6 s speech timeout"
        if self.smart_turn and self.smart_turn_rate:
            turn += f" told the audio is {self.smart_turn_rate} Hz"
        parts = [
            f"{self.sample_rate} Hz pipeline",
            "Silero VAD"
            + (f" (start {self.vad_start_secs} s)" if self.vad_start_secs != 0.2 else ""),
            turn,
            f"{self.reply_secs} s replies",
        ]
        if self.vad_audio_idle_timeout != 1.0:
            parts.append(f"VAD audio idle timeout {self.vad_audio_idle_timeout} s")
        if self.idle_checkin_s:
            act = "ends the call" if self.idle_end_call else "checks in"
            parts.append(f"{act} after {self.idle_checkin_s} s of caller silence")
        if self.tool_delay_s:
            parts.append(f"{self.tool_delay_s} s function call per answer")
        if self.inband_dtmf:
            parts.append("in-band DTMF detector")
        if self.send_buffer_bytes is not None:
            parts.append(f"{self.send_buffer_bytes}-byte socket send buffer")
        if self.audio_out_write_timeout_s != 10.0:
            parts.append(f"audio write timeout {self.audio_out_write_timeout_s:g} s")
        if self.variant is not BotVariant.CORRECT:
            parts.append(f"variant {self.variant.value}")
        return ", ".join(parts)


def build_bot_worker(
    transport: BaseTransport,
    config: ReferenceBotConfig,
    *,
    observers: Sequence[BaseObserver] = (),
    provider_env: Mapping[str, str] | None = None,
) -> tuple[PipelineWorker, SpeechResponder | FullBotBrain]:
    """Build one call's pipeline worker around ``transport``.

    The FULL brain needs ``provider_env``: the base URLs of its running provider fakes.
    """
    listen: list[FrameProcessor] = [InBandDTMFDetector()] if config.inband_dtmf else []
    vad = VADProcessor(
        audio_idle_timeout=config.vad_audio_idle_timeout,
        vad_analyzer=RateAdaptingSileroVAD(
            params=VADParams(start_secs=config.vad_start_secs, stop_secs=config.vad_stop_secs)
        ),
    )
    stop: list[BaseUserTurnStopStrategy]
    has_stt = config.stt is not None or config.brain is not BotBrain.RESPONDER
    if config.smart_turn:
        analyzer = SharedModelSmartTurnV3(
            sample_rate=config.smart_turn_rate,
            params=SmartTurnParams(stop_secs=config.smart_turn_stop_secs),
        )
        # With no STT in the pipeline, waiting for a transcript would end every turn by timeout.
        stop = [
            TurnAnalyzerUserTurnStopStrategy(turn_analyzer=analyzer, wait_for_transcript=has_stt)
        ]
    else:
        stop = [
            SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.6, wait_for_transcript=has_stt)
        ]
    interruptions = config.variant is not BotVariant.IGNORE_BARGE_IN
    params = PipelineParams(
        audio_in_sample_rate=config.sample_rate,
        audio_out_sample_rate=config.sample_rate,
        enable_heartbeats=config.heartbeats,
    )
    if config.brain is not BotBrain.RESPONDER:
        brain = FullBotBrain(
            tool_secs=config.tool_delay_s or 2.0,
            cancel_on_interruption=config.cancel_on_interruption,
            flows=config.brain is BotBrain.FLOWS,
            flow_config=config.flow_config,
        )
        stages, assistant = full_bot_stages(
            provider_env or {},
            brain,
            sample_rate=config.sample_rate,
            stop=stop,
            interruptions=interruptions,
            user_turn_stop_timeout=config.user_turn_stop_timeout,
        )
        full_extra = list(config.extra_processors)
        if config.variant is BotVariant.HANG_ON_HANGUP:
            full_extra.append(StuckOnShutdown())
        pipeline = Pipeline(
            [transport.input(), *listen, vad, *stages, *full_extra, transport.output(), assistant]
        )
        worker = PipelineWorker(
            pipeline,
            params=params,
            observers=[ObserverGroup([*observers, *brain.observers()])],
            idle_timeout_secs=None,
            enable_rtvi=False,
            enable_turn_tracking=False,
            check_dangling_tasks=False,
        )
        if brain.flows:

            @worker.event_handler("on_pipeline_started")
            async def _enter_first_node(_worker: object, _frame: object) -> None:
                await brain.start_flow(worker)

        return worker, brain
    turns = UserTurnProcessor(
        user_turn_strategies=UserTurnStrategies(
            start=[VADUserTurnStartStrategy(enable_interruptions=interruptions)], stop=stop
        ),
        user_turn_stop_timeout=config.user_turn_stop_timeout,
        user_idle_timeout=config.idle_checkin_s,
    )
    responder = SpeechResponder(
        reply_secs=config.reply_secs,
        tool_delay_s=config.tool_delay_s,
        freeze_on_interrupted_tool=config.variant is BotVariant.FREEZE_ON_INTERRUPTED_TOOL,
    )
    for observer in observers:
        if isinstance(observer, PerceptionObserver):
            observer.watch_user_idle(turns)
    if config.idle_checkin_s:

        @turns.event_handler("on_user_turn_idle")
        async def _check_in(_processor: object) -> None:
            if config.idle_end_call:
                await responder.push_frame(EndWorkerFrame(reason="caller silent"))
            else:
                await responder.speak()

    extra = list(config.extra_processors)
    if config.variant is BotVariant.HANG_ON_HANGUP:
        extra.append(StuckOnShutdown())
    stt = [config.stt] if config.stt is not None else []
    pipeline = Pipeline(
        [transport.input(), *listen, vad, *stt, turns, *extra, responder, transport.output()]
    )
    worker = PipelineWorker(
        pipeline,
        params=params,
        observers=list(observers),
        idle_timeout_secs=None,
        enable_rtvi=False,
        enable_turn_tracking=False,
        check_dangling_tasks=False,
    )
    return worker, responder
