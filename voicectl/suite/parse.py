"""Suite files: TOML (or ``[tool.voicectl]`` in a pyproject.toml) to a :class:`SuiteSpec`.

Sans-I/O apart from :func:`load_suite`. ``tomllib`` keeps no positions, so :func:`key_lines`
scans the text for table headers and ``key =`` lines to name the line of every problem.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voicectl.suite.model import (
    ACCEPT_KEY,
    POLICY_KEYS,
    ScenarioSpec,
    SuiteError,
    SuiteSettings,
    SuiteSpec,
)

__all__ = ["PYPROJECT_TABLE", "key_lines", "load_suite", "parse_suite", "suggest"]

PYPROJECT_TABLE = ("tool", "voicectl")
_TOP_KEYS = ("suite", "policy", "scenario")
_SUITE_KEYS = ("name", "jobs", "timeout", "strict")
_MAX_JOBS = 64
_MAX_NAME = 80

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[|\[)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_PARTS = re.compile(_PART)


def load_suite(path: str | Path) -> SuiteSpec:
    """Read a suite file; ``pyproject.toml`` is read from its ``[tool.voicectl]`` table."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise SuiteError(str(source), 1, "no such suite file") from None
    except OSError as exc:
        raise SuiteError(str(source), 1, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SuiteError(str(source), 1, "not a UTF-8 text file") from None
    prefix = PYPROJECT_TABLE if source.name == "pyproject.toml" else ()
    return parse_suite(text, str(source), base_dir=source.resolve().parent, prefix=prefix)


def parse_suite(
    text: str, source: str, *, base_dir: Path, prefix: tuple[str, ...] = ()
) -> SuiteSpec:
    """Parse and structurally check a suite (commands and options are checked later)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, reason = _toml_error(str(exc), text)
        raise SuiteError(source, line, f"invalid TOML: {reason}") from None
    lines = key_lines(text)
    for part in prefix:
        table = data.get(part)
        if not isinstance(table, dict):
            where = "[" + ".".join(prefix) + "]"
            raise SuiteError(source, 1, f"no {where} table: nothing to run")
        data = table
    spec = SuiteSpec(
        source=source,
        base_dir=base_dir,
        settings=SuiteSettings(),
        policy={},
        scenarios=(),
        lines=lines,
        prefix=prefix,
    )
    for key in data:
        if key not in _TOP_KEYS:
            raise spec.error(f"unknown table or key {key!r}{suggest(key, _TOP_KEYS)}", key)
    settings = _settings(spec, data.get("suite", {}))
    policy = _policy(spec, data.get("policy", {}), ("policy",), None)
    raw_scenarios = data.get("scenario")
    if raw_scenarios is None:
        raise spec.error("no [[scenario]] to run")
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        raise spec.error("'scenario' must be a list of tables ([[scenario]])", "scenario")
    scenarios = _scenarios(spec, raw_scenarios)
    return SuiteSpec(
        source=source,
        base_dir=base_dir,
        settings=settings,
        policy=policy,
        scenarios=scenarios,
        lines=lines,
        prefix=prefix,
    )


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """1-based line of every table header and ``key =`` line, by full key path.

    An array-of-tables element is addressed by its 0-based index: the third ``[[scenario]]``
    and its ``code = 1008`` are ``("scenario", 2)`` and ``("scenario", 2, "code")``. Lines
    inside multi-line strings may be mistaken for keys; that only affects which line an error
    names.
    """
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    base: tuple[str | int, ...] = ()
    for number, line in enumerate(_toml_lines(text), start=1):
        header = _HEADER.match(line)
        if header:
            names = _split(header.group(2))
            if header.group(1) == "[[":
                counts[tuple(names)] = counts.get(tuple(names), -1) + 1
                base = (*_resolve(names[:-1], counts), names[-1], counts[tuple(names)])
            else:
                base = _resolve(names, counts)
            lines.setdefault(base, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*base, *_split(key.group(1))), number)
    return lines


def suggest(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for a close match, else empty."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _resolve(names: list[str], counts: Mapping[tuple[str, ...], int]) -> tuple[str | int, ...]:
    """A header's path with the current index of every array-of-tables on the way."""
    path: list[str | int] = []
    for i, name in enumerate(names):
        path.append(name)
        index = counts.get(tuple(names[: i + 1]))
        if index is not None:
            path.append(index)
    return tuple(path)


def _split(dotted: str) -> list[str]:
    parts = []
    for match in _PARTS.finditer(dotted):
        part = match.group(0)
        if part[:1] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return parts


def _toml_lines(text: str) -> list[str]:
    """The file's lines as TOML counts them: only LF (or CRLF) ends a line, so a U+0085 or
    U+2028 inside a string does not shift the line numbers (``str.splitlines`` would)."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _toml_error(message: str, text: str) -> tuple[int, str]:
    match = re.search(r"\(at line (\d+), column \d+\)", message)
    if match:
        return int(match.group(1)), message[: match.start()].strip()
    match = re.search(r"\(at end of document\)", message)
    if match:
        return max(1, len(_toml_lines(text))), message[: match.start()].strip() + " at end of file"
    return 1, message


def _settings(spec: SuiteSpec, raw: Any) -> SuiteSettings:
    if not isinstance(raw, dict):
        raise spec.error("[suite] must be a table", "suite")
    for key in raw:
        if key not in _SUITE_KEYS:
            raise spec.error(
                f"unknown [suite] key {key!r}{suggest(key, _SUITE_KEYS)}; "
                f"known: {', '.join(_SUITE_KEYS)}",
                "suite",
                key,
            )
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise spec.error("[suite] name must be a non-empty string", "suite", "name")
    jobs = raw.get("jobs")
    if jobs is not None and (
        not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= _MAX_JOBS
    ):
        raise spec.error(f"[suite] jobs must be an integer 1..{_MAX_JOBS}", "suite", "jobs")
    timeout = raw.get("timeout")
    if timeout is not None and not _positive_number(timeout):
        raise spec.error("[suite] timeout must be a positive number of seconds", "suite", "timeout")
    strict = raw.get("strict", False)
    if not isinstance(strict, bool):
        raise spec.error("[suite] strict must be true or false", "suite", "strict")
    return SuiteSettings(
        name=name.strip() if isinstance(name, str) else None,
        jobs=jobs,
        timeout_s=float(timeout) if timeout is not None else None,
        strict=strict,
    )


def _policy(
    spec: SuiteSpec, raw: Any, path: tuple[str | int, ...], scenario: str | None
) -> dict[str, Any]:
    label = "[policy]" if scenario is None else "policy"
    if not isinstance(raw, dict):
        raise spec.error(f"{label} must be a table", *path, scenario=scenario)
    policy: dict[str, Any] = {}
    for key, value in raw.items():
        canonical = key.replace("-", "_")
        if canonical not in POLICY_KEYS:
            raise spec.error(
                f"unknown policy key {key!r}{suggest(canonical, POLICY_KEYS)}; "
                f"known: {', '.join(POLICY_KEYS)}",
                *path,
                key,
                scenario=scenario,
            )
        if canonical in policy:
            raise spec.error(f"policy key {key!r} given twice", *path, key, scenario=scenario)
        if canonical == ACCEPT_KEY:
            value = _accept(spec, value, (*path, key), scenario)
        elif isinstance(value, dict | list):
            raise spec.error(
                f"policy key {key!r} takes one value, not a {_toml_type(value)}",
                *path,
                key,
                scenario=scenario,
            )
        policy[canonical] = value
    return policy


def _accept(
    spec: SuiteSpec, value: Any, path: tuple[str | int, ...], scenario: str | None
) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
        isinstance(item, str) and re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+", item)
        for item in items
    ):
        raise spec.error(
            'accept must be a list of check ids such as "close.not_retried"',
            *path,
            scenario=scenario,
        )
    return tuple(items)


def _scenarios(spec: SuiteSpec, raw: list[Any]) -> tuple[ScenarioSpec, ...]:
    scenarios: list[ScenarioSpec] = []
    names: dict[str, int] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise spec.error("each scenario must be a table ([[scenario]])", "scenario", index)
        explicit = item.get("name")
        if explicit is not None:
            if not isinstance(explicit, str) or not explicit.strip():
                raise spec.error("name must be a non-empty string", "scenario", index, "name")
            if len(explicit) > _MAX_NAME or any(ord(ch) < 32 for ch in explicit):
                raise spec.error(
                    f"name must be one line of at most {_MAX_NAME} characters",
                    "scenario",
                    index,
                    "name",
                )
        command = _command(spec, item, index, explicit)
        name = explicit.strip() if explicit else _default_name(command, names)
        if name in names:
            raise spec.error(
                f"duplicate scenario name {name!r} (also scenario {names[name] + 1}); "
                "names make the report's check ids unique",
                "scenario",
                index,
                "name",
            )
        names[name] = index
        policy = _policy(spec, item.get("policy", {}), ("scenario", index, "policy"), name)
        options = {k: v for k, v in item.items() if k not in ("name", "command", "policy")}
        scenarios.append(ScenarioSpec(index, name, command, options, policy))
    return tuple(scenarios)


def _command(
    spec: SuiteSpec, item: dict[str, Any], index: int, name: str | None
) -> tuple[str, ...]:
    label = name.strip() if name else f"#{index + 1}"
    raw = item.get("command")
    if raw is None:
        raise spec.error(
            "missing 'command' (e.g. command = \"chaos ws-close\")",
            "scenario",
            index,
            scenario=label,
        )
    words = raw.split() if isinstance(raw, str) else raw
    if (
        not isinstance(words, list)
        or not words
        or not all(isinstance(w, str) and w.strip() for w in words)
    ):
        raise spec.error(
            "'command' must be a string such as \"chaos ws-close\"",
            "scenario",
            index,
            "command",
            scenario=label,
        )
    words = [w.strip() for w in words]
    if words[0] == "voicectl":
        words = words[1:]
    if not words:
        raise spec.error("'command' names no command", "scenario", index, "command", scenario=label)
    return tuple(words)


def _default_name(command: tuple[str, ...], taken: Mapping[str, int]) -> str:
    base = "-".join(command)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def _positive_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _toml_type(value: Any) -> str:
    return "table" if isinstance(value, dict) else "list"
