"""Plivo audio streaming: JSON text frames, camelCase, counters as numbers, 8 kHz mu-law."""

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
    field,
    reject,
    short,
    string_field,
)

__all__ = ["PlivoSession"]

_CONTENT_TYPE = "audio/x-mulaw"


class PlivoSession(JsonCarrierSession):
    """The caller side of a bidirectional Plivo ``<Stream>`` with ``audio/x-mulaw;rate=8000``.

    Plivo's own default content type is ``audio/x-l16;rate=8000``, but Pipecat's Plivo serializer
    only speaks mu-law, so a Pipecat bot needs the stream configured as mu-law; that is what this
    session plays. Plivo sends no ``connected`` message and reports the end of a stream by HTTP
    callback, not on the WebSocket, so ``stop_messages`` is empty. Pipecat's runner reads two
    messages to detect the carrier, so against a Pipecat bot the first media message after
    ``start`` is consumed by detection and never reaches the pipeline.
    """

    name = CarrierName.PLIVO
    encodings = (WireEncoding.MULAW,)
    sample_rates = (8000,)

    def _wall_clock_ms(self) -> str:
        # Plivo stamps media and DTMF with Unix epoch milliseconds, as a string.
        return str(self.identity.started_at_ms + self.audio_ms_sent)

    def open_messages(self) -> list[Message]:
        """A single ``start`` message (sequence number 1)."""
        ids = self.identity
        start = {
            "event": "start",
            "sequenceNumber": self._next_sequence(),
            "start": {
                "callId": ids.call_id,
                "streamId": ids.stream_id,
                "accountId": ids.account_id,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": _CONTENT_TYPE, "sampleRate": self.wire_rate},
            },
            "extra_headers": ";".join(f"{k}={v}" for k, v in self.custom_parameters.items()),
        }
        return [self.dump(start)]

    def media_message(self, payload: bytes) -> Message:
        """A ``media`` message on the inbound track, stamped with wall-clock time."""
        sequence = self._next_sequence()
        timestamp = self._wall_clock_ms()
        chunk, _ = self._next_chunk(payload)
        return self.dump(
            {
                "event": "media",
                "sequenceNumber": sequence,
                "streamId": self.identity.stream_id,
                "media": {
                    "track": "inbound",
                    "timestamp": timestamp,
                    "chunk": chunk,
                    "payload": self.b64(payload),
                },
            }
        )

    def dtmf_message(self, digit: str) -> Message:
        """A ``dtmf`` message on the inbound track."""
        digit = self._check_digit(digit)
        return self.dump(
            {
                "event": "dtmf",
                "sequenceNumber": self._next_sequence(),
                "streamId": self.identity.stream_id,
                "dtmf": {"track": "inbound", "digit": digit, "timestamp": self._wall_clock_ms()},
            }
        )

    def mark_message(self, name: str) -> Message:
        """A ``playedStream`` message answering the bot's ``checkpoint``."""
        return self.dump(
            {
                "event": "playedStream",
                "sequenceNumber": self._next_sequence(),
                "streamId": self.identity.stream_id,
                "name": name,
            }
        )

    def clear_ack_messages(self) -> list[Message]:
        """A ``clearedAudio`` message answering the bot's ``clearAudio``."""
        cleared = {
            "event": "clearedAudio",
            "sequenceNumber": self._next_sequence(),
            "streamId": self.identity.stream_id,
        }
        return [self.dump(cleared)]

    def stop_messages(self) -> list[Message]:
        """Nothing: Plivo reports a stopped stream by HTTP callback and closes the socket."""
        return []

    def bot_events(self) -> Mapping[str, BotEventParser]:
        """``playAudio``, ``checkpoint`` and ``clearAudio``; ``sendDTMF`` is ``BotOther``."""
        return {"playAudio": self._play, "checkpoint": self._checkpoint, "clearAudio": self._clear}

    def _play(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamId", self.identity.stream_id, required=False)
        content_type = string_field(message, "media", "contentType")
        if content_type != _CONTENT_TYPE:
            raise reject(
                f"media.contentType {short(content_type)} is not the stream's {_CONTENT_TYPE}"
            )
        rate = field(message, "media", "sampleRate")
        # Plivo accepts the rate as a number or a numeric string.
        if rate not in (self.wire_rate, str(self.wire_rate)):
            raise reject(f"media.sampleRate {short(rate)} is not the stream's {self.wire_rate}")
        return BotMedia(base64_field(message, "media", "payload"))

    def _checkpoint(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamId", self.identity.stream_id, required=False)
        return BotMark(string_field(message, "name"))

    def _clear(self, message: dict[str, Any]) -> BotEvent:
        check_id(message, "streamId", self.identity.stream_id, required=False)
        return BotClear()
