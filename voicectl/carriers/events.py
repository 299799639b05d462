"""What a bot can send to a carrier, as parsed by a carrier session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BotClear", "BotEvent", "BotMalformed", "BotMark", "BotMedia", "BotOther"]


@dataclass(frozen=True)
class BotMedia:
    """Audio for the caller, still wire-encoded (mu-law, A-law or 16-bit PCM)."""

    payload: bytes


@dataclass(frozen=True)
class BotMark:
    """A named point in the bot's audio; the carrier echoes it once the audio before it played."""

    name: str


@dataclass(frozen=True)
class BotClear:
    """The bot asks the carrier to drop the audio it has buffered (barge-in)."""


@dataclass(frozen=True)
class BotOther:
    """A well-formed message that is neither audio, mark nor clear (e.g. Plivo ``sendDTMF``)."""

    event: str
    message: dict[str, Any]


@dataclass(frozen=True)
class BotMalformed:
    """A message the carrier would reject; ``raw`` is the message exactly as received."""

    reason: str
    raw: str | bytes


BotEvent = BotMedia | BotMark | BotClear | BotOther | BotMalformed
