"""Feeding the target in real time: a fixture call's audio (STT) or its sentences (TTS)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import numpy as np
from pipecat.frames.frames import Frame, InputAudioRawFrame, TTSSpeakFrame

from voicectl.audio.io import resample
from voicectl.audio.script import Call

__all__ = ["FRAME_S", "audio_frames", "feed_audio", "feed_text"]

FRAME_S = 0.02


def audio_frames(call: Call, sample_rate: int) -> list[bytes]:
    """The call's audio at ``sample_rate`` as 20 ms PCM s16le chunks (the last one padded)."""
    pcm = resample(call.audio.samples, call.audio.sample_rate, sample_rate)
    size = round(sample_rate * FRAME_S)
    padded = np.zeros(-(-len(pcm) // size) * size, dtype=np.int16)
    padded[: len(pcm)] = pcm
    data = padded.astype("<i2").tobytes()
    step = size * 2
    return [data[i : i + step] for i in range(0, len(data), step)]


async def feed_audio(queue_frame: Callable[[Frame], object], call: Call, sample_rate: int) -> None:
    """Queue the call's audio in real time, looping it, on a drift-free 20 ms schedule."""
    chunks = audio_frames(call, sample_rate)
    start = time.monotonic()
    for index, chunk in enumerate(_cycle(chunks)):
        due = start + index * FRAME_S
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        await _maybe_await(queue_frame(InputAudioRawFrame(chunk, sample_rate, 1)))


async def feed_text(queue_frame: Callable[[Frame], object], call: Call) -> None:
    """Queue each utterance's text as a ``TTSSpeakFrame`` when the caller would start it."""
    utterances = call.script.utterances
    if not utterances:
        return
    start = time.monotonic()
    period = call.audio.duration_s
    cycle = 0
    while True:
        for utterance in utterances:
            wait = start + cycle * period + utterance.start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await _maybe_await(queue_frame(TTSSpeakFrame(utterance.text)))
        cycle += 1


def _cycle(items: list[bytes]) -> Iterator[bytes]:
    while True:
        yield from items


async def _maybe_await(value: object) -> None:
    if asyncio.iscoroutine(value):
        await value
