"""Import every chaos fault family so its subcommands register on ``chaos_app``."""

from __future__ import annotations

import importlib

__all__: list[str] = []

for _family in (
    "chaos_provider",
    "chaos_conversation",
    "chaos_caller",
    "chaos_service",
    "chaos_slow_reader",
):
    try:
        importlib.import_module(f"voicectl.cli.{_family}")
    except ModuleNotFoundError as exc:
        if exc.name != f"voicectl.cli.{_family}":
            raise
