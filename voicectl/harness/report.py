"""Turning a chaos outcome into the report: checks, the connection timeline, metrics, events."""

from __future__ import annotations

import math

from voicectl.harness.runner import ChaosOutcome, ChaosPlan
from voicectl.outcome.connections import ConnectionRecord
from voicectl.outcome.journal import ErrorRecord, UsableFlip
from voicectl.report.model import Report

__all__ = ["MAX_TIMELINE_ROWS", "record_outcome"]

MAX_TIMELINE_ROWS = 25
_MAX_ERROR_ROWS = 20
_MAX_EVENTS = {"connection": 400, "error": 500, "output": 200}


def record_outcome(
    report: Report, plan: ChaosPlan, outcome: ChaosOutcome, *, offset: float
) -> None:
    """Add the verdicts, timeline tables, metrics and journal events (times shifted by
    ``offset``, the report time at which the run started)."""
    report.extend_checks(j.check for j in outcome.judgements)
    journal = outcome.journal
    log = journal.connections
    end = outcome.verdict_at
    records = [r for r in log.records() if r.opened_at <= end]
    errors = journal.errors_until(end)
    flips = journal.flips_until(end)

    rows: list[list[object]] = []
    keep_head = MAX_TIMELINE_ROWS - 5
    shown = records if len(records) <= MAX_TIMELINE_ROWS else records[:keep_head] + records[-5:]
    count = sum(1 for t in log.opened_at if t <= end)
    for position, record in enumerate(shown):
        if len(shown) < len(records) and position == keep_head:
            rows.append([f"... {count - len(shown)} more", *[""] * 9])
        rows.append(_timeline_row(record, records, errors, flips, end))
    report.add_table(
        f"Connections to the fake provider ({count} in {end:.2f} s; fault: "
        f"{plan.fault.describe()}; times in s from start)",
        [
            "#",
            "opened",
            "lifetime",
            "status",
            "fault at",
            "close sent",
            "close rcvd",
            "ended by",
            "errors",
            "usable",
        ],
        rows,
    )
    report.add_table(
        "Errors and usability (ErrorObserver at the raising processor, on_usable_changed)",
        ["t", "what", "category", "usable", "message"],
        _error_rows(errors, flips),
    )
    gave_up = next((f.t for f in flips if not f.usable), None)
    terminal = next((e.t for e in errors if e.terminal), None)
    give_up = min((t for t in (gave_up, terminal) if t is not None), default=None)
    report.metrics.update(
        {
            "target": plan.target.name,
            "target_class": plan.target.description,
            "protocol": plan.target.protocol,
            "fault": plan.fault.describe(),
            "selector": plan.selector.describe(),
            "expectation": plan.expectation.describe(),
            "connections": count,
            "connections_per_s": round(count / end, 2) if end > 0 else None,
            "errors": len(errors),
            "terminal_errors": sum(1 for e in errors if e.terminal),
            "errors_at_pipeline_top": sum(1 for e in journal.pipeline_errors if e.t <= end),
            "outputs": sum(1 for o in journal.outputs if o.t <= end),
            "gave_up_at_s": None if give_up is None else round(give_up, 3),
            "verdict_at_s": round(end, 3),
            "verdict_after_give_up_s": None if give_up is None else round(end - give_up, 3),
            "stop_reason": outcome.stop_reason,
            "budget_s": plan.budget_s,
            "seed": plan.seed,
        }
    )
    if outcome.notes:
        report.metrics["teardown"] = "; ".join(outcome.notes)
    _events(report, outcome, records, errors, offset, end)


def _timeline_row(
    record: ConnectionRecord,
    records: list[ConnectionRecord],
    errors: list[ErrorRecord],
    flips: list[UsableFlip],
    end: float,
) -> list[object]:
    following = next((r.opened_at for r in records if r.number > record.number), math.inf)
    window = [e for e in errors if record.opened_at <= e.t < following]
    usable = [f for f in flips if record.opened_at <= f.t < following]
    closed_at = (
        record.closed_at if record.closed_at is not None and record.closed_at <= end else None
    )
    closed = closed_at is not None
    lifetime = (closed_at if closed_at is not None else end) - record.opened_at
    return [
        record.number,
        round(record.opened_at, 3),
        f"{lifetime:.3f}" + ("" if closed else " (open)"),
        record.status,
        round(record.fault_at, 3)
        if record.fault_at is not None and record.fault_at <= end
        else None,
        _close(record.close_sent) if closed else "",
        _close(record.close_received) if closed else "",
        record.ended_by.value if closed and record.ended_by else "",
        len(window),
        ", ".join(f"{'usable' if f.usable else 'unusable'} {f.t:.3f}" for f in usable),
    ]


def _close(close: tuple[int, str] | None) -> str:
    if close is None:
        return ""
    code, reason = close
    return f"{code} {reason!r}" if reason else str(code)


def _error_rows(errors: list[ErrorRecord], flips: list[UsableFlip]) -> list[list[object]]:
    items: list[tuple[float, list[object]]] = []
    for e in errors:
        items.append((e.t, [round(e.t, 3), "error", e.category, e.usable, e.message]))
    for f in flips:
        items.append((f.t, [round(f.t, 3), "usable changed", "", f.usable, "on_usable_changed"]))
    if not items:
        return [["", "none", "", "", "no ErrorFrame and no usability change before the verdict"]]
    items.sort(key=lambda item: item[0])
    rows = [row for _, row in items[:_MAX_ERROR_ROWS]]
    if len(items) > _MAX_ERROR_ROWS:
        rows.append([f"... {len(items) - _MAX_ERROR_ROWS} more", "", "", "", "see the JSON report"])
    return rows


def _events(
    report: Report,
    outcome: ChaosOutcome,
    records: list[ConnectionRecord],
    errors: list[ErrorRecord],
    offset: float,
    end: float,
) -> None:
    journal = outcome.journal
    for record in records[: _MAX_EVENTS["connection"]]:
        report.log("provider", "connection", t=offset + record.opened_at, **record.to_json())
    for sent in journal.connections.transcripts[: _MAX_EVENTS["output"]]:
        if sent.t <= end:
            report.log(
                "provider", "answer", t=offset + sent.t, connection=sent.connection, text=sent.text
            )
    for error in errors[: _MAX_EVENTS["error"]]:
        report.log(
            "pipeline",
            "error",
            t=offset + error.t,
            message=error.message,
            category=error.category,
            processor=error.processor,
            usable=error.usable,
            exception_type=error.exception_type,
            fatal=error.fatal,
        )
    for flip in journal.flips_until(end):
        report.log("pipeline", "usable_changed", t=offset + flip.t, usable=flip.usable)
    for output in list(journal.outputs)[: _MAX_EVENTS["output"]]:
        if output.t <= end:
            report.log("target", output.kind, t=offset + output.t, text=output.text)
    report.log(
        "harness",
        "verdict",
        t=offset + end,
        stop_reason=outcome.stop_reason,
        connections_dropped_from_journal=journal.connections.truncated,
    )
    report.events.sort(key=lambda event: event.t)
