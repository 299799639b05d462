"""Does a recording's content match its declared sample rate?

Audio written with the wrong rate in its header plays at the wrong speed: 8 kHz telephony
labelled 16 kHz comes out an octave up and twice as fast; 16 kHz audio labelled 8 kHz an
octave down and half as fast. Nothing in the samples says so directly, but several cues do,
each measured at the declared rate:

- **pitch**: median F0 of voiced frames (YIN, at 8 kHz). Adult speech sits at roughly
  70-300 Hz; a median beyond 55-360 Hz is no adult voice, and a 2x story on its own;
- **voice**: pitch against harmonic structure. The harmonic centre (power-weighted mean
  harmonic number of H1-H8) says where the first formant sits in the harmonic series; pitch
  and formants move together with playback speed, so it does not change. Women's voices
  measure 1.03-2.09, men's 2.10-3.51: a man's pitch (under 150 Hz) with a woman's harmonics
  (under 1.9) is a higher voice played at half speed;
- **spectrum**: the log-frequency centroid of the long-term spectrum over 100-3400 Hz. Speech
  played at half speed has its formants an octave down and sounds dark;
- **speaking rate**: the centre of the speech envelope's 1-20 Hz modulation spectrum (a
  log-frequency centroid weighted by power squared);
- **bandwidth**: where the long-term spectrum falls 40 dB below its peak. Telephony ends near
  3.4-4 kHz; upsampled telephony played at half speed ends under 2 kHz (real 8 kHz prompts
  end as low as 2.06 kHz, so the bound is 2 kHz, not wider);
- **G.711 levels**: samples that all sit on the 255 mu-law (or 256 A-law) levels were decoded
  from G.711 and never resampled, and G.711 runs at 8 kHz;
- **duration**: against ``duration_s`` in a transcript sidecar, when there is one.

Each cue votes for a rate with a weight; the verdict needs agreement (a strong cue, or two
moderate ones, and nothing pointing elsewhere), so one odd cue (a high-pitched voice, a fast
talker) gives a warning, never a failure. No true rate below 8 kHz is considered.

The bounds come from a corpus of real human speech (tests/integration/real_speech_corpus.py:
28 Asterisk prompts of three female voices, 8 and 16 kHz, in 238 correct and 2x-mislabelled
variants). Measured there, at the declared rate:

| cue | correctly labelled | played 2x fast | played 2x slow |
|---|---|---|---|
| median pitch | 170-235 Hz | 348-471 Hz | 92-116 Hz |
| spectral centre | 250-388 Hz | 490-746 Hz | 174-223 Hz |
| envelope centre | 2.10-5.35 Hz | 2.43-5.47 Hz (9 measurable) | 1.62-2.82 Hz |
| harmonic centre | 1.03-1.65 | 1.03-1.53 | 1.13-1.76 |

The bundled espeak calls and the synthetic voices are brighter (spectral centre 611-812 Hz),
so a bright spectrum says nothing; a dark one votes for twice the rate. Male voices (62 more
files, measured beside the corpus) span 247-748 Hz labelled right: a dark male voice comes near
the bound, which is one moderate cue and so at most a warning. A male voice played 2x fast
has a plausible pitch and spectrum, and is often not caught: its harmonics are a man's (2x:
1.86-3.34) but synthetic voices measure that high too (espeak 2.8-4.7), so no cue votes on it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from voicectl.audio import g711
from voicectl.audio.io import Audio
from voicectl.audio.script import sidecar_path
from voicectl.report import Check, Verdict

__all__ = [
    "ANALYSIS_LIMIT_S",
    "F0_IMPOSSIBLE_HZ",
    "F0_RANGE_HZ",
    "MODULATION_RANGE_HZ",
    "SPECTRAL_CENTRE_RANGE_HZ",
    "TELEPHONY_EDGE_HZ",
    "Cue",
    "RateDiagnosis",
    "RateFeatures",
    "diagnose_rate",
    "measure_features",
    "rate_check",
    "rate_table",
]

F0_RANGE_HZ = (70.0, 300.0)  # adult speech; outside it a 2x error is the likelier story
# A median no adult voice has: a 2x story on its own (corpus: correct <= 235 Hz, fast >= 390
# Hz bar one Italian prompt at 348 Hz; 360 Hz leaves room for high and children's voices;
# male voices played slow measure 48-58 Hz).
F0_IMPOSSIBLE_HZ = (55.0, 360.0)
# Speech envelope centre. Real correctly labelled speech measures 2.10-5.35 Hz (one prompt at
# 2.10, the rest >= 2.43); the lower bound sits 0.10 Hz under it. Half-speed real speech
# measures 1.62-2.82 Hz, so this cue catches only part of it.
MODULATION_RANGE_HZ = (2.0, 5.5)
# Spectral centre (log-weighted, 100-3400 Hz). Real speech: 250-388 Hz correct, 174-223 Hz at
# half speed; 235 Hz sits between (6 % under the lowest correct file). Above 600 Hz (espeak,
# synthetic, band-limited audio; real speech played fast) the cue says nothing.
SPECTRAL_CENTRE_RANGE_HZ = (235.0, 600.0)
# Voice kind: pitch against the harmonic centre (the power-weighted mean harmonic number of
# H1-H8, which playback speed does not change). Below MAN_PITCH_HZ is a man's pitch. Real
# voices measured (corpus, held-out prompts, Spanish prompts): men's 2.10-3.51, women's
# 1.03-2.09 at any speed. A man's pitch with a centre under 1.9 is a woman's voice played
# slow. Synthetic voices (espeak: 2.8-4.7) are no guide, so the cue never votes for the
# declared rate, nor for half of it.
MAN_PITCH_HZ = 150.0
MAN_HARMONIC_CENTRE = 1.9
MIN_TRUE_RATE, MAX_TRUE_RATE = 8000, 192000  # no recording is truly below telephony's 8 kHz
TELEPHONY_EDGE_HZ = 3400.0  # G.712 telephone channel
NARROW_EDGE_HZ = 2000.0  # half of telephony's 4 kHz: upsampled telephony played at half speed
EDGE_DROP_DB = 40.0
MIN_VOICED_FRAMES = 25  # 0.5 s of voiced speech (20 ms hops) before pitch counts
MIN_SPEECH_S = 2.0  # speech needed before the speaking rate counts
MIN_LOUD_S = 1.0  # loud audio needed before the bandwidth counts
ANALYSIS_LIMIT_S = 600.0  # cues are measured on at most the first 10 minutes
STRONG, MODERATE, SUPPORT = 2.0, 1.0, 0.5

_PITCH_RATE = 8000  # pitch and spectral centre need nothing above 4 kHz
_ENVELOPE_RATE = 16000  # the envelope's 300-3400 Hz band needs nothing above 8 kHz
_FRAME_HOP_S = 0.01
_PITCH_HOP_S = 0.02
_BLOCK_FRAMES = 2000
_HARMONICS = 8
_HARMONIC_FFT = 1024  # 7.8 Hz bins for a 50 ms pitch frame at 8 kHz


@dataclass(frozen=True)
class RateFeatures:
    """What was measured, at the declared rate."""

    declared_rate: int
    duration_s: float
    analysed_s: float
    f0_median_hz: float | None
    voiced_frames: int
    modulation_hz: float | None
    speech_s: float
    bandwidth_hz: float | None
    spectral_centre_hz: float | None
    g711_law: str | None  # "mu-law" / "A-law" when every sample sits on its levels
    sidecar_duration_s: float | None
    harmonic_centre: float | None = None  # median power-weighted mean harmonic number, H1-H8


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: the rate it points to, how much it weighs, and why."""

    name: str
    rate: int | None  # None: measured, but says nothing about the rate
    weight: float
    evidence: str
    short: str = ""  # a few words for the console


@dataclass(frozen=True)
class RateDiagnosis:
    """The verdict on one recording, with the cues behind it."""

    source: str
    features: RateFeatures
    cues: list[Cue] = field(default_factory=list)
    verdict: Verdict = Verdict.WARN
    likely_rate: int | None = None
    summary: str = ""


def _frames(x: npt.NDArray[np.float64], size: int, hop: int) -> npt.NDArray[np.float64]:
    count = 1 + max(0, (len(x) - size) // hop)
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return x[index] if len(x) >= size else np.zeros((0, size))


def _frame_blocks(
    x: npt.NDArray[np.float64], size: int, hop: int, threshold_db: float
) -> Iterator[npt.NDArray[np.float64]]:
    """Frames louder than ``threshold_db`` re the loudest, a block at a time (bounded memory)."""
    count = 1 + (len(x) - size) // hop if len(x) >= size else 0
    if not count:
        return
    energy = np.concatenate([[0.0], np.cumsum(x**2)])
    starts = hop * np.arange(count)
    level = np.sqrt((energy[starts + size] - energy[starts]) / size)
    loud = level > np.max(level) * 10 ** (threshold_db / 20) if np.max(level) > 0 else level >= 0
    for first in range(0, count, _BLOCK_FRAMES):
        chosen = starts[first : first + _BLOCK_FRAMES][loud[first : first + _BLOCK_FRAMES]]
        if len(chosen):
            yield x[chosen[:, None] + np.arange(size)[None, :]]


def _at_rate(x: npt.NDArray[np.float64], rate: int, to_rate: int) -> npt.NDArray[np.float64]:
    """``x`` (declared ``rate``) at ``to_rate``, frequencies kept in declared Hz."""
    return x if rate == to_rate else np.asarray(soxr.resample(x, rate, to_rate, quality="HQ"))


def _harmonic_centre(
    voiced: npt.NDArray[np.float64], f0: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per voiced frame: the power-weighted mean harmonic number of H1-H8 (those below 3.4 kHz).

    Where the first formant sits in the harmonic series: both scale with playback speed, so
    the figure is the same at any speed and tells a voice's kind (women's voices near H1-H2,
    men's, with F1 four or five harmonics up, higher).
    """
    size = voiced.shape[1]
    magnitude = np.abs(np.fft.rfft(voiced * np.hanning(size), _HARMONIC_FFT, axis=1))
    # Each harmonic's level: the largest bin within 2 bins of k * F0 (F0 is a whole lag).
    padded = np.pad(magnitude, ((0, 0), (2, 2)))
    peak = np.max([padded[:, i : i + magnitude.shape[1]] for i in range(5)], axis=0)
    numbers = np.arange(1, _HARMONICS + 1)
    hz = f0[:, None] * numbers[None, :]
    bins = np.minimum(np.rint(hz * _HARMONIC_FFT / _PITCH_RATE).astype(int), magnitude.shape[1] - 1)
    power = np.where(hz <= TELEPHONY_EDGE_HZ, np.take_along_axis(peak, bins, axis=1) ** 2, 0.0)
    return np.asarray(np.sum(power * numbers, axis=1) / np.maximum(power.sum(axis=1), 1e-30))


def _pitch(x: npt.NDArray[np.float64]) -> tuple[float | None, int, float | None]:
    """Median F0 (declared Hz) over voiced frames by YIN, how many frames were voiced, and
    their median harmonic centre (``_harmonic_centre``).

    ``x`` is the audio brought to 8 kHz, so every rate costs the same.
    """
    min_lag, max_lag = int(_PITCH_RATE / 800), int(_PITCH_RATE / 40)
    size = 2 * max_lag + 2  # two periods of the lowest pitch
    window = size - max_lag
    hop = round(_PITCH_HOP_S * _PITCH_RATE)
    f0s: list[npt.NDArray[np.float64]] = []
    centres: list[npt.NDArray[np.float64]] = []
    nfft = 1 << math.ceil(math.log2(2 * size))
    lags = np.arange(max_lag + 1)
    for block in _frame_blocks(x, size, hop, -35.0):
        head = block.copy()
        head[:, window:] = 0.0
        corr = np.fft.irfft(
            np.fft.rfft(block, nfft, axis=1) * np.conj(np.fft.rfft(head, nfft, axis=1)),
            nfft,
            axis=1,
        )[:, : max_lag + 1]
        energy = np.cumsum(np.pad(block**2, ((0, 0), (1, 0))), axis=1)
        diff = energy[:, window : window + 1] + energy[:, lags + window] - energy[:, lags]
        diff -= 2.0 * corr
        cumulative = np.cumsum(diff[:, 1:], axis=1)
        normalised = diff[:, 1:] * np.arange(1, max_lag + 1) / np.maximum(cumulative, 1e-12)
        below = normalised[:, min_lag - 1 :] < 0.15
        voiced = below.any(axis=1)
        if not voiced.any():
            continue
        rows, below = normalised[voiced, min_lag - 1 :], below[voiced]
        # YIN's pick: the lowest point of the first dip under the threshold.
        first = np.argmax(below, axis=1)
        after = np.arange(below.shape[1])[None, :] >= first[:, None]
        still_below = np.cumprod(below | ~after, axis=1).astype(bool) & after
        lag = np.argmin(np.where(still_below, rows, np.inf), axis=1) + min_lag - 1
        f0 = _PITCH_RATE / (lag + 1)
        f0s.append(f0)
        centres.append(_harmonic_centre(block[voiced], f0))
    if not f0s:
        return None, 0, None
    every = np.concatenate(f0s)
    return float(np.median(every)), len(every), float(np.median(np.concatenate(centres)))


def _band_envelope(x: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Per 10 ms frame: the amplitude in the 300-3400 Hz speech band."""
    size = max(8, round(0.025 * rate))
    hop = max(1, round(_FRAME_HOP_S * rate))
    freqs = np.fft.rfftfreq(size, 1 / rate)
    band = (freqs >= 300) & (freqs <= min(TELEPHONY_EDGE_HZ, 0.45 * rate))
    envelope: list[npt.NDArray[np.float64]] = []
    window = np.hanning(size)
    for start in range(0, max(1, len(x) - size + 1), hop * _BLOCK_FRAMES):
        block = _frames(x[start : start + hop * (_BLOCK_FRAMES - 1) + size], size, hop)
        power = np.abs(np.fft.rfft(block * window, axis=1)) ** 2
        envelope.append(np.sqrt(power[:, band].sum(axis=1)))
    return np.concatenate(envelope) if envelope else np.zeros(0)


def _speaking_rate(x: npt.NDArray[np.float64], rate: int) -> tuple[float | None, float]:
    """Centre of the 1-20 Hz envelope modulation spectrum over speech (Hz), and seconds of speech.

    The centre is a log-frequency centroid weighted by power squared, so the syllable peak
    dominates and the figure scales with playback speed.
    """
    env = _band_envelope(x, rate)
    if len(env) < 50:
        return None, 0.0
    level = 20 * np.log10(env + 1e-9)
    active = level > max(np.percentile(level, 10) + 15, np.percentile(level, 99) - 40)
    speech_s = float(active.sum()) * _FRAME_HOP_S
    frames = np.flatnonzero(active)
    if speech_s < MIN_SPEECH_S:
        return None, speech_s
    # Speech stretches: active frames with gaps shorter than 0.3 s bridged.
    breaks = np.flatnonzero(np.diff(frames) > 30)
    starts = np.concatenate([[frames[0]], frames[breaks + 1]])
    stops = np.concatenate([frames[breaks] + 1, [frames[-1] + 1]])
    size = 256  # 2.56 s of envelope per window
    power = np.zeros(size // 2 + 1)
    for start, stop in zip(starts, stops, strict=True):
        for first in range(start, max(start + 1, stop - size // 2), size // 2):
            piece = env[first : min(first + size, stop)]
            if len(piece) < 50:
                continue
            piece = (piece - piece.mean()) * np.hanning(len(piece))
            power += np.abs(np.fft.rfft(piece, size)) ** 2
    mod_freqs = np.fft.rfftfreq(size, _FRAME_HOP_S)
    keep = (mod_freqs >= 1.0) & (mod_freqs <= 20.0)
    weight = power[keep] ** 2
    if weight.sum() <= 0:
        return None, speech_s
    centre = math.exp(float(np.sum(weight * np.log(mod_freqs[keep])) / weight.sum()))
    return centre, speech_s


def _bandwidth(x: npt.NDArray[np.float64], rate: int) -> float | None:
    """Highest frequency where the long-term spectrum of the loud frames is within 40 dB of its peak.

    None when there is less than ``MIN_LOUD_S`` of loud audio to average.
    """
    size = max(16, round(0.032 * rate))
    window = np.hanning(size)
    spectrum = np.zeros(size // 2 + 1)
    loud_frames = 0
    for block in _frame_blocks(x, size, size // 2, -40.0):
        spectrum += np.sum(np.abs(np.fft.rfft(block * window, axis=1)) ** 2, axis=0)
        loud_frames += len(block)
    if loud_frames * size / 2 < MIN_LOUD_S * rate:
        return None
    db = 10 * np.log10(spectrum + 1e-30)
    freqs = np.fft.rfftfreq(size, 1 / rate)
    above = np.flatnonzero(db >= db.max() - EDGE_DROP_DB)
    return float(freqs[above[-1]]) if len(above) else 0.0


def _spectral_centre(x: npt.NDArray[np.float64]) -> float | None:
    """Log-frequency centroid (Hz) of the long-term spectrum of loud frames over 100-3400 Hz.

    Measured in declared Hz on the audio brought to 8 kHz (``x``), so every rate sees the same
    band. None when there is less than ``MIN_LOUD_S`` of loud audio.
    """
    size = 256
    window = np.hanning(size)
    spectrum = np.zeros(size // 2 + 1)
    loud_frames = 0
    for block in _frame_blocks(x, size, size // 2, -30.0):
        spectrum += np.sum(np.abs(np.fft.rfft(block * window, axis=1)) ** 2, axis=0)
        loud_frames += len(block)
    freqs = np.fft.rfftfreq(size, 1 / _PITCH_RATE)
    band = (freqs >= 100.0) & (freqs <= TELEPHONY_EDGE_HZ)
    power = spectrum[band]
    if loud_frames * size / 2 < MIN_LOUD_S * _PITCH_RATE or power.sum() <= 0:
        return None
    return math.exp(float(np.sum(power * np.log(freqs[band])) / power.sum()))


def _g711_law(samples: npt.NDArray[np.int16]) -> str | None:
    """``mu-law``/``A-law`` when (nearly) every sample is one of that law's decoded levels."""
    nonzero = samples[samples != 0]
    if len(nonzero) < 1000:
        return None
    for name, decode in (("mu-law", g711.ulaw_decode), ("A-law", g711.alaw_decode)):
        levels = decode(bytes(range(256)))
        # A prefix first: resampled or PCM audio leaves the levels within a few samples.
        if np.isin(nonzero[:4000], levels).mean() < 0.999:
            continue
        if len(np.unique(nonzero)) >= 64 and np.isin(nonzero, levels).mean() >= 0.999:
            return name
    return None


def _sidecar_duration(source: str) -> float | None:
    """``duration_s`` from the transcript sidecar next to the file, if it has one."""
    path = sidecar_path(source)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    value = document.get("duration_s") if isinstance(document, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def measure_features(audio: Audio) -> RateFeatures:
    """Measure every cue on ``audio`` as if its declared rate were right."""
    rate = audio.sample_rate
    head = audio.samples[: round(ANALYSIS_LIMIT_S * rate)]
    x = head.astype(np.float64) / 32768.0
    at_8k = _at_rate(x, rate, _PITCH_RATE)
    f0, voiced, harmonic_centre = _pitch(at_8k)
    envelope_rate = min(rate, _ENVELOPE_RATE)
    modulation, speech_s = _speaking_rate(_at_rate(x, rate, envelope_rate), envelope_rate)
    return RateFeatures(
        declared_rate=rate,
        duration_s=audio.duration_s,
        analysed_s=len(head) / rate,
        f0_median_hz=f0 if voiced >= MIN_VOICED_FRAMES else None,
        voiced_frames=voiced,
        harmonic_centre=harmonic_centre if voiced >= MIN_VOICED_FRAMES else None,
        modulation_hz=modulation,
        speech_s=speech_s,
        bandwidth_hz=_bandwidth(x, rate),
        spectral_centre_hz=_spectral_centre(at_8k),
        g711_law=_g711_law(head),
        sidecar_duration_s=_sidecar_duration(audio.source)
        if os.path.exists(audio.source)
        else None,
    )


def _khz(hz: float) -> str:
    return f"{hz / 1000:.3g} kHz"


def _candidate_rates(declared: int) -> set[int]:
    """The true rates a 2x mislabel of ``declared`` could hide: none below telephony's 8 kHz."""
    return {
        rate for rate in (declared // 2, declared * 2) if MIN_TRUE_RATE <= rate <= MAX_TRUE_RATE
    }


def _pitch_cue(f: RateFeatures, candidates: set[int]) -> Cue:
    """Median F0 against adult speech; far outside it is a 2x story on its own."""
    declared, f0 = f.declared_rate, f.f0_median_hz
    low, high = F0_RANGE_HZ
    floor, ceiling = F0_IMPOSSIBLE_HZ
    if f0 is None:
        return Cue(
            "pitch", None, 0.0, f"too little voiced speech for pitch ({f.voiced_frames} frames)"
        )
    short = f"pitch {f0:.0f} Hz"
    if f0 > high and f0 / 2 >= low and declared // 2 in candidates:
        weight, how = (
            (STRONG, "no adult voice") if f0 > ceiling else (MODERATE, "above adult speech")
        )
        return Cue(
            "pitch",
            declared // 2,
            weight,
            f"median pitch {f0:.0f} Hz is {how} ({low:g}-{high:g} Hz); {f0 / 2:.0f} Hz at half the rate",
            short,
        )
    if f0 < low and f0 * 2 <= high and declared * 2 in candidates:
        weight, how = (STRONG, "no adult voice") if f0 < floor else (MODERATE, "below adult speech")
        return Cue(
            "pitch",
            declared * 2,
            weight,
            f"median pitch {f0:.0f} Hz is {how} ({low:g}-{high:g} Hz); {f0 * 2:.0f} Hz at twice the rate",
            short,
        )
    if low <= f0 <= high:
        return Cue("pitch", declared, SUPPORT, f"median pitch {f0:.0f} Hz, adult speech", short)
    return Cue("pitch", None, 0.0, f"median pitch {f0:.0f} Hz fits no 2x story", short)


def _voice_cue(f: RateFeatures, candidates: set[int]) -> Cue:
    """Pitch against harmonic structure: a woman's voice played at half speed has a man's pitch
    but keeps a woman's harmonics (the harmonic centre does not change with speed)."""
    declared, f0, centre = f.declared_rate, f.f0_median_hz, f.harmonic_centre
    if f0 is None or centre is None:
        return Cue("voice", None, 0.0, "too little voiced speech for the harmonic structure")
    short = f"harmonic centre {centre:.2f}"
    if f0 < MAN_PITCH_HZ and centre < MAN_HARMONIC_CENTRE and declared * 2 in candidates:
        return Cue(
            "voice",
            declared * 2,
            MODERATE,
            f"pitch {f0:.0f} Hz is a man's, but the harmonics are a woman's voice (centre at "
            f"harmonic {centre:.2f}; men's voices >= {MAN_HARMONIC_CENTRE:g}): a higher voice "
            "played slow",
            short,
        )
    return Cue(
        "voice",
        None,
        0.0,
        f"pitch {f0:.0f} Hz, harmonic centre {centre:.2f}: no slowed higher voice",
        short,
    )


def _spectral_cue(f: RateFeatures, candidates: set[int]) -> Cue:
    """Where the long-term spectrum's weight sits: speech played at half speed sounds dark."""
    declared, centre = f.declared_rate, f.spectral_centre_hz
    if centre is None:
        return Cue("spectrum", None, 0.0, "too little loud audio for a spectral centre")
    short = f"spectrum centred at {centre:.0f} Hz"
    low, high = SPECTRAL_CENTRE_RANGE_HZ
    if centre < low and declared * 2 in candidates:
        return Cue(
            "spectrum",
            declared * 2,
            MODERATE,
            f"spectrum centred at {centre:.0f} Hz (100-3400 Hz, log-weighted), below speech ({low:g}-{high:g} Hz): formants an octave down",
            short,
        )
    if centre <= high:
        return Cue(
            "spectrum",
            declared,
            SUPPORT,
            f"spectrum centred at {centre:.0f} Hz, within recorded speech ({low:g}-{high:g} Hz)",
            short,
        )
    return Cue(
        "spectrum",
        None,
        0.0,
        f"spectrum centred at {centre:.0f} Hz: brighter than recorded human speech (band-limited or synthetic)",
        short,
    )


def collect_cues(f: RateFeatures) -> list[Cue]:
    """Turn measurements into weighted votes for a rate."""
    declared, cues = f.declared_rate, []
    candidates = _candidate_rates(declared)
    if f.g711_law is not None:
        cues.append(
            Cue(
                "g711",
                8000,
                STRONG if declared != 8000 else MODERATE,
                f"every sample is a {f.g711_law} level: decoded G.711, never resampled, and G.711 is 8 kHz",
                f"{f.g711_law} levels (8 kHz)",
            )
        )
    cues.append(_pitch_cue(f, candidates))
    cues.append(_voice_cue(f, candidates))
    cues.append(_spectral_cue(f, candidates))
    slow, fast = MODULATION_RANGE_HZ
    if f.modulation_hz is None:
        cues.append(
            Cue(
                "speaking rate",
                None,
                0.0,
                f"too little speech for a speaking rate ({f.speech_s:.1f} s)",
            )
        )
    elif f.modulation_hz > fast and declared // 2 in candidates:
        cues.append(
            Cue(
                "speaking rate",
                declared // 2,
                MODERATE,
                f"speech envelope centred at {f.modulation_hz:.1f} Hz, above real speech ({slow:g}-{fast:g} Hz): played fast",
                f"envelope {f.modulation_hz:.1f} Hz",
            )
        )
    elif f.modulation_hz < slow and declared * 2 in candidates:
        cues.append(
            Cue(
                "speaking rate",
                declared * 2,
                MODERATE,
                f"speech envelope centred at {f.modulation_hz:.1f} Hz, below real speech ({slow:g}-{fast:g} Hz): played slow",
                f"envelope {f.modulation_hz:.1f} Hz",
            )
        )
    else:
        cues.append(
            Cue(
                "speaking rate",
                declared,
                SUPPORT,
                f"speech envelope centred at {f.modulation_hz:.1f} Hz, normal syllable rate",
                f"envelope {f.modulation_hz:.1f} Hz",
            )
        )
    nyquist = declared / 2
    if f.bandwidth_hz is None:
        cues.append(
            Cue(
                "bandwidth",
                None,
                0.0,
                "too little loud audio for a long-term spectrum",
                "no spectrum",
            )
        )
    elif f.bandwidth_hz < NARROW_EDGE_HZ and nyquist > NARROW_EDGE_HZ:
        cues.append(
            Cue(
                "bandwidth",
                declared * 2,
                MODERATE,
                f"content ends at {_khz(f.bandwidth_hz)}, under half a phone line ({_khz(NARROW_EDGE_HZ)}): upsampled telephony played slow",
                f"content to {_khz(f.bandwidth_hz)}",
            )
        )
    elif f.bandwidth_hz < 0.6 * nyquist:
        origin = (
            "telephony" if f.bandwidth_hz <= 4000 else f"~{_khz(2 * f.bandwidth_hz / 0.9)} audio"
        )
        cues.append(
            Cue(
                "bandwidth",
                None,
                0.0,
                f"content ends at {_khz(f.bandwidth_hz)} of {_khz(nyquist)}: upsampled {origin} (fine)",
                f"content to {_khz(f.bandwidth_hz)}: upsampled {origin}",
            )
        )
    else:
        cues.append(
            Cue(
                "bandwidth",
                None,
                0.0,
                f"content reaches {_khz(f.bandwidth_hz)} of {_khz(nyquist)}",
                f"content to {_khz(f.bandwidth_hz)}",
            )
        )
    if f.sidecar_duration_s is not None:
        ratio = f.duration_s / f.sidecar_duration_s
        for factor, candidate in ((1.0, declared), (0.5, declared // 2), (2.0, declared * 2)):
            if abs(ratio / factor - 1) < 0.05:
                cues.append(
                    Cue(
                        "duration",
                        candidate,
                        STRONG,
                        f"{f.duration_s:.2f} s at {declared} Hz vs {f.sidecar_duration_s:.2f} s in the transcript sidecar",
                        f"{f.duration_s:.1f} s vs sidecar {f.sidecar_duration_s:.1f} s",
                    )
                )
                break
        else:
            cues.append(
                Cue(
                    "duration",
                    None,
                    0.0,
                    f"{f.duration_s:.2f} s vs {f.sidecar_duration_s:.2f} s in the sidecar: no 2x story",
                    f"{f.duration_s:.1f} s vs sidecar {f.sidecar_duration_s:.1f} s",
                )
            )
    return cues


def diagnose_rate(audio: Audio) -> RateDiagnosis:
    """Weigh the cues: fail only when independent cues agree on another rate."""
    features = measure_features(audio)
    cues = collect_cues(features)
    declared = features.declared_rate
    weights: dict[int, float] = {}
    for cue in cues:
        if cue.rate is not None and cue.weight > 0:
            weights[cue.rate] = weights.get(cue.rate, 0.0) + cue.weight
    for_declared = weights.pop(declared, 0.0)
    evidence = "; ".join(c.evidence for c in cues)
    if weights:
        likely = max(weights, key=lambda r: weights[r])
        against = weights[likely]
        conflicting = len(weights) > 1
        if against >= STRONG and against >= for_declared + 1 and not conflicting:
            return RateDiagnosis(audio.source, features, cues, Verdict.FAIL, likely, evidence)
        return RateDiagnosis(audio.source, features, cues, Verdict.WARN, likely, evidence)
    if for_declared >= 1.0:
        return RateDiagnosis(audio.source, features, cues, Verdict.PASS, declared, evidence)
    return RateDiagnosis(audio.source, features, cues, Verdict.WARN, None, evidence)


def rate_check(diagnosis: RateDiagnosis) -> Check:
    """``rate.declared_matches_content`` for one recording."""
    f = diagnosis.features
    name = Path(diagnosis.source).name
    declared = f.declared_rate
    likely = diagnosis.likely_rate
    if diagnosis.verdict is Verdict.PASS:
        headline = f"consistent with {declared} Hz"
    elif diagnosis.verdict is Verdict.FAIL and likely:
        headline = f"likely {likely} Hz audio labelled {declared} Hz (plays {declared / likely:g}x)"
    elif likely is not None:
        headline = f"ambiguous: some cues point to {likely} Hz"
    else:
        headline = "cannot tell: not enough speech to judge"
    if likely is not None and likely != declared:
        shown = [c for c in diagnosis.cues if c.rate == likely] or list(diagnosis.cues)
        headline += "; for: " + ", ".join(c.short for c in shown)
        against = [c for c in diagnosis.cues if c.rate == declared]
        if against:
            headline += "; against: " + ", ".join(c.short for c in against)
    else:
        headline += ": " + ", ".join(c.short for c in diagnosis.cues if c.short)
    cue_text = {c.name: c for c in diagnosis.cues}
    return Check(
        id="rate.declared_matches_content",
        title=f"{name}: content matches {declared} Hz",
        verdict=diagnosis.verdict,
        expected=(
            f"cues agree with {declared} Hz: pitch {F0_RANGE_HZ[0]:g}-{F0_RANGE_HZ[1]:g} Hz "
            f"(under {MAN_PITCH_HZ:g} Hz: harmonic centre ≥ {MAN_HARMONIC_CENTRE:g}), "
            f"spectrum centre ≥ {SPECTRAL_CENTRE_RANGE_HZ[0]:g} Hz, "
            f"envelope {MODULATION_RANGE_HZ[0]:g}-{MODULATION_RANGE_HZ[1]:g} Hz, content ≥ "
            f"{NARROW_EDGE_HZ / 1000:g} kHz; fails on 2 cues against"
        ),
        observed=headline,
        detail=diagnosis.summary,
        metrics={
            "declared_rate": declared,
            "likely_rate": diagnosis.likely_rate,
            "duration_s": f.duration_s,
            "analysed_s": f.analysed_s,
            "f0_median_hz": f.f0_median_hz,
            "voiced_frames": f.voiced_frames,
            "harmonic_centre": f.harmonic_centre,
            "modulation_hz": f.modulation_hz,
            "speech_s": f.speech_s,
            "bandwidth_hz": f.bandwidth_hz,
            "spectral_centre_hz": f.spectral_centre_hz,
            "g711_law": f.g711_law,
            "sidecar_duration_s": f.sidecar_duration_s,
            "cues": {
                name: {"rate": c.rate, "weight": c.weight, "evidence": c.evidence}
                for name, c in cue_text.items()
            },
        },
    )


def rate_table(diagnoses: list[RateDiagnosis]) -> tuple[str, list[str], list[list[object]]]:
    """One row of measured cues per recording."""
    rows: list[list[object]] = []
    for d in diagnoses:
        f = d.features
        rows.append(
            [
                Path(d.source).name,
                f.declared_rate,
                round(f.duration_s, 2),
                round(f.f0_median_hz) if f.f0_median_hz else None,
                round(f.spectral_centre_hz) if f.spectral_centre_hz else None,
                round(f.modulation_hz, 2) if f.modulation_hz else None,
                round(f.bandwidth_hz / 1000, 2) if f.bandwidth_hz is not None else None,
                f.g711_law or "-",
                d.verdict.value
                if d.verdict is not Verdict.FAIL or not d.likely_rate
                else f"fail: {d.likely_rate / 1000:g}k",
            ]
        )
    columns = [
        "file",
        "declared Hz",
        "s",
        "pitch Hz",
        "spectrum Hz",
        "envelope Hz",
        "content kHz",
        "G.711",
        "verdict",
    ]
    return "Rate cues, measured at the declared rate", columns, rows
