"""Text shared by the console and Markdown renderers: value formatting and verdict summaries."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any, TypeGuard

from voicectl.report.model import Check, Report, RunVerdict, Verdict, _jsonable
from voicectl.report.redact import redact

__all__ = [
    "counts_text",
    "duration_s",
    "duration_text",
    "failing_checks",
    "flatten_metrics",
    "format_value",
    "is_number",
    "run_summary",
    "verdict_label",
]

_MAX_IDS = 3


def verdict_label(report: Report) -> str:
    """``PASS``, ``FAIL`` or ``ERROR``."""
    return report.verdict.value.upper()


def duration_s(report: Report) -> float:
    return report.duration_s if report.duration_s is not None else report.elapsed()


def duration_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 600 else f"{seconds / 60:.1f} min"


def counts_text(report: Report) -> str:
    """``5 checks: 4 pass, 1 fail`` (verdicts with no checks are left out)."""
    total = len(report.checks)
    if total == 0:
        return "no checks"
    parts = [f"{n} {name}" for name, n in report.counts().items() if n]
    return f"{total} check{'s' if total != 1 else ''}: {', '.join(parts)}"


def failing_checks(report: Report) -> list[Check]:
    """Checks that make the run fail: ``fail``, and ``warn`` too under ``--strict``."""
    failing = {Verdict.FAIL, Verdict.WARN} if report.strict else {Verdict.FAIL}
    return [c for c in report.checks if c.verdict in failing]


def run_summary(report: Report) -> str:
    """The verdict in a few words: what failed, or how many checks passed and how fast."""
    elapsed = duration_text(duration_s(report))
    if report.harness_error is not None:
        return f"harness error: {_first_line(redact(report.harness_error))}"
    if report.interrupted:
        done = f"; {counts_text(report)}" if report.checks else ""
        return f"interrupted after {elapsed}{done}"
    total = len(report.checks)
    passed = sum(c.verdict is Verdict.PASS for c in report.checks)
    if not report.judged():
        skipped = f" ({total} skipped)" if total else ""
        return f"no check was judged{skipped}: nothing was tested, in {elapsed}"
    if report.verdict is RunVerdict.PASS:
        extra = [
            f"{n} {word}"
            for n, word in (
                (report.counts()[Verdict.WARN.value], "warning"),
                (report.counts()[Verdict.SKIP.value], "skipped"),
            )
            if n
        ]
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{passed}/{total} checks passed{tail} in {elapsed}"
    parts = []
    errored = [c for c in report.checks if c.verdict is Verdict.ERROR]
    if errored:
        parts.append(f"{len(errored)} errored: {_ids(errored)}")
    failed = failing_checks(report)
    if failed:
        parts.append(f"{len(failed)} failed: {_ids(failed)}")
    parts.append(f"{passed}/{total} passed in {elapsed}")
    return "; ".join(parts)


def format_value(value: Any, *, limit: int | None = None) -> str:
    """A metric or table cell as short text: floats trimmed, NaN/None as ``n/a``."""
    text = _format(value)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested metric dicts as dotted names: ``{"latency": {"p50": 1}}`` -> ``latency.p50``."""
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten_metrics(value, f"{name}.")
        else:
            yield name, value


def _format(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "n/a" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        if value == 0 or abs(value) >= 0.001:
            text = f"{value:.3f}".rstrip("0").rstrip(".")
            return "0" if text == "-0" else text
        return f"{value:.3g}"
    if isinstance(value, int | str):
        return str(value)
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalars and arrays
        return _format(value.tolist())
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(_jsonable(value), ensure_ascii=False, default=str, separators=(",", ":"))
    return str(value)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "(no message)"


def _ids(checks: list[Check]) -> str:
    ids = list(dict.fromkeys(c.id for c in checks))
    shown = ", ".join(ids[:_MAX_IDS])
    return f"{shown} +{len(ids) - _MAX_IDS} more" if len(ids) > _MAX_IDS else shown
