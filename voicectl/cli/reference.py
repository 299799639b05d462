"""The CLI reference as Markdown, walked from the Typer app itself so it cannot drift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import typer.main

from voicectl.cli.lazy import subcommands

__all__ = [
    "CommandDoc",
    "cli_commands",
    "cli_reference_markdown",
    "command_pages",
    "generated_doc_pages",
]


@dataclass(frozen=True)
class OptionDoc:
    """One option or argument as ``--help`` shows it."""

    names: str
    help: str
    default: str
    required: bool


@dataclass(frozen=True)
class CommandDoc:
    """One runnable command (a leaf of the command tree), e.g. ``chaos ws-close``."""

    path: str
    usage: str
    help: str
    options: tuple[OptionDoc, ...]


def cli_commands(app: typer.Typer) -> list[CommandDoc]:
    """Every runnable command of ``app``, in the order ``--help`` lists them."""
    root = typer.main.get_command(app)
    return list(_walk(root, []))


def _walk(command: Any, path: list[str]) -> Iterator[CommandDoc]:
    children = subcommands(command)
    if children:
        for name, child in children.items():
            if not child.hidden:
                yield from _walk(child, [*path, name])
        return
    info_name = " ".join(["voicectl", *path])
    ctx = command.make_context(info_name, [], resilient_parsing=True)
    usage = command.get_usage(ctx).removeprefix("Usage: ").strip()
    options = tuple(_option(param, ctx) for param in command.get_params(ctx) if not param.hidden)
    yield CommandDoc(" ".join(path), usage, (command.help or "").strip(), options)


def _option(param: Any, ctx: Any) -> OptionDoc:
    is_option = param.param_type_name == "option"
    record = param.get_help_record(ctx) if is_option else None
    names = record[0] if record is not None else param.name.upper()
    default = param.default
    shown_default = is_option and param.show_default is not False
    shown = ""
    hidden = default is None or default is False or default == () or callable(default)
    if shown_default and not hidden:
        shown = _default_text(default)
    return OptionDoc(names, " ".join((param.help or "").split()), shown, bool(param.required))


def _default_text(default: object) -> str:
    if isinstance(default, list | tuple):
        return ", ".join(str(item) for item in default)
    if hasattr(default, "value"):
        return str(default.value)
    return str(default)


def command_pages(docs_dir: Path, paths: list[str]) -> dict[str, str]:
    """The page (relative to ``docs_dir``) that documents each command path, where one does.

    A page claims commands in its front matter (``commands: chaos stt-crash, chaos failover``);
    otherwise ``load`` is documented by ``commands/load.md``, and ``report show`` by
    ``commands/report-show.md`` or else by its group's page, ``commands/report.md``.
    """
    claimed: dict[str, str] = {}
    for page in sorted((docs_dir / "commands").glob("*.md")):
        for path in _front_matter_commands(page.read_text(encoding="utf-8")):
            claimed.setdefault(path, page.relative_to(docs_dir).as_posix())
    pages: dict[str, str] = {}
    for path in paths:
        own = f"commands/{path.replace(' ', '-')}.md"
        group = f"commands/{path.split()[0]}.md"
        if path in claimed:
            pages[path] = claimed[path]
        elif (docs_dir / own).is_file():
            pages[path] = own
        elif (docs_dir / group).is_file():
            pages[path] = group
    return pages


def _front_matter_commands(text: str) -> list[str]:
    if not text.startswith("---\n"):
        return []
    header = text[4 : text.find("\n---", 4)]
    for line in header.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "commands":
            return [" ".join(item.split()) for item in value.split(",") if item.strip()]
    return []


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cli_reference_markdown(app: typer.Typer, pages: dict[str, str]) -> str:
    """The reference page: per command its usage, help and options; ``pages`` links each path."""
    commands = cli_commands(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from the Typer app (`voicectl.cli.main.app`) when the site is built; "
        "`voicectl COMMAND --help` prints the same. Every command also takes the options each "
        "page describes in prose.",
        "",
        "| command | what it does | guide |",
        "|---|---|---|",
    ]
    for command in commands:
        anchor = command.path.replace(" ", "-")
        summary = command.help.split("\n\n")[0]
        page = pages.get(command.path, "")
        guide = f"[{page.removeprefix('commands/').removesuffix('.md')}](../{page})" if page else ""
        lines.append(f"| [`voicectl {command.path}`](#{anchor}) | {_cell(summary)} | {guide} |")
    for command in commands:
        anchor = command.path.replace(" ", "-")
        lines += ["", f"## voicectl {command.path} {{#{anchor}}}", ""]
        if command.path in pages:
            lines += [f"Guide: [{pages[command.path]}](../{pages[command.path]})", ""]
        lines += ["```", command.usage, "```", "", command.help, ""]
        lines += ["| option | description | default |", "|---|---|---|"]
        for option in command.options:
            names = f"`{_cell(option.names)}`" + (" (required)" if option.required else "")
            default = f"`{_cell(option.default)}`" if option.default else ""
            lines.append(f"| {names} | {_cell(option.help)} | {default} |")
    return "\n".join(lines) + "\n"


def generated_doc_pages(docs_dir: Path) -> dict[str, str]:
    """The pages under ``docs_dir`` generated from the code: the CLI reference, the catalogue."""
    from voicectl.checks.catalogue import check_catalogue_markdown
    from voicectl.cli.main import app

    pages = command_pages(docs_dir, [c.path for c in cli_commands(app)])
    return {
        "reference/cli.md": cli_reference_markdown(app, pages),
        "checks.md": check_catalogue_markdown(),
    }
