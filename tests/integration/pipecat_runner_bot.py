"""A Twilio bot written the way Pipecat's own examples write one, served by Pipecat's runner.

voicectl did not shape this bot: it is Pipecat's runner (``pipecat.runner.run.main``, the
FastAPI server behind ``python bot.py -t twilio``), Pipecat's telephony parsing, Twilio
serializer, Silero VAD, Pipecat's user-turn processor (VAD turn start with interruptions, Smart
Turn v3 turn end) and a responder that answers each turn with three seconds of a 440 Hz tone.
Tests run it in a subprocess and replay into it, and barge in on it. ``BOT_RATE`` sets its
pipeline rate (default 8000); ``BOT_SMART_TURN_RATE`` reproduces a rate bug by telling Smart Turn
the audio is at that rate whatever the pipeline's. ``BOT_REPLY_SECS`` sets the tone's length,
``BOT_VAD_START_SECS`` the speech its VAD needs to start a turn (Pipecat's default 0.2 s), and
``BOT_HEARTBEATS=1`` turns on ``PipelineParams(enable_heartbeats=True)``, and
``BOT_AUDIO_IDLE_TIMEOUT`` sets its ``VADProcessor``'s ``audio_idle_timeout`` (0: off, Pipecat #4124),
and ``BOT_IDLE_CHECKIN`` beeps again after that many seconds of caller silence
(``UserTurnProcessor(user_idle_timeout=...)``, ``on_user_turn_idle``).
"""

from __future__ import annotations

import os

import numpy as np
from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    Frame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.runner.types import RunnerArguments
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner


class Beeper(FrameProcessor):
    """Answer every finished user turn with ``BOT_REPLY_SECS`` (default 3) seconds of 440 Hz."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, UserStoppedSpeakingFrame) and direction is FrameDirection.DOWNSTREAM:
            await self.beep()

    async def beep(self) -> None:
        t = np.arange(int(float(os.environ.get("BOT_REPLY_SECS", "3")) * 16000)) / 16000
        tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).tobytes()
        await self.push_frame(TTSStartedFrame())
        await self.push_frame(TTSAudioRawFrame(audio=tone, sample_rate=16000, num_channels=1))
        await self.push_frame(TTSStoppedFrame())


def _audio_idle_timeout() -> dict[str, float]:
    """``VADProcessor(audio_idle_timeout=...)`` from ``BOT_AUDIO_IDLE_TIMEOUT`` (else Pipecat's)."""
    value = os.environ.get("BOT_AUDIO_IDLE_TIMEOUT")
    return {} if value is None else {"audio_idle_timeout": float(value)}


async def bot(runner_args: RunnerArguments) -> None:
    """Pipecat runner entry point."""
    _, call_data = await parse_telephony_websocket(runner_args.websocket)
    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_data["call_id"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        runner_args.websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True, audio_out_enabled=True, serializer=serializer
        ),
    )
    turns = UserTurnProcessor(
        user_turn_strategies=UserTurnStrategies(
            stop=[
                TurnAnalyzerUserTurnStopStrategy(
                    turn_analyzer=LocalSmartTurnAnalyzerV3(
                        sample_rate=int(os.environ["BOT_SMART_TURN_RATE"])
                        if os.environ.get("BOT_SMART_TURN_RATE")
                        else None,
                        params=SmartTurnParams(stop_secs=1.5),
                    ),
                    wait_for_transcript=False,
                )
            ]
        ),
        user_idle_timeout=float(os.environ.get("BOT_IDLE_CHECKIN", "0")),
    )
    beeper = Beeper()
    if os.environ.get("BOT_IDLE_CHECKIN"):

        @turns.event_handler("on_user_turn_idle")
        async def _check_in(_processor: object) -> None:
            await beeper.beep()

    pipeline = Pipeline(
        [
            transport.input(),
            VADProcessor(
                vad_analyzer=SileroVADAnalyzer(
                    params=VADParams(start_secs=float(os.environ.get("BOT_VAD_START_SECS", "0.2")))
                ),
                **_audio_idle_timeout(),
            ),
            turns,
            beeper,
            transport.output(),
        ]
    )
    rate = int(os.environ.get("BOT_RATE", "8000"))
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=rate,
            audio_out_sample_rate=rate,
            enable_heartbeats=os.environ.get("BOT_HEARTBEATS") == "1",
        ),
        idle_timeout_secs=None,
    )

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(_transport: object, _client: object) -> None:
        await worker.cancel()

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await runner.run()


if __name__ == "__main__":
    from pipecat.runner.run import main

    main()
