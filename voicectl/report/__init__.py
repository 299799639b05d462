"""Reports: the result model every command fills in, and its renderings.

A command builds a :class:`Report` (checks with expected/observed side by side, metrics,
tables, the event journal) and hands it to the renderers: :func:`render_console` for people,
:func:`write_json` for machines (``schema_version: 1``, re-loadable with :func:`load_json`),
:func:`write_junit` for CI and :func:`write_markdown` for ``$GITHUB_STEP_SUMMARY``. Files are
written atomically and every rendering passes through :func:`redact`, so secrets never leave.
"""

from voicectl.report.console import render_console, render_verdict_line
from voicectl.report.jsonreport import (
    SCHEMA_VERSION,
    environment,
    load_json,
    report_to_json,
    write_json,
)
from voicectl.report.junit import render_junit, unique_case_names, write_junit
from voicectl.report.markdown import render_markdown, write_markdown
from voicectl.report.model import (
    Check,
    Event,
    ExitCode,
    Report,
    RunVerdict,
    Table,
    Verdict,
    check,
)
from voicectl.report.redact import redact, redact_value

__all__ = [
    "SCHEMA_VERSION",
    "Check",
    "Event",
    "ExitCode",
    "Report",
    "RunVerdict",
    "Table",
    "Verdict",
    "check",
    "environment",
    "load_json",
    "redact",
    "redact_value",
    "render_console",
    "render_junit",
    "render_markdown",
    "render_verdict_line",
    "report_to_json",
    "unique_case_names",
    "write_json",
    "write_junit",
    "write_markdown",
]
