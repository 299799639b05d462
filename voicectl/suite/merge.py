"""Merge scenario reports into one suite report, never greener than any scenario.

Each scenario's checks are copied with ids ``<scenario>/<check id>`` and titles prefixed by
the scenario name, so JUnit testcase names stay unique across scenarios. Whatever kept a
scenario from reporting (it timed out, crashed, wrote no report, hit a harness error, or exited
with a code its report does not explain) becomes an ``error`` check ``<scenario>/harness`` or
``<scenario>/exit_code``; the suite's exit code is then the worst of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from voicectl.report import Check, Event, Report, Verdict
from voicectl.suite.model import PlannedScenario
from voicectl.suite.plan import GRACE_S
from voicectl.suite.runner import ScenarioResult

__all__ = [
    "ACCEPTED_NOTE",
    "add_result",
    "add_unfinished",
    "order_checks",
    "scenario_checks",
    "scenario_table",
    "scenario_verdict",
]

ACCEPTED_NOTE = "accepted by the suite's policy (accept): this failure is reported as a warning"
_RAN = "the scenario runs to completion and writes its report"


def scenario_checks(result: ScenarioResult) -> list[Check]:
    """A scenario's checks as the suite reports them: prefixed, accepted, its problems added."""
    checks = _checks(result.scenario, result.report) if result.report is not None else []
    return checks + _problems(result)


def scenario_verdict(result: ScenarioResult, *, strict: bool = False) -> str:
    """``pass``, ``fail`` or ``error`` for one scenario, after the suite's policy."""
    checks = scenario_checks(result)
    return Report(result.scenario.command_text, checks=checks, strict=strict).verdict.value


def add_result(report: Report, result: ScenarioResult) -> None:
    """Append one scenario's checks, problems and events to the suite report."""
    scenario = result.scenario
    sub = result.report
    report.extend_checks(scenario_checks(result))
    if sub is not None:
        offset = _offset(report, sub, result.started_s)
        for event in sub.events:
            # A call's clock stays the call's: only the run's clock moves to the suite's.
            t = event.t + offset if event.clock == "run" and math.isfinite(event.t) else event.t
            report.events.append(
                Event(t, f"{scenario.name}/{event.source}", event.kind, event.data, event.clock)
            )
    report.events.append(
        Event(
            result.started_s,
            scenario.name,
            "scenario",
            {
                "end": result.started_s + result.duration_s,
                "command": scenario.command_text,
                "verdict": scenario_verdict(result, strict=report.strict),
                "exit_code": result.exit_code,
            },
        )
    )


def add_unfinished(report: Report, scenario: PlannedScenario, reason: str) -> None:
    """A scenario the suite stopped before it finished (``--timeout``, interrupt)."""
    report.add_check(
        Check(
            f"{scenario.name}/harness",
            f"{scenario.name}: ran to completion",
            Verdict.ERROR,
            _RAN,
            f"not finished: {reason}",
        )
    )


def order_checks(report: Report, planned: Iterable[PlannedScenario]) -> None:
    """Put the checks in the suite file's scenario order (they arrive as scenarios finish)."""
    positions = {s.name: s.index for s in planned}
    names = sorted(positions, key=len, reverse=True)  # "a/b" before "a" when both exist

    def position(item: Check) -> int:
        for name in names:
            if item.id.startswith(f"{name}/"):
                return positions[name]
        return len(positions)

    report.checks.sort(key=position)


def scenario_table(
    planned: Iterable[PlannedScenario],
    results: Iterable[ScenarioResult],
    *,
    strict: bool = False,
) -> tuple[str, list[str], list[list[object]]]:
    """(title, columns, rows) of the per-scenario summary (after the policy), in file order."""
    by_index = {r.scenario.index: r for r in results}
    rows: list[list[object]] = []
    for scenario in planned:
        result = by_index.get(scenario.index)
        if result is None:
            rows.append([scenario.name, scenario.command_text, "not run", None, "", None])
            continue
        checks = scenario_checks(result)
        tally = Report(scenario.command_text, checks=checks).counts()
        counts = ", ".join(f"{n} {v}" for v, n in tally.items() if n)
        accepted = sum(1 for c in checks if c.detail.startswith(ACCEPTED_NOTE))
        if accepted:
            counts += f" ({accepted} accepted)"
        rows.append(
            [
                scenario.name,
                scenario.command_text,
                scenario_verdict(result, strict=strict),
                result.exit_code,
                counts,
                round(result.duration_s, 1),
            ]
        )
    return "Scenarios", ["scenario", "command", "verdict", "exit", "checks", "wall s"], rows


def _checks(scenario: PlannedScenario, sub: Report) -> list[Check]:
    accepted = set(scenario.accept)
    seen: set[str] = set()
    checks = []
    for item in sub.checks:
        verdict, detail = item.verdict, item.detail
        if item.id in accepted:
            seen.add(item.id)
            if verdict is Verdict.FAIL:
                verdict = Verdict.WARN
                detail = f"{ACCEPTED_NOTE}. {detail}".strip() if detail else ACCEPTED_NOTE
        title = f"{scenario.name}: {item.title}" if item.title else scenario.name
        checks.append(
            Check(
                f"{scenario.name}/{item.id}",
                title,
                verdict,
                item.expected,
                item.observed,
                detail,
                dict(item.metrics),
            )
        )
    for missing in scenario.accept:
        if missing not in seen:
            checks.append(
                Check(
                    f"{scenario.name}/suite.accept",
                    f"{scenario.name}: every accepted check id names a check",
                    Verdict.WARN,
                    f"a check {missing!r} in this scenario's report",
                    f"no check {missing!r}: the accept entry has no effect",
                    f"checks in this scenario: {', '.join(sorted({c.id for c in sub.checks}))}",
                )
            )
    return checks


def _problems(result: ScenarioResult) -> list[Check]:
    scenario, sub = result.scenario, result.report
    name = scenario.name

    def error(observed: str, detail: str = "", suffix: str = "harness") -> Check:
        title = f"{name}: ran to completion" if suffix == "harness" else f"{name}: exit code"
        expected = _RAN
        if suffix == "exit_code" and sub is not None:
            expected = f"exit code {int(sub.exit_code)}, as its report says"
        return Check(f"{name}/{suffix}", title, Verdict.ERROR, expected, observed, detail)

    tail = result.stderr_tail
    if result.exit_code is None and not result.timed_out:
        return [error(result.report_problem or "it could not be started")]
    if result.timed_out:
        kept = f"; partial report kept ({len(sub.checks)} checks)" if sub is not None else ""
        return [
            error(
                f"killed after {scenario.kill_after_s:.0f} s (its --timeout plus {GRACE_S:.0f} s)"
                + kept,
                tail,
            )
        ]
    if sub is None:
        return [error(f"exited with code {result.exit_code}; {result.report_problem}", tail)]
    problems = []
    if sub.harness_error is not None:
        first, _, rest = sub.harness_error.strip().partition("\n")
        problems.append(error(f"harness error: {first}", rest.strip()))
    elif sub.interrupted:
        problems.append(error("interrupted", tail))
    elif not sub.checks:
        problems.append(error("its report has no checks", tail))
    if result.exit_code != int(sub.exit_code):
        problems.append(error(f"exited with code {result.exit_code}", tail, "exit_code"))
    return problems


def _offset(report: Report, sub: Report, fallback: float) -> float:
    """Seconds from the suite's start to the scenario report's start."""
    try:
        delta = datetime.fromisoformat(sub.started_at) - datetime.fromisoformat(report.started_at)
    except (TypeError, ValueError):
        return fallback
    seconds = delta.total_seconds()
    return seconds if math.isfinite(seconds) and seconds >= 0 else fallback
