"""A replay's checks: every call's answers and carrier protocol, and the run's rate consistency."""

from __future__ import annotations

from voicectl.audio.script import Call
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.checks.replay import (
    CallPerceptions,
    RateObservation,
    judge_bot_answered,
    judge_run_rate_consistency,
)
from voicectl.outcome.perception import BotPerception
from voicectl.replay.plan import ReplayPlan, ReplayResult
from voicectl.report.model import Check, Report, Verdict

__all__ = ["judge_replay", "rate_observation"]


def judge_replay(
    plan: ReplayPlan,
    result: ReplayResult,
    report: Report,
    hooked: dict[int | None, bool] | None = None,
) -> None:
    """Every call's ``replay.bot_answered`` and ``carrier.protocol``, and the run's
    ``replay.rate_consistency`` (``hooked``: ``--bot-cmd``, per bot start, whether its hook spoke)."""
    for run in result.runs:
        turns = run.outcome.turns
        if plan.answers_judged:
            report.add_check(
                judge_bot_answered(
                    run.label,
                    [t.latency_s for t in turns],
                    [t.utterance.text for t in turns],
                    bound_s=plan.answer_bound_s,
                    call_error=run.outcome.error,
                    fast=plan.fast,
                    connected=not run.outcome.unreachable,
                    cause=run.outcome.protocol.cause() if run.outcome.protocol else "",
                )
            )
        if run.outcome.protocol is not None:
            report.add_check(
                judge_carrier_protocol(
                    run.label,
                    run.outcome.protocol,
                    connected=not run.outcome.unreachable,
                    call_error=run.outcome.error,
                )
            )
    if plan.url is None and plan.bot is None and len(plan.rates) > 1:
        report.add_check(_judge_reference_rates(plan, result))
    if plan.bot is not None and hooked is not None and len(hooked) > 1:
        _judge_bot_rates(plan, result, report, hooked)


def _judge_reference_rates(plan: ReplayPlan, result: ReplayResult) -> Check:
    """``replay.rate_consistency`` for the reference bot, every call of the run pooled."""
    calls = []
    for call in plan.calls:
        runs = [r for r in result.runs if r.call is call and r.rate is not None]
        seen = [(r.rate, r.perception) for r in runs if r.rate and r.perception is not None]
        calls.append(
            CallPerceptions(
                call.name,
                {rate: rate_observation(rate, p) for rate, p in seen},
                [(u.start, u.end) for u in call.script.utterances],
                min((p.processed_s for _, p in seen), default=0.0),
            )
        )
    return judge_run_rate_consistency(calls)


def _judge_bot_rates(
    plan: ReplayPlan, result: ReplayResult, report: Report, hooked: dict[int | None, bool]
) -> None:
    """``replay.rate_consistency`` for the user's bot, from what its own Pipecat perceived: one
    check for the run, its calls pooled, as for the reference bot (whose spread set the bounds)."""
    from voicectl.sut.session import NOT_HOOKED

    blind = [rate for rate, ok in hooked.items() if not ok]
    unmatched = [
        f"{r.call.name} at {r.rate} Hz"
        for r in result.runs
        if r.rate is not None and r.inside is None and r.rate not in blind
    ]
    if blind or unmatched:
        why = (
            f"at {', '.join(f'{r} Hz' for r in blind if r)}: {NOT_HOOKED}"
            if blind
            else f"the bot reported no pipeline worker for {', '.join(unmatched)}"
        )
        label = plan.calls[0].name if len(plan.calls) == 1 else f"{len(plan.calls)} calls"
        report.add_check(
            Check(
                "replay.rate_consistency",
                f"{label}: same perception at every rate",
                Verdict.ERROR,
                "the same VAD segments, turn ends and end-of-turn predictions at every rate",
                f"could not be judged: {why}",
            )
        )
        return
    report.add_check(
        judge_run_rate_consistency([_inside_perceptions(plan, result, c) for c in plan.calls])
    )


def _inside_perceptions(plan: ReplayPlan, result: ReplayResult, call: Call) -> CallPerceptions:
    """One call's perceptions at every rate as the bot's own Pipecat reported them, up to the
    caller audio every rate's pipeline got through (a bot that cancels its pipeline when the
    caller hangs up drops the audio still queued: a ``--fast`` tail)."""
    runs = [
        r for r in result.runs if r.call is call and r.rate is not None and r.inside is not None
    ]
    heard_until = min(r.inside.audio_processed(r.outcome.duration_s) for r in runs)  # type: ignore[union-attr]
    observations = {}
    for run in runs:
        assert run.rate is not None and run.inside is not None
        observations[run.rate] = RateObservation(
            run.rate,
            [t for t in run.inside.turn_ends() if t <= heard_until],
            run.inside.speech_segments(heard_until),
            [(t, p) for t, p in run.inside.predictions() if t <= heard_until],
        )
    spans = [(u.start, u.end) for u in call.script.utterances]
    return CallPerceptions(call.name, observations, spans, heard_until)


def rate_observation(rate: int, perception: BotPerception) -> RateObservation:
    """What the reference bot perceived at ``rate``, as the rate-consistency judge reads it."""
    return RateObservation(
        rate,
        [e.audio_t for e in perception.of_kind("turn_end")],
        perception.speech_segments(),
        perception.predictions(),
    )
