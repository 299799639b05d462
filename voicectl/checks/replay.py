"""Verdicts of a replay: did the bot answer every utterance, and does it hear the same at every rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voicectl.report.model import Check, Verdict, check

__all__ = [
    "FAST_ANSWER_BOUND_S",
    "REALTIME_ANSWER_BOUND_S",
    "TURN_SETTLE_S",
    "CallPerceptions",
    "RateObservation",
    "RateTolerance",
    "judge_bot_answered",
    "judge_rate_consistency",
    "judge_run_rate_consistency",
    "pool_calls",
]

#: replay.bot_answered's default bound in real time: a caller repeats or hangs up after about 3 s.
REALTIME_ANSWER_BOUND_S = 3.0
#: Its default with --fast, which sends each utterance at once: the reply then also waits for the
#: bot to work through that backlog of caller audio. Measured with the bundled calls: 0.4-0.7 s on
#: a quiet 2-core machine, up to 3.3 s with six replays at once.
FAST_ANSWER_BOUND_S = 5.0


def judge_bot_answered(
    label: str,
    latencies: Sequence[float | None],
    texts: Sequence[str],
    *,
    bound_s: float,
    call_error: str | None = None,
    fast: bool = False,
    connected: bool = True,
    cause: str = "",
) -> Check:
    """``replay.bot_answered``: every scripted utterance got a reply within ``bound_s``.

    ``latencies[i]`` is the time from the end of utterance *i* to the first bot audio after it
    (``None`` when the bot never answered that utterance before the next one ended).
    """
    what = "utterance sent" if fast else "utterance end"
    expected = (
        f"each of {len(latencies)} utterances answered within {bound_s:.1f} s "
        f"(first bot audio after {what}{', fast pacing' if fast else ''})"
    )
    if not connected:
        return Check(
            "replay.bot_answered",
            f"{label}: bot answered every utterance",
            Verdict.ERROR,
            expected,
            f"not exercised: the call never connected ({call_error or 'no connection'})",
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
    if cause and (missing or late):
        problems.insert(0, cause)
    passed = not missing and not late and call_error is None and bool(latencies)
    if not latencies:
        problems.append("the call has no scripted utterances to answer")
    return check(
        "replay.bot_answered",
        f"{label}: bot answered every utterance",
        passed,
        expected,
        "; ".join(parts + problems[:1]),
        detail="; ".join(problems[1:]),
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
    predictions: Sequence[tuple[float, float]] = ()  # (audio_t, end-of-turn probability)

    def coverage(self, start: float, end: float) -> float:
        """Fraction of [start, end] the VAD heard as speech."""
        covered = sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.speech_segments)
        return covered / (end - start) if end > start else 0.0

    def mean_probability(self) -> float | None:
        """Mean end-of-turn probability over every prediction.

        Unweighted: under a loaded ``--fast`` replay a prediction can arrive after the VAD has
        moved on, so the speech it judged is not known; pooling a run's calls (``pool_calls``)
        is what keeps one erratic fragment from moving the mean.
        """
        if not self.predictions:
            return None
        return float(np.mean([p for _, p in self.predictions]))


def pool_calls(
    calls: Sequence[tuple[Mapping[int, RateObservation], Sequence[tuple[float, float]]]],
) -> tuple[dict[int, RateObservation], list[tuple[float, float]]]:
    """Several calls' observations (and utterances) end to end on one clock, per rate.

    The end-of-turn model is the same in every call, so its shift is judged over all of a run's
    predictions (about 22 for the bundled calls, rather than about 7 in one call).
    """
    pooled: dict[int, RateObservation] = {}
    spans: list[tuple[float, float]] = []
    offset = 0.0
    for observations, utterances in calls:
        for rate, obs in observations.items():
            before = pooled.get(rate, RateObservation(rate, [], [], []))
            pooled[rate] = RateObservation(
                rate,
                [*before.turn_ends, *(t + offset for t in obs.turn_ends)],
                [
                    *before.speech_segments,
                    *((a + offset, b + offset) for a, b in obs.speech_segments),
                ],
                [*before.predictions, *((t + offset, p) for t, p in obs.predictions)],
            )
        spans += [(a + offset, b + offset) for a, b in utterances]
        ends = [b for o in observations.values() for _, b in o.speech_segments]
        ends += [t for o in observations.values() for t, _ in o.predictions]
        offset += max([*ends, *(b for _, b in utterances), 0.0]) + 10.0
    return pooled, spans


@dataclass(frozen=True)
class RateTolerance:
    """How far perceptions at two rates may differ before they count as different.

    The spread that justifies each bound, measured over 10 runs of a correct reference bot and
    10 of the Smart Turn rate bug, is in the check's registry entry (``voicectl/checks/registry/``)
    and ``tests/benchmarks/bench_rate_consistency.py`` measures it again.
    """

    probability_shift: float = 0.23
    coverage: float = 0.30


def judge_rate_consistency(
    call: str,
    observations: Mapping[int, RateObservation],
    utterances: Sequence[tuple[float, float]],
    *,
    baseline_rate: int | None = None,
    tolerance: RateTolerance | None = None,
    utterance_names: Sequence[str] = (),
) -> Check:
    """``replay.rate_consistency``: at every rate the bot hears the caller as it does at the baseline.

    Two things are compared with the baseline rate (16 kHz when replayed, else the lowest):
    how much of each scripted utterance the VAD heard as speech (the mean difference over the
    utterances: a rate bug moves them all, one borderline utterance moves only itself), and the end-of-turn model's
    mean probability that the caller had finished (``pool_calls`` judges a run's calls together;
    ``utterance_names`` then names each utterance with its call). A component that silently assumes 16 kHz
    moves one of them far beyond what resampling does (Smart Turn fed 8 kHz audio as 16 kHz
    hears speech at 2x speed and calls almost every pause the end of the turn). Turn counts
    and turn-end times are reported with it: they follow from both, through a borderline model
    that may flip on a resampler's dither, so they are evidence, not the criterion.
    """
    tol = tolerance or RateTolerance()
    title = f"{call}: same perception at every rate"
    rates = sorted(observations)
    if len(rates) < 2:
        return Check(
            "replay.rate_consistency",
            title,
            Verdict.SKIP,
            "two or more pipeline rates to compare",
            f"only {rates} replayed",
        )
    base = (
        baseline_rate
        if baseline_rate is not None and baseline_rate in observations
        else (16000 if 16000 in observations else rates[0])
    )
    ref = observations[base]
    expected = (
        f"vs {base} Hz: mean end-of-turn probability within {tol.probability_shift:.2f}, VAD "
        f"coverage of the utterances within {tol.coverage:.2f} on average"
    )
    unjudged = _not_perceived(observations, utterances)
    if unjudged:
        return Check("replay.rate_consistency", title, Verdict.ERROR, expected, unjudged)
    problems: list[str] = []
    worst_shift = 0.0
    worst_cover = 0.0
    worst_mean_cover = 0.0
    summary: list[str] = []
    ref_p = ref.mean_probability()
    for rate in rates:
        obs = observations[rate]
        summary.append(f"{rate} Hz: {len(obs.turn_ends)} turns")
        if rate == base:
            continue
        p = obs.mean_probability()
        if p is not None and ref_p is not None:
            shift = p - ref_p
            worst_shift = max(worst_shift, abs(shift), key=abs)
            if abs(shift) > tol.probability_shift:
                direction = "finished" if shift > 0 else "still talking"
                problems.append(
                    f"{rate} Hz: end-of-turn model leans to 'caller {direction}' (mean p {p:.2f} vs "
                    f"{ref_p:.2f} at {base} Hz; turn ends {_times(obs.turn_ends)} vs {_times(ref.turn_ends)})"
                )
        elif (p is None) != (ref_p is None):
            problems.append(f"{rate} Hz: end-of-turn predictions at one rate only")
        differences = [
            (
                abs(obs.coverage(a, b) - ref.coverage(a, b)),
                i,
                obs.coverage(a, b),
                ref.coverage(a, b),
            )
            for i, (a, b) in enumerate(utterances)
        ]
        if not differences:
            continue
        mean_cover = float(np.mean([d for d, *_ in differences]))
        worst_cover = max(worst_cover, max(differences)[0])
        worst_mean_cover = max(worst_mean_cover, mean_cover)
        if mean_cover > tol.coverage:
            _, i, a, b = max(differences)
            name = utterance_names[i] if i < len(utterance_names) else f"utterance {i + 1}"
            problems.append(
                f"{rate} Hz: VAD coverage differs by {mean_cover:.2f} on average from {base} Hz "
                f"(most on {name}: {a:.0%} heard as speech vs {b:.0%})"
            )
    observed = (
        f"largest mean-probability shift {worst_shift:+.2f}, mean coverage difference "
        f"{worst_mean_cover:.2f} (largest {worst_cover:.2f}); " + ", ".join(summary)
    )
    return check(
        "replay.rate_consistency",
        title,
        not problems,
        expected,
        problems[0] if problems else observed,
        detail="; ".join(problems[1:]),
        baseline_rate=base,
        max_probability_shift=round(worst_shift, 3),
        max_coverage_difference=round(worst_cover, 3),
        mean_coverage_difference=round(worst_mean_cover, 3),
        turns={str(r): len(observations[r].turn_ends) for r in rates},
    )


#: Caller audio after an utterance a pipeline needs to have processed to have judged its end.
TURN_SETTLE_S = 1.0


@dataclass(frozen=True)
class CallPerceptions:
    """One call of a run: what the bot perceived at each rate, and how far into the call's audio
    every rate's pipeline had got when the call ended."""

    name: str
    observations: Mapping[int, RateObservation]
    utterances: Sequence[tuple[float, float]]
    heard_until: float


def judge_run_rate_consistency(
    calls: Sequence[CallPerceptions], *, tolerance: RateTolerance | None = None
) -> Check:
    """``replay.rate_consistency`` for a whole run: its calls pooled (``pool_calls``), one check.

    An utterance's VAD coverage is judged only when every rate's pipeline had processed it (and
    ``TURN_SETTLE_S`` after it) when the call ended: a ``--fast`` pipeline that falls behind on a
    loaded machine is cancelled at hang-up with caller audio still queued, which is no rate bug.
    """
    pooled: list[tuple[Mapping[int, RateObservation], Sequence[tuple[float, float]]]] = []
    names: list[str] = []
    unjudged = total = 0
    for call in calls:
        judged = [
            i
            for i, (_, end) in enumerate(call.utterances)
            if end + TURN_SETTLE_S <= call.heard_until
        ]
        total += len(call.utterances)
        unjudged += len(call.utterances) - len(judged)
        pooled.append((call.observations, [call.utterances[i] for i in judged]))
        prefix = f"{call.name} " if len(calls) > 1 else ""
        names += [f"{prefix}utterance {i + 1}" for i in judged]
    observations, spans = pool_calls(pooled)
    label = calls[0].name if len(calls) == 1 else f"{len(calls)} calls"
    verdict = judge_rate_consistency(
        label, observations, spans, tolerance=tolerance, utterance_names=names
    )
    if unjudged:
        verdict.detail = (
            f"VAD coverage of {unjudged} of {total} utterances not judged: the pipeline at one "
            f"rate had not processed it when the call ended. {verdict.detail}"
        ).strip()
    return verdict


def _not_perceived(
    observations: Mapping[int, RateObservation], utterances: Sequence[tuple[float, float]]
) -> str:
    """Why nothing can be compared (empty when something was perceived at every rate)."""
    silent = [r for r, o in sorted(observations.items()) if not o.predictions]
    if len(silent) == len(observations):
        return (
            "not exercised: no end-of-turn prediction at any rate (the turn model never ran "
            "or failed), so there is nothing to compare"
        )
    deaf = [
        r
        for r, o in sorted(observations.items())
        if utterances and not any(o.coverage(a, b) > 0 for a, b in utterances)
    ]
    if len(deaf) == len(observations):
        return "not exercised: the VAD heard none of the utterances at any rate"
    return ""


def _times(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"
