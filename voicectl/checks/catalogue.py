"""The check catalogue as Markdown, generated from the registry so it cannot drift."""

from __future__ import annotations

from voicectl.checks.registry import CheckSpec, all_specs

__all__ = ["catalogue_anchor", "check_catalogue_markdown"]


def catalogue_anchor(check_id: str) -> str:
    """The anchor of a check's entry in the catalogue page (``close-not_retried``)."""
    return check_id.replace(".", "-").replace("/", "-")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _entry(spec: CheckSpec) -> list[str]:
    lines = [
        "",
        f"## `{spec.id}` {{#{catalogue_anchor(spec.id)}}}",
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
    return lines


def check_catalogue_markdown() -> str:
    """Every registered check: what it expects, its bound and why, and the tests that pin it."""
    specs = list(all_specs())
    lines = [
        "# Check catalogue",
        "",
        f"Every check id voicectl can emit ({len(specs)}), generated from "
        "`voicectl/checks/registry/` when the site is built. A suite prefixes each id with its "
        "scenario (`<scenario>/<id>`). **Worst** is the verdict a check gives when its "
        "expectation is not met; a `warn` fails the run only under `--strict`. Each check names "
        "a test where it passes and one where it gives its worst verdict.",
        "",
        "| check | commands | expects | default bound | worst |",
        "|---|---|---|---|---|",
    ]
    for spec in specs:
        commands = ", ".join(f"`{c}`" for c in spec.commands)
        lines.append(
            f"| [`{spec.id}`](#{catalogue_anchor(spec.id)}) | {commands} | "
            f"{_cell(spec.expects)} | {_cell(spec.bound)} | {spec.worst} |"
        )
    for spec in specs:
        lines += _entry(spec)
    return "\n".join(lines) + "\n"
