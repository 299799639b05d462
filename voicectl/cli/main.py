"""The ``voicectl`` command line."""

from __future__ import annotations

import typer

from voicectl import __version__
from voicectl.cli.bot import bot
from voicectl.cli.replay import replay

__all__ = ["app", "run"]

app = typer.Typer(
    name="voicectl",
    help="Diagnose and chaos-test real-time voice AI bots on telephony, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(replay)
app.command()(bot)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voicectl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Diagnose and chaos-test real-time voice AI bots on telephony, offline."""


def run() -> None:
    """Console-script entry point."""
    app()
