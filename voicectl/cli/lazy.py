"""Command groups that import a command's module only when that command is used.

Importing every command module pulls in Pipecat, FastAPI and aiohttp: seconds of CPU that
``voicectl --help``, a usage error or ``report show`` never need. A :class:`LazyGroup` lists
its commands from a table of :class:`LazyCommand` rows (name, module, attribute, one-line help;
the table is :mod:`voicectl.cli.command_table`), shows that help in ``--help`` without an import,
and imports a command's module when the command is run or its own help is shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
import typer.main
from typer._click import Command, Context, HelpFormatter  # typer >= 0.29 vendors Click
from typer._click.exceptions import UsageError
from typer.core import DEFAULT_MARKUP_MODE, MarkupMode, TyperCommand, TyperGroup
from typer.models import CommandInfo

__all__ = ["LazyCommand", "LazyGroup", "load_command", "subcommands"]


@dataclass(frozen=True)
class LazyCommand:
    """One command of a group: where its code is, and the line ``--help`` lists for it."""

    name: str
    module: str
    attribute: str
    """A command function, or a ``typer.Typer`` for a group of commands."""
    help: str
    """The first paragraph of the command's help on one line, as the group's ``--help`` shows it."""


def load_command(
    entry: LazyCommand,
    registry: typer.Typer | None = None,
    rich_markup_mode: MarkupMode = DEFAULT_MARKUP_MODE,
) -> Command:
    """Import ``entry``'s module and build its Click command.

    A function registered on ``registry`` (``@chaos_app.command(...)``) is built from that
    registration, so its name and settings are the module's own.
    """
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        return typer.main.get_group(target)
    registered = registry.registered_commands if registry is not None else []
    info = next((i for i in registered if i.callback is target), None)
    if info is None:
        info = CommandInfo(name=entry.name, callback=target)
    return typer.main.get_command_from_info(
        info, pretty_exceptions_short=True, rich_markup_mode=rich_markup_mode
    )


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from :attr:`table`, each imported on first use."""

    table: ClassVar[tuple[LazyCommand, ...]] = ()
    registry: ClassVar[typer.Typer | None] = None
    """The Typer app the table's command functions are registered on, if any."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._suggest, self.suggest_commands = self.suggest_commands, False  # see resolve_command
        self._listing = False
        self._entries = {entry.name: entry for entry in self.table}

    def list_commands(self, ctx: Context) -> list[str]:
        return [*self._entries, *(n for n in self.commands if n not in self._entries)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        loaded = self.commands.get(cmd_name)
        entry = self._entries.get(cmd_name)
        if loaded is not None or entry is None:
            return loaded
        if self._listing:  # the group's --help: the table's line, no import
            return TyperCommand(entry.name, help=entry.help)
        command = load_command(entry, self.registry, self.rich_markup_mode)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        with self._listing_only():
            super().format_help(ctx, formatter)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            names = self.list_commands(ctx) if self._suggest and args else []
            matches = get_close_matches(args[0], names) if names else []
            if matches:
                suggestions = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    @contextmanager
    def _listing_only(self) -> Iterator[None]:
        previous, self._listing = self._listing, True
        try:
            yield
        finally:
            self._listing = previous


def subcommands(group: Command) -> dict[str, Command]:
    """Every subcommand of ``group`` by name, in ``--help`` order, imported (empty for a leaf)."""
    list_commands = getattr(group, "list_commands", None)
    if list_commands is None:
        return {}
    ctx = Context(group, resilient_parsing=True)
    found = {name: group.get_command(ctx, name) for name in list_commands(ctx)}  # type: ignore[attr-defined]
    return {name: command for name, command in found.items() if command is not None}
