"""Merging scenario reports into one suite report: unique ids, problems as errors, worst exit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from voicectl.report import Check, ExitCode, Report, Verdict, render_junit
from voicectl.suite import PlannedScenario, add_result, add_unfinished, order_checks, scenario_table
from voicectl.suite.merge import ACCEPTED_NOTE
from voicectl.suite.runner import ScenarioResult


def _scenario(name: str, index: int = 0, accept: tuple[str, ...] = ()) -> PlannedScenario:
    return PlannedScenario(
        index=index,
        name=name,
        command=("chaos", "ws-close"),
        argv=(),
        line=1,
        kill_after_s=50.0,
        accept=accept,
    )


def _report(*verdicts: Verdict, harness_error: str | None = None) -> Report:
    report = Report("chaos ws-close")
    for i, verdict in enumerate(verdicts):
        report.add_check(Check(f"check.{i}", f"title {i}", verdict, "exp", "obs"))
    report.harness_error = harness_error
    report.log("fake", "opened", t=0.5, end=1.0)
    report.finish()
    return report


def _result(
    scenario: PlannedScenario,
    report: Report | None,
    exit_code: int | None = None,
    *,
    timed_out: bool = False,
    problem: str | None = None,
) -> ScenarioResult:
    if exit_code is None and report is not None and not timed_out:
        exit_code = int(report.exit_code)
    return ScenarioResult(
        scenario, 2.0, 3.0, exit_code, report, problem, "last stderr line", timed_out
    )


def _junit_counts(report: Report) -> tuple[int, int, int]:
    root = ET.fromstring(render_junit(report))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    return len(cases), failures, errors


def test_checks_are_prefixed_by_scenario_and_events_shifted_into_their_lanes() -> None:
    suite = Report("run")
    scenario = _scenario("close-1008")
    add_result(suite, _result(scenario, _report(Verdict.PASS, Verdict.FAIL)))
    assert [c.id for c in suite.checks] == ["close-1008/check.0", "close-1008/check.1"]
    assert suite.checks[1].title == "close-1008: title 1"
    assert suite.checks[1].verdict is Verdict.FAIL
    sources = {e.source for e in suite.events}
    assert sources == {"close-1008/fake", "close-1008"}
    bar = next(e for e in suite.events if e.kind == "scenario")
    assert bar.data["end"] == 5.0 and bar.data["verdict"] == "fail"
    assert suite.exit_code is ExitCode.CHECK_FAILED


def test_same_check_ids_in_two_scenarios_stay_unique_in_junit() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("a", 0), _report(Verdict.PASS, Verdict.FAIL)))
    add_result(suite, _result(_scenario("b", 1), _report(Verdict.PASS, Verdict.FAIL)))
    root = ET.fromstring(render_junit(suite))
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["a/check.0", "a/check.1", "b/check.0", "b/check.1"]
    assert _junit_counts(suite) == (4, 2, 0)


def test_a_passing_scenario_passes_the_suite() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("ok"), _report(Verdict.PASS, Verdict.SKIP, Verdict.WARN)))
    assert suite.exit_code is ExitCode.OK
    assert _junit_counts(suite) == (3, 0, 0)


def test_an_accepted_failure_becomes_a_warning_and_says_why() -> None:
    suite = Report("run")
    scenario = _scenario("c", accept=("check.1",))
    result = _result(scenario, _report(Verdict.PASS, Verdict.FAIL), exit_code=1)
    add_result(suite, result)
    accepted = suite.checks[1]
    assert accepted.verdict is Verdict.WARN
    assert accepted.detail == ACCEPTED_NOTE
    assert suite.exit_code is ExitCode.OK
    _, _, rows = scenario_table([scenario], [result])
    assert rows[0][2:5] == ["pass", 1, "1 pass, 1 warn (1 accepted)"]
    suite.strict = True
    assert suite.exit_code is ExitCode.CHECK_FAILED  # --strict: warnings fail
    _, _, rows = scenario_table([scenario], [result], strict=True)
    assert rows[0][2] == "fail"


def test_an_accept_entry_that_names_no_check_warns() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("c", accept=("check.typo",)), _report(Verdict.PASS)))
    (_, unused) = suite.checks
    assert unused.id == "c/suite.accept" and unused.verdict is Verdict.WARN
    assert "no check 'check.typo'" in unused.observed


def test_a_timed_out_scenario_is_an_error_with_its_partial_checks() -> None:
    suite = Report("run")
    partial = _report(Verdict.PASS)
    partial.interrupted = True
    add_result(suite, _result(_scenario("slow"), partial, exit_code=130, timed_out=True))
    harness = suite.checks[-1]
    assert harness.id == "slow/harness" and harness.verdict is Verdict.ERROR
    assert harness.observed.startswith("killed after 50 s")
    assert "partial report kept (1 checks)" in harness.observed
    assert suite.exit_code is ExitCode.HARNESS
    assert _junit_counts(suite) == (2, 0, 1)


def test_a_scenario_without_a_report_is_an_error_showing_its_stderr() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("crash"), None, exit_code=2, problem="it wrote no report"))
    (harness,) = suite.checks
    assert harness.observed == "exited with code 2; it wrote no report"
    assert harness.detail == "last stderr line"
    assert suite.exit_code is ExitCode.HARNESS


def test_a_scenario_that_could_not_start_is_an_error() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("x"), None, None, problem="could not start python: nope"))
    assert suite.checks[0].observed == "could not start python: nope"


def test_a_harness_error_in_a_scenario_report_is_an_error_check() -> None:
    suite = Report("run")
    add_result(
        suite,
        _result(_scenario("h"), _report(Verdict.PASS, harness_error="port in use\ntraceback..")),
    )
    harness = suite.checks[-1]
    assert harness.observed == "harness error: port in use"
    assert harness.detail == "traceback.."
    assert suite.exit_code is ExitCode.HARNESS


def test_an_exit_code_the_report_does_not_explain_is_an_error() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("odd"), _report(Verdict.PASS), exit_code=1))
    (_, mismatch) = suite.checks
    assert mismatch.id == "odd/exit_code" and mismatch.verdict is Verdict.ERROR
    assert mismatch.expected == "exit code 0, as its report says"
    assert mismatch.observed == "exited with code 1"


def test_a_report_without_checks_is_an_error() -> None:
    suite = Report("run")
    add_result(suite, _result(_scenario("empty"), _report()))
    assert suite.checks[0].observed == "its report has no checks"


def test_unfinished_scenarios_are_errors_and_the_table_lists_every_scenario() -> None:
    suite = Report("run")
    first, second = _scenario("a", 0), _scenario("b", 1)
    result = _result(first, _report(Verdict.PASS))
    add_result(suite, result)
    add_unfinished(suite, second, "the suite was stopped")
    assert suite.checks[-1].observed == "not finished: the suite was stopped"
    title, columns, rows = scenario_table([first, second], [result])
    assert title == "Scenarios" and columns[0] == "scenario"
    assert rows == [
        ["a", "chaos ws-close", "pass", 0, "1 pass", 3.0],
        ["b", "chaos ws-close", "not run", None, "", None],
    ]


def test_checks_are_put_back_in_file_order() -> None:
    suite = Report("run")
    a, ab = _scenario("a", 0), _scenario("a/b", 1)
    add_result(suite, _result(ab, _report(Verdict.PASS)))
    add_result(suite, _result(a, _report(Verdict.FAIL)))
    order_checks(suite, [a, ab])
    assert [c.id for c in suite.checks] == ["a/check.0", "a/b/check.0"]


_VERDICTS = st.sampled_from(list(Verdict))
_OUTCOMES = st.sampled_from(["ok", "timeout", "no-report", "harness", "mismatch"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.lists(_VERDICTS, max_size=4), _OUTCOMES), min_size=1, max_size=5),
    st.booleans(),
)
def test_junit_of_a_merged_suite_is_never_greener_than_its_exit_code(
    scenarios: list[tuple[list[Verdict], str]], strict: bool
) -> None:
    suite = Report("run", strict=strict)
    for index, (verdicts, outcome) in enumerate(scenarios):
        scenario = _scenario(f"s{index}", index)
        report = _report(*verdicts)
        if outcome == "ok":
            result = _result(scenario, report)
        elif outcome == "timeout":
            result = _result(scenario, report, exit_code=130, timed_out=True)
        elif outcome == "no-report":
            result = _result(scenario, None, exit_code=3, problem="it wrote no report")
        elif outcome == "harness":
            report.harness_error = "boom"
            result = _result(scenario, report)
        else:
            result = _result(scenario, report, exit_code=int(report.exit_code) + 1)
        add_result(suite, result)
    suite.finish()
    tests, failures, errors = _junit_counts(suite)
    failing = {Verdict.FAIL, Verdict.WARN} if strict else {Verdict.FAIL}
    # A run that judged no check (only skips) is an error with no failing check: JUnit adds one
    # "verdict" error testcase for it, so the XML is never greener than the exit code.
    unexplained = suite.exit_code is not ExitCode.OK and not any(
        c.verdict in failing or c.verdict is Verdict.ERROR for c in suite.checks
    )
    assert tests == len(suite.checks) + unexplained  # one testcase per check
    assert failures == sum(1 for c in suite.checks if c.verdict in failing)
    assert errors == sum(1 for c in suite.checks if c.verdict is Verdict.ERROR) + unexplained
    assert (failures + errors == 0) == (suite.exit_code is ExitCode.OK)
    if errors:
        assert suite.exit_code is ExitCode.HARNESS


def test_scenario_reports_round_trip_through_json(tmp_path: Path) -> None:
    from voicectl.report import load_json, write_json

    path = write_json(_report(Verdict.FAIL), tmp_path / "r.json")
    suite = Report("run")
    add_result(suite, _result(_scenario("j"), load_json(path)))
    assert suite.checks[0].id == "j/check.0"
    assert suite.exit_code is ExitCode.CHECK_FAILED


def test_run_clock_events_move_onto_the_suite_clock_and_call_clock_events_keep_their_time() -> None:
    sub = _report(Verdict.PASS)
    sub.log("call:order_status", "utterance", t=1.25, clock="call", end=2.0)
    suite = Report("run")
    add_result(suite, _result(_scenario("replay"), sub))
    opened = next(e for e in suite.events if e.kind == "opened")
    utterance = next(e for e in suite.events if e.kind == "utterance")
    assert opened.clock == "run" and opened.t > 0.5  # shifted by where the scenario started
    assert (utterance.clock, utterance.t, utterance.source) == (
        "call",
        1.25,
        "replay/call:order_status",
    )
