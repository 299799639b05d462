"""``voicectl chaos FAULT``: inject a fault and judge the reaction.

Each fault family registers its subcommands on :data:`chaos_app` from its own module
(``chaos_provider``: provider WebSocket faults; ``chaos_conversation``: barge-in, hang-up,
carrier close; ...), so the families stay independent.
"""

from __future__ import annotations

import typer

__all__ = ["chaos_app"]

chaos_app = typer.Typer(
    name="chaos",
    help="Inject a fault (provider close codes, drops, stalls, barge-in, hang-up, ...) and judge the reaction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
