"""Measure one resampler on one rate pair: SNR, aliasing/imaging, passband, chunking, latency.

Each function takes a :class:`~voicectl.resample.resamplers.ResamplerSpec` and a rate pair and
returns plain numbers; judging them is :mod:`voicectl.resample.judge`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voicectl.resample.resamplers import Kind, ResamplerSpec
from voicectl.resample.signals import (
    FloatArray,
    alias_frequencies,
    alias_test_tone,
    db,
    fit_sines,
    image_frequencies,
    image_test_tone,
    multitone,
    passband_frequencies,
    sine,
    snr_vs_ideal,
)

__all__ = [
    "AMPLITUDE",
    "CHUNK_S",
    "EDGE_S",
    "SIGNAL_S",
    "SNR_TONE_HZ",
    "AliasResult",
    "ChunkingResult",
    "StreamRun",
    "chunk_samples",
    "measure_aliasing",
    "measure_chunking",
    "measure_passband",
    "measure_stream_run",
    "oneshot_length_error",
]

SIGNAL_S = 0.5  # length of each test signal
EDGE_S = 0.15  # skipped at each end of the output before measuring (filter start-up, flush)
CHUNK_S = 0.02  # a telephony frame
AMPLITUDE = 10 ** (-3 / 20)  # -3 dBFS
SNR_TONE_HZ = 997.0  # the usual 1 kHz test tone, off the sample-rate grid
BOUNDARY_S = 0.001  # "near a chunk boundary": within 1 ms of it
STEADY_AFTER_CHUNKS = 25  # latency is averaged from here on (the stream has filled by then)


def chunk_samples(rate: int) -> int:
    """Samples in one 20 ms chunk at ``rate``."""
    return max(1, round(CHUNK_S * rate))


def _window(y: FloatArray, rate: int) -> tuple[FloatArray, int]:
    edge = round(EDGE_S * rate)
    return y[edge : len(y) - edge], edge


def _length(rate: int) -> int:
    return round(SIGNAL_S * rate)


@dataclass(frozen=True)
class ChunkingResult:
    """The 997 Hz sine through the resampler, as intended and chunked vs whole."""

    snr_db: float  # intended use (stream: 20 ms chunks + flush; one-shot: whole signal)
    chunked_snr_db: float  # fed 20 ms chunks (a one-shot resampler: one call per chunk)
    boundary_error_db: float  # chunked - whole within 1 ms of chunk boundaries, re signal
    mid_chunk_error_db: float  # the same away from boundaries
    length_difference: int  # len(chunked) - len(whole)
    flush_error: str | None = None


def measure_chunking(spec: ResamplerSpec, in_rate: int, out_rate: int) -> ChunkingResult:
    """SNR of a 997 Hz -3 dBFS sine, and how chunked output differs from whole-signal output."""
    x = sine(SNR_TONE_HZ, in_rate, _length(in_rate), amplitude=AMPLITUDE)
    whole_feed = spec.whole(x, in_rate, out_rate)
    chunked_feed = spec.chunked(x, in_rate, out_rate, chunk_samples(in_rate))
    whole, chunked = whole_feed.output, chunked_feed.output
    intended = chunked if spec.kind is Kind.STREAM else whole
    seg, edge = _window(intended, out_rate)
    snr = snr_vs_ideal(seg, out_rate, SNR_TONE_HZ, AMPLITUDE, offset=edge)
    seg_c, edge_c = _window(chunked, out_rate)
    chunked_snr = snr_vs_ideal(seg_c, out_rate, SNR_TONE_HZ, AMPLITUDE, offset=edge_c)

    n = min(len(whole), len(chunked))
    diff = chunked[:n] - whole[:n]
    near = np.zeros(n, dtype=bool)
    half = max(2, round(BOUNDARY_S * out_rate))
    step_out = chunk_samples(in_rate) * out_rate / in_rate
    for k in range(1, math.ceil(n / step_out)):
        centre = round(k * step_out)
        near[max(0, centre - half) : centre + half] = True
    edge_out = round(EDGE_S * out_rate)
    interior = np.zeros(n, dtype=bool)
    interior[edge_out : n - edge_out] = True
    signal_rms = AMPLITUDE / math.sqrt(2.0)
    return ChunkingResult(
        snr_db=snr,
        chunked_snr_db=chunked_snr,
        boundary_error_db=db(_rms(diff[near & interior]) / signal_rms),
        mid_chunk_error_db=db(_rms(diff[~near & interior]) / signal_rms),
        length_difference=len(chunked) - len(whole),
        flush_error=chunked_feed.flush_error or whole_feed.flush_error,
    )


def _rms(x: FloatArray) -> float:
    return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0


@dataclass(frozen=True)
class AliasResult:
    """A tone the resampler must not let through (going down) or mirror (going up)."""

    kind: str  # "aliasing" or "imaging"
    tone_hz: float
    at_hz: tuple[float, ...]  # where its alias or images land in the output
    level_db: float  # their combined level re the input tone


def measure_aliasing(spec: ResamplerSpec, in_rate: int, out_rate: int) -> AliasResult:
    """Aliasing of a tone above the output Nyquist (down) or imaging of one near the input's (up)."""
    if out_rate < in_rate:
        kind, tone = "aliasing", alias_test_tone(in_rate, out_rate)
        spurs = alias_frequencies(tone, in_rate, out_rate)
        fitted = spurs
    else:
        kind, tone = "imaging", image_test_tone(in_rate, out_rate)
        spurs = image_frequencies(tone, in_rate, out_rate)
        fitted = [tone, *spurs]
    x = sine(tone, in_rate, _length(in_rate), amplitude=AMPLITUDE, phase=0.3)
    y = _intended(spec, x, in_rate, out_rate)
    seg, edge = _window(y, out_rate)
    fit = fit_sines(seg, out_rate, fitted, offset=edge)
    spur_amplitudes = fit.amplitudes[len(fitted) - len(spurs) :]
    level = math.sqrt(sum(a * a for a in spur_amplitudes)) / AMPLITUDE
    return AliasResult(kind, tone, tuple(spurs), db(level))


def measure_passband(
    spec: ResamplerSpec, in_rate: int, out_rate: int
) -> tuple[list[float], list[float]]:
    """Gain (dB) at 12 log-spaced tones from 50 Hz to 0.9 x the lower Nyquist, played together."""
    freqs = passband_frequencies(in_rate, out_rate)
    amplitude = 0.5 / len(freqs)
    x = multitone(freqs, in_rate, _length(in_rate), amplitude=amplitude)
    y = _intended(spec, x, in_rate, out_rate)
    seg, edge = _window(y, out_rate)
    fit = fit_sines(seg, out_rate, freqs, offset=edge)
    return freqs, [db(a / amplitude) for a in fit.amplitudes]


def _intended(spec: ResamplerSpec, x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
    if spec.kind is Kind.STREAM:
        return spec.chunked(x, in_rate, out_rate, chunk_samples(in_rate)).output
    return spec.whole(x, in_rate, out_rate).output


@dataclass(frozen=True)
class StreamRun:
    """A stream resampler fed ``chunks`` 20 ms chunks, then flushed."""

    chunks: int
    expected: float  # output samples the input is worth
    before_flush: int
    after_flush: int
    latency_mean_ms: float  # output withheld (ideal cumulative - delivered), steady state
    latency_max_ms: float
    first_output_chunk: int  # 0-based index of the first call that returned audio
    drift_ms: float  # mean withheld over the second half minus over the first half
    flush_error: str | None = None

    @property
    def error_after_flush(self) -> float:
        """Output samples after flush minus the exact count (0 = exact)."""
        return self.after_flush - self.expected


def measure_stream_run(spec: ResamplerSpec, in_rate: int, out_rate: int, chunks: int) -> StreamRun:
    """Latency, sample count after flush and drift over ``chunks`` chunks of a 997 Hz tone."""
    size = chunk_samples(in_rate)
    t = np.arange(size) / in_rate
    session = spec.open(in_rate, out_rate)
    delivered = np.empty(chunks, dtype=np.int64)
    first = -1
    for i in range(chunks):
        # A continuous tone, computed chunk by chunk so a 10-minute run needs no big array.
        piece = AMPLITUDE * np.sin(2.0 * np.pi * SNR_TONE_HZ * (t + i * size / in_rate))
        delivered[i] = len(session.push(piece))
        if first < 0 and delivered[i]:
            first = i
    total = int(delivered.sum())
    tail = len(session.flush())
    ratio = out_rate / in_rate
    ideal = np.arange(1, chunks + 1) * size * ratio
    withheld_ms = (ideal - np.cumsum(delivered)) / out_rate * 1000.0
    steady = withheld_ms[min(STEADY_AFTER_CHUNKS, max(chunks - 2, 0)) :]
    half = len(steady) // 2
    drift = float(steady[half:].mean() - steady[:half].mean()) if half else 0.0
    return StreamRun(
        chunks=chunks,
        expected=chunks * size * ratio,
        before_flush=total,
        after_flush=total + tail,
        latency_mean_ms=float(steady.mean()),
        latency_max_ms=float(steady.max()),
        first_output_chunk=first,
        drift_ms=drift,
        flush_error=session.flush_error,
    )


def oneshot_length_error(spec: ResamplerSpec, in_rate: int, out_rate: int) -> float:
    """Output samples minus the exact count for a whole signal of an awkward length (1.0123 s)."""
    n = round(1.0123 * in_rate)
    y = spec.whole(sine(SNR_TONE_HZ, in_rate, n, amplitude=AMPLITUDE), in_rate, out_rate)
    return len(y.output) - n * out_rate / in_rate
