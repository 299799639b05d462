"""A replay's journal events, tables and metrics (what the report shows besides its checks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voicectl.audio.script import Utterance
from voicectl.outcome.call import CallOutcome
from voicectl.replay.line import LineSpec
from voicectl.replay.plan import CallRun, ReplayPlan, ReplayResult
from voicectl.replay.verdicts import rate_observation
from voicectl.report.compare import FIRST_AUDIO_METRIC
from voicectl.report.model import Report

__all__ = [
    "add_line_table",
    "journal_call",
    "record_first_audio",
    "tabulate",
    "tabulate_original_call",
]


def tabulate_original_call(plan: ReplayPlan, report: Report) -> None:
    """The original bot's turns from the other channel of two-party recordings: context only
    (never replayed, never judged), with how long after the caller's utterance each began."""
    rows = []
    for call in plan.calls:
        channel = call.audio.other_side
        if channel is None:
            continue
        for number, turn in enumerate(call.original_bot_turns, start=1):
            before = [u for u in call.script.utterances if u.end <= turn.start]
            after_s = round(turn.start - before[-1].end, 3) if before else None
            report.log(
                f"recording:{call.name}",
                "original_bot_speech",
                clock="call",
                t=turn.start,
                end=turn.end,
                channel=channel,
                after_caller_s=after_s,
            )
            rows.append(
                [
                    call.name,
                    channel,
                    number,
                    round(turn.start, 2),
                    round(turn.end, 2),
                    len(before) or None,
                    after_s,
                ]
            )
    if rows:
        report.add_table(
            "Original call (the recording's bot channel, not replayed)",
            [
                "call",
                "channel",
                "bot turn",
                "start s",
                "end s",
                "after utterance",
                "began after (s)",
            ],
            rows,
        )


def journal_call(report: Report, run: CallRun) -> None:
    """One call's events in the report's journal: utterances, answers, bot audio, clears, the
    close, and what the bot perceived (reference bot) or reported from inside (``--bot-cmd``)."""
    source = f"call:{run.label}"
    outcome = run.outcome
    for turn in outcome.turns:
        report.log(
            source,
            "utterance",
            clock="call",
            t=turn.utterance.start,
            end=turn.utterance.end,
            text=turn.utterance.text,
        )
        if turn.answered_at is not None:
            report.log(
                source,
                "bot_answered",
                clock="call",
                t=turn.answered_at,
                utterance=turn.index + 1,
                latency_s=turn.latency_s,
            )
    for bot_run in outcome.runs:
        report.log(
            source,
            "bot_audio",
            clock="call",
            t=bot_run.start,
            end=bot_run.end,
            cleared=bot_run.cleared,
        )
    for clear in outcome.clears:
        report.log(
            source, "clear", clock="call", t=clear.t, during_bot_audio=clear.during_bot_audio
        )
    if outcome.close_code is not None:
        report.log(
            source,
            "closed",
            clock="call",
            t=outcome.duration_s,
            code=outcome.close_code,
            reason=outcome.close_reason,
            by="bot" if outcome.closed_by_bot else "caller",
        )
    if outcome.error:
        report.log(source, "error", clock="call", t=outcome.duration_s, message=outcome.error)
    if outcome.line is not None:
        report.log(source, "line", clock="call", t=outcome.duration_s, **outcome.line.to_json())
    if run.perception is not None:
        for event in run.perception.events:
            report.log(
                f"bot:{run.label}", event.kind, clock="call", t=event.audio_t, detail=event.detail
            )
    if run.inside is not None:
        for inside in run.inside.events:
            if inside.kind == "worker":
                continue
            report.log(
                f"bot:{run.label}",
                inside.kind,
                clock="call",
                t=inside.audio_t or 0.0,
                **{k: v for k, v in inside.data.items() if isinstance(v, str | int | float | bool)},
            )


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _heard(run: CallRun, utterance: Utterance) -> str:
    """What the bot's STT transcribed around the end of ``utterance`` (reference bot with --stt)."""
    if run.perception is None:
        return ""
    texts = [
        e.detail
        for e in run.perception.of_kind("transcript")
        if utterance.start <= e.audio_t <= utterance.end + 3.0
    ]
    return " / ".join(texts) if texts else "(nothing)"


def _tabulate_inside(result: ReplayResult, report: Report) -> None:
    """What the user's bot's own Pipecat reported, per call (``--bot-cmd``)."""
    rows = []
    for run in result.runs:
        inside = run.inside
        if inside is None:
            rows.append([run.call.name, run.rate or "-", "no", None, None, None, None, None, None])
            continue
        errors = inside.of_kind("error")
        rows.append(
            [
                run.call.name,
                run.rate or "-",
                "yes",
                len(inside.speech_segments(run.outcome.duration_s)),
                len(inside.turn_ends()),
                len(inside.of_kind("transcript")),
                len(inside.of_kind("function_call")),
                len(errors),
                len(inside.of_kind("switched")),
            ]
        )
    columns = [
        "call",
        "rate",
        "seen inside",
        "VAD segments",
        "turns",
        "transcripts",
        "function calls",
        "errors",
        "switches",
    ]
    report.add_table("Inside the bot (its own Pipecat, via PIPECAT_SETUP_FILES)", columns, rows)


def tabulate(plan: ReplayPlan, result: ReplayResult, report: Report) -> None:
    """The turn, per-rate, inside-the-bot and perception tables, and the run's metrics."""
    clock = "s, fast" if plan.fast else "s"
    rows = []
    for run in result.runs:
        for turn in run.outcome.turns:
            rows.append(
                [
                    run.call.name,
                    run.rate or "-",
                    turn.index + 1,
                    round(turn.utterance.end, 2),
                    None if turn.latency_s is None else round(turn.latency_s, 3),
                    _short(turn.utterance.text),
                    *([_short(_heard(run, turn.utterance))] if plan.stt else []),
                ]
            )
    heard_column = ["bot's STT heard"] if plan.stt else []
    report.add_table(
        "Turns",
        [
            "call",
            "rate",
            "turn",
            "utterance end s",
            f"answered after ({clock})",
            "caller said",
            *heard_column,
        ],
        rows,
    )

    summary = []
    by_rate: dict[object, list[CallRun]] = {}
    for run in result.runs:
        by_rate.setdefault(run.rate or "-", []).append(run)
    for rate, runs in by_rate.items():
        latencies = [t.latency_s for r in runs for t in r.outcome.turns if t.latency_s is not None]
        utterances = sum(len(r.outcome.turns) for r in runs)
        p50 = float(np.percentile(latencies, 50)) if latencies else None
        p95 = float(np.percentile(latencies, 95)) if latencies else None
        summary.append(
            [
                rate,
                len(runs),
                f"{len(latencies)}/{utterances}",
                None if p50 is None else round(p50, 3),
                None if p95 is None else round(p95, 3),
                sum(len(r.outcome.barge_in_clears) for r in runs),
                sum(len(r.outcome.underruns) for r in runs),
                round(sum(r.outcome.wall_s for r in runs), 2),
            ]
        )
        key = f"rate_{rate}" if rate != "-" else "bot"
        report.metrics[f"{key}.latency_p50_s"] = p50
        report.metrics[f"{key}.latency_p95_s"] = p95
        report.metrics[f"{key}.answered"] = len(latencies)
        report.metrics[f"{key}.utterances"] = utterances
    reference = plan.url is None and plan.bot is None
    report.add_table(
        "Per rate" if reference or len(by_rate) > 1 else "Summary",
        [
            "rate",
            "calls",
            "answered",
            f"latency p50 ({clock})",
            "p95",
            "barge-in clears",
            "underruns",
            "wall s",
        ],
        summary,
    )
    if plan.bot is not None:
        _tabulate_inside(result, report)
    if reference:
        perceived = []
        for run in result.runs:
            if run.perception is None or run.rate is None:
                continue
            observation = rate_observation(run.rate, run.perception)
            mean_p = observation.mean_probability()
            perceived.append(
                [
                    run.call.name,
                    run.rate,
                    len(observation.speech_segments),
                    len(observation.turn_ends),
                    None if mean_p is None else round(mean_p, 2),
                    ", ".join(f"{x:.2f}" for x in observation.turn_ends),
                ]
            )
        columns = ["call", "rate", "VAD segments", "turns", "end-of-turn p", "turn ends (s)"]
        report.add_table("What the bot perceived", columns, perceived)
    record_first_audio(report, [r.outcome for r in result.runs])
    audio_s = sum(r.outcome.duration_s for r in result.runs)
    wall_s = sum(r.outcome.wall_s for r in result.runs)
    report.metrics["caller_audio_s"] = round(audio_s, 2)
    report.metrics["call_wall_s"] = round(wall_s, 2)
    report.metrics["speed_x_realtime"] = round(audio_s / wall_s, 2) if wall_s else None
    pacing = [e for r in result.runs for e in r.outcome.pacing.errors]
    if pacing:
        values = np.asarray(pacing) * 1000
        report.metrics["send_time_error_p50_ms"] = round(float(np.percentile(values, 50)), 3)
        report.metrics["send_time_error_p99_ms"] = round(float(np.percentile(values, 99)), 3)
    if plan.line is not None:
        add_line_table(plan.line, [(r.label, r.outcome) for r in result.runs], report)


def record_first_audio(report: Report, outcomes: Sequence[CallOutcome]) -> None:
    """``metrics.first_audio_s``: every answered turn's first-audio latency (what a baseline
    compare and ``--trials`` read)."""
    report.metrics[FIRST_AUDIO_METRIC] = [
        round(t.latency_s, 4) for o in outcomes for t in o.turns if t.latency_s is not None
    ]


def add_line_table(
    line: LineSpec, outcomes: Sequence[tuple[str, CallOutcome]], report: Report
) -> None:
    """What a ``--line`` did to each call's caller frames: a table and ``line.*`` metrics."""
    rows = []
    totals: dict[str, int] = {"frames": 0, "lost": 0, "reordered": 0}
    for label, outcome in outcomes:
        stats = outcome.line
        if stats is None:
            continue
        rows.append(
            [
                label,
                stats.frames,
                stats.lost,
                stats.concealed,
                stats.dropped,
                stats.longest_burst,
                stats.reordered,
                round(stats.late_max_s * 1000, 1),
            ]
        )
        totals["frames"] += stats.frames
        totals["lost"] += stats.lost
        totals["reordered"] += stats.reordered
    report.add_table(
        f"Caller line ({line.describe()})",
        [
            "call",
            "frames",
            "lost",
            "concealed",
            "dropped",
            "longest burst",
            "reordered",
            "max late ms",
        ],
        rows,
    )
    report.metrics["line.frames"] = totals["frames"]
    report.metrics["line.lost"] = totals["lost"]
    report.metrics["line.reordered"] = totals["reordered"]
    report.metrics["line.loss_observed"] = (
        round(totals["lost"] / totals["frames"], 4) if totals["frames"] else None
    )
