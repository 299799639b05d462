"""The resamplers under test, behind one small interface: whole signal, or 20 ms chunks.

Pipecat's resamplers are driven exactly as Pipecat drives them (bytes of int16 in, bytes out,
``flush()`` for the stream's tail). Raw soxr runs on float64 at each of its quality presets, as
the ceiling the algorithm reaches before any int16 quantisation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import numpy as np
import soxr

from voicectl.errors import HarnessError, InputError
from voicectl.resample.signals import FloatArray, from_int16, to_int16

__all__ = [
    "SOXR_QUALITIES",
    "Feed",
    "Kind",
    "ResamplerSpec",
    "StreamSession",
    "available_resamplers",
    "drive",
    "parse_resamplers",
]

SOXR_QUALITIES = ("QQ", "LQ", "MQ", "HQ", "VHQ")
_T = TypeVar("_T")


class Kind(StrEnum):
    """How a resampler is meant to be used."""

    STREAM = "stream"  # keeps state across chunks; has latency and a tail to flush
    ONESHOT = "one-shot"  # stateless: a whole signal per call


def drive(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine that never suspends, without an event loop.

    Pipecat's resamplers are ``async def`` for the sake of the interface but do their work
    synchronously; stepping them once keeps the measurements sans-I/O. One that does suspend
    (a future Pipecat) is reported rather than silently mis-measured.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise HarnessError("a Pipecat resampler suspended; voicectl drives them synchronously")


class StreamSession(Protocol):
    """One open stream from ``in_rate`` to ``out_rate``.

    ``flush()`` never raises: a resampler that fails to flush returns nothing and says why in
    ``flush_error`` (python-soxr 1.0.0 QQ at 48000->22050 raises ``MemoryError``).
    """

    flush_error: str | None

    def push(self, chunk: FloatArray) -> FloatArray: ...

    def flush(self) -> FloatArray: ...


@dataclass(frozen=True)
class Feed:
    """What a resampler returned for one signal."""

    output: FloatArray
    deliveries: list[int]  # samples returned by each call (a stream's flush last)
    flush_error: str | None = None


@dataclass(frozen=True)
class ResamplerSpec:
    """A named resampler: what it is, how it is used, and how to run it."""

    name: str
    label: str
    kind: Kind
    sample_format: str  # "int16" or "float64": what goes in and out
    quality: str
    stream_factory: Callable[[int, int], StreamSession] | None = None
    oneshot_fn: Callable[[FloatArray, int, int], FloatArray] | None = None

    def open(self, in_rate: int, out_rate: int) -> StreamSession:
        """A fresh stream (stream resamplers only)."""
        if self.stream_factory is None:
            raise TypeError(f"{self.name} is not a stream resampler")
        return self.stream_factory(in_rate, out_rate)

    def whole(self, x: FloatArray, in_rate: int, out_rate: int) -> Feed:
        """Resample a whole signal in one call (a stream gets it as one chunk, then flush)."""
        return self.chunked(x, in_rate, out_rate, max(len(x), 1))

    def chunked(self, x: FloatArray, in_rate: int, out_rate: int, chunk: int) -> Feed:
        """Feed ``x`` in chunks of ``chunk`` samples as a pipeline does, then flush a stream.

        A one-shot resampler is called once per chunk: that is the misuse this can measure.
        """
        if self.oneshot_fn is not None:
            parts = [self.oneshot_fn(piece, in_rate, out_rate) for piece in _pieces(x, chunk)]
            return Feed(np.concatenate(parts), [len(p) for p in parts])
        session = self.open(in_rate, out_rate)
        parts = [session.push(piece) for piece in _pieces(x, chunk)]
        parts.append(session.flush())
        return Feed(np.concatenate(parts), [len(p) for p in parts], session.flush_error)


def _pieces(x: FloatArray, chunk: int) -> Iterator[FloatArray]:
    for start in range(0, len(x), chunk):
        yield x[start : start + chunk]


def _failure(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _SoxrFloatStream:
    def __init__(self, in_rate: int, out_rate: int, quality: str) -> None:
        self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float64", quality=quality)
        self.flush_error: str | None = None

    def push(self, chunk: FloatArray) -> FloatArray:
        return np.asarray(self._stream.resample_chunk(chunk), dtype=np.float64)

    def flush(self) -> FloatArray:
        try:
            tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float64), last=True)
        except Exception as error:  # the resampler under test failed: a finding, not a crash
            self.flush_error = _failure(error)
            return np.zeros(0)
        return np.asarray(tail, dtype=np.float64)


class _PipecatStream:
    """Pipecat's ``SOXRStreamAudioResampler`` with its default settings (VHQ, 0.2 s clear)."""

    def __init__(self, in_rate: int, out_rate: int, **kwargs: Any) -> None:
        from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler

        self.resampler = SOXRStreamAudioResampler(**kwargs)
        self._rates = (in_rate, out_rate)
        self.flush_error: str | None = None

    def push(self, chunk: FloatArray) -> FloatArray:
        out = drive(self.resampler.resample(to_int16(chunk).tobytes(), *self._rates))
        return from_int16(np.frombuffer(out, dtype=np.int16))

    def flush(self) -> FloatArray:
        try:
            tail = drive(self.resampler.flush())
        except HarnessError:
            raise
        except Exception as error:  # the resampler under test failed: a finding, not a crash
            self.flush_error = _failure(error)
            return np.zeros(0)
        return from_int16(np.frombuffer(tail, dtype=np.int16))


def _pipecat_oneshot(resampler: Any) -> Callable[[FloatArray, int, int], FloatArray]:
    def run(x: FloatArray, in_rate: int, out_rate: int) -> FloatArray:
        out = drive(resampler.resample(to_int16(x).tobytes(), in_rate, out_rate))
        return from_int16(np.frombuffer(out, dtype=np.int16))

    return run


def _soxr_spec(quality: str) -> ResamplerSpec:
    return ResamplerSpec(
        name=f"soxr-{quality.lower()}",
        label=f"soxr.ResampleStream {quality} (float64)",
        kind=Kind.STREAM,
        sample_format="float64",
        quality=quality,
        stream_factory=lambda i, o: _SoxrFloatStream(i, o, quality),
    )


def available_resamplers() -> list[ResamplerSpec]:
    """Every resampler the installed Pipecat provides, then raw soxr at each quality."""
    from pipecat.audio.resamplers.soxr_resampler import SOXRAudioResampler

    specs = [
        ResamplerSpec(
            name="pipecat-stream",
            label="Pipecat SOXRStreamAudioResampler (VHQ, int16, 20 ms chunks + flush)",
            kind=Kind.STREAM,
            sample_format="int16",
            quality="VHQ",
            stream_factory=lambda i, o: _PipecatStream(i, o),
        ),
        ResamplerSpec(
            name="pipecat-oneshot",
            label="Pipecat SOXRAudioResampler (VHQ, int16, whole signal)",
            kind=Kind.ONESHOT,
            sample_format="int16",
            quality="VHQ",
            oneshot_fn=_pipecat_oneshot(SOXRAudioResampler()),
        ),
    ]
    resampy = _resampy_spec()
    if resampy is not None:
        specs.append(resampy)
    specs += [_soxr_spec(q) for q in SOXR_QUALITIES]
    return specs


def _resampy_spec() -> ResamplerSpec | None:
    """Pipecat's deprecated ``ResampyResampler``, when it and resampy are importable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pipecat.audio.resamplers.resampy_resampler import ResampyResampler

            resampler = ResampyResampler()
    except ImportError:
        return None
    return ResamplerSpec(
        name="pipecat-resampy",
        label="Pipecat ResampyResampler (kaiser_fast, int16, deprecated)",
        kind=Kind.ONESHOT,
        sample_format="int16",
        quality="kaiser_fast",
        oneshot_fn=_pipecat_oneshot(resampler),
    )


def parse_resamplers(text: str | None, available: Sequence[ResamplerSpec]) -> list[ResamplerSpec]:
    """``pipecat-stream,soxr-vhq`` -> specs, in the order given; None -> all available."""
    if text is None:
        return list(available)
    by_name = {spec.name: spec for spec in available}
    chosen: list[ResamplerSpec] = []
    for name in (part.strip().lower() for part in text.split(",")):
        if not name:
            continue
        if name not in by_name:
            known = ", ".join(by_name)
            raise InputError(f"--resamplers: unknown resampler {name!r} (available: {known})")
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    if not chosen:
        raise InputError("--resamplers needs at least one resampler name")
    return chosen
