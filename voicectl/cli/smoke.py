"""``voicectl smoke``: the bundled suite against the reference bot and Pipecat's own services."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from voicectl.cli.common import (
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    MarkdownOpt,
    QuietOpt,
    StrictOpt,
    VerboseOpt,
    fail_usage,
    make_outputs,
)
from voicectl.cli.run import (
    DryRunOpt,
    JobsOpt,
    OnlyOpt,
    ReportsDirOpt,
    SuiteTimeoutOpt,
    run_suite_file,
)
from voicectl.errors import HarnessError

__all__ = ["portable_smoke_suite", "smoke", "smoke_suite_path"]

_SMOKE_TIMEOUT_S = 180.0
# A quoted relative path in the bundled suite: rewritten to an absolute one for --print.
_RELATIVE = re.compile(r'"((?:smoke|fixtures)/[^"]+)"')


def smoke_suite_path() -> Path:
    """The bundled ``smoke.toml`` on the file system."""
    path = resources.files("voicectl") / "data" / "smoke.toml"
    if not isinstance(path, Path) or not path.is_file():
        raise HarnessError(f"the bundled smoke suite is missing ({path})")
    return path


def portable_smoke_suite() -> str:
    """The bundled suite with its data paths made absolute, to copy and edit anywhere."""
    path = smoke_suite_path()
    base = path.parent
    return _RELATIVE.sub(lambda m: f'"{(base / m.group(1)).as_posix()}"', path.read_text())


def smoke(
    jobs: JobsOpt = None,
    only: OnlyOpt = None,
    reports_dir: ReportsDirOpt = None,
    dry_run: DryRunOpt = False,
    print_suite: Annotated[
        bool,
        typer.Option("--print", help="Print the bundled suite (to copy and edit) and exit."),
    ] = False,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    strict: StrictOpt = False,
    timeout: SuiteTimeoutOpt = None,
) -> None:
    """The bundled smoke suite: replay, barge-in, closes, STT failover, resamplers (< 60 s)."""
    if print_suite:
        others = {
            "--jobs": jobs is not None,
            "--only": bool(only),
            "--reports-dir": reports_dir is not None,
            "--dry-run": dry_run,
            "--json": json is not None,
            "--junit": junit is not None,
            "--markdown": markdown is not None,
            "--html": html is not None,
            "--strict": strict,
            "--timeout": timeout is not None,
        }
        given = next((option for option, was_given in others.items() if was_given), None)
        if given is not None:
            raise fail_usage(f"--print prints the suite and runs nothing: drop {given} or --print")
        typer.echo(portable_smoke_suite(), nl=False)
        raise typer.Exit(0)
    run_suite_file(
        smoke_suite_path(),
        only,
        command="smoke",
        jobs=jobs,
        reports_dir=reports_dir,
        dry_run=dry_run,
        outputs=make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout or 0.0),
        default_timeout_s=_SMOKE_TIMEOUT_S,
    )
