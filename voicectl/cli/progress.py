"""Progress bars for long runs: on a terminal only, never under ``--quiet`` or in CI logs."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from voicectl.report import Report
from voicectl.suite.merge import scenario_verdict
from voicectl.suite.model import PlannedScenario
from voicectl.suite.runner import ScenarioResult

__all__ = ["RunStatus", "SuiteProgressBar", "progress_wanted"]


def progress_wanted(quiet: bool, console: Console | None = None) -> bool:
    """A bar helps a person at a terminal; in a CI log (not a TTY) it is noise."""
    if quiet:
        return False
    if console is not None:
        return console.is_terminal
    return sys.stdout.isatty()


class _ReportSoFar(ProgressColumn):
    """What the report holds so far: the journal grows as a replay or a chaos run goes on."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def render(self, task: Task) -> Text:
        events, checks = len(self.report.events), len(self.report.checks)
        if not events and not checks:
            return Text("")
        return Text(f"{events} events, {checks} checks so far")


class RunStatus:
    """A transient status line while a command runs: spinner, elapsed time, report so far.

    Drawn from rich's refresh thread, so it moves even while the command's event loop is busy;
    it disappears before the report is printed. A no-op when ``enabled`` is false.
    """

    def __init__(
        self,
        report: Report,
        timeout_s: float,
        *,
        enabled: bool,
        console: Console | None = None,
    ) -> None:
        self._progress: Progress | None = None
        if not enabled:
            return
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn(f"voicectl {report.command}"),
            TimeElapsedColumn(),
            _ReportSoFar(report),
            TextColumn(f"(deadline {timeout_s:g} s)"),
            console=console or Console(highlight=False),
            transient=True,
        )
        self._progress.add_task("run", total=None)

    def __enter__(self) -> RunStatus:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


class SuiteProgressBar:
    """One bar for the suite, the running scenarios named, a line per finished scenario.

    The bar is transient (it disappears before the report is printed); the per-scenario lines
    stay, so the order in which scenarios finished remains visible.
    """

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._progress.add_task("starting", total=total)
        self._running: list[str] = []

    def __enter__(self) -> SuiteProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def scenario_started(self, scenario: PlannedScenario) -> None:
        self._running.append(scenario.name)
        self._describe()

    def scenario_finished(self, result: ScenarioResult) -> None:
        name = result.scenario.name
        if name in self._running:
            self._running.remove(name)
        verdict = scenario_verdict(result).upper()
        style = {"PASS": "green", "FAIL": "bold red"}.get(verdict, "bold yellow")
        line = Text(f"{verdict:<5} ", style="" if self.console.no_color else style)
        line.append(f"{name}  ({result.scenario.command_text}, {result.duration_s:.1f} s)")
        self._progress.console.print(line)
        self._progress.advance(self._task)
        self._describe()

    def _describe(self) -> None:
        text = "running " + ", ".join(self._running) if self._running else "waiting"
        self._progress.update(self._task, description=text)
