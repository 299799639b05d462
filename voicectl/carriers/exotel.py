"""Exotel AgentStream (Voicebot applet): JSON text frames, snake_case, 16-bit PCM LE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voicectl.carriers.events import BotClear, BotEvent, BotMark, BotMedia
from voicectl.carriers.identity import CarrierName, WireEncoding
from voicectl.carriers.session import (
    BotEventParser,
    JsonCarrierSession,
    Message,
    base64_field,
    check_id,
    string_field,
)

__all__ = ["ExotelSession"]


class ExotelSession(JsonCarrierSession):
    """The caller side of an Exotel Voicebot (bidirectional) stream.

    Exotel streams raw 16-bit little-endian PCM (no G.711) at 8000 Hz, or 16000/24000 Hz when
    the bot's URL asks with ``?sample-rate=``, in chunks of about 100 ms.
    """

    name = CarrierName.EXOTEL
    encodings = (WireEncoding.PCM16,)
    sample_rates = (8000, 16000, 24000)
    frame_ms = 100

    def open_messages(self) -> list[Message]:
        """``connected`` then ``start`` (sequence number 1)."""
        ids = self.identity
        start = {
            "event": "start",
            "sequence_number": str(self._next_sequence()),
            "stream_sid": ids.stream_id,
            "start": {
                "stream_sid": ids.stream_id,
                "call_sid": ids.call_id,
                "account_sid": ids.account_id,
                "from": ids.from_number,
                "to": ids.to_number,
                "custom_parameters": self.custom_parameters,
                "media_format": {
                    "encoding": "audio/x-raw",
                    "sample_rate": str(self.wire_rate),
                    "bit_rate": "16",
                },
            },
        }
        return [self.dump({"event": "connected"}), self.dump(start)]

    def media_message(self, payload: bytes) -> Message:
        """A ``media`` message."""
        sequence = self._next_sequence()
        chunk, timestamp = self._next_chunk(payload)
        return self.dump(
            {
                "event": "media",
                "sequence_number": str(sequence),
                "stream_sid": self.identity.stream_id,
                "media": {
                    "chunk": str(chunk),
                    "timestamp": str(timestamp),
                    "payload": self.b64(payload),
                },
            }
        )

    def dtmf_message(self, digit: str) -> Message:
        """A ``dtmf`` message for a 100 ms key press."""
        digit = self._check_digit(digit)
        return self.dump(
            {
                "event": "dtmf",
                "sequence_number": str(self._next_sequence()),
                "stream_sid": self.identity.stream_id,
                "dtmf": {"digit": digit, "duration": "100"},
            }
        )

    def mark_message(self, name: str) -> Message:
        """A ``mark`` message echoing the bot's mark."""
        return self.dump(
            {
                "event": "mark",
                "sequence_number": str(self._next_sequence()),
                "stream_sid": self.identity.stream_id,
                "mark": {"name": name},
            }
        )

    def stop_messages(self) -> list[Message]:
        """A ``stop`` message with reason ``callended``."""
        stop = {
            "event": "stop",
            "sequence_number": str(self._next_sequence()),
            "stream_sid": self.identity.stream_id,
            "stop": {
                "call_sid": self.identity.call_id,
                "account_sid": self.identity.account_id,
                "reason": "callended",
            },
        }
        return [self.dump(stop)]

    def bot_events(self) -> Mapping[str, BotEventParser]:
        """``media``, ``mark`` and ``clear``; a ``stream_sid``, if given, must be this call's."""
        return {"media": self._media, "mark": self._mark, "clear": self._clear}

    def _media(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_sid", self.identity.stream_id, required=False)
        return BotMedia(self.pcm16_payload(base64_field(message, "media", "payload")))

    def _mark(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_sid", self.identity.stream_id, required=False)
        return BotMark(string_field(message, "mark", "name"))

    def _clear(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_sid", self.identity.stream_id, required=False)
        return BotClear()
