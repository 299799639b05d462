"""Twilio Media Streams: JSON text frames, camelCase, counters as strings, 8 kHz mu-law."""

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

__all__ = ["TwilioSession"]


class TwilioSession(JsonCarrierSession):
    """The caller side of a bidirectional Twilio Media Stream (``<Connect><Stream>``)."""

    name = CarrierName.TWILIO
    encodings = (WireEncoding.MULAW,)
    sample_rates = (8000,)

    def open_messages(self) -> list[Message]:
        """``connected`` then ``start`` (sequence number 1)."""
        ids = self.identity
        connected = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
        start = {
            "event": "start",
            "sequenceNumber": str(self._next_sequence()),
            "start": {
                "accountSid": ids.account_id,
                "streamSid": ids.stream_id,
                "callSid": ids.call_id,
                "tracks": ["inbound"],
                "customParameters": self.custom_parameters,
                "mediaFormat": {
                    "encoding": "audio/x-mulaw",
                    "sampleRate": self.wire_rate,
                    "channels": 1,
                },
            },
            "streamSid": ids.stream_id,
        }
        return [self.dump(connected), self.dump(start)]

    def media_message(self, payload: bytes) -> Message:
        """A ``media`` message on the inbound track."""
        sequence = self._next_sequence()
        chunk, timestamp = self._next_chunk(payload)
        return self.dump(
            {
                "event": "media",
                "sequenceNumber": str(sequence),
                "media": {
                    "track": "inbound",
                    "chunk": str(chunk),
                    "timestamp": str(timestamp),
                    "payload": self.b64(payload),
                },
                "streamSid": self.identity.stream_id,
            }
        )

    def dtmf_message(self, digit: str) -> Message:
        """A ``dtmf`` message on the inbound track."""
        digit = self._check_digit(digit)
        return self.dump(
            {
                "event": "dtmf",
                "streamSid": self.identity.stream_id,
                "sequenceNumber": str(self._next_sequence()),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    def mark_message(self, name: str) -> Message:
        """A ``mark`` message echoing the bot's mark."""
        return self.dump(
            {
                "event": "mark",
                "sequenceNumber": str(self._next_sequence()),
                "streamSid": self.identity.stream_id,
                "mark": {"name": name},
            }
        )

    def stop_messages(self) -> list[Message]:
        """A ``stop`` message."""
        stop = {
            "event": "stop",
            "sequenceNumber": str(self._next_sequence()),
            "streamSid": self.identity.stream_id,
            "stop": {"accountSid": self.identity.account_id, "callSid": self.identity.call_id},
        }
        return [self.dump(stop)]

    def bot_events(self) -> Mapping[str, BotEventParser]:
        """``media``, ``mark`` and ``clear``; Twilio requires each to name the stream."""
        return {"media": self._media, "mark": self._mark, "clear": self._clear}

    def _media(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamSid", self.identity.stream_id, required=True)
        return BotMedia(base64_field(message, "media", "payload"))

    def _mark(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamSid", self.identity.stream_id, required=True)
        return BotMark(string_field(message, "mark", "name"))

    def _clear(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamSid", self.identity.stream_id, required=True)
        return BotClear()
