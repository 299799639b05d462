"""What a suite file holds, before and after its scenarios are checked against the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicectl.errors import InputError

__all__ = [
    "ACCEPT_KEY",
    "OPTION_POLICY_KEYS",
    "POLICY_KEYS",
    "PlannedScenario",
    "ScenarioSpec",
    "SuiteError",
    "SuitePlan",
    "SuiteSettings",
    "SuiteSpec",
]

# Policy keys that are command options: each applies to the commands that have ``--<key>``
# (underscores as dashes); ``voicectl run`` checks that, scenario by scenario.
OPTION_POLICY_KEYS = (
    "max_attempts",
    "surface_within",
    "expect",
    "switch_within",
    "answer_within",
    "clear_within",
    "release_within",
    "end_within",
)
# Check ids whose failure a team accepts: reported as ``warn`` (fails only under --strict).
ACCEPT_KEY = "accept"
POLICY_KEYS = (*OPTION_POLICY_KEYS, ACCEPT_KEY)


class SuiteError(InputError):
    """A suite file problem, reported as ``FILE:LINE: [scenario 'NAME': ]reason`` (exit 2)."""

    def __init__(self, source: str, line: int, reason: str, scenario: str | None = None) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        self.scenario = scenario
        where = f"scenario '{scenario}': " if scenario is not None else ""
        super().__init__(f"{source}:{line}: {where}{reason}")


@dataclass(frozen=True)
class SuiteSettings:
    """The ``[suite]`` table."""

    name: str | None = None
    jobs: int | None = None
    timeout_s: float | None = None
    strict: bool = False


@dataclass(frozen=True)
class ScenarioSpec:
    """One ``[[scenario]]`` as written: a command, its options and its policy overrides."""

    index: int  # 0-based position in the file
    name: str
    command: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SuiteSpec:
    """A parsed suite file; ``locate`` maps a key path to its line in the file."""

    source: str
    base_dir: Path
    settings: SuiteSettings
    policy: Mapping[str, Any]
    scenarios: tuple[ScenarioSpec, ...]
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict)
    prefix: tuple[str, ...] = ()

    def line_of(self, *path: str | int) -> int:
        """The line of ``path`` (e.g. ``("scenario", 2, "code")``), or of its nearest parent."""
        full = (*self.prefix, *path)
        while full:
            if full in self.lines:
                return self.lines[full]
            full = full[:-1]
        return 1

    def error(self, reason: str, *path: str | int, scenario: str | None = None) -> SuiteError:
        return SuiteError(self.source, self.line_of(*path), reason, scenario)


@dataclass(frozen=True)
class PlannedScenario:
    """A scenario checked against its command: the exact argv it will run with."""

    index: int
    name: str
    command: tuple[str, ...]
    argv: tuple[str, ...]
    line: int
    kill_after_s: float  # hard deadline: the command's own --timeout plus a grace period
    resources: tuple[str, ...] = ()  # host:port of a --url; scenarios sharing one run in turn
    accept: tuple[str, ...] = ()

    @property
    def command_text(self) -> str:
        return " ".join(self.command)


@dataclass(frozen=True)
class SuitePlan:
    """A validated suite, ready to run."""

    source: str
    base_dir: Path
    settings: SuiteSettings
    scenarios: tuple[PlannedScenario, ...]
