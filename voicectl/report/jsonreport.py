"""The JSON report (``schema_version: 1``, DESIGN section 3): serialise, write atomically, load.

The journal is written also when a run fails or is interrupted, so serialisation never gives
up on a value: NaN and infinities become ``null``, numpy values become numbers and lists, and
anything else unknown becomes its ``str()``. Every string is passed through
:func:`~voicectl.report.redact.redact` first, so secrets never reach the file.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

import voicectl
from voicectl.errors import InputError
from voicectl.report._atomic import atomic_write
from voicectl.report.model import Check, Event, Report, Table, Verdict
from voicectl.report.redact import MASK, is_secret_name, redact

__all__ = ["SCHEMA_VERSION", "environment", "load_json", "report_to_json", "write_json"]

SCHEMA_VERSION = 1

_EVENT_FIELDS = ("t", "clock", "source", "kind")
_MAX_DEPTH = 32


@functools.cache
def environment() -> dict[str, str | None]:
    """Versions of what a run depends on (``None`` for a package that is not installed)."""
    return {
        "python": platform.python_version(),
        "pipecat": _package_version("pipecat-ai"),
        "websockets": _package_version("websockets"),
        "platform": platform.platform(),
    }


def report_to_json(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict in DESIGN's shape, with secrets redacted."""
    duration = report.duration_s if report.duration_s is not None else report.elapsed()
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "voicectl", "version": report.tool_version or voicectl.__version__},
        "environment": _clean(
            report.environment if report.environment is not None else environment()
        ),
        "command": report.command,
        "args": _clean(report.args),
        "started_at": report.started_at,
        "duration_s": round(duration, 3),
        "verdict": report.verdict.value,
        "exit_code": int(report.exit_code),
        "counts": report.counts(),
    }
    if report.harness_error is not None:
        data["harness_error"] = redact(report.harness_error)
    if report.usage_error:
        data["usage_error"] = True
    if report.interrupted:
        data["interrupted"] = True
    if report.strict:
        data["strict"] = True
    data["checks"] = [_check_to_json(c) for c in report.checks]
    data["metrics"] = _clean(report.metrics)
    data["tables"] = [_table_to_json(t) for t in report.tables]
    data["events"] = [_event_to_json(e) for e in report.events]
    return data


def write_json(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` atomically; an existing file is replaced only on success."""
    data = report_to_json(report)

    def dump(handle: Any) -> None:
        json.dump(data, handle, indent=2, ensure_ascii=False, allow_nan=False, default=str)
        handle.write("\n")

    return atomic_write(path, dump, "JSON report")


def load_json(path: str | os.PathLike[str]) -> Report:
    """Re-load a report written by :func:`write_json`; a bad file raises :class:`InputError`."""
    source = Path(path)
    try:
        with source.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read report {source}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{source} is not a voicectl JSON report: {exc}") from exc
    try:
        return _report_from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{source} is not a valid voicectl JSON report: {_describe(exc)}") from exc


def _report_from_json(data: Any) -> Report:
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"unsupported schema_version {version!r} (expected {SCHEMA_VERSION})")
    tool = _mapping(data.get("tool", {}), "tool")
    env = data.get("environment")
    report = Report(
        command=_string(data["command"], "command"),
        args=dict(_mapping(data.get("args", {}), "args")),
        checks=[_check_from_json(item) for item in _list(data.get("checks", []), "checks")],
        metrics=dict(_mapping(data.get("metrics", {}), "metrics")),
        tables=[_table_from_json(item) for item in _list(data.get("tables", []), "tables")],
        events=[_event_from_json(item) for item in _list(data.get("events", []), "events")],
        started_at=_string(data["started_at"], "started_at"),
        harness_error=data.get("harness_error"),
        usage_error=bool(data.get("usage_error", False)),
        interrupted=bool(data.get("interrupted", False)),
        strict=bool(data.get("strict", False)),
        duration_s=float(data.get("duration_s") or 0.0),
        tool_version=str(tool["version"]) if tool.get("version") is not None else None,
        environment=dict(_mapping(env, "environment")) if env is not None else None,
    )
    if report.harness_error is not None:
        report.harness_error = _string(report.harness_error, "harness_error")
    return report


def _check_to_json(item: Check) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": redact(item.title),
        "verdict": Verdict(item.verdict).value,
        "expected": redact(item.expected),
        "observed": redact(item.observed),
        "detail": redact(item.detail),
        "metrics": _clean(item.metrics),
    }


def _check_from_json(data: Any) -> Check:
    data = _mapping(data, "check")
    return Check(
        id=_string(data["id"], "check id"),
        title=_string(data.get("title", ""), "check title"),
        verdict=Verdict(data["verdict"]),
        expected=_string(data.get("expected", ""), "check expected"),
        observed=_string(data.get("observed", ""), "check observed"),
        detail=_string(data.get("detail", ""), "check detail"),
        metrics=dict(_mapping(data.get("metrics", {}), "check metrics")),
    )


def _event_to_json(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {
        "t": _clean(round(event.t, 6)),
        "clock": event.clock,
        "source": event.source,
        "kind": event.kind,
    }
    for key, value in _clean(event.data).items():
        # Data may not shadow the event's own fields; keep it under a prefixed name instead.
        out[f"data_{key}" if key in _EVENT_FIELDS else key] = value
    return out


def _event_from_json(data: Any) -> Event:
    data = _mapping(data, "event")
    extra = {k: v for k, v in data.items() if k not in _EVENT_FIELDS}
    t = data["t"]
    clock = data.get("clock", "run")  # reports written before events had a clock: the run's
    if clock not in ("run", "call"):
        raise ValueError(f"event clock must be 'run' or 'call', got {clock!r}")
    return Event(
        t=math.nan if t is None else float(t),
        source=_string(data["source"], "event source"),
        kind=_string(data["kind"], "event kind"),
        data=extra,
        clock=clock,
    )


def _table_to_json(table: Table) -> dict[str, Any]:
    return {
        "title": redact(table.title),
        "columns": [redact(str(c)) for c in table.columns],
        "rows": _clean(table.rows),
    }


def _table_from_json(data: Any) -> Table:
    data = _mapping(data, "table")
    rows = _list(data.get("rows", []), "table rows")
    return Table(
        title=_string(data["title"], "table title"),
        columns=[str(c) for c in _list(data["columns"], "table columns")],
        rows=[list(_list(row, "table row")) for row in rows],
    )


def _clean(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, redacted copy of ``value``."""
    if isinstance(value, Enum):
        return _clean(value.value, depth)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return redact(str(value))
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if depth >= _MAX_DEPTH:
        return redact(str(value))
    if isinstance(value, Mapping):
        return {
            str(k): (
                MASK
                if is_secret_name(str(k)) and isinstance(v, str) and v
                else _clean(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_clean(v, depth + 1) for v in items]
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return redact(str(value))
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalars and arrays
        try:
            return _clean(value.tolist(), depth + 1)
        except Exception:  # a foreign object with an unrelated tolist()
            pass
    return redact(str(value))


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be an object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"{what} must be a list, got {type(value).__name__}")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
