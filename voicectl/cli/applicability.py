"""Options that only apply to the reference bot are usage errors with ``--url`` (never ignored)."""

from __future__ import annotations

from collections.abc import Mapping

from voicectl.errors import InputError

__all__ = ["reject_reference_bot_options"]


def reject_reference_bot_options(url: str | None, given: Mapping[str, bool]) -> None:
    """Raise :class:`InputError` naming the first option in ``given`` set together with ``--url``.

    ``given`` maps an option name to whether the user set it.
    """
    if url is None:
        return
    for option, was_given in given.items():
        if was_given:
            raise InputError(
                f"{option} applies to the reference bot and cannot apply to the bot at --url "
                f"(it would be ignored): drop {option} or --url"
            )
