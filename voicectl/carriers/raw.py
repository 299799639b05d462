"""Raw audio: binary frames of 16-bit PCM LE both ways, no control messages at all."""

from __future__ import annotations

import json
from typing import Any

from voicectl.carriers.events import BotEvent, BotMalformed, BotMedia, BotOther
from voicectl.carriers.identity import CarrierName, WireEncoding
from voicectl.carriers.session import CarrierSession, Message
from voicectl.errors import InputError

__all__ = ["RawSession"]


class RawSession(CarrierSession):
    """A bare audio WebSocket: each binary frame is mono 16-bit PCM LE at any fixed rate.

    There is no handshake, DTMF, mark or hang-up message: ``open_messages`` and
    ``stop_messages`` are empty (the client just connects, and closes the socket to hang up),
    and ``dtmf_message``/``mark_message`` raise ``InputError``.
    """

    name = CarrierName.RAW
    encodings = (WireEncoding.PCM16,)
    sample_rates = None
    has_dtmf = False
    has_marks = False

    def open_messages(self) -> list[Message]:
        """Nothing: audio starts with the first binary frame."""
        return []

    def media_message(self, payload: bytes) -> Message:
        """The payload itself, as one binary frame."""
        self._next_chunk(payload)
        return bytes(payload)

    def dtmf_message(self, digit: str) -> Message:
        """Not available: raw audio has no DTMF message."""
        raise InputError("the raw carrier has no DTMF message; use twilio, telnyx, plivo or exotel")

    def mark_message(self, name: str) -> Message:
        """Not available: raw audio has no marks."""
        raise InputError("the raw carrier has no marks; use twilio, telnyx, plivo or exotel")

    def stop_messages(self) -> list[Message]:
        """Nothing: the client hangs up by closing the socket."""
        return []

    def parse(self, message: Message) -> BotEvent:
        """A binary frame is audio; a JSON object in a text frame is ``BotOther``."""
        if not isinstance(message, str):
            if len(message) % 2:
                return BotMalformed(f"{len(message)} bytes, odd for 16-bit PCM", message)
            return BotMedia(bytes(message))
        try:
            data: Any = json.loads(message)
        except (ValueError, RecursionError):
            return BotMalformed(
                "text frame that is not JSON; raw audio travels in binary frames", message
            )
        if not isinstance(data, dict):
            return BotMalformed(f"JSON {type(data).__name__} is not an object", message)
        label = data.get("event", data.get("type"))
        return BotOther(label if isinstance(label, str) else "", data)
