"""Commands are imported only when used, and the command table matches the command modules."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest
import typer.main
from typer._click import Context

import voicectl.cli
from voicectl.cli.chaos import ChaosGroup, chaos_app
from voicectl.cli.command_table import CHAOS_COMMANDS, ROOT_COMMANDS
from voicectl.cli.lazy import LazyCommand, load_command, subcommands
from voicectl.cli.main import app

_HEAVY = ("pipecat", "fastapi", "aiohttp", "uvicorn")

_HELP_AND_ERRORS = """
import sys
from voicectl.cli.main import app
for args in (["--help"], ["chaos", "--help"], ["bogus"], ["chaos", "nope"], ["chaos"]):
    try:
        app(args, prog_name="voicectl", standalone_mode=False)
    except BaseException:
        pass
heavy = [name for name in {heavy!r} if name in sys.modules]
commands = sorted(m for m in sys.modules if m.startswith("voicectl.cli.") and m.rsplit(".", 1)[1]
                  in {modules!r})
print(heavy, commands)
"""


def _first_paragraph(text: str | None) -> str:
    return inspect.cleandoc(text or "").split("\n\n")[0].replace("\n", " ").strip()


def test_help_and_usage_errors_import_no_command_module_nor_pipecat() -> None:
    modules = sorted({row.module.rsplit(".", 1)[1] for row in (*ROOT_COMMANDS, *CHAOS_COMMANDS)})
    modules.remove("chaos")  # the chaos group itself: a Typer app and its table
    script = _HELP_AND_ERRORS.format(heavy=_HEAVY, modules=modules)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] []"


def test_every_row_imports_its_command_with_the_help_line_listed() -> None:
    for row in ROOT_COMMANDS:
        command = load_command(row)
        assert command.name == row.name
        assert _first_paragraph(command.short_help or command.help) == row.help, row.name
    for row in CHAOS_COMMANDS:
        command = load_command(row, chaos_app)
        assert command.name == row.name, (
            f"{row.module}.{row.attribute} is registered as {command.name!r}"
        )
        assert _first_paragraph(command.help) == row.help, row.name


def test_every_chaos_command_a_module_registers_has_a_row() -> None:
    for module in pkgutil.iter_modules(voicectl.cli.__path__):
        if module.name.startswith("chaos_"):
            importlib.import_module(f"voicectl.cli.{module.name}")
    registered = {
        info.name: (info.callback.__module__, info.callback.__name__)
        for info in chaos_app.registered_commands
        if info.callback is not None
    }
    rows = {row.name: (row.module, row.attribute) for row in CHAOS_COMMANDS}
    assert registered == rows


def test_group_help_is_the_same_before_and_after_its_commands_are_imported() -> None:
    groups = (
        (typer.main.get_command(app), "voicectl", ROOT_COMMANDS),
        (ChaosGroup(name="chaos", help=chaos_app.info.help), "voicectl chaos", CHAOS_COMMANDS),
    )
    for group, name, rows in groups:
        ctx = Context(group, info_name=name)
        listed = group.get_help(ctx)
        assert set(subcommands(group)) == {row.name for row in rows}
        assert group.get_help(ctx) == listed


def test_a_row_naming_a_missing_command_fails_to_load() -> None:
    with pytest.raises(AttributeError, match="no_such_command"):
        load_command(LazyCommand("gone", "voicectl.cli.report", "no_such_command", ""))


def _leaves(group: object, path: tuple[str, ...] = ()) -> list[tuple[str, object]]:
    """Every leaf command under ``group`` with its full name."""
    found = []
    for name, command in subcommands(group).items():  # type: ignore[arg-type]
        if subcommands(command):
            found.extend(_leaves(command, (*path, name)))
        else:
            found.append((" ".join((*path, name)), command))
    return found


def test_every_command_that_writes_a_report_writes_all_four_formats() -> None:
    root = typer.main.get_command(app)
    leaves = _leaves(root)
    reporting = {
        name: {opt for p in command.params for opt in p.opts}  # type: ignore[attr-defined]
        for name, command in leaves
    }
    reporting = {name: opts for name, opts in reporting.items() if "--json" in opts}
    assert {"replay", "chaos ws-close", "chaos stall", "resample-check", "load"} <= set(reporting)
    missing = {
        name: sorted({"--junit", "--markdown", "--html"} - opts)
        for name, opts in reporting.items()
        if not {"--junit", "--markdown", "--html"} <= opts
    }
    assert missing == {}
