"""A failover run's timeline, provider connections and key figures, as report tables and events
(``voicectl chaos stt-crash | failover``, against the reference bot or the user's bot)."""

from __future__ import annotations

from voicectl.outcome.failover import FailoverOutcome, SeenError
from voicectl.report import Report

__all__ = ["tabulate_failover"]


def tabulate_failover(report: Report, outcome: FailoverOutcome) -> None:
    """The failover timeline, the provider connections and the key figures, into ``report``."""
    rows: list[list[object]] = []
    for incident, t, who in outcome.incidents_done:
        rows.append([round(t, 2), "voicectl", f"{incident.describe()} (hit: {who})"])
        report.log("voicectl", "incident", clock="call", t=t, what=incident.describe(), hit=who)
    if outcome.false_error_at is not None:
        rows.append(
            [
                round(outcome.false_error_at, 2),
                "DownstreamTTS",
                "injected ErrorFrame (not an STT failure)",
            ]
        )
    for e, repeats, last_t in _collapse(outcome.errors):
        if repeats > 1:
            rows.append(
                [
                    round(e.t, 2),
                    e.processor,
                    f"error x{repeats} until {last_t:.2f} s: [{e.category}] {e.message[:80]}",
                ]
            )
            report.log(
                e.processor,
                "error",
                clock="call",
                t=e.t,
                category=e.category,
                usable=e.usable,
                message=e.message,
                repeats=repeats,
                end=last_t,
            )
            continue
        where = (
            "reached on_pipeline_error"
            if any(p.message == e.message and abs(p.t - e.t) < 0.1 for p in outcome.pipeline_errors)
            else "origin only"
        )
        rows.append(
            [
                round(e.t, 2),
                e.processor,
                f"error [{e.category}{'' if e.usable else ', unusable'}] {e.message[:90]} ({where})",
            ]
        )
        report.log(
            e.processor,
            "error",
            clock="call",
            t=e.t,
            category=e.category,
            usable=e.usable,
            message=e.message,
            reached_pipeline=where != "origin only",
        )
    for t, role, usable in outcome.usable:
        rows.append([round(t, 2), role, f"usable -> {usable}"])
        report.log(role, "usable", clock="call", t=t, usable=usable)
    for s in outcome.switches:
        rows.append([round(s.t, 2), "ServiceSwitcher", f"switched to the {s.to}"])
        report.log("ServiceSwitcher", "switch", clock="call", t=s.t, to=s.to)
    for tr in outcome.transcripts:
        rows.append([round(tr.t, 2), tr.service, f"transcript {tr.text[:60]!r}"])
        report.log(tr.service, "transcript", clock="call", t=tr.t, text=tr.text)
    rows.sort(key=lambda r: float(r[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)
    conn_rows = []
    for role, records in outcome.connections.items():
        for r in records:
            opened, closed = r.get("opened_at"), r.get("closed_at")
            conn_rows.append(
                [
                    role,
                    r.get("connection"),
                    opened,
                    closed,
                    r.get("status"),
                    r.get("bytes_in"),
                    r.get("ended_by"),
                ]
            )
            report.log(
                f"{role} provider",
                "connection",
                clock="call",
                t=float(opened or 0.0),
                end=closed,
                status=r.get("status"),
                ended_by=r.get("ended_by"),
            )
    report.add_table(
        "Provider connections",
        ["provider", "#", "opened s", "closed s", "HTTP", "bytes in", "ended by"],
        conn_rows,
    )
    switch = outcome.switches[0].t if outcome.switches else None
    first_crash = next((t for i, t, _ in outcome.incidents_done if not i.is_recovery), None)
    report.metrics["switches"] = len(outcome.switches)
    report.metrics["errors_at_origin"] = len(outcome.errors)
    report.metrics["errors_at_on_pipeline_error"] = len(outcome.pipeline_errors)
    report.metrics["failover_latency_s"] = (
        None if switch is None or first_crash is None else round(switch - first_crash, 3)
    )
    if outcome.call is not None:
        answered = [t.latency_s for t in outcome.call.turns if t.latency_s is not None]
        report.metrics["bot_answered"] = f"{len(answered)}/{len(outcome.call.turns)}"


def _collapse(errors: list[SeenError]) -> list[tuple[SeenError, int, float]]:
    """Runs of the same error from the same processor as (first, count, last time)."""
    runs: list[tuple[SeenError, int, float]] = []
    for e in errors:
        if runs and runs[-1][0].processor == e.processor and runs[-1][0].message == e.message:
            first, count, _ = runs[-1]
            runs[-1] = (first, count + 1, e.t)
        else:
            runs.append((e, 1, e.t))
    return runs
