"""Check a whole suite against the commands before anything runs, and plan each scenario's argv.

Policy precedence for a scenario: its own options, then its ``policy`` table, then the
suite's ``[policy]``. A policy key maps to the option of the same name (``max_attempts`` ->
``--max-attempts``) and only to the commands that have it; a scenario's own policy key that its
command does not take, or a ``[policy]`` key that no scenario can take, is an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from voicectl.errors import InputError
from voicectl.suite.commands import (
    CommandCatalog,
    CommandSpec,
    OptionProblem,
    build_argv,
    check_argv,
    dry_run,
)
from voicectl.suite.model import (
    ACCEPT_KEY,
    PlannedScenario,
    ScenarioSpec,
    SuitePlan,
    SuiteSpec,
)
from voicectl.suite.parse import suggest

__all__ = ["GRACE_S", "plan_suite", "select_scenarios"]

# Start-up, teardown and report writing on top of a command's own --timeout before it is killed.
GRACE_S = 20.0
_DEFAULT_TIMEOUT_S = 600.0
_BUDGET_MARGIN_S = 60.0  # provider chaos: --timeout defaults to --budget + 60

KeyPath = tuple[str | int, ...]


def plan_suite(spec: SuiteSpec, catalog: CommandCatalog, *, deep: bool = True) -> SuitePlan:
    """Every scenario's argv, checked by its command's parser (and, if ``deep``, its own checks)."""
    commands = [_command(spec, catalog, s) for s in spec.scenarios]
    _check_global_policy(spec, catalog, commands)
    planned = tuple(
        _plan(spec, catalog, scenario, command, deep=deep)
        for scenario, command in zip(spec.scenarios, commands, strict=True)
    )
    return SuitePlan(spec.source, spec.base_dir, spec.settings, planned)


def select_scenarios(plan: SuitePlan, names: Sequence[str]) -> SuitePlan:
    """Only the named scenarios (``--only``), in file order."""
    if not names:
        return plan
    known = [s.name for s in plan.scenarios]
    for name in names:
        if name not in known:
            raise InputError(
                f"--only {name!r}: no such scenario in {plan.source}{suggest(name, known)}; "
                f"scenarios: {', '.join(known)}"
            )
    wanted = set(names)
    chosen = tuple(s for s in plan.scenarios if s.name in wanted)
    return SuitePlan(plan.source, plan.base_dir, plan.settings, chosen)


def _command(spec: SuiteSpec, catalog: CommandCatalog, scenario: ScenarioSpec) -> CommandSpec:
    command = catalog.get(scenario.command)
    if command is None:
        text = " ".join(scenario.command)
        names = catalog.names()
        raise spec.error(
            f"unknown command {text!r}{suggest(text, names)}; a scenario runs one of: "
            + ", ".join(names),
            "scenario",
            scenario.index,
            "command",
            scenario=scenario.name,
        )
    return command


def _check_global_policy(
    spec: SuiteSpec, catalog: CommandCatalog, commands: Sequence[CommandSpec]
) -> None:
    for key in spec.policy:
        if key == ACCEPT_KEY or any(c.find(key) for c in commands):
            continue
        takers = catalog.with_option(key)
        raise spec.error(
            f"[policy] {key} applies to {', '.join(takers) or 'no command'} "
            "and no scenario in this suite runs one",
            "policy",
            key,
        )


def _plan(
    spec: SuiteSpec,
    catalog: CommandCatalog,
    scenario: ScenarioSpec,
    command: CommandSpec,
    *,
    deep: bool,
) -> PlannedScenario:
    where: dict[str, KeyPath] = {}  # option name -> where its value was written
    options: dict[str, Any] = {}
    for key, value in scenario.options.items():
        found = command.find(key)
        if found is not None:
            where[found[0].name] = ("scenario", scenario.index, key)
        options[key] = value

    def fail(reason: str, path: KeyPath) -> InputError:
        return spec.error(reason, *path, scenario=scenario.name)

    for key, value in scenario.policy.items():
        if key == ACCEPT_KEY:
            continue
        path: KeyPath = ("scenario", scenario.index, "policy", key)
        found = command.find(key)
        if found is None:
            takers = ", ".join(catalog.with_option(key)) or "no command"
            raise fail(
                f"policy key {key!r} does not apply to {command.text} (only to: {takers})", path
            )
        if found[0].name in where:
            raise fail(f"{key!r} is set both as an option and in the scenario's policy", path)
        where[found[0].name] = path
        options[key] = value
    for key, value in spec.policy.items():
        found = command.find(key) if key != ACCEPT_KEY else None
        if found is None or found[0].name in where:
            continue
        where[found[0].name] = ("policy", key)
        options[key] = value

    def blame(problem: OptionProblem) -> InputError:
        path: KeyPath = ("scenario", scenario.index)
        if problem.key is not None:
            found = command.find(problem.key)
            if found is not None and found[0].name in where:
                path = where[found[0].name]
            else:
                path = ("scenario", scenario.index, problem.key)
        return fail(problem.reason, path)

    while True:
        try:
            argv = build_argv(command, options)
            params = check_argv(command, argv)
            if deep:
                dry_run(command, argv, spec.base_dir)
            break
        except OptionProblem as problem:
            suite_wide = _suite_wide(problem, command, where)
            if suite_wide is None:
                raise blame(problem) from None
            # A [policy] bound for every command that has the option, refused by this one's own
            # checks (it cannot apply here, e.g. --end-within at --url): not this scenario's.
            key, name = suite_wide
            del options[key], where[name]

    accept = tuple(
        dict.fromkeys([*spec.policy.get(ACCEPT_KEY, ()), *scenario.policy.get(ACCEPT_KEY, ())])
    )
    return PlannedScenario(
        index=scenario.index,
        name=scenario.name,
        command=command.words,
        argv=tuple(argv),
        line=spec.line_of("scenario", scenario.index),
        kill_after_s=_command_timeout(params) + GRACE_S,
        resources=_resources(params),
        accept=accept,
    )


def _command_timeout(params: Mapping[str, Any]) -> float:
    timeout = _number(params.get("timeout"))
    if timeout is not None:
        return timeout
    budget = _number(params.get("budget"))
    if budget is not None:
        return budget + _BUDGET_MARGIN_S
    return _DEFAULT_TIMEOUT_S


def _resources(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``host:port`` a scenario's ``--url`` points at: scenarios sharing it run in turn."""
    url = params.get("url")
    if not isinstance(url, str) or not url:
        return ()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme in ("wss", "https") else 80)
    except ValueError:
        return (url,)
    return (f"{parts.hostname or ''}:{port}",)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _suite_wide(
    problem: OptionProblem, command: CommandSpec, where: dict[str, KeyPath]
) -> tuple[str, str] | None:
    """(key, option name) of the suite-wide ``[policy]`` value that ``problem`` (one of the
    command's own checks, past its parser) blames, or None."""
    if problem.key is None or not problem.by_command:
        return None
    found = command.find(problem.key)
    path = where.get(found[0].name) if found is not None else None
    if found is None or path is None or len(path) != 2 or path[0] != "policy":
        return None
    return str(path[1]), found[0].name
