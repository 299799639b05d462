"""``--line`` in the carrier client: what a bot on a real loopback socket receives over a bad line."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import AsyncIterator

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve

from voicectl.audio.g711 import ulaw_decode
from voicectl.replay.client import CallOptions, place_call
from voicectl.replay.line import parse_line

FRAME = 160


def _numbered_audio(frames: int) -> np.ndarray:
    """Frame ``i`` carries ``i`` in 16 blocks of +/-8000, readable after mu-law and noise."""
    out = np.zeros(frames * FRAME, np.int16)
    for i in range(frames):
        bits = [(i >> k) & 1 for k in range(16)]
        out[i * FRAME : (i + 1) * FRAME] = np.repeat([8000 if b else -8000 for b in bits], 10)
    return out


def _frame_number(pcm: np.ndarray) -> int | None:
    blocks = pcm.astype(np.float64).reshape(16, 10).mean(axis=1)
    if np.max(np.abs(blocks)) < 2000:
        return None  # silence (concealment or the tail)
    return sum(1 << k for k, v in enumerate(blocks) if v > 0)


class Listener:
    """A bot that only listens: which caller frames arrived, in what order, when."""

    def __init__(self) -> None:
        self.frames: list[np.ndarray] = []
        self.arrivals: list[float] = []

    async def __call__(self, ws: ServerConnection) -> None:
        async for message in ws:
            data = json.loads(message)
            if data["event"] == "media":
                self.frames.append(ulaw_decode(base64.b64decode(data["media"]["payload"])))
                self.arrivals.append(time.monotonic())

    def numbers(self) -> list[int | None]:
        return [_frame_number(f) for f in self.frames]


@pytest.fixture
async def listener() -> AsyncIterator[tuple[Listener, str]]:
    bot = Listener()
    server = await serve(bot, "127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    yield bot, f"ws://127.0.0.1:{port}/ws"
    server.close()
    await server.wait_closed()


async def _call(url: str, line: str, *, fast: bool, frames: int = 100):
    options = CallOptions(url=url, fast=fast, tail_s=0.0, seed="line-test", line=parse_line(line))
    return await place_call(_numbered_audio(frames), [], options, deadline_s=20)


async def test_a_clean_line_delivers_every_frame_in_order(listener) -> None:
    bot, url = listener
    outcome = await _call(url, "loss=0%", fast=True)
    assert outcome.error is None and outcome.line is None  # loss=0% is a clean line
    assert bot.numbers() == list(range(100))


async def test_dropped_frames_never_reach_the_bot_and_are_counted(listener) -> None:
    bot, url = listener
    outcome = await _call(url, "loss=20%,conceal=drop,seed=3", fast=True)
    assert outcome.line is not None and outcome.line.dropped > 5
    numbers = bot.numbers()
    assert len(numbers) == 100 - outcome.line.dropped
    assert numbers == sorted(numbers)  # no jitter: lost frames leave gaps, order is kept


async def test_concealed_frames_arrive_as_faded_repeats(listener) -> None:
    bot, url = listener
    outcome = await _call(url, "loss=20%,conceal=repeat,seed=3", fast=True)
    assert outcome.line is not None and outcome.line.concealed > 5
    assert len(bot.frames) == 100
    numbers = bot.numbers()
    repeats = sum(1 for a, b in itertools.pairwise(numbers) if a == b)
    assert repeats > 0  # a repeated frame at half level still reads as its original number


async def test_jitter_reorders_frames_in_real_time_and_delivers_them_all(listener) -> None:
    bot, url = listener
    outcome = await _call(url, "jitter=60ms,seed=1", fast=False)
    assert outcome.error is None and outcome.line is not None
    numbers = bot.numbers()
    assert sorted(numbers) == list(range(100))  # type: ignore[type-var]
    out_of_order = sum(1 for a, b in itertools.pairwise(numbers) if b < a)  # type: ignore[operator]
    assert out_of_order > 5
    assert outcome.line.reordered >= out_of_order


async def test_noise_reaches_the_bot_at_the_requested_snr(listener) -> None:
    bot, url = listener
    await _call(url, "snr=10dB", fast=True)
    clean = _numbered_audio(100).astype(np.float64)
    heard = np.concatenate(bot.frames).astype(np.float64)
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((heard - clean) ** 2))
    assert 8.5 < snr < 10.5  # mu-law adds its own ~38 dB of quantization noise


async def test_a_recording_over_a_bad_line_holds_what_the_bot_was_sent(listener) -> None:
    bot, url = listener
    options = CallOptions(
        url=url,
        fast=True,
        tail_s=0.0,
        seed="line-test",
        record=True,
        line=parse_line("loss=20%,conceal=drop,seed=3"),
    )
    outcome = await place_call(_numbered_audio(100), [], options, deadline_s=20)
    assert outcome.caller_audio is not None and outcome.line is not None
    assert outcome.caller_audio.size == (100 - outcome.line.dropped) * FRAME
    heard = np.concatenate(bot.frames).astype(np.int32)
    # The bot decodes mu-law: the recording matches it up to mu-law's quantization step.
    assert np.abs(outcome.caller_audio.astype(np.int32) - heard).max() < 600
