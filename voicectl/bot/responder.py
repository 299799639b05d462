"""The reference bot's "brain": answers every finished user turn with speech-shaped audio."""

from __future__ import annotations

import asyncio
import uuid
from functools import lru_cache

import numpy as np
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor, FrameProcessorSetup

from voicectl.audio.speech import synthesize_reply

__all__ = ["SpeechResponder"]

_CHUNK_SECS = 0.1


@lru_cache(maxsize=16)
def _reply_audio(duration_s: float, sample_rate: int) -> bytes:
    return synthesize_reply(duration_s, sample_rate, seed=7).tobytes()


class SpeechResponder(FrameProcessor):
    """Answer each ``UserStoppedSpeakingFrame`` with ``reply_secs`` of speech-shaped TTS audio.

    The reply is pushed as ``TTSStartedFrame`` / ``TTSAudioRawFrame`` chunks / ``TTSStoppedFrame``
    so the output transport raises ``BotStarted/StoppedSpeakingFrame`` exactly as it does for a
    real TTS service (it does not for plain ``OutputAudioRawFrame``).
    """

    def __init__(
        self,
        *,
        reply_secs: float = 1.5,
        tool_delay_s: float = 0.0,
        freeze_on_interrupted_tool: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._reply_secs = reply_secs
        self._tool_delay_s = tool_delay_s
        self._freeze_on_interrupted_tool = freeze_on_interrupted_tool
        self._sample_rate = 16000
        self._tool_call: asyncio.Task[None] | None = None
        self._frozen = False
        self.replies = 0
        self.tool_calls_interrupted = 0

    async def setup(self, setup: FrameProcessorSetup) -> None:  # type: ignore[override]
        await super().setup(setup)
        self._sample_rate = setup.audio_out_sample_rate

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if direction is not FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, InterruptionFrame):
            await self._interrupt_tool_call()
        elif isinstance(frame, UserStoppedSpeakingFrame) and not self._frozen:
            if self._tool_delay_s > 0:
                self._tool_call = self.create_task(self._answer_after_tool_call())
            else:
                await self.speak()

    async def _answer_after_tool_call(self) -> None:
        """A turn whose answer waits on a (simulated) function call."""
        await asyncio.sleep(self._tool_delay_s)
        self._tool_call = None
        await self.speak()

    async def _interrupt_tool_call(self) -> None:
        """The caller spoke while a function call was pending: drop its stale answer.

        A correct bot answers the new turn when it ends. The ``freeze_on_interrupted_tool``
        variant reproduces the bug where the interrupted call never completes and the bot waits
        for its result forever, answering nothing again.
        """
        if self._tool_call is None:
            return
        await self.cancel_task(self._tool_call)
        self._tool_call = None
        self.tool_calls_interrupted += 1
        if self._freeze_on_interrupted_tool:
            self._frozen = True

    async def cleanup(self) -> None:
        await super().cleanup()
        if self._tool_call is not None:
            await self.cancel_task(self._tool_call)
            self._tool_call = None

    async def speak(self) -> None:
        """Push one reply downstream."""
        self.replies += 1
        context_id = uuid.uuid4().hex
        audio = _reply_audio(self._reply_secs, self._sample_rate)
        step = int(_CHUNK_SECS * self._sample_rate) * 2
        await self.push_frame(TTSStartedFrame(context_id=context_id))
        for offset in range(0, len(audio), step):
            chunk = audio[offset : offset + step]
            await self.push_frame(
                TTSAudioRawFrame(
                    audio=chunk,
                    sample_rate=self._sample_rate,
                    num_channels=1,
                    context_id=context_id,
                )
            )
        await self.push_frame(TTSStoppedFrame(context_id=context_id))


def reply_level_dbfs(audio: bytes) -> float:
    """RMS level of int16 audio in dBFS (used by tests and reports)."""
    samples = np.frombuffer(audio, dtype=np.int16).astype(np.float64)
    rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    return 20 * np.log10(max(rms, 1e-9) / 32768.0)
