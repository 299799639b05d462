"""MkDocs hook: the CLI reference and the check catalogue, generated from the code at build time.

``reference/cli.md`` is walked from the Typer app; ``checks.md`` from the check registry
(``voicectl/checks/registry.py``). Neither is a file in the repository, so neither can drift. A
hand-written page at either path is an error: document a command on its page under
``commands/``, and a check in the registry.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from voicectl.checks.catalogue import check_catalogue_markdown
from voicectl.cli.main import app
from voicectl.cli.reference import cli_commands, cli_reference_markdown, command_pages

log = logging.getLogger("mkdocs.hooks.reference")


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
