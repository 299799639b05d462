"""The ``voicectl`` command line."""

from __future__ import annotations

import sys
import warnings

from loguru import logger

# Pipecat logs a banner (and DEBUG lines) through loguru as soon as it is imported; voicectl's
# console belongs to the verdict. ``--verbose`` turns Pipecat's log back on.
logger.remove()
warnings.filterwarnings("ignore", category=DeprecationWarning)

import typer  # noqa: E402
from typer._click.exceptions import (  # noqa: E402  (typer >= 0.29 vendors Click)
    ClickException,
    NoArgsIsHelpError,
    UsageError,
)

from voicectl import __version__  # noqa: E402
from voicectl.cli.command_table import ROOT_COMMANDS  # noqa: E402
from voicectl.cli.crash import save_traceback  # noqa: E402
from voicectl.cli.lazy import LazyGroup  # noqa: E402
from voicectl.errors import VoicectlError  # noqa: E402

__all__ = ["RootGroup", "app", "run"]


class RootGroup(LazyGroup):
    """``voicectl``: each command's module is imported only when that command is used."""

    table = ROOT_COMMANDS


app = typer.Typer(
    name="voicectl",
    cls=RootGroup,
    help="Diagnose and chaos-test real-time voice AI bots on telephony, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voicectl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Diagnose and chaos-test real-time voice AI bots on telephony, offline."""


def run() -> None:
    """Console-script entry point: a usage error is one line on stderr and exit code 2."""
    try:
        result = app(prog_name="voicectl", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        assert exc.ctx is not None
        typer.echo(exc.ctx.get_help())
        sys.exit(exc.exit_code)
    except UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split()).rstrip(".")
        typer.echo(f"error: {message}{hint}", err=True)
        sys.exit(2)
    except ClickException as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except VoicectlError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a voicectl bug: one line and where the traceback went, exit 3
        saved = save_traceback(exc)
        typer.echo(
            f"error: voicectl failed unexpectedly ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}); full traceback saved to {saved}",
            err=True,
        )
        sys.exit(3)
    sys.exit(result if isinstance(result, int) else 0)
