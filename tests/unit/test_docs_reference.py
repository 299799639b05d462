"""The docs cover the code: every command has a page, the generated reference lists every option."""

from __future__ import annotations

import re
from pathlib import Path

from voicectl.cli.main import app
from voicectl.cli.reference import cli_commands, cli_reference_markdown, command_pages

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_every_command_has_a_page_under_docs_commands() -> None:
    paths = [command.path for command in cli_commands(app)]
    pages = command_pages(DOCS, paths)
    assert [path for path in paths if path not in pages] == []


def test_the_cli_reference_lists_every_command_and_option_the_app_has() -> None:
    commands = cli_commands(app)
    reference = cli_reference_markdown(app, command_pages(DOCS, [c.path for c in commands]))
    for command in commands:
        assert f"## voicectl {command.path} " in reference
        assert command.options, command.path
    section = reference[reference.index("## voicectl chaos ws-close ") :]
    section = section[: section.index("\n## ")]
    assert "`--code <int>`" in section and "| `1008` |" in section
    assert "(../commands/chaos.md)" in section


def test_a_page_claims_commands_in_its_front_matter(tmp_path: Path) -> None:
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "faults.md").write_text("---\ncommands: chaos a,  chaos b\n---\n# x\n")
    (tmp_path / "commands" / "chaos-c.md").write_text("# c\n")
    (tmp_path / "commands" / "report.md").write_text("# report\n")
    pages = command_pages(tmp_path, ["chaos a", "chaos b", "chaos c", "chaos d", "report show"])
    assert pages == {
        "chaos a": "commands/faults.md",
        "chaos b": "commands/faults.md",
        "chaos c": "commands/chaos-c.md",
        "report show": "commands/report.md",
    }


def test_every_relative_link_in_the_readme_resolves_to_a_file() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    relative = [link for link in links if "://" not in link]
    assert relative, "the README links into docs/"
    assert [link for link in relative if not (ROOT / link).exists()] == []


def test_the_committed_cli_reference_and_check_catalogue_are_what_the_code_generates() -> None:
    from voicectl.cli.reference import generated_doc_pages

    stale = [
        uri
        for uri, content in generated_doc_pages(DOCS).items()
        if not (DOCS / uri).is_file() or (DOCS / uri).read_text(encoding="utf-8") != content
    ]
    assert stale == [], "regenerate them: python docs/_hooks/reference.py"


def test_the_readme_stays_short_and_keeps_the_quickstart() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert "\n## Quickstart\n" in readme
    for page in (
        "concepts/sidecar.md",
        "concepts/exit-codes.md",
        "guides/own-bot.md",
        "reference/cli.md",
        "checks.md",
    ):
        assert f"(docs/{page})" in readme, page


def test_the_check_catalogue_has_an_entry_for_every_registered_check_with_its_tests() -> None:
    from voicectl.checks.catalogue import catalogue_anchor, check_catalogue_markdown
    from voicectl.checks.registry import CHECKS

    catalogue = check_catalogue_markdown()
    assert CHECKS
    for check_id, spec in CHECKS.items():
        entry = catalogue[catalogue.index(f"## `{check_id}` {{#{catalogue_anchor(check_id)}}}") :]
        entry = entry[: entry.find("\n## ", 1)]
        assert spec.expects.split()[0] in entry and f"`{spec.fails_in}`" in entry, check_id
        assert (f"`{spec.passes_in}`" if spec.passes_in else spec.never_passes_because) in entry


def test_every_compact_spec_the_faults_page_shows_parses() -> None:
    from voicectl.faults.spec import parse_fault_spec

    page = (DOCS / "concepts" / "faults.md").read_text()
    table = page[page.index("| spec | means |") :].split("\n\n")[0]
    specs = [row.split("`")[1] for row in table.splitlines()[2:]]
    assert len(specs) == 5
    for spec in specs:
        fault, _selector = parse_fault_spec(spec)
        assert fault.name == spec.split(":")[0]


def test_the_policy_page_lists_the_close_codes_the_policy_classifies() -> None:
    from voicectl.checks.policy import NON_RECOVERABLE_CLOSE_CODES, RECOVERABLE_CLOSE_CODES

    page = (DOCS / "concepts" / "policy.md").read_text()
    table = page[page.index("| close or status | class |") :].split("\n\n")[0]
    rows = {row.split("|")[2].strip(): row.split("|")[1] for row in table.splitlines()[2:]}
    assert set(rows) == {"non-recoverable", "recoverable", "normal", "private"}
    codes = {name: {int(c) for c in re.findall(r"\b1\d{3}\b", cell)} for name, cell in rows.items()}
    assert codes["non-recoverable"] == NON_RECOVERABLE_CLOSE_CODES
    assert codes["recoverable"] == RECOVERABLE_CLOSE_CODES
    assert codes["normal"] == {1000}
