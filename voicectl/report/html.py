"""A self-contained HTML report: verdicts, the timeline drawn as SVG, tables and figures.

No script, no stylesheet or font from the network: one file a person can open anywhere. Events on
a call's clock and events on the run's clock are drawn on separate timelines (``#call-timeline``,
``#run-timeline``), never on one axis. A timeline has one lane per event source; events with an
end (``end``, ``lifetime_s``) or paired start/stop kinds (``vad_start``/``vad_stop``,
``bot_start``/``bot_stop``) are bars, the rest are ticks coloured by what they are (clears,
closes, errors, switches), each with a hover title.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import Any, TextIO

from voicectl.report._atomic import atomic_write
from voicectl.report.jsonreport import report_to_json
from voicectl.report.model import Report
from voicectl.report.redact import redact

__all__ = ["render_html", "write_html"]

_MAX_LANES = 40
_MAX_MARKS = 5000
_PAIRS = {"vad_start": "vad_stop", "bot_start": "bot_stop", "opened": "closed"}
_COLOURS = {
    "bar": "#4c78a8",
    "utterance": "#54a24b",
    "speech": "#54a24b",
    "bot": "#4c78a8",
    "clear": "#f58518",
    "interruption": "#f58518",
    "error": "#e45756",
    "closed": "#222222",
    "close": "#222222",
    "switch": "#b279a2",
    "usable": "#b279a2",
    "turn_end": "#72b7b2",
    "default": "#9d9d9d",
}
_VERDICT_COLOURS = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "warn": "#b26a00",
    "skip": "#616161",
    "error": "#6a1b9a",
}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d1d1d}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
table{border-collapse:collapse;margin:4px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f5f5f5} td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:12px} .detail{color:#555;font-size:12px}
svg text{font:11px system-ui,sans-serif;fill:#333}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
"""


def _e(value: Any) -> str:
    return html.escape(redact(str(value)), quote=True)


def _colour(kind: str) -> str:
    for key, colour in _COLOURS.items():
        if key in kind:
            return colour
    return _COLOURS["default"]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _marks(
    events: Sequence[dict[str, Any]],
) -> tuple[list[str], list[tuple[str, float, float | None, str, str]]]:
    """Lanes and marks (lane, start, end or None, kind, title) from JSON events."""
    lanes: list[str] = []
    marks: list[tuple[str, float, float | None, str, str]] = []
    open_pairs: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
    for event in events:
        t = _number(event.get("t"))
        if t is None:
            continue
        source, kind = str(event.get("source", "")), str(event.get("kind", ""))
        if source not in lanes:
            if len(lanes) >= _MAX_LANES:
                continue
            lanes.append(source)
        extra = {k: v for k, v in event.items() if k not in ("t", "source", "kind")}
        title = f"{kind} at {t:.3f} s" + "".join(f"\n{k}: {v}" for k, v in list(extra.items())[:8])
        if kind in _PAIRS:
            open_pairs[(source, _PAIRS[kind])] = (t, event)
            continue
        started = open_pairs.pop((source, kind), None)
        if started is not None:
            start_t, start_event = started
            name = (
                "speech"
                if kind == "vad_stop"
                else ("bot" if kind == "bot_stop" else str(start_event.get("kind")))
            )
            marks.append((source, start_t, t, name, f"{name} {start_t:.3f}-{t:.3f} s"))
            continue
        end = _number(event.get("end"))
        lifetime = _number(event.get("lifetime_s"))
        if end is None and lifetime is not None:
            end = t + lifetime
        marks.append((source, t, end if end is not None and end > t else None, kind, title))
        if len(marks) >= _MAX_MARKS:
            break
    for (source, _stop), (start_t, start_event) in open_pairs.items():
        marks.append(
            (
                source,
                start_t,
                None,
                str(start_event.get("kind")),
                f"{start_event.get('kind')} at {start_t:.3f} s (no end)",
            )
        )
    return lanes, marks


_TIMELINES = (
    ("call", "Call timeline (seconds of each lane's call)"),
    ("run", "Run timeline (seconds from the start of the run)"),
)


def _timelines_html(events: Sequence[dict[str, Any]]) -> str:
    """One section per clock that has events."""
    sections = []
    for clock, heading in _TIMELINES:
        svg = _timeline_svg([e for e in events if e.get("clock", "run") == clock], clock)
        if svg:
            sections.append(f"<h2>{_e(heading)}</h2>{svg}")
    return "".join(sections) or "<h2>Timeline</h2><p class='meta'>No events were recorded.</p>"


def _timeline_svg(events: Sequence[dict[str, Any]], clock: str) -> str:
    lanes, marks = _marks(events)
    if not marks:
        return ""
    t_max = max((end if end is not None else start) for _, start, end, _, _ in marks)
    t_max = max(t_max, 1e-3)
    label_w, width, lane_h, top = 230, 1000, 22, 24
    plot_w = width - label_w - 20
    height = top + lane_h * len(lanes) + 10

    def x(t: float) -> float:
        return label_w + plot_w * t / t_max

    parts = [
        f"<svg id='{clock}-timeline' class='timeline' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' aria-label='timeline'>"
    ]
    step = _tick_step(t_max)
    tick = 0.0
    while tick <= t_max + 1e-9:
        parts.append(
            f"<line x1='{x(tick):.1f}' y1='{top - 6}' x2='{x(tick):.1f}' y2='{height - 6}' stroke='#eee'/>"
        )
        parts.append(
            f"<text x='{x(tick):.1f}' y='{top - 10}' text-anchor='middle'>{tick:g} s</text>"
        )
        tick += step
    index = {lane: i for i, lane in enumerate(lanes)}
    for lane, i in index.items():
        y = top + i * lane_h
        parts.append(f"<text x='4' y='{y + 14}'>{_e(lane[:36])}</text>")
        parts.append(
            f"<line x1='{label_w}' y1='{y + lane_h - 2}' x2='{width - 20}' y2='{y + lane_h - 2}' stroke='#f3f3f3'/>"
        )
    for lane, start, end, kind, title in marks:
        y = top + index[lane] * lane_h
        colour = _colour(kind)
        if end is not None:
            w = max(1.5, x(end) - x(start))
            parts.append(
                f"<rect class='mark bar' x='{x(start):.1f}' y='{y + 4}' width='{w:.1f}' height='{lane_h - 10}' "
                f"fill='{colour}' fill-opacity='0.75'><title>{_e(title)}</title></rect>"
            )
        else:
            parts.append(
                f"<rect class='mark tick' x='{x(start) - 1:.1f}' y='{y + 2}' width='3' height='{lane_h - 6}' "
                f"fill='{colour}'><title>{_e(title)}</title></rect>"
            )
    parts.append("</svg>")
    legend = "".join(
        f"<span><i style='background:{c}'></i>{_e(k)}</span>"
        for k, c in _COLOURS.items()
        if k != "bar"
    )
    return "".join(parts) + f"<div class='legend'>{legend}</div>"


def _tick_step(t_max: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600):
        if t_max / step <= 12:
            return float(step)
    return 1200.0


def _table(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for value in row:
            shown = "n/a" if value is None else value
            cls = " class='num'" if _number(value) is not None else ""
            cells.append(f"<td{cls}>{_e(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML document."""
    data = report_to_json(report)
    verdict = str(data.get("verdict", ""))
    colour = _VERDICT_COLOURS.get(verdict, "#616161")
    checks = data.get("checks", [])
    rows = []
    for item in checks:
        v = str(item.get("verdict", ""))
        badge = f"<span class='verdict' style='background:{_VERDICT_COLOURS.get(v, '#616161')}'>{_e(v.upper())}</span>"
        detail = f"<div class='detail'>{_e(item['detail'])}</div>" if item.get("detail") else ""
        rows.append(
            f"<tr><td>{badge}</td><td><b>{_e(item.get('id'))}</b><div class='detail'>{_e(item.get('title', ''))}</div></td>"
            f"<td>{_e(item.get('expected', ''))}</td><td>{_e(item.get('observed', ''))}{detail}</td></tr>"
        )
    checks_html = (
        "<table><thead><tr><th>Verdict</th><th>Check</th><th>Expected</th><th>Observed</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    tables = "".join(
        f"<h2>{_e(t.get('title'))}</h2>{_table(t.get('columns', []), t.get('rows', []))}"
        for t in data.get("tables", [])
    )
    metrics = data.get("metrics", {})
    metrics_html = (
        _table(["metric", "value"], [[k, v] for k, v in metrics.items()]) if metrics else ""
    )
    env = data.get("environment") or {}
    meta = " · ".join(f"{_e(k)} {_e(v)}" for k, v in env.items() if v)
    problem = data.get("harness_error")
    problem_html = f"<p><b>Harness error:</b> {_e(problem)}</p>" if problem else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>voicectl {_e(data.get('command'))}: {_e(verdict.upper())}</title><style>{_CSS}</style></head><body>"
        f"<h1>voicectl {_e(data.get('command'))} <span class='verdict' id='verdict' style='background:{colour}'>"
        f"{_e(verdict.upper())}</span></h1>"
        f"<p class='meta'>started {_e(data.get('started_at'))} · {_e(data.get('duration_s'))} s · "
        f"voicectl {_e((data.get('tool') or {}).get('version'))} · {meta}</p>{problem_html}"
        f"<h2>Checks</h2>{checks_html}{_timelines_html(data.get('events', []))}"
        f"{tables}{'<h2>Key figures</h2>' + metrics_html if metrics_html else ''}"
        f"<h2>Arguments</h2>{_table(['argument', 'value'], [[k, v] for k, v in (data.get('args') or {}).items()])}"
        "</body></html>"
    )


def write_html(report: Report, path: str | os.PathLike[str]) -> None:
    """Write the HTML report atomically."""
    text = render_html(report)

    def write(handle: TextIO) -> None:
        handle.write(text)

    atomic_write(path, write, "HTML report")
