"""Options that cannot apply are usage errors (never ignored): reference-bot options with
``--url``, ``--caller-channel`` without a two-party recording."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from voicectl.errors import InputError

__all__ = ["reject_caller_channel", "reject_reference_bot_options"]


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


def reject_caller_channel(caller_channel: object, channels: Iterable[str | None]) -> None:
    """Raise :class:`InputError` when ``--caller-channel`` was given but none of the loaded
    recordings (their ``Audio.caller_channel``) is a two-party stereo recording."""
    if caller_channel is None:
        return
    if not any(channel in ("left", "right") for channel in channels):
        raise InputError(
            "--caller-channel applies to two-party stereo recordings, and none of the "
            "recordings is one (it would be ignored): drop --caller-channel"
        )
