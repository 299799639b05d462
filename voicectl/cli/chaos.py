"""``voicectl chaos FAULT``: inject a fault and judge the reaction.

Each fault family registers its subcommands on :data:`chaos_app` from its own module
(``chaos_provider``: provider WebSocket faults; ``chaos_interrupt``, ``chaos_hangup``,
``chaos_carrier_close``: barge-in, hang-up, carrier close; ...), so the families stay independent. The group imports a family only when
one of its faults is run: :data:`voicectl.cli.command_table.CHAOS_COMMANDS` lists them.
"""

from __future__ import annotations

import typer
from typer._click import Command, Context  # typer >= 0.29 vendors Click

from voicectl.cli.command_table import CHAOS_COMMANDS
from voicectl.cli.lazy import LazyGroup

__all__ = ["ChaosGroup", "chaos_app"]


class ChaosGroup(LazyGroup):
    """``voicectl chaos``, whose unknown fault names are a one-line usage error (exit 2)."""

    table = CHAOS_COMMANDS

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not ctx.resilient_parsing and not cmd_name.startswith("-"):
            from voicectl.cli.common import fail_usage  # only on this error path

            known = ", ".join(sorted(self.list_commands(ctx)))
            raise fail_usage(f"unknown fault {cmd_name!r} (known: {known})")
        return command


chaos_app = typer.Typer(
    name="chaos",
    cls=ChaosGroup,
    help="Inject a fault (provider close codes, drops, stalls, barge-in, hang-up, ...) and judge the reaction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
ChaosGroup.registry = chaos_app
