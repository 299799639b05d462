"""Stream continuity: audio a Pipecat stream resampler loses when its input pauses.

``SOXRStreamAudioResampler`` clears its filter when more than ``clear_after_secs`` of wall
clock passed since the previous call, discarding the audio it was still holding. Pipecat's
telephony serializers build theirs with ``FrameSerializer.InputParams.resampler_clear_after_secs``
(0.2 s) and never flush, so every pause longer than that in a run of audio (a bot's reply
ending, a carrier that stops sending in silence) costs the held-back tail.

The pauses are simulated with a fake clock swapped in for the ``time`` module the resampler
reads, so nothing sleeps and the result does not depend on the machine's load.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any

import numpy as np

from voicectl.resample.metrics import AMPLITUDE, CHUNK_S, SNR_TONE_HZ, chunk_samples
from voicectl.resample.resamplers import drive
from voicectl.resample.signals import to_int16

__all__ = [
    "PAUSE_S",
    "RUNS",
    "ContinuityMode",
    "ContinuityResult",
    "FakeClock",
    "measure_continuity",
    "serializer_clear_after_secs",
]

# Runs of 20 ms chunks (0.5-0.86 s, like short bot replies). Their lengths differ so that the
# pauses fall at different points of the resampler's block cycle, where it holds 3-170 ms.
RUNS = (25, 29, 31, 37, 41, 43)
PAUSE_S = 0.3  # longer than Pipecat's 0.2 s clear, as a pause between bot replies is


class ContinuityMode(StrEnum):
    """How the stream resampler is configured and driven around pauses."""

    SERIALIZER = "serializer"  # telephony serializers: clear_after_secs default, never flushed
    FLUSH = "flush"  # BaseOutputTransport: flush() at the end of each run of audio
    NO_CLEAR = "no-clear"  # clear_after_secs=None: the held tail comes out with the next run

    @property
    def description(self) -> str:
        """What the mode reproduces, in a few words."""
        if self is ContinuityMode.SERIALIZER:
            return f"serializer default (clear after {serializer_clear_after_secs()} s, no flush)"
        if self is ContinuityMode.FLUSH:
            return "flush() at each pause (as BaseOutputTransport)"
        return "clear_after_secs=None"


def serializer_clear_after_secs() -> float | None:
    """The installed Pipecat's serializer default for ``resampler_clear_after_secs``."""
    from pipecat.serializers.base_serializer import FrameSerializer

    return FrameSerializer.InputParams().resampler_clear_after_secs


class FakeClock:
    """A stand-in for the ``time`` module: ``time()`` returns a value the caller advances."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.contextmanager
def _clock_in(module: ModuleType, clock: FakeClock) -> Iterator[None]:
    """Make ``module`` read ``clock`` where it reads ``time.time()``, then put it back."""
    original = module.time
    module.time = clock  # type: ignore[attr-defined]
    try:
        yield
    finally:
        module.time = original  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ContinuityResult:
    """Samples a stream resampler delivered for runs of audio separated by pauses."""

    mode: ContinuityMode
    in_rate: int
    out_rate: int
    expected: float
    delivered: int  # including a final flush, so only what was lost at pauses is missing
    held_at_pause_ms: tuple[float, ...]  # audio inside the filter when each pause began

    @property
    def pauses(self) -> int:
        return len(self.held_at_pause_ms)

    @property
    def lost_per_pause_ms(self) -> float:
        """Mean audio lost per pause, ms of output."""
        if not self.pauses:
            return 0.0
        return (self.expected - self.delivered) / self.pauses / self.out_rate * 1000.0


def measure_continuity(
    mode: ContinuityMode,
    in_rate: int,
    out_rate: int,
    *,
    runs: tuple[int, ...] = RUNS,
    pause_s: float = PAUSE_S,
) -> ContinuityResult:
    """Feed runs of 20 ms chunks (``runs`` gives their lengths) with ``pause_s`` between them.

    The count includes a final flush, so what is missing was lost at the pauses.
    """
    from pipecat.audio.resamplers import soxr_stream_resampler
    from pipecat.audio.utils import create_stream_resampler

    clear = None if mode is ContinuityMode.NO_CLEAR else serializer_clear_after_secs()
    clock = FakeClock()
    size = chunk_samples(in_rate)
    t = np.arange(size) / in_rate
    delivered = 0
    held: list[float] = []
    ratio = out_rate / in_rate
    with _clock_in(soxr_stream_resampler, clock):
        resampler: Any = create_stream_resampler(clear_after_secs=clear)
        index = 0
        for run, length in enumerate(runs):
            if run:
                lost_so_far = sum(held) if mode is ContinuityMode.SERIALIZER else 0.0
                owed = index * size * ratio - delivered
                held.append(owed / out_rate * 1000.0 - lost_so_far)
                clock.advance(pause_s)
            for _ in range(length):
                clock.advance(CHUNK_S)
                tone = AMPLITUDE * np.sin(2 * np.pi * SNR_TONE_HZ * (t + index * size / in_rate))
                index += 1
                out = drive(resampler.resample(to_int16(tone).tobytes(), in_rate, out_rate))
                delivered += len(out) // 2
            if mode is ContinuityMode.FLUSH:
                delivered += len(drive(resampler.flush())) // 2
        if mode is not ContinuityMode.FLUSH:
            delivered += len(drive(resampler.flush())) // 2
    return ContinuityResult(
        mode=mode,
        in_rate=in_rate,
        out_rate=out_rate,
        expected=index * size * out_rate / in_rate,
        delivered=delivered,
        held_at_pause_ms=tuple(held),
    )
