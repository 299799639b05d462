"""The commands a suite can run, read from the Typer app itself, and scenario options as argv.

A scenario's options are checked by the command's own parser (``make_context``: unknown
options, types, choices, ranges), then by the command's own input checks run in
:func:`~voicectl.validation.validate_only` mode, which stops each command just before it
would start anything. So a suite is judged by exactly the rules its commands apply.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer._click import Context  # typer >= 0.29 vendors Click

__all__ = [
    "REPORT_OPTIONS",
    "CommandCatalog",
    "CommandSpec",
    "OptionProblem",
    "OptionSpec",
    "build_argv",
    "check_argv",
    "dry_run",
]

# Set by ``voicectl run`` for every scenario, so a scenario may not set them.
REPORT_OPTIONS = frozenset({"json", "junit", "markdown", "html", "quiet", "verbose", "help"})
_SUITE_WIDE = frozenset({"strict"})
_RUNNABLE = (("replay",), ("resample-check",), ("call",), ("chaos", "*"))
_INVALID_VALUE = re.compile(r"^Invalid value for '([^']+)':\s*(?:Value error,\s*)?")


class OptionProblem(Exception):
    """A scenario option that its command rejects; ``key`` is None when no option is to blame.
    ``by_command``: rejected by the command's own checks, past its parser."""

    def __init__(self, key: str | None, reason: str, *, by_command: bool = False) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.by_command = by_command


@dataclass(frozen=True)
class OptionSpec:
    """One parameter of a command, as a suite key: ``code``, ``answer-within``, ``audio``."""

    name: str
    flags: tuple[str, ...]
    off_flags: tuple[str, ...]
    annotation: Any
    is_flag: bool
    is_argument: bool
    many: bool

    @property
    def key(self) -> str:
        long = [f for f in self.flags if f.startswith("--")]
        return long[0][2:] if long else self.name

    @property
    def takes_path(self) -> bool:
        return _is_path(self.annotation)

    @property
    def takes_text(self) -> bool:
        return self.annotation is str


@dataclass(frozen=True)
class CommandSpec:
    """A runnable command and its options."""

    words: tuple[str, ...]
    command: Any  # a click command built by Typer
    options: tuple[OptionSpec, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def find(self, key: str) -> tuple[OptionSpec, bool] | None:
        """The option a suite key names, and whether it names its "off" flag (``realtime``)."""
        wanted = _normal(key)
        for option in self.options:
            if _normal(option.key) == wanted or (
                option.is_argument and _normal(option.name) == wanted
            ):
                return option, False
            if any(_normal(f.lstrip("-")) == wanted for f in option.flags if f.startswith("--")):
                return option, False
            if any(_normal(f.lstrip("-")) == wanted for f in option.off_flags):
                return option, True
        return None

    def keys(self) -> list[str]:
        return [o.key for o in self.options if o.name not in REPORT_OPTIONS | _SUITE_WIDE]


class CommandCatalog:
    """Every command a suite may run (``replay``, ``resample-check``, ``chaos <fault>``)."""

    def __init__(self, root: Any) -> None:
        self._commands: dict[tuple[str, ...], CommandSpec] = {}
        for words, command in _leaves(root, ()):
            if any(_matches(words, pattern) for pattern in _RUNNABLE):
                self._commands[words] = CommandSpec(words, command, _options(command))

    @classmethod
    def from_app(cls, app: typer.Typer) -> CommandCatalog:
        return cls(typer.main.get_command(app))

    def get(self, words: Sequence[str]) -> CommandSpec | None:
        return self._commands.get(tuple(words))

    def names(self) -> list[str]:
        return [" ".join(words) for words in self._commands]

    def with_option(self, key: str) -> list[str]:
        """The commands that take option ``key``."""
        return [spec.text for spec in self._commands.values() if spec.find(key)]


def build_argv(spec: CommandSpec, options: Mapping[str, Any]) -> list[str]:
    """Scenario options (TOML values) as the command's argv; positionals go last, after ``--``."""
    flags: list[str] = []
    positional: list[str] = []
    seen: dict[str, str] = {}
    for key, value in options.items():
        found = spec.find(key)
        if found is None:
            raise OptionProblem(key, _unknown(spec, key))
        option, off = found
        if option.name in REPORT_OPTIONS:
            raise OptionProblem(
                key,
                f"'{key}' is set by voicectl run for every scenario "
                f"(pass --{key} to voicectl run instead)",
            )
        if option.name in _SUITE_WIDE:
            raise OptionProblem(
                key, f"'{key}' applies to the whole suite: use [suite] {key} = true or --{key}"
            )
        if option.name in seen:
            raise OptionProblem(key, f"'{key}' and '{seen[option.name]}' set the same option")
        seen[option.name] = key
        rendered = _render(option, off, key, value)
        (positional if option.is_argument else flags).extend(rendered)
    return [*flags, "--", *positional] if positional else flags


def check_argv(spec: CommandSpec, argv: Sequence[str]) -> dict[str, Any]:
    """Parse ``argv`` with the command's own parser; return its parameters or raise."""
    try:
        ctx = spec.command.make_context(spec.words[-1], list(argv))
    except typer.TyperException as exc:
        raise _problem(spec, exc) from None
    params = dict(ctx.params)
    ctx.close()
    return params


def dry_run(spec: CommandSpec, argv: Sequence[str], cwd: Path) -> None:
    """Run the command's own input checks without running it; raise what it would print."""
    from voicectl.validation import validate_only

    err = io.StringIO()
    code: int | None = 0
    with (
        validate_only(),
        contextlib.chdir(cwd),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        try:
            ctx = spec.command.make_context(spec.words[-1], list(argv))
            with ctx:
                spec.command.invoke(ctx)
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.TyperException as exc:
            raise _problem(spec, exc) from None
        except Exception as exc:  # a user factory that fails to import, say
            raise OptionProblem(None, f"{type(exc).__name__}: {exc}") from None
    if code:
        message = " ".join(err.getvalue().split()) or f"{spec.text} exited with code {code}"
        message = re.sub(r"^error:\s*", "", message)
        raise OptionProblem(_blamed_key(spec, argv, message), message, by_command=True)


def _leaves(command: Any, words: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    list_commands = getattr(command, "list_commands", None)
    if list_commands is None:
        yield words, command
        return
    ctx = Context(command, resilient_parsing=True)  # a lazy group imports each command here
    for name in list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None:
            yield from _leaves(sub, (*words, name))


def _matches(words: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return len(words) == len(pattern) and all(
        p in ("*", w) for w, p in zip(words, pattern, strict=True)
    )


def _options(command: Any) -> tuple[OptionSpec, ...]:
    options = []
    for param in command.params:
        is_argument = param.param_type_name == "argument"
        annotation = param.type_descriptor.annotation
        options.append(
            OptionSpec(
                name=param.name,
                flags=tuple(param.opts),
                off_flags=tuple(param.secondary_opts),
                annotation=annotation,
                is_flag=bool(getattr(param, "is_flag", False)),
                is_argument=is_argument,
                many=bool(param.multiple) or param.nargs == -1,
            )
        )
    return tuple(options)


def _render(option: OptionSpec, off: bool, key: str, value: Any) -> list[str]:
    if option.is_flag:
        if not isinstance(value, bool):
            raise OptionProblem(key, f"'{key}' takes true or false, not {_show(value)}")
        if value != off:  # the option's own flag is on
            return [option.flags[0]]
        return [option.off_flags[0]] if option.off_flags else []
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise OptionProblem(key, f"'{key}' takes {_kind(option)}, not {_show(item)}")
    texts = [repr(v) if isinstance(v, float) else str(v) for v in values]
    if option.is_argument:
        return texts
    if option.many:
        return [part for text in texts for part in (option.flags[0], text)]
    if isinstance(value, list):
        if not option.takes_text:
            raise OptionProblem(key, f"'{key}' takes one value, not a list")
        return [option.flags[0], ",".join(texts)]
    return [option.flags[0], texts[0]]


def _problem(spec: CommandSpec, exc: Exception) -> OptionProblem:
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    param = getattr(exc, "param", None)
    key: str | None = None
    if param is not None:
        key = next((o.key for o in spec.options if o.name == param.name), None)
    option_name = getattr(exc, "option_name", None)
    if key is None and option_name:
        found = spec.find(option_name.lstrip("-"))
        key = found[0].key if found else None
    match = _INVALID_VALUE.match(message)
    if match:
        message = f"'{key or match.group(1)}': {message[match.end() :]}"
    return OptionProblem(key, message.rstrip("."))


def _blamed_key(spec: CommandSpec, argv: Sequence[str], message: str) -> str | None:
    """The option a command's error message is about: the flag it names, else its value."""
    for flag in re.findall(r"--[a-z][a-z0-9-]*", message):
        found = spec.find(flag[2:])
        if found is not None:
            return found[0].key
    for key, value in _values(spec, argv):
        if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", message):
            return key
    return None


def _values(spec: CommandSpec, argv: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(key, value) for every value in an argv made by :func:`build_argv`."""
    argument = next((o for o in spec.options if o.is_argument), None)
    tokens = list(argv)
    if "--" in tokens:
        split = tokens.index("--")
        if argument is not None:
            yield from ((argument.key, value) for value in tokens[split + 1 :])
        tokens = tokens[:split]
    for flag, value in itertools.pairwise(tokens):
        found = spec.find(flag[2:]) if flag.startswith("--") else None
        if found is not None and not found[0].is_flag:
            yield found[0].key, value


def _unknown(spec: CommandSpec, key: str) -> str:
    from voicectl.suite.parse import suggest

    keys = spec.keys()
    return f"{spec.text} has no option '{key}'{suggest(_normal(key), keys)}; it takes: {', '.join(keys)}"


def _normal(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def _is_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    return any(_is_path(arg) for arg in typing.get_args(annotation))


def _kind(option: OptionSpec) -> str:
    annotation = option.annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(repr(m.value) for m in annotation)
    if annotation is int:
        return "an integer"
    if annotation is float:
        return "a number"
    if option.takes_path:
        return "a path"
    return "a string" + (" or a list" if option.takes_text else "")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
