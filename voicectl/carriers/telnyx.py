"""Telnyx media streaming: JSON text frames, snake_case, 8 kHz PCMU or PCMA RTP payloads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
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

__all__ = ["TelnyxSession"]

_CODECS = {WireEncoding.MULAW: "PCMU", WireEncoding.ALAW: "PCMA"}


class TelnyxSession(JsonCarrierSession):
    """The caller side of a bidirectional Telnyx media stream (RTP mode)."""

    name = CarrierName.TELNYX
    encodings = (WireEncoding.MULAW, WireEncoding.ALAW)
    sample_rates = (8000,)

    def open_messages(self) -> list[Message]:
        """``connected`` then ``start``, whose ``media_format.encoding`` is PCMU or PCMA."""
        ids = self.identity
        start: dict[str, Any] = {
            "user_id": ids.account_id,
            "call_control_id": ids.call_id,
            "from": ids.from_number,
            "to": ids.to_number,
            "media_format": {
                "encoding": _CODECS[self.encoding],
                "sample_rate": self.wire_rate,
                "channels": 1,
            },
        }
        if self.custom_parameters:
            start["custom_parameters"] = self.custom_parameters
        messages: list[dict[str, Any]] = [
            {"event": "connected", "version": "1.0.0"},
            {
                "event": "start",
                "sequence_number": str(self._next_sequence()),
                "start": start,
                "stream_id": ids.stream_id,
            },
        ]
        return [self.dump(message) for message in messages]

    def media_message(self, payload: bytes) -> Message:
        """A ``media`` message on the inbound track."""
        sequence = self._next_sequence()
        chunk, timestamp = self._next_chunk(payload)
        return self.dump(
            {
                "event": "media",
                "sequence_number": str(sequence),
                "media": {
                    "track": "inbound",
                    "chunk": str(chunk),
                    "timestamp": str(timestamp),
                    "payload": self.b64(payload),
                },
                "stream_id": self.identity.stream_id,
            }
        )

    def dtmf_message(self, digit: str) -> Message:
        """A ``dtmf`` message stamped with the call time it happens at."""
        digit = self._check_digit(digit)
        occurred_ms = self.identity.started_at_ms + self.audio_ms_sent
        occurred_at = datetime.fromtimestamp(occurred_ms / 1000, UTC)
        return self.dump(
            {
                "event": "dtmf",
                "stream_id": self.identity.stream_id,
                "occurred_at": occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "sequence_number": str(self._next_sequence()),
                "dtmf": {"digit": digit},
            }
        )

    def mark_message(self, name: str) -> Message:
        """A ``mark`` message echoing the bot's mark."""
        return self.dump(
            {
                "event": "mark",
                "sequence_number": str(self._next_sequence()),
                "stream_id": self.identity.stream_id,
                "mark": {"name": name},
            }
        )

    def stop_messages(self) -> list[Message]:
        """A ``stop`` message."""
        stop = {
            "event": "stop",
            "sequence_number": str(self._next_sequence()),
            "stop": {"user_id": self.identity.account_id, "call_control_id": self.identity.call_id},
            "stream_id": self.identity.stream_id,
        }
        return [self.dump(stop)]

    def bot_events(self) -> Mapping[str, BotEventParser]:
        """``media``, ``mark`` and ``clear``; a ``stream_id``, if given, must be this call's."""
        return {"media": self._media, "mark": self._mark, "clear": self._clear}

    def _media(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_id", self.identity.stream_id, required=False)
        return BotMedia(base64_field(message, "media", "payload"))

    def _mark(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_id", self.identity.stream_id, required=False)
        return BotMark(string_field(message, "mark", "name"))

    def _clear(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "stream_id", self.identity.stream_id, required=False)
        return BotClear()
