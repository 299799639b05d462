"""The reference bot's "brain": answers every finished user turn with speech-shaped audio."""

from __future__ import annotations

import uuid
from functools import lru_cache

import numpy as np
from pipecat.frames.frames import (
    Frame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor, FrameProcessorSetup

from voicectl.bot.speech import synthesize_reply

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

    def __init__(self, *, reply_secs: float = 1.5, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._reply_secs = reply_secs
        self._sample_rate = 16000
        self.replies = 0

    async def setup(self, setup: FrameProcessorSetup) -> None:  # type: ignore[override]
        await super().setup(setup)
        self._sample_rate = setup.audio_out_sample_rate

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, UserStoppedSpeakingFrame) and direction is FrameDirection.DOWNSTREAM:
            await self.speak()

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
