"""A Markdown summary of a report, for ``$GITHUB_STEP_SUMMARY`` and pull-request comments."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from voicectl.report._atomic import atomic_write, write_failure
from voicectl.report._format import (
    counts_text,
    duration_s,
    duration_text,
    flatten_metrics,
    format_value,
    run_summary,
    verdict_label,
)
from voicectl.report.model import Report, Verdict
from voicectl.report.redact import redact

__all__ = ["render_markdown", "write_markdown"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>#~])")
_CELL_LIMIT = 300


def render_markdown(report: Report) -> str:
    """Headline, checks table, the report's tables, then key metrics."""
    label = verdict_label(report)
    if report.harness_error is not None or report.interrupted:
        headline_detail = run_summary(report)
    else:
        headline_detail = counts_text(report)
    lines = [f"**voicectl {_text(report.command)}: {label}** ({_text(headline_detail)})", ""]
    lines.append(
        f"Started {_text(report.started_at)}, took {duration_text(duration_s(report))}, "
        f"exit code {int(report.exit_code)}" + (", strict" if report.strict else "") + "."
    )

    if report.harness_error is not None and "\n" in report.harness_error.strip():
        lines += ["", *_fenced(redact(report.harness_error.strip()))]

    if report.checks:
        lines += ["", "| Verdict | Check | Expected | Observed |", "|---|---|---|---|"]
        for item in report.checks:
            verdict = item.verdict.value
            if item.verdict is not Verdict.PASS:
                verdict = f"**{verdict}**"
            lines.append(
                _row([verdict, _code(item.id), _cell(item.expected), _cell(item.observed)])
            )
        details = [c for c in report.checks if c.detail and c.verdict is not Verdict.PASS]
        if details:
            lines.append("")
            lines += [f"- {_code(c.id)}: {_cell(c.detail)}" for c in details]

    for table in report.tables:
        lines += ["", f"#### {_text(table.title)}", ""]
        lines += _table(table.columns, table.rows)

    metrics = list(flatten_metrics(report.metrics))
    if metrics:
        lines += ["", "#### Key metrics", ""]
        lines += _table(["Metric", "Value"], [[name, value] for name, value in metrics])
    return "\n".join(lines) + "\n"


def write_markdown(report: Report, path: str | os.PathLike[str], append: bool = True) -> Path:
    """Append the summary to ``path`` (GitHub's step summary file), or replace it atomically."""
    text = render_markdown(report)
    target = Path(path)
    if not append:

        def write(handle: TextIO) -> None:
            handle.write(text)

        return atomic_write(target, write, "Markdown summary")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            if handle.tell() > 0:
                handle.write("\n")
            handle.write(text)
    except OSError as exc:
        raise write_failure("Markdown summary", target, exc) from exc
    return target


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = [_row([_text(str(c)) for c in columns]), "|" + "---|" * len(columns)]
    for row in rows:
        cells = [_cell(format_value(v)) for v in row]
        cells += [""] * (len(columns) - len(cells))
        lines.append(_row(cells))
    return lines


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _text(text: str) -> str:
    """Redacted text with Markdown and HTML specials escaped, on one line."""
    escaped = _MD_SPECIAL.sub(r"\\\1", redact(text))
    return escaped.replace("&", "&amp;").replace("\r", "").replace("\n", "<br>")


def _cell(text: str) -> str:
    if len(text) > _CELL_LIMIT:
        text = text[: _CELL_LIMIT - 1] + "…"
    return _text(text)


def _code(text: str) -> str:
    """An inline code span that survives backticks and table pipes in ``text``."""
    text = redact(text).replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str) -> list[str]:
    """A fenced code block that survives backtick fences inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}text", text, fence]
