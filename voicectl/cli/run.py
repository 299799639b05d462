"""``voicectl run SUITE.toml``: run a suite of scenarios and write one report for CI."""

from __future__ import annotations

import contextlib
import os
import shlex
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from voicectl.cli.common import (
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    MarkdownOpt,
    Outputs,
    QuietOpt,
    StrictOpt,
    VerboseOpt,
    execute,
    fail_usage,
    make_outputs,
)
from voicectl.cli.progress import SuiteProgressBar, progress_wanted
from voicectl.errors import InputError
from voicectl.report import Report
from voicectl.suite import (
    CommandCatalog,
    ScenarioResult,
    SuitePlan,
    add_result,
    add_unfinished,
    load_suite,
    order_checks,
    plan_suite,
    run_scenarios,
    scenario_table,
    select_scenarios,
)

__all__ = ["DEFAULT_SUITE_TIMEOUT_S", "default_jobs", "run", "run_suite_file"]

DEFAULT_SUITE_TIMEOUT_S = 1800.0
_MAX_DEFAULT_JOBS = 8
_DEFAULT_FILES = ("voicectl-suite.toml", "pyproject.toml")

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        max=64,
        help="Scenarios run at a time (default: \\[suite] jobs, else one per CPU core).",
    ),
]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option("--only", help="Run only this scenario (repeat for several)."),
]
ReportsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--reports-dir",
        file_okay=False,
        help="Keep each scenario's JSON report and stderr here (re-render with voicectl report).",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Check the suite and print each scenario's command; run nothing."
    ),
]
SuiteTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1,
        help="Hard deadline for the whole suite, seconds (default: \\[suite] timeout, else 1800).",
    ),
]


def run(
    suite: Annotated[
        Path | None,
        typer.Argument(
            help="Suite file (TOML), or a pyproject.toml with \\[tool.voicectl]. Default: "
            "voicectl-suite.toml, else pyproject.toml, in the current directory.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    jobs: JobsOpt = None,
    only: OnlyOpt = None,
    reports_dir: ReportsDirOpt = None,
    dry_run: DryRunOpt = False,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    strict: StrictOpt = False,
    timeout: SuiteTimeoutOpt = None,
) -> None:
    """Run a suite of scenarios (CI): every scenario checked first, then one merged report."""
    try:
        path = _find_suite(suite)
    except InputError as exc:
        raise fail_usage(escape(str(exc))) from None
    run_suite_file(
        path,
        only,
        command="run",
        jobs=jobs,
        reports_dir=reports_dir,
        dry_run=dry_run,
        outputs=make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout or 0.0),
    )


def default_jobs() -> int:
    """One scenario per CPU core (most scenarios are real-time and mostly wait)."""
    return max(1, min(os.cpu_count() or 1, _MAX_DEFAULT_JOBS))


def run_suite_file(
    path: Path,
    only: list[str] | None,
    *,
    command: str,
    jobs: int | None,
    reports_dir: Path | None,
    dry_run: bool,
    outputs: Outputs,
    default_timeout_s: float = DEFAULT_SUITE_TIMEOUT_S,
) -> None:
    """Check the suite file at ``path`` (a bad one is a usage error), then run its scenarios
    (``only`` those, if given) under :func:`execute`; ``outputs.timeout_s`` 0: the suite's own."""
    try:
        spec = load_suite(path)
        from voicectl.cli.main import app  # main imports this module

        plan = select_scenarios(plan_suite(spec, CommandCatalog.from_app(app)), only or [])
    except InputError as exc:
        raise fail_usage(escape(str(exc))) from None
    if dry_run:
        _print_plan(plan)
        raise typer.Exit(0)
    jobs = jobs or plan.settings.jobs or default_jobs()
    outputs = replace(
        outputs,
        strict=outputs.strict or plan.settings.strict,
        timeout_s=outputs.timeout_s or plan.settings.timeout_s or default_timeout_s,
    )
    strict, timeout = outputs.strict, outputs.timeout_s
    report = Report(
        command=command,
        args={
            "suite": plan.source,
            "name": plan.settings.name,
            "scenarios": [s.name for s in plan.scenarios],
            "jobs": jobs,
            "timeout_s": timeout,
        },
    )
    show_progress = progress_wanted(outputs.quiet)

    async def work(report: Report) -> None:
        results: list[ScenarioResult] = []

        def on_result(result: ScenarioResult) -> None:
            results.append(result)
            add_result(report, result)

        with _work_dir(reports_dir) as work_dir, _progress(show_progress, plan) as progress:
            try:
                await run_scenarios(
                    plan,
                    jobs=jobs,
                    work_dir=work_dir,
                    on_result=on_result,
                    progress=progress,
                    strict=strict,
                )
            finally:
                done = {r.scenario.index for r in results}
                for scenario in plan.scenarios:
                    if scenario.index not in done:
                        add_unfinished(
                            report,
                            scenario,
                            f"the suite was stopped (--timeout {timeout:g} s or interrupt)",
                        )
                order_checks(report, plan.scenarios)
                report.add_table(*scenario_table(plan.scenarios, results, strict=strict))
                report.metrics.update(
                    scenarios=len(plan.scenarios),
                    jobs=jobs,
                    scenario_wall_s=round(sum(r.duration_s for r in results), 1),
                )
                if reports_dir is not None:
                    report.metrics["reports_dir"] = str(work_dir)

    execute(report, outputs, work, status=False)  # the suite draws its own progress bar


def _find_suite(given: Path | None) -> Path:
    if given is not None:
        return given
    for name in _DEFAULT_FILES:
        candidate = Path(name)
        if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
            return candidate
    raise InputError(
        "no suite: pass SUITE.toml, or add voicectl-suite.toml or [tool.voicectl] in "
        "pyproject.toml here (voicectl smoke runs the bundled suite)"
    )


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "[tool.voicectl" in text


def _print_plan(plan: SuitePlan) -> None:
    typer.echo(f"{plan.source}: {len(plan.scenarios)} scenarios, run from {plan.base_dir}")
    for scenario in plan.scenarios:
        line = shlex.join(["voicectl", *scenario.command, *scenario.argv])
        typer.echo(f"  {scenario.name}: {line}")


@contextlib.contextmanager
def _work_dir(reports_dir: Path | None) -> Iterator[Path]:
    if reports_dir is None:
        with tempfile.TemporaryDirectory(prefix="voicectl-suite-") as tmp:
            yield Path(tmp)
        return
    target = reports_dir.resolve()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--reports-dir {reports_dir}: {exc.strerror or exc}") from None
    yield target


@contextlib.contextmanager
def _progress(show: bool, plan: SuitePlan) -> Iterator[SuiteProgressBar | None]:
    if not show:
        yield None
        return
    with SuiteProgressBar(len(plan.scenarios)) as bar:
        yield bar
