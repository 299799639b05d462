"""``voicectl report show|html FILE``: re-render a saved JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from voicectl.errors import InputError
from voicectl.report import Report, load_json, render_console, write_junit, write_markdown
from voicectl.report.html import write_html

__all__ = ["report_app"]

report_app = typer.Typer(
    name="report",
    help="Re-render a saved JSON report (console, HTML, JUnit, Markdown).",
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
    render_console(report, Console(highlight=False), verbose=verbose)
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
