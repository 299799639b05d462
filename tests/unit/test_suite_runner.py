"""Running scenarios as subprocesses: parallelism, shared ports, hard deadlines, cancellation.

A stand-in interpreter plays ``python -m voicectl``: it writes a report (or not), sleeps, or
hangs, so these tests pin the runner's behaviour in a second or two each.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest

from voicectl.report import Verdict
from voicectl.suite import PlannedScenario, SuitePlan, SuiteSettings, run_scenarios
from voicectl.suite import runner as runner_module
from voicectl.suite.runner import ScenarioResult, scenario_argv

FAKE = """\
#!{python}
import json, os, signal, sys, time
from pathlib import Path
from voicectl.report import Report, check, write_json

args = sys.argv[3:]  # after "-m voicectl"
command = args[0]
report_path = Path(args[args.index("--json") + 1])
values = [a for a in args[1:] if not a.startswith("-")]
log = Path(os.environ["FAKE_LOG"])
with log.open("a") as f:
    f.write(json.dumps({{"cmd": command, "pid": os.getpid(), "start": time.time(),
                        "cwd": os.getcwd(), "args": args}}) + "\\n")
report = Report(command)

def partial(*_):
    report.interrupted = True
    report.finish()
    write_json(report, report_path)
    sys.exit(130)

if command == "pass":
    report.add_check(check("x.ok", "ok", True, "e", "o"))
elif command == "fail":
    report.add_check(check("x.bad", "bad", False, "e", "o"))
elif command == "sleep":
    time.sleep(float(args[args.index("--seconds") + 1]))
    report.add_check(check("x.slept", "slept", True, "e", "o"))
elif command == "hang":
    signal.signal(signal.SIGTERM, partial)
    report.add_check(check("x.early", "early", True, "e", "o"))
    while True:
        time.sleep(0.05)
elif command == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.05)
elif command == "crash":
    print("error: something broke", file=sys.stderr)
    sys.exit(2)
report.finish()
write_json(report, report_path)
sys.exit(int(report.exit_code))
"""


@pytest.fixture
def fake_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "fake-python"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(0o755)
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    return str(path)


def _scenario(
    index: int,
    command: str,
    *argv: str,
    kill_after_s: float = 30.0,
    resources: tuple[str, ...] = (),
) -> PlannedScenario:
    return PlannedScenario(
        index=index,
        name=f"s{index}",
        command=(command,),
        argv=argv,
        line=1,
        kill_after_s=kill_after_s,
        resources=resources,
    )


def _plan(tmp_path: Path, *scenarios: PlannedScenario) -> SuitePlan:
    return SuitePlan("suite.toml", tmp_path, SuiteSettings(), scenarios)


def _log(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]


async def _run(
    tmp_path: Path, python: str, *scenarios: PlannedScenario, jobs: int = 2
) -> list[ScenarioResult]:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    seen: list[ScenarioResult] = []
    results = await run_scenarios(
        _plan(tmp_path, *scenarios), jobs=jobs, work_dir=work, on_result=seen.append, python=python
    )
    assert seen == results
    return sorted(results, key=lambda r: r.scenario.index)


def test_the_subprocess_gets_the_report_options_and_then_the_scenario_argv() -> None:
    scenario = _scenario(0, "replay", "--rates", "8000", "--", "a.wav")
    argv = scenario_argv(scenario, Path("/tmp/r.json"), strict=True, python="py")
    assert argv == [
        "py",
        "-m",
        "voicectl",
        "replay",
        "--json",
        "/tmp/r.json",
        "--quiet",
        "--strict",
        "--rates",
        "8000",
        "--",
        "a.wav",
    ]


async def test_reports_are_loaded_and_scenarios_run_from_the_suite_directory(
    tmp_path: Path, fake_python: str
) -> None:
    passed, failed = await _run(tmp_path, fake_python, _scenario(0, "pass"), _scenario(1, "fail"))
    assert passed.exit_code == 0 and passed.report is not None
    assert passed.report.checks[0].verdict is Verdict.PASS
    assert failed.exit_code == 1 and failed.report is not None
    assert failed.report.checks[0].verdict is Verdict.FAIL
    assert {entry["cwd"] for entry in _log(tmp_path)} == {str(tmp_path)}


async def test_two_jobs_overlap_and_one_job_runs_in_turn(tmp_path: Path, fake_python: str) -> None:
    sleepers = [_scenario(i, "sleep", "--seconds", "1") for i in range(2)]
    start = time.monotonic()
    await _run(tmp_path, fake_python, *sleepers, jobs=2)
    parallel = time.monotonic() - start
    start = time.monotonic()
    await _run(tmp_path, fake_python, *sleepers, jobs=1)
    serial = time.monotonic() - start
    assert serial - parallel > 0.6, (parallel, serial)


async def test_scenarios_sharing_a_port_run_one_after_another(
    tmp_path: Path, fake_python: str
) -> None:
    shared = ("127.0.0.1:8765",)
    results = await _run(
        tmp_path,
        fake_python,
        _scenario(0, "sleep", "--seconds", "0.8", resources=shared),
        _scenario(1, "sleep", "--seconds", "0.8", resources=shared),
        jobs=2,
    )
    first, second = results
    assert second.started_s >= first.started_s + first.duration_s - 0.05


async def test_a_scenario_past_its_deadline_is_terminated_and_keeps_its_partial_report(
    tmp_path: Path, fake_python: str
) -> None:
    (result,) = await _run(tmp_path, fake_python, _scenario(0, "hang", kill_after_s=1.5))
    assert result.timed_out
    assert result.exit_code == 130
    assert result.report is not None and result.report.interrupted
    assert [c.id for c in result.report.checks] == ["x.early"]
    assert 1.4 < result.duration_s < 5


async def test_a_scenario_ignoring_sigterm_is_killed(
    tmp_path: Path, fake_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "TERM_GRACE_S", 0.5)
    (result,) = await _run(tmp_path, fake_python, _scenario(0, "stubborn", kill_after_s=1.0))
    assert result.timed_out and result.report is None
    assert result.exit_code == -9
    assert result.report_problem == "it wrote no report"


async def test_a_crashing_scenario_keeps_its_stderr(tmp_path: Path, fake_python: str) -> None:
    (result,) = await _run(tmp_path, fake_python, _scenario(0, "crash"))
    assert result.exit_code == 2 and result.report is None
    assert result.stderr_tail == "error: something broke"


async def test_a_missing_interpreter_is_reported_not_raised(tmp_path: Path) -> None:
    (result,) = await _run(tmp_path, str(tmp_path / "no-such-python"), _scenario(0, "pass"))
    assert result.exit_code is None
    assert result.report_problem is not None and "could not start" in result.report_problem


async def test_cancelling_the_suite_kills_every_running_scenario(
    tmp_path: Path, fake_python: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    task = asyncio.create_task(
        run_scenarios(
            _plan(tmp_path, _scenario(0, "stubborn"), _scenario(1, "hang")),
            jobs=2,
            work_dir=work,
            on_result=lambda _r: None,
            python=fake_python,
        )
    )
    for _ in range(100):
        await asyncio.sleep(0.1)
        if (tmp_path / "log.jsonl").exists() and len(_log(tmp_path)) == 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for entry in _log(tmp_path):
        with pytest.raises(ProcessLookupError):
            os.kill(entry["pid"], 0)


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        asyncio.run(
            run_scenarios(_plan(tmp_path), jobs=0, work_dir=tmp_path, on_result=lambda _r: None)
        )
