"""``voicectl report show|html FILE``: re-render a saved JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console

from voicectl.cli.common import HtmlOpt, JsonOpt, JunitOpt, MarkdownOpt, QuietOpt
from voicectl.errors import InputError
from voicectl.report import Report, load_json, render_console, write_junit, write_markdown
from voicectl.report.console import output_console
from voicectl.report.html import write_html

__all__ = ["report_app"]

report_app = typer.Typer(
    name="report",
    help="Re-render a saved JSON report (console, HTML, JUnit, Markdown), or compare two for a latency regression.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

FileArg = Annotated[Path, typer.Argument(help="A JSON report written with --json.", dir_okay=False)]


def _load(path: Path) -> Report:
    from voicectl.cli.common import fail_usage

    try:
        return load_json(path)
    except InputError as exc:
        raise fail_usage(str(exc)) from None


@report_app.command("show")
def show(
    file: FileArg,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show the event journal.")
    ] = False,
) -> None:
    """Print a saved report as the command printed it; exits with the report's exit code."""
    report = _load(file)
    render_console(report, output_console(), verbose=verbose)
    raise typer.Exit(int(report.exit_code))


@report_app.command("html")
def html(
    file: FileArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML.", dir_okay=False)
    ] = Path("report.html"),
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write JUnit XML here.", dir_okay=False)
    ] = None,
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Also append a Markdown summary here.", dir_okay=False),
    ] = None,
) -> None:
    """Write a saved report as a self-contained HTML page with its timeline drawn."""
    from voicectl.cli.common import fail_usage

    report = _load(file)
    try:
        write_html(report, output)
        if junit:
            write_junit(report, junit)
        if markdown:
            write_markdown(report, markdown)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    Console(highlight=False).print(f"wrote {output}")


@report_app.command("compare")
def compare(
    base: Annotated[
        Path, typer.Argument(help="The baseline JSON report (--json).", dir_okay=False)
    ],
    new: Annotated[
        Path, typer.Argument(help="The new JSON report of the same run.", dir_okay=False)
    ],
    min_effect_ms: Annotated[
        float,
        typer.Option(
            "--min-effect-ms",
            help="Smallest p50/p95 slow-down that counts as a regression, milliseconds.",
            min=0,
        ),
    ] = 100.0,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Exit 1 if NEW's first-audio latency p50 or p95 regressed against BASE (bootstrap CI), else 0."""
    from voicectl.cli.common import execute, fail_usage, make_outputs
    from voicectl.report.compare import (
        RESAMPLES,
        comparable,
        compare_latencies,
        first_audio_latencies,
        run_identity,
    )

    base_report, new_report = _load(base), _load(new)
    base_id = run_identity(base_report.command, base_report.args)
    new_id = run_identity(new_report.command, new_report.args)
    differs = comparable(base_id, new_id)
    if differs is not None:
        raise fail_usage(differs)
    base_latencies = first_audio_latencies(base_report)
    new_latencies = first_audio_latencies(new_report)
    for path, values in ((base, base_latencies), (new, new_latencies)):
        if not values:
            raise fail_usage(f"{path}: no first-audio latencies to compare (no answered turn)")
    report = Report(
        command="report compare",
        args={
            "baseline": str(base),
            "new": str(new),
            "min_effect_ms": min_effect_ms,
            "resamples": RESAMPLES,
            **{f"same_{k}": v for k, v in base_id.items()},
        },
    )

    async def work(report: Report) -> None:
        report.extend_checks(
            compare_latencies(base_latencies, new_latencies, min_effect_s=min_effect_ms / 1000)
        )
        rows = []
        for label, values in (("baseline", base_latencies), ("new", new_latencies)):
            rows.append(
                [
                    label,
                    len(values),
                    round(float(np.percentile(values, 50)), 3),
                    round(float(np.percentile(values, 95)), 3),
                    round(min(values), 3),
                    round(max(values), 3),
                ]
            )
        report.add_table(
            "First-audio latency (s)", ["run", "turns", "p50", "p95", "min", "max"], rows
        )

    outputs = make_outputs(json, junit, markdown, html, quiet, False, False, 60.0)
    execute(report, outputs, work, status=False)
