"""MkDocs hook: the CLI reference and the check catalogue, generated from the code at build time.

``reference/cli.md`` is walked from the Typer app; ``checks.md`` from the check registry
(``voicectl/checks/registry/``). Both are also committed, so that README.md can link to them on
GitHub: the build fails when a committed copy differs from what the code generates (a hand edit,
or a command, option or check changed without regenerating). Regenerate them with
``python docs/_hooks/reference.py``; document a command on its page under ``commands/``, and a
check in the registry.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from voicectl.cli.main import app
from voicectl.cli.reference import cli_commands, command_pages, generated_doc_pages

log = logging.getLogger("mkdocs.hooks.reference")


def on_files(files: Files, config: Any) -> Files:
    """Serve the generated pages; a committed copy that differs from them fails the build."""
    docs_dir = Path(config["docs_dir"])
    commands = [c.path for c in cli_commands(app)]
    pages = command_pages(docs_dir, commands)
    for path in commands:
        if path not in pages:
            log.warning("voicectl %s has no page under docs/commands/", path)
    for uri, content in generated_doc_pages(docs_dir).items():
        committed = docs_dir / uri
        if not committed.exists() or committed.read_text(encoding="utf-8") != content:
            log.warning("docs/%s is stale: regenerate it with python docs/_hooks/reference.py", uri)
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, content=content))
    return files


if __name__ == "__main__":
    docs = Path(__file__).resolve().parents[1]
    for uri, content in generated_doc_pages(docs).items():
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        (docs / uri).write_text(content, encoding="utf-8")
        print(f"wrote docs/{uri}")
