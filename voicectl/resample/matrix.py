"""The resampler matrix: every chosen resampler on every ordered pair of the chosen rates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from voicectl.resample.continuity import ContinuityMode, ContinuityResult, measure_continuity
from voicectl.resample.metrics import (
    AliasResult,
    ChunkingResult,
    StreamRun,
    measure_aliasing,
    measure_chunking,
    measure_passband,
    measure_stream_run,
    oneshot_length_error,
)
from voicectl.resample.resamplers import Kind, ResamplerSpec

__all__ = [
    "CONTINUITY_RESAMPLER",
    "DEFAULT_RATES",
    "QUICK_STREAM_CHUNKS",
    "THOROUGH_STREAM_CHUNKS",
    "MatrixPlan",
    "MatrixResult",
    "PairResult",
    "measure_pair",
    "pair_key",
    "pair_label",
    "rate_label",
    "run_matrix",
]

DEFAULT_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
QUICK_STREAM_CHUNKS = 250  # 5 s of 20 ms chunks for latency and the sample count
THOROUGH_STREAM_CHUNKS = 30_000  # 10 minutes
CONTINUITY_RESAMPLER = "pipecat-stream"  # the resampler Pipecat's serializers build


def rate_label(rate: int) -> str:
    """8000 -> ``8k``, 22050 -> ``22.05k``."""
    return f"{rate / 1000:g}k"


def pair_label(in_rate: int, out_rate: int) -> str:
    """``8k→16k``, for people."""
    return f"{rate_label(in_rate)}→{rate_label(out_rate)}"


def pair_key(in_rate: int, out_rate: int) -> str:
    """``8000->16000``, for JSON keys."""
    return f"{in_rate}->{out_rate}"


@dataclass(frozen=True)
class MatrixPlan:
    """What to measure."""

    resamplers: Sequence[ResamplerSpec]
    rates: Sequence[int] = DEFAULT_RATES
    thorough: bool = False

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(a, b) for a in self.rates for b in self.rates if a != b]

    @property
    def stream_chunks(self) -> int:
        return THOROUGH_STREAM_CHUNKS if self.thorough else QUICK_STREAM_CHUNKS


@dataclass(frozen=True)
class PairResult:
    """Every figure for one resampler on one rate pair."""

    resampler: ResamplerSpec
    in_rate: int
    out_rate: int
    chunking: ChunkingResult
    alias: AliasResult
    passband_hz: tuple[float, ...]
    passband_gain_db: tuple[float, ...]
    stream: StreamRun | None  # stream resamplers
    oneshot_length_error: float | None  # one-shot resamplers
    seconds: float

    @property
    def passband_deviation_db(self) -> float:
        return max(abs(g) for g in self.passband_gain_db)

    @property
    def flush_error(self) -> str | None:
        return self.chunking.flush_error or (self.stream.flush_error if self.stream else None)


def measure_pair(
    spec: ResamplerSpec, in_rate: int, out_rate: int, *, stream_chunks: int
) -> PairResult:
    """Run every measurement of one cell of the matrix."""
    started = time.perf_counter()
    chunking = measure_chunking(spec, in_rate, out_rate)
    alias = measure_aliasing(spec, in_rate, out_rate)
    freqs, gains = measure_passband(spec, in_rate, out_rate)
    stream = length = None
    if spec.kind is Kind.STREAM:
        stream = measure_stream_run(spec, in_rate, out_rate, stream_chunks)
    else:
        length = oneshot_length_error(spec, in_rate, out_rate)
    return PairResult(
        resampler=spec,
        in_rate=in_rate,
        out_rate=out_rate,
        chunking=chunking,
        alias=alias,
        passband_hz=tuple(freqs),
        passband_gain_db=tuple(gains),
        stream=stream,
        oneshot_length_error=length,
        seconds=time.perf_counter() - started,
    )


@dataclass
class MatrixResult:
    """Everything the matrix measured, in plan order."""

    plan: MatrixPlan
    cells: list[PairResult] = field(default_factory=list)
    continuity: list[ContinuityResult] = field(default_factory=list)
    seconds: float = 0.0

    def for_resampler(self, name: str) -> list[PairResult]:
        return [c for c in self.cells if c.resampler.name == name]


async def run_matrix(
    plan: MatrixPlan, *, progress: Callable[[str], None] | None = None
) -> MatrixResult:
    """Measure every cell, yielding to the event loop between cells so a deadline can stop it."""
    started = time.perf_counter()
    result = MatrixResult(plan)
    for spec in plan.resamplers:
        if progress:
            progress(spec.name)
        for in_rate, out_rate in plan.pairs:
            result.cells.append(
                measure_pair(spec, in_rate, out_rate, stream_chunks=plan.stream_chunks)
            )
            await asyncio.sleep(0)
    if any(spec.name == CONTINUITY_RESAMPLER for spec in plan.resamplers):
        for mode in ContinuityMode:
            for in_rate, out_rate in plan.pairs:
                result.continuity.append(measure_continuity(mode, in_rate, out_rate))
                await asyncio.sleep(0)
    result.seconds = time.perf_counter() - started
    return result
