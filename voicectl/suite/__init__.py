"""Suites: scenarios (a voicectl command with its options and policy) run together for CI.

:func:`load_suite` parses a suite file, :func:`plan_suite` checks every scenario against its
command before anything runs, :func:`run_scenarios` runs them as subprocesses with hard
deadlines, and :func:`add_result` merges each scenario's report into one suite report.
"""

from voicectl.suite.commands import CommandCatalog
from voicectl.suite.merge import add_result, add_unfinished, order_checks, scenario_table
from voicectl.suite.model import (
    POLICY_KEYS,
    PlannedScenario,
    ScenarioSpec,
    SuiteError,
    SuitePlan,
    SuiteSettings,
    SuiteSpec,
)
from voicectl.suite.parse import load_suite, parse_suite
from voicectl.suite.plan import plan_suite, select_scenarios
from voicectl.suite.runner import ScenarioResult, SuiteProgress, run_scenarios

__all__ = [
    "POLICY_KEYS",
    "CommandCatalog",
    "PlannedScenario",
    "ScenarioResult",
    "ScenarioSpec",
    "SuiteError",
    "SuitePlan",
    "SuiteProgress",
    "SuiteSettings",
    "SuiteSpec",
    "add_result",
    "add_unfinished",
    "load_suite",
    "order_checks",
    "parse_suite",
    "plan_suite",
    "run_scenarios",
    "scenario_table",
    "select_scenarios",
]
