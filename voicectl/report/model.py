"""The result model every command fills in: checks, metrics, tables and the event journal."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any, Literal

__all__ = [
    "Check",
    "Clock",
    "Event",
    "ExitCode",
    "Report",
    "RunVerdict",
    "Table",
    "Verdict",
    "check",
]

JsonValue = Any
Clock = Literal["run", "call"]


class Verdict(StrEnum):
    """Outcome of one check."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


class RunVerdict(StrEnum):
    """Outcome of a whole run."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class ExitCode(IntEnum):
    """Process exit codes (DESIGN section 3)."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    HARNESS = 3
    INTERRUPTED = 130


@dataclass
class Check:
    """One verdict: what was expected, what was observed, and the figures behind it."""

    id: str
    title: str
    verdict: Verdict
    expected: str
    observed: str
    detail: str = ""
    metrics: dict[str, JsonValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "title": self.title,
            "verdict": self.verdict.value,
            "expected": self.expected,
            "observed": self.observed,
            "detail": self.detail,
            "metrics": _jsonable(self.metrics),
        }


def check(
    id: str,
    title: str,
    passed: bool,
    expected: str,
    observed: str,
    *,
    detail: str = "",
    warn_only: bool = False,
    **metrics: JsonValue,
) -> Check:
    """Build a check from a boolean outcome (``warn_only`` turns a failure into a warning)."""
    verdict = Verdict.PASS if passed else (Verdict.WARN if warn_only else Verdict.FAIL)
    return Check(id, title, verdict, expected, observed, detail, dict(metrics))


@dataclass
class Event:
    """One journal entry at ``t`` seconds on its ``clock``.

    ``"run"``: seconds from the start of the run. ``"call"``: seconds of the call's own caller
    audio, one call per source (a ``--fast`` call sends its audio faster than real time, so no
    offset maps it onto the run).
    """

    t: float
    source: str
    kind: str
    data: dict[str, JsonValue] = field(default_factory=dict)
    clock: Clock = "run"

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "t": round(self.t, 6),
            "clock": self.clock,
            "source": self.source,
            "kind": self.kind,
            **_jsonable(self.data),
        }


@dataclass
class Table:
    """A titled table of figures shown on the console and kept in the JSON report."""

    title: str
    columns: list[str]
    rows: list[list[JsonValue]]

    def to_json(self) -> dict[str, JsonValue]:
        return {"title": self.title, "columns": self.columns, "rows": _jsonable(self.rows)}


@dataclass
class Report:
    """Everything a run produced. Filled in as the run goes, so it can be written at any time."""

    command: str
    args: dict[str, JsonValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    metrics: dict[str, JsonValue] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    harness_error: str | None = None
    # The run stopped on bad input found only once it ran (e.g. a file the bot asked for):
    # harness_error holds the message and the exit code is 2, not 3.
    usage_error: bool = False
    interrupted: bool = False
    strict: bool = False
    _t0: float = field(default_factory=time.monotonic, repr=False)
    duration_s: float | None = None
    # Set when the report was loaded from a saved file: the voicectl version and environment
    # that produced it. None means "this process" (filled in when the report is written).
    tool_version: str | None = None
    environment: dict[str, JsonValue] | None = None

    def add_check(self, item: Check) -> Check:
        self.checks.append(item)
        return item

    def extend_checks(self, items: Iterable[Check]) -> None:
        self.checks.extend(items)

    def add_table(
        self, title: str, columns: Sequence[str], rows: Iterable[Sequence[JsonValue]]
    ) -> Table:
        table = Table(title, list(columns), [list(row) for row in rows])
        self.tables.append(table)
        return table

    def log(
        self,
        source: str,
        kind: str,
        t: float | None = None,
        clock: Clock = "run",
        **data: JsonValue,
    ) -> Event:
        """Append an event at ``t`` on ``clock`` (the run's clock and now if omitted)."""
        if t is None and clock != "run":
            raise ValueError("an event on a call's clock needs its time")
        event = Event(self.elapsed() if t is None else t, source, kind, data, clock)
        self.events.append(event)
        return event

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def finish(self) -> None:
        """Freeze the duration (idempotent)."""
        if self.duration_s is None:
            self.duration_s = self.elapsed()

    @property
    def verdict(self) -> RunVerdict:
        if self.harness_error is not None or self.interrupted:
            return RunVerdict.ERROR
        if any(c.verdict is Verdict.ERROR for c in self.checks):
            return RunVerdict.ERROR
        if not self.judged():
            return RunVerdict.ERROR
        failing = {Verdict.FAIL, Verdict.WARN} if self.strict else {Verdict.FAIL}
        if any(c.verdict in failing for c in self.checks):
            return RunVerdict.FAIL
        return RunVerdict.PASS

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.usage_error and self.harness_error is not None:
            return ExitCode.USAGE
        verdict = self.verdict
        if verdict is RunVerdict.ERROR:
            return ExitCode.HARNESS
        if verdict is RunVerdict.FAIL:
            return ExitCode.CHECK_FAILED
        return ExitCode.OK

    def judged(self) -> bool:
        """Whether any check was judged: a run of no checks, or only skipped ones, tested nothing."""
        return any(c.verdict is not Verdict.SKIP for c in self.checks)

    def counts(self) -> dict[str, int]:
        counts = {v.value: 0 for v in Verdict}
        for c in self.checks:
            counts[c.verdict.value] += 1
        return counts


def _jsonable(value: JsonValue) -> JsonValue:
    """Make a value JSON-safe: enums to values, NaN/inf to None, tuples to lists."""
    if isinstance(value, StrEnum | IntEnum):
        return value.value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    return value
