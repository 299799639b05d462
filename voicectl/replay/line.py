"""A bad caller line: seeded packet loss, jitter, noise and clock drift on the caller's frames.

Sans-I/O. :func:`parse_line` turns ``loss=5%,jitter=40ms,snr=15dB,drift=50ppm`` into a
:class:`LineSpec`; a :class:`CallerLine` takes the caller's 20 ms frames in call order
(:meth:`CallerLine.push`) and gives back what reaches the bot and when
(:meth:`CallerLine.pop_due`): lost frames concealed the way a carrier does (repeat with fade,
silence) or missing, frames late and out of order, noise added at an SNR, and the caller's
clock running fast or slow. The carrier client only sends what comes out.

Every random draw comes from one generator seeded by ``seed`` (and the call's seed), so a line
is the same on every run.
"""

from __future__ import annotations

import heapq
import math
import re
import zlib
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from voicectl.errors import InputError
from voicectl.outcome.call import LineStats

__all__ = [
    "CallerLine",
    "Concealment",
    "Delivery",
    "LineSpec",
    "parse_line",
    "speech_level",
]

_KEYS = ("loss", "burst", "conceal", "jitter", "snr", "drift", "seed")
# A repeated frame loses 6 dB per consecutive lost frame and goes silent after this many, as
# G.711 packet loss concealment (ITU-T G.711 Appendix I) attenuates and then mutes.
_FADE_FRAMES = 3
_NOMINAL_SPEECH_RMS = 0.1 * 32767  # -20 dBFS: the level of a caller when the recording has none


class Concealment(StrEnum):
    """What the carrier puts where a caller frame was lost."""

    REPEAT = "repeat"  # the last good frame again, fading out (packet loss concealment)
    SILENCE = "silence"  # a frame of silence (comfort-noise-less gateways)
    DROP = "drop"  # nothing: the bot's stream is a frame shorter


@dataclass(frozen=True)
class LineSpec:
    """A caller line's impairments. All zero/None is a clean line."""

    loss: float = 0.0  # share of frames lost, 0..1
    burst: float | None = None  # mean burst length in frames (Gilbert-Elliott); None: random
    conceal: Concealment = Concealment.REPEAT
    jitter_s: float = 0.0  # each frame arrives up to this much late (uniform), so can reorder
    snr_db: float | None = None  # white noise this far below the caller's speech level
    drift_ppm: float = 0.0  # caller clock fast (+) or slow (-), parts per million
    seed: int = 0

    @property
    def clean(self) -> bool:
        return self.loss == 0 and self.jitter_s == 0 and self.snr_db is None and self.drift_ppm == 0

    def describe(self) -> str:
        """The spec as written on the command line (canonical form)."""
        parts = []
        if self.loss:
            parts.append(f"loss={self.loss * 100:g}%")
            if self.burst is not None:
                parts.append(f"burst={self.burst:g}")
            parts.append(f"conceal={self.conceal.value}")
        if self.jitter_s:
            parts.append(f"jitter={self.jitter_s * 1000:g}ms")
        if self.snr_db is not None:
            parts.append(f"snr={self.snr_db:g}dB")
        if self.drift_ppm:
            parts.append(f"drift={self.drift_ppm:g}ppm")
        parts.append(f"seed={self.seed}")
        return ",".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "spec": self.describe(),
            "loss": self.loss,
            "burst_frames": self.burst,
            "conceal": self.conceal.value,
            "jitter_ms": self.jitter_s * 1000,
            "snr_db": self.snr_db,
            "drift_ppm": self.drift_ppm,
            "seed": self.seed,
        }


def parse_line(text: str) -> LineSpec:
    """Parse ``loss=5%,burst=3,conceal=repeat,jitter=40ms,snr=15dB,drift=50ppm,seed=1``.

    Raises :class:`InputError` with a one-line reason naming the bad part.
    """
    values: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise InputError(f"--line: {part!r} is not key=value (keys: {', '.join(_KEYS)})")
        if key not in _KEYS:
            raise InputError(f"--line: unknown impairment {key!r} (known: {', '.join(_KEYS)})")
        if key in values:
            raise InputError(f"--line: {key!r} given twice")
        values[key] = value.strip()
    if not values:
        raise InputError(
            "--line needs at least one impairment, e.g. loss=5%,jitter=40ms,snr=15dB,drift=50ppm"
        )
    loss = _number(values, "loss", "%", 0.0, 100.0, "a percentage 0-100%, e.g. 5%") / 100
    burst = None
    if "burst" in values:
        burst = _number(values, "burst", "", 1.0, 1000.0, "a mean burst length in frames >= 1")
        if not loss:
            raise InputError("--line: burst needs a loss rate (e.g. loss=5%,burst=4)")
        if loss >= burst / (burst + 1) and loss < 1:
            raise InputError(
                f"--line: loss={loss * 100:g}% cannot have bursts of {burst:g} frames "
                f"(at most {100 * burst / (burst + 1):.0f}% loss with that burst length)"
            )
    conceal = Concealment.REPEAT
    if "conceal" in values:
        try:
            conceal = Concealment(values["conceal"].lower())
        except ValueError:
            raise InputError(
                f"--line: conceal must be one of {', '.join(c.value for c in Concealment)}, "
                f"got {values['conceal']!r}"
            ) from None
    jitter = _number(values, "jitter", "ms", 0.0, 2000.0, "milliseconds 0-2000, e.g. 40ms") / 1000
    snr = (
        _number(values, "snr", "db", -20.0, 100.0, "decibels -20 to 100, e.g. 15dB")
        if "snr" in values
        else None
    )
    drift = _number(values, "drift", "ppm", -10000.0, 10000.0, "ppm -10000 to 10000, e.g. 50ppm")
    seed = 0
    if "seed" in values:
        if not re.fullmatch(r"\d{1,18}", values["seed"]):
            raise InputError(f"--line: seed must be a non-negative integer, got {values['seed']!r}")
        seed = int(values["seed"])
    return LineSpec(loss, burst, conceal, jitter, snr, drift, seed)


def _number(
    values: dict[str, str], key: str, unit: str, low: float, high: float, what: str
) -> float:
    raw = values.get(key)
    if raw is None:
        return 0.0
    text = raw.strip().lower().replace(" ", "")
    if unit and text.endswith(unit):
        text = text[: -len(unit)]
    elif unit and re.search(r"[a-z%]", text):
        raise InputError(f"--line: {key} must be {what}, got {raw!r}")
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"--line: {key} must be {what}, got {raw!r}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InputError(f"--line: {key} must be {what}, got {raw!r}")
    return number


def speech_level(
    samples: npt.NDArray[np.int16], spans: list[tuple[float, float]], rate: int
) -> float:
    """RMS of the caller's speech, the reference for ``snr``: the utterance spans, or without
    spans the 20 ms frames above -40 dBFS; -20 dBFS when there is no speech at all."""
    parts = [samples[int(s * rate) : int(e * rate)] for s, e in spans]
    speech = np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)
    if not spans:
        size = rate // 50
        frames = samples[: samples.size // size * size].astype(np.float64).reshape(-1, size)
        loud = frames[np.sqrt(np.mean(frames**2, axis=1)) > 0.01 * 32767]
        speech = loud.ravel()
    if speech.size == 0:
        return _NOMINAL_SPEECH_RMS
    rms = float(np.sqrt(np.mean(speech**2)))
    return rms if rms > 1.0 else _NOMINAL_SPEECH_RMS


@dataclass(frozen=True)
class Delivery:
    """A frame reaching the bot: ``samples`` is None when the frame is lost without a trace."""

    index: int
    arrival_s: float
    samples: npt.NDArray[np.int16] | None
    lost: bool = False


@dataclass
class CallerLine:
    """The caller's leg, frame by frame.

    ``push(i, samples)`` hands over frame *i* as the caller spoke it at ``i * frame_s`` on the
    caller's clock; :meth:`pop_due` returns the frames that have reached the bot by a time on
    the bot's clock, in arrival order. With drift ``d`` ppm the caller's frame *i* leaves at
    ``i * frame_s / (1 + d * 1e-6)`` (a fast clock sends sooner).
    """

    spec: LineSpec
    call_seed: str = ""
    speech_rms: float = _NOMINAL_SPEECH_RMS
    frame_s: float = 0.020
    stats: LineStats = field(default_factory=LineStats)

    def __post_init__(self) -> None:
        key = zlib.crc32(self.call_seed.encode()) ^ (self.spec.seed * 0x9E3779B1)
        self._rng = np.random.default_rng(key & 0xFFFFFFFFFFFF)
        self._noise_rng = np.random.default_rng((key + 1) & 0xFFFFFFFFFFFF)
        self._bad = False  # Gilbert-Elliott state
        self._last_good: npt.NDArray[np.int16] | None = None
        self._run = 0  # consecutive lost frames
        self._pending: list[tuple[float, int, Delivery]] = []
        self._latest_delivered = -1
        spec = self.spec
        self._noise_rms = (
            self.speech_rms / 10 ** (spec.snr_db / 20) if spec.snr_db is not None else 0.0
        )
        if spec.burst is not None and spec.loss > 0:
            self._to_good = 1.0 / spec.burst
            self._to_bad = spec.loss * self._to_good / (1.0 - spec.loss) if spec.loss < 1 else 1.0
        else:
            self._to_good = self._to_bad = 0.0

    def send_time(self, index: int) -> float:
        """When the caller's clock sends frame ``index``, in seconds on the bot's clock."""
        return index * self.frame_s / (1.0 + self.spec.drift_ppm * 1e-6)

    def _lost(self) -> bool:
        spec = self.spec
        if spec.loss <= 0:
            return False
        if spec.burst is None:
            return bool(self._rng.random() < spec.loss)
        if self._bad:
            self._bad = not self._rng.random() < self._to_good
        else:
            self._bad = bool(self._rng.random() < self._to_bad)
        return self._bad

    def _conceal(self) -> npt.NDArray[np.int16] | None:
        conceal = self.spec.conceal
        if conceal is Concealment.DROP:
            return None
        if conceal is Concealment.SILENCE or self._last_good is None or self._run > _FADE_FRAMES:
            return np.zeros(self._size, np.int16)
        return (self._last_good.astype(np.float64) * 0.5**self._run).astype(np.int16)

    def _noisy(self, samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        if not self._noise_rms:
            return samples
        noise = self._noise_rng.normal(0.0, self._noise_rms, samples.size)
        return np.clip(samples.astype(np.float64) + noise, -32768, 32767).astype(np.int16)

    def push(self, index: int, samples: npt.NDArray[np.int16]) -> None:
        """The caller speaks frame ``index``."""
        self._size = samples.size
        stats = self.stats
        stats.frames += 1
        lost = self._lost()
        out: npt.NDArray[np.int16] | None
        if lost:
            self._run += 1
            stats.lost += 1
            if self._run == 1:
                stats.bursts += 1
            stats.longest_burst = max(stats.longest_burst, self._run)
            out = self._conceal()
            if out is None:
                stats.dropped += 1
            else:
                stats.concealed += 1
        else:
            self._run = 0
            self._last_good = samples
            out = samples
        if out is not None:
            out = self._noisy(out)
        late = float(self._rng.uniform(0.0, self.spec.jitter_s)) if self.spec.jitter_s else 0.0
        arrival = self.send_time(index) + late
        heapq.heappush(self._pending, (arrival, index, Delivery(index, arrival, out, lost)))

    def next_due(self) -> float | None:
        """Arrival time of the next frame still on its way."""
        return self._pending[0][0] if self._pending else None

    def pop_due(self, now: float) -> list[Delivery]:
        """Frames that have reached the bot by ``now`` (bot clock, seconds), in arrival order."""
        out = []
        while self._pending and self._pending[0][0] <= now:
            out.append(self._arrive(heapq.heappop(self._pending)[2]))
        return out

    def flush(self) -> list[Delivery]:
        """Every frame still on its way, in arrival order (the call is ending)."""
        return self.pop_due(math.inf)

    def _arrive(self, delivery: Delivery) -> Delivery:
        if delivery.index < self._latest_delivered:
            self.stats.reordered += 1
        self._latest_delivered = max(self._latest_delivered, delivery.index)
        self.stats.late_max_s = max(
            self.stats.late_max_s, delivery.arrival_s - self.send_time(delivery.index)
        )
        return delivery
