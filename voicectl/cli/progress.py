"""Progress bars for long runs: on a terminal only, never under ``--quiet`` or in CI logs."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from voicectl.suite.merge import scenario_verdict
from voicectl.suite.model import PlannedScenario
from voicectl.suite.runner import ScenarioResult

__all__ = ["SuiteProgressBar", "progress_wanted"]


def progress_wanted(quiet: bool, console: Console | None = None) -> bool:
    """A bar helps a person at a terminal; in a CI log (not a TTY) it is noise."""
    if quiet:
        return False
    if console is not None:
        return console.is_terminal
    return sys.stdout.isatty()


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
