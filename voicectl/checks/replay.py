"""Verdicts of a replay: did the bot answer every utterance, and does it hear the same at every rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voicectl.report.model import Check, Verdict, check

__all__ = [
    "RateObservation",
    "RateTolerance",
    "judge_bot_answered",
    "judge_rate_consistency",
]


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def judge_bot_answered(
    label: str,
    latencies: Sequence[float | None],
    texts: Sequence[str],
    *,
    bound_s: float,
    call_error: str | None = None,
    audio_time: bool = False,
) -> Check:
    """``replay.bot_answered``: every scripted utterance got a reply within ``bound_s``.

    ``latencies[i]`` is the time from the end of utterance *i* to the first bot audio after it
    (``None`` when the bot never answered that utterance before the next one ended).
    """
    clock = "caller-audio" if audio_time else "wall"
    expected = (
        f"each of {len(latencies)} utterances answered within {bound_s:.1f} s "
        f"({clock} time from utterance end to first bot audio)"
    )
    answered = [x for x in latencies if x is not None]
    late = [(i, x) for i, x in enumerate(latencies) if x is not None and x > bound_s]
    missing = [i for i, x in enumerate(latencies) if x is None]
    metrics: dict[str, object] = {
        "utterances": len(latencies),
        "answered": len(answered),
        "late": len(late),
        "latency_p50_s": float(np.median(answered)) if answered else None,
        "latency_max_s": max(answered) if answered else None,
    }
    parts = [f"{len(answered) - len(late)}/{len(latencies)} answered in time"]
    if answered:
        parts.append(f"latency median {np.median(answered):.2f} s, max {max(answered):.2f} s")
    problems = [f"utterance {i + 1} ({_quote(texts[i])}) got no reply" for i in missing]
    problems += [f"utterance {i + 1} answered after {x:.2f} s" for i, x in late]
    if call_error:
        problems.insert(0, call_error)
    passed = not missing and not late and call_error is None and bool(latencies)
    if not latencies:
        problems.append("the call has no scripted utterances to answer")
    return check(
        "replay.bot_answered",
        f"{label}: bot answered every utterance",
        passed,
        expected,
        "; ".join(parts + problems[:1]),
        detail="; ".join(problems),
        **metrics,  # type: ignore[arg-type]
    )


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass(frozen=True)
class RateObservation:
    """What the bot perceived for one call at one pipeline rate, on the caller-audio clock."""

    rate: int
    turn_ends: Sequence[float]
    speech_segments: Sequence[tuple[float, float]]


@dataclass(frozen=True)
class RateTolerance:
    """How far perceptions at two rates may differ before they count as different."""

    turn_end_s: float = 0.25
    segment_edge_s: float = 0.15


def judge_rate_consistency(
    call: str,
    observations: Mapping[int, RateObservation],
    *,
    baseline_rate: int | None = None,
    tolerance: RateTolerance | None = None,
) -> Check:
    """``replay.rate_consistency``: every rate perceives the same turns and speech as the baseline.

    A component that silently assumes 16 kHz shows itself here: at the other rates its turns end
    at other times (or a different number of them), though the caller said the same thing.
    """
    tol = tolerance or RateTolerance()
    rates = sorted(observations)
    if len(rates) < 2:
        return Check(
            "replay.rate_consistency",
            f"{call}: same perception at every rate",
            Verdict.SKIP,
            "two or more pipeline rates to compare",
            f"only {rates} replayed",
        )
    base = baseline_rate if baseline_rate in observations else (16000 if 16000 in observations else rates[0])
    ref = observations[base]
    expected = (
        f"at every rate the same number of turns and VAD segments as at {base} Hz; turn ends within "
        f"{tol.turn_end_s:.2f} s and speech edges within {tol.segment_edge_s:.2f} s of {base} Hz"
    )
    problems: list[str] = []
    worst_turn = 0.0
    worst_edge = 0.0
    for rate in rates:
        if rate == base:
            continue
        obs = observations[rate]
        if len(obs.turn_ends) != len(ref.turn_ends):
            problems.append(
                f"{rate} Hz: {len(obs.turn_ends)} turns vs {len(ref.turn_ends)} at {base} Hz "
                f"(turn ends {_times(obs.turn_ends)} vs {_times(ref.turn_ends)})"
            )
        for i, (a, b) in enumerate(zip(obs.turn_ends, ref.turn_ends, strict=False)):
            worst_turn = max(worst_turn, abs(a - b))
            if abs(a - b) > tol.turn_end_s:
                problems.append(f"{rate} Hz: turn {i + 1} ended at {a:.2f} s vs {b:.2f} s at {base} Hz")
                break
        if len(obs.speech_segments) != len(ref.speech_segments):
            problems.append(
                f"{rate} Hz: {len(obs.speech_segments)} VAD speech segments vs "
                f"{len(ref.speech_segments)} at {base} Hz"
            )
        else:
            for i, (sa, sb) in enumerate(zip(obs.speech_segments, ref.speech_segments, strict=True)):
                edge = max(abs(sa[0] - sb[0]), abs(sa[1] - sb[1]))
                worst_edge = max(worst_edge, edge)
                if edge > tol.segment_edge_s:
                    problems.append(
                        f"{rate} Hz: speech segment {i + 1} {sa[0]:.2f}-{sa[1]:.2f} s vs "
                        f"{sb[0]:.2f}-{sb[1]:.2f} s at {base} Hz"
                    )
                    break
    observed = (
        f"{len(rates)} rates, {len(ref.turn_ends)} turns at {base} Hz; largest turn-end difference "
        f"{worst_turn:.3f} s, largest speech-edge difference {worst_edge:.3f} s"
    )
    if problems:
        observed = problems[0]
    return check(
        "replay.rate_consistency",
        f"{call}: same perception at every rate",
        not problems,
        expected,
        observed,
        detail="; ".join(problems),
        baseline_rate=base,
        max_turn_end_diff_s=worst_turn,
        max_speech_edge_diff_s=worst_edge,
        rates=rates,
    )


def _times(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"
