"""MkDocs hook: the CLI reference and the check catalogue, generated from the code at build time.

``reference/cli.md`` is walked from the Typer app; ``checks.md`` from the check registry
(``voicectl/checks/registry.py``). Neither is a file in the repository, so neither can drift. A
hand-written page at either path is an error: document a command on its page under
``commands/``, and a check in the registry.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from voicectl.cli.main import app
from voicectl.cli.reference import cli_commands, cli_reference_markdown, command_pages

log = logging.getLogger("mkdocs.hooks.reference")

GENERATED = ("reference/cli.md", "checks.md")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def check_catalogue_markdown() -> str:
    """The check catalogue: every registered check id, what it expects, its bound and its tests."""
    try:
        registry: Any = importlib.import_module("voicectl.checks.registry")
    except ModuleNotFoundError:
        return (
            "# Check catalogue\n\n"
            "Generated from `voicectl/checks/registry.py`, which this build does not have yet. "
            "Each command page lists its checks meanwhile.\n"
        )
    specs = list(registry.all_specs())
    lines = [
        "# Check catalogue",
        "",
        f"Every check id voicectl can emit ({len(specs)}), generated from "
        "`voicectl/checks/registry.py` when the site is built. A suite prefixes each id with its "
        "scenario (`<scenario>/<id>`). **worst** is the verdict a check gives when its "
        "expectation is not met; a `warn` fails the run only under `--strict`. Every check has a "
        "test where it passes and one where it gives its worst verdict.",
        "",
        "| check | commands | expects | default bound | worst |",
        "|---|---|---|---|---|",
    ]
    for spec in specs:
        anchor = spec.id.replace(".", "-").replace("/", "-")
        commands = ", ".join(f"`{c}`" for c in spec.commands)
        lines.append(
            f"| [`{spec.id}`](#{anchor}) | {commands} | {_cell(spec.expects)} | "
            f"{_cell(spec.bound)} | {spec.worst} |"
        )
    for spec in specs:
        anchor = spec.id.replace(".", "-").replace("/", "-")
        lines += [
            "",
            f"## `{spec.id}` {{#{anchor}}}",
            "",
            f"**{spec.title}**",
            "",
            f"- **Expects:** {spec.expects}",
            f"- **Default bound:** {spec.bound}",
            f"- **Why that bound:** {spec.bound_why}",
            f"- **Commands:** {', '.join(f'`{c}`' for c in spec.commands)}",
            f"- **Worst verdict:** `{spec.worst}`",
        ]
        if spec.passes_in:
            lines.append(f"- **Passes in:** `{spec.passes_in}`")
        else:
            lines.append(f"- **Never passes:** {spec.never_passes_because}")
        lines.append(f"- **Gives `{spec.worst}` in:** `{spec.fails_in}`")
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages; a hand-written page at a generated path fails the build."""
    docs_dir = Path(config["docs_dir"])
    commands = cli_commands(app)
    pages = command_pages(docs_dir, [c.path for c in commands])
    for path in (c.path for c in commands):
        if path not in pages:
            log.warning("voicectl %s has no page under docs/commands/", path)
    generated = {
        "reference/cli.md": cli_reference_markdown(app, pages),
        "checks.md": check_catalogue_markdown(),
    }
    for uri, content in generated.items():
        existing = files.get_file_from_path(uri)
        if existing is not None:
            log.warning("docs/%s is generated from the code; remove the hand-written file", uri)
            files.remove(existing)
        files.append(File.generated(config, uri, content=content))
    return files
