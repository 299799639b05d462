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

from dataclasses import dataclass, field

from voicectl.audio.io import Audio
from voicectl.report import Verdict
from voicectl.resample.features import (
    ANALYSIS_LIMIT_S,
    TELEPHONY_EDGE_HZ,
    RateFeatures,
    measure_features,
)

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
NARROW_EDGE_HZ = 2000.0  # half of telephony's 4 kHz: upsampled telephony played at half speed
STRONG, MODERATE, SUPPORT = 2.0, 1.0, 0.5


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
