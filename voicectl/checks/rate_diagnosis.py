"""``rate.declared_matches_content``: the verdict on one recording's rate diagnosis
(:mod:`voicectl.resample.diagnose`), and the table of cues measured per recording."""

from __future__ import annotations

from pathlib import Path

from voicectl.report import Check, Verdict
from voicectl.resample.diagnose import (
    F0_RANGE_HZ,
    MAN_HARMONIC_CENTRE,
    MAN_PITCH_HZ,
    MODULATION_RANGE_HZ,
    NARROW_EDGE_HZ,
    SPECTRAL_CENTRE_RANGE_HZ,
    RateDiagnosis,
)

__all__ = ["rate_check", "rate_table"]


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
