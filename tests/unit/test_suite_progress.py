"""The suite's progress display: a line per finished scenario on a terminal, nothing in CI logs."""

from __future__ import annotations

import io

from rich.console import Console

from voicectl.cli.progress import SuiteProgressBar, progress_wanted
from voicectl.report import Check, Report, Verdict
from voicectl.suite import PlannedScenario
from voicectl.suite.runner import ScenarioResult


def _scenario(name: str) -> PlannedScenario:
    return PlannedScenario(0, name, ("chaos", "ws-close"), (), 1, 60.0)


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=100, no_color=True)
    return console, buffer


def test_progress_is_wanted_only_on_a_terminal_and_never_when_quiet() -> None:
    terminal, _ = _console(True)
    log, _ = _console(False)
    assert progress_wanted(False, terminal)
    assert not progress_wanted(True, terminal)
    assert not progress_wanted(False, log)


def test_each_finished_scenario_leaves_a_line_with_its_verdict() -> None:
    console, buffer = _console(True)
    report = Report("chaos ws-close")
    report.add_check(Check("close.not_retried", "t", Verdict.FAIL, "e", "o"))
    with SuiteProgressBar(2, console) as bar:
        bar.scenario_started(_scenario("close-1008"))
        bar.scenario_started(_scenario("drop"))
        bar.scenario_finished(ScenarioResult(_scenario("close-1008"), 0.0, 2.5, 1, report))
        bar.scenario_finished(
            ScenarioResult(_scenario("drop"), 0.0, 61.0, None, None, timed_out=True)
        )
    text = buffer.getvalue()
    assert "FAIL  close-1008  (chaos ws-close, 2.5 s)" in text
    assert "ERROR drop  (chaos ws-close, 61.0 s)" in text


def test_run_status_draws_while_running_and_leaves_nothing_behind() -> None:
    from voicectl.cli.progress import RunStatus

    console, buffer = _console(True)
    report = Report("replay")
    with RunStatus(report, 600, enabled=True, console=console):
        report.log("call", "utterance")
        console.file.flush()
    text = buffer.getvalue()
    assert "voicectl replay" in text and "(deadline 600 s)" in text
    assert text.endswith("\x1b[?25h") or "\x1b[2K" in text  # erased (transient)


def test_run_status_disabled_draws_nothing() -> None:
    from voicectl.cli.progress import RunStatus

    console, buffer = _console(True)
    with RunStatus(Report("replay"), 600, enabled=False, console=console):
        pass
    assert buffer.getvalue() == ""
