"""The console view of a report: the verdict on the first line, then checks, tables, metrics.

All user-supplied text is rendered as :class:`rich.text.Text` (never as markup) and redacted.
Rich drops colours by itself under ``NO_COLOR`` but keeps bold, italic and dim; those are
escape codes too, so when the console has ``no_color`` set no style is applied at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from voicectl.report._format import flatten_metrics, format_value, is_number, run_summary
from voicectl.report.model import Check, Event, Report, RunVerdict, Table, Verdict
from voicectl.report.redact import redact, redact_value

__all__ = [
    "MAX_EVENTS_SHOWN",
    "PIPED_WIDTH",
    "SHORT_TABLE_ROWS",
    "output_console",
    "render_console",
    "render_verdict_line",
]

MAX_EVENTS_SHOWN = 200
#: Console width for piped output: a CI log has no terminal to fit.
PIPED_WIDTH = 200
#: Tables longer than this are left to -v, --html and --markdown.
SHORT_TABLE_ROWS = 12

_RUN_STYLE = {
    RunVerdict.PASS: "bold green",
    RunVerdict.FAIL: "bold red",
    RunVerdict.ERROR: "bold yellow",
}
_CHECK_STYLE = {
    Verdict.PASS: "green",
    Verdict.FAIL: "bold red",
    Verdict.WARN: "yellow",
    Verdict.SKIP: "dim",
    Verdict.ERROR: "bold yellow",
}
_VALUE_LIMIT = 120


def output_console() -> Console:
    """The console a command prints its report on: when piped (CI logs), tables get
    ``PIPED_WIDTH`` columns instead of Rich's 80, unless ``COLUMNS`` says otherwise."""
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=PIPED_WIDTH)
    return console


def render_verdict_line(report: Report) -> str:
    """``PASS  voicectl replay  5/5 checks passed in 12.3 s`` — all ``--quiet`` prints."""
    return f"{report.verdict.value.upper():<5} voicectl {report.command}  {run_summary(report)}"


def render_console(report: Report, console: Console, *, verbose: bool = False) -> None:
    """Print the report: verdict line, checks, the report's tables, key metrics (and events)."""
    styles = _Styles(plain=console.no_color)
    console.print(
        Text(render_verdict_line(report), style=styles(_RUN_STYLE[report.verdict])),
        soft_wrap=True,
    )
    if report.harness_error is not None:
        # The verdict line carries the first line; show the rest (e.g. a traceback) below it.
        rest = redact(report.harness_error).strip().splitlines()[1:]
        if rest:
            console.print(Text("\n".join(rest), style=styles("yellow")), soft_wrap=True)

    for line in _check_lines(report, styles, verbose=verbose):
        console.print(line, soft_wrap=True)
    hidden = []
    for table in report.tables:
        if verbose or len(table.rows) <= SHORT_TABLE_ROWS:
            console.print(_rich_table(table, styles))
        else:
            hidden.append(f"{redact(table.title)} ({len(table.rows)} rows)")
    metrics = list(flatten_metrics(report.metrics))
    if metrics and (verbose or len(metrics) <= SHORT_TABLE_ROWS):
        console.print(_metrics_table(metrics, styles))
    elif metrics:
        hidden.append(f"Key metrics ({len(metrics)})")
    if hidden:
        console.print(
            Text(
                f"Not shown: {', '.join(hidden)}; see them with -v, --html or --markdown.",
                style=styles("dim"),
            ),
            soft_wrap=True,
        )
    if verbose and report.events:
        console.print(_events_table(report.events, styles))
        more = len(report.events) - MAX_EVENTS_SHOWN
        if more > 0:
            console.print(
                Text(f"... {more} more events (see the JSON report)", style=styles("dim"))
            )


class _Styles:
    """Style names, or no style at all when colour is off (see the module docstring)."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain

    def __call__(self, style: str) -> str:
        return "" if self.plain else style

    def table(self, title: str | None, **kwargs: Any) -> RichTable:
        return RichTable(
            title=Text(redact(title)) if title else None,
            title_justify="left",
            title_style=self("bold"),
            header_style=self("bold"),
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            **kwargs,
        )


_PROBLEM_ORDER = {Verdict.ERROR: 0, Verdict.FAIL: 1, Verdict.WARN: 2, Verdict.SKIP: 3}


def _check_lines(report: Report, styles: _Styles, *, verbose: bool) -> list[Text]:
    """Failing and erroring checks first, in full; then passing ones, one line each."""
    problems = sorted(
        (c for c in report.checks if c.verdict is not Verdict.PASS),
        key=lambda c: _PROBLEM_ORDER[c.verdict],
    )
    lines = []
    for item in problems + [c for c in report.checks if c.verdict is Verdict.PASS]:
        head = Text(
            f"{item.verdict.value.upper():<5} ", style=styles(_verdict_style(item, report.strict))
        )
        head.append(item.id, style=styles("bold"))
        if item.verdict is Verdict.PASS and not verbose:
            head.append(f"  {redact(item.title)}: " if item.title else "  ")
            head.append(redact(item.observed))
            lines.append(head)
            continue
        if item.title:
            head.append(f"  {redact(item.title)}")
        lines.append(head)
        for label, value in (
            ("expected", item.expected),
            ("observed", item.observed),
            ("detail", item.detail),
        ):
            if value:
                lines.append(Text(f"      {label + ':':<10}") + Text(redact(value)))
    return lines


def _verdict_style(item: Check, strict: bool) -> str:
    if strict and item.verdict is Verdict.WARN:
        return _CHECK_STYLE[Verdict.FAIL]
    return _CHECK_STYLE[item.verdict]


def _rich_table(table: Table, styles: _Styles) -> RichTable:
    numeric = [_numeric_column(table.rows, i) for i in range(len(table.columns))]
    out = styles.table(table.title)
    for column, is_numeric in zip(table.columns, numeric, strict=True):
        out.add_column(redact(str(column)), justify="right" if is_numeric else "left")
    for row in table.rows:
        cells = [Text(redact(format_value(v, limit=_VALUE_LIMIT))) for v in row]
        cells += [Text("")] * (len(table.columns) - len(cells))
        out.add_row(*cells[: len(table.columns)])
    return out


def _numeric_column(rows: Sequence[Sequence[Any]], index: int) -> bool:
    values = [row[index] for row in rows if index < len(row) and row[index] is not None]
    return bool(values) and all(is_number(v) for v in values)


def _metrics_table(metrics: list[tuple[str, Any]], styles: _Styles) -> RichTable:
    table = styles.table("Key metrics", show_header=False)
    table.add_column("Metric", style=styles("cyan"), overflow="fold")
    table.add_column("Value", overflow="fold")
    for name, value in metrics:
        table.add_row(Text(name), Text(redact(format_value(value, limit=_VALUE_LIMIT))))
    return table


def _events_table(events: Sequence[Event], styles: _Styles) -> RichTable:
    shown = min(len(events), MAX_EVENTS_SHOWN)
    table = styles.table(f"Events (first {shown} of {len(events)})")
    table.add_column("t (s)", justify="right", no_wrap=True)
    table.add_column("Clock", no_wrap=True)
    table.add_column("Source", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("Kind", no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column("Data", ratio=1, overflow="fold")
    for event in events[:MAX_EVENTS_SHOWN]:
        table.add_row(
            Text(f"{event.t:.3f}"),
            Text(event.clock),
            Text(event.source),
            Text(event.kind),
            Text(_event_data(event)),
        )
    return table


def _event_data(event: Event) -> str:
    parts = []
    for key, value in redact_value(event.data).items():
        text = format_value(value, limit=_VALUE_LIMIT)
        if isinstance(value, str) and (not text or any(c.isspace() for c in text)):
            text = repr(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)
