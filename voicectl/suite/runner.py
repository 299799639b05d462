"""Run a suite's scenarios: one ``python -m voicectl`` subprocess each, with a hard deadline.

Every scenario binds its own ephemeral loopback ports, so scenarios run in parallel (``jobs`` at
a time); scenarios whose ``--url`` points at the same ``host:port`` run one after another. A
scenario past its deadline gets SIGTERM (voicectl then writes its partial report) and, 5 s
later, SIGKILL; a cancelled run kills what it started. Nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voicectl.errors import InputError
from voicectl.report import Report, load_json
from voicectl.suite.model import PlannedScenario, SuitePlan

__all__ = ["TERM_GRACE_S", "ScenarioResult", "SuiteProgress", "run_scenarios", "scenario_argv"]

TERM_GRACE_S = 5.0
_TAIL_LINES = 5
_TAIL_CHARS = 600


@dataclass
class ScenarioResult:
    """How one scenario ended, and its report if it wrote one."""

    scenario: PlannedScenario
    started_s: float  # from the start of the suite
    duration_s: float
    exit_code: int | None  # None: it could not be started
    report: Report | None
    report_problem: str | None = None  # why there is no report
    stderr_tail: str = ""
    timed_out: bool = False


class SuiteProgress(Protocol):
    """Told when each scenario starts and ends (the console's progress bar)."""

    def scenario_started(self, scenario: PlannedScenario) -> None: ...

    def scenario_finished(self, result: ScenarioResult) -> None: ...


def scenario_argv(
    scenario: PlannedScenario, report_path: Path, *, strict: bool, python: str = sys.executable
) -> list[str]:
    """The subprocess command line: the scenario's own argv plus the suite's report options."""
    extra = ["--json", str(report_path), "--quiet", *(["--strict"] if strict else [])]
    return [python, "-m", "voicectl", *scenario.command, *extra, *scenario.argv]


async def run_scenarios(
    plan: SuitePlan,
    *,
    jobs: int,
    work_dir: Path,
    on_result: Callable[[ScenarioResult], None],
    progress: SuiteProgress | None = None,
    strict: bool = False,
    python: str = sys.executable,
) -> list[ScenarioResult]:
    """Run every scenario of ``plan``; ``on_result`` sees each result as soon as it is known."""
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    slots = asyncio.Semaphore(jobs)
    locks = {r: asyncio.Lock() for s in plan.scenarios for r in s.resources}
    t0 = time.monotonic()
    results: list[ScenarioResult] = []

    async def one(scenario: PlannedScenario) -> None:
        async with contextlib.AsyncExitStack() as stack:
            for resource in sorted(scenario.resources):
                await stack.enter_async_context(locks[resource])
            await stack.enter_async_context(slots)
            if progress is not None:
                progress.scenario_started(scenario)
            result = await _run_one(plan, scenario, work_dir, t0, strict=strict, python=python)
        results.append(result)
        on_result(result)
        if progress is not None:
            progress.scenario_finished(result)

    tasks = [asyncio.create_task(one(s), name=f"scenario {s.name}") for s in plan.scenarios]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            if not task.done() and not task.cancelling():  # gather may have cancelled it already
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results


async def _run_one(
    plan: SuitePlan,
    scenario: PlannedScenario,
    work_dir: Path,
    t0: float,
    *,
    strict: bool,
    python: str,
) -> ScenarioResult:
    stem = f"{scenario.index + 1:02d}-{_slug(scenario.name)}"
    report_path = work_dir / f"{stem}.json"
    err_path = work_dir / f"{stem}.stderr.txt"
    report_path.unlink(missing_ok=True)
    argv = scenario_argv(scenario, report_path, strict=strict, python=python)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("FORCE_COLOR", None)
    started = time.monotonic()
    timed_out = False
    with err_path.open("wb") as err:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=plan.base_dir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,  # its own process group, killed as one
            )
        except OSError as exc:
            return ScenarioResult(
                scenario,
                started - t0,
                0.0,
                None,
                None,
                f"could not start {python}: {exc.strerror or exc}",
            )
        try:
            exit_code: int | None = await asyncio.wait_for(proc.wait(), scenario.kill_after_s)
        except TimeoutError:
            timed_out = True
            exit_code = await _stop(proc, TERM_GRACE_S)
        except asyncio.CancelledError:
            _signal(proc, signal.SIGKILL)
            await _stop(proc, 0.0)  # reap it
            raise
    duration = time.monotonic() - started
    report, problem = _load(report_path)
    return ScenarioResult(
        scenario,
        started - t0,
        duration,
        exit_code,
        report,
        problem,
        _tail(err_path),
        timed_out,
    )


async def _stop(proc: asyncio.subprocess.Process, grace_s: float) -> int | None:
    """SIGTERM the scenario's process group, SIGKILL it after ``grace_s``; its exit code."""
    if proc.returncode is None:
        if grace_s > 0:
            _signal(proc, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), grace_s)
        _signal(proc, signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), TERM_GRACE_S)
    return proc.returncode


def _signal(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the child's pid


def _load(path: Path) -> tuple[Report | None, str | None]:
    if not path.exists():
        return None, "it wrote no report"
    try:
        return load_json(path), None
    except InputError as exc:
        return None, f"its report is unreadable: {exc}"


def _tail(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-_TAIL_LINES:])[-_TAIL_CHARS:]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[:60] or "scenario"
