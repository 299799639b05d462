"""JUnit XML for CI: one testcase per check, never greener than the exit code.

Layout: ``<testsuites>`` holding one ``<testsuite name="voicectl.<command>">`` with one
``<testcase classname="voicectl.<command>" name="<check id>">`` per check, in order.

- ``fail`` -> ``<failure type="fail" message="<observed>">`` (body: expected/observed/detail);
- ``error`` -> ``<error type="error">``; ``skip`` -> ``<skipped>``;
- ``warn`` -> a passing testcase whose ``<system-out>`` says so, or ``<failure type="warn">``
  when the report is strict; ``pass`` -> a passing testcase with the evidence in
  ``<system-out>``.
- A harness error or an interrupt adds a testcase ``harness`` with an ``<error>``, and should
  the exit code still be non-zero with nothing failing, a testcase ``verdict`` with an
  ``<error>`` is added: a CI reader never sees green for a red run.

Testcase names are unique: a check id shared by several checks (the same check run per sample
rate, say) becomes ``<id> [<title>]``, and if that still collides, `` #2``, `` #3``... are
appended in report order. Callers should prefer unique ids; this only keeps the XML usable.
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import voicectl
from voicectl.report._atomic import atomic_write
from voicectl.report._format import duration_s, duration_text, is_number
from voicectl.report.model import Check, ExitCode, Report, Verdict
from voicectl.report.redact import redact

__all__ = ["render_junit", "unique_case_names", "write_junit"]

# Characters XML 1.0 cannot carry at all, even escaped (ANSI escapes, NUL, ...).
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unique_case_names(checks: Iterable[Check], reserved: Iterable[str] = ()) -> list[str]:
    """Unique testcase names for ``checks`` (see the module docstring for the rule)."""
    checks = list(checks)
    id_counts = Counter(c.id for c in checks)
    used = set(reserved)
    names = []
    for item in checks:
        base = item.id
        if id_counts[item.id] > 1 and item.title and item.title != item.id:
            base = f"{item.id} [{item.title}]"
        name, n = base, 2
        while name in used:
            name, n = f"{base} #{n}", n + 1
        used.add(name)
        names.append(name)
    return names


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8 text, with declaration)."""
    suite_name = f"voicectl.{report.command}"
    suite = ET.Element("testsuite", name=_xml(suite_name))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("voicectl.version", report.tool_version or voicectl.__version__),
        ("verdict", report.verdict.value),
        ("exit_code", str(int(report.exit_code))),
        ("strict", "true" if report.strict else "false"),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml(value))

    tally = Counter[str]()
    harness_needed = report.harness_error is not None or report.interrupted
    names = unique_case_names(report.checks)
    for item, name in zip(report.checks, names, strict=True):
        case = _testcase(suite, suite_name, name, _check_time(item))
        body = _evidence(item)
        message = _xml(item.observed) or item.verdict.value
        if item.verdict is Verdict.FAIL or (item.verdict is Verdict.WARN and report.strict):
            _child(case, "failure", body, message=message, type=item.verdict.value)
            tally["failures"] += 1
        elif item.verdict is Verdict.ERROR:
            _child(case, "error", body, message=message, type="error")
            tally["errors"] += 1
        elif item.verdict is Verdict.SKIP:
            _child(case, "skipped", None, message=message)
            tally["skipped"] += 1
        else:
            _child(case, "system-out", body)
        tally["tests"] += 1

    used = set(names)
    if harness_needed:
        message, kind = _harness_problem(report)
        _add_error_case(suite, suite_name, _unique("harness", used), message, kind)
        tally["tests"] += 1
        tally["errors"] += 1
    if report.exit_code is not ExitCode.OK and tally["failures"] + tally["errors"] == 0:
        message = (
            f"run verdict {report.verdict.value} (exit code {int(report.exit_code)}) "
            "but no check failed"
        )
        _add_error_case(suite, suite_name, _unique("verdict", used), message, "verdict")
        tally["tests"] += 1
        tally["errors"] += 1

    totals = {k: str(tally[k]) for k in ("tests", "failures", "errors", "skipped")}
    elapsed = f"{duration_s(report):.3f}"
    suite.attrib.update(totals, time=elapsed, timestamp=_timestamp(report.started_at))
    root = ET.Element("testsuites", {"name": "voicectl", "time": elapsed, **totals})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_junit(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write the JUnit XML to ``path`` atomically."""
    text = render_junit(report)

    def write(handle: TextIO) -> None:
        handle.write(text)
        handle.write("\n")

    return atomic_write(path, write, "JUnit report")


def _testcase(suite: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=_xml(classname), name=_xml(name), time=f"{seconds:.3f}"
    )


def _child(parent: ET.Element, tag: str, text: str | None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml(v) for k, v in attrib.items()})
    if text:
        element.text = text
    return element


def _add_error_case(suite: ET.Element, classname: str, name: str, message: str, kind: str) -> None:
    case = _testcase(suite, classname, name, 0.0)
    _child(
        case,
        "error",
        _xml(message),
        message=message.splitlines()[0] if message else kind,
        type=kind,
    )


def _harness_problem(report: Report) -> tuple[str, str]:
    if report.harness_error is not None:
        message = f"harness error: {report.harness_error}"
        if report.interrupted:
            message += "\n(run interrupted)"
        return message, "harness_error"
    return f"interrupted after {duration_text(duration_s(report))}", "interrupted"


def _evidence(item: Check) -> str:
    lines = [f"verdict: {item.verdict.value}"]
    if item.title:
        lines.append(f"title: {item.title}")
    lines += [f"expected: {item.expected}", f"observed: {item.observed}"]
    if item.detail:
        lines.append(f"detail: {item.detail}")
    return _xml("\n".join(lines))


def _check_time(item: Check) -> float:
    value = item.metrics.get("duration_s")
    if not is_number(value) or not math.isfinite(value) or value < 0:
        return 0.0
    return float(value)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name} #{n}", n + 1
    used.add(candidate)
    return candidate


def _timestamp(started_at: str) -> str:
    """JUnit wants a timezone-less ISO time; report it in UTC."""
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        return _xml(started_at)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _xml(text: str) -> str:
    """Redact secrets and replace characters XML cannot hold with visible ``\\xNN`` escapes."""
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", redact(str(text)))
