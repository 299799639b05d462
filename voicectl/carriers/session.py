"""The caller side of one call over a carrier's media-stream WebSocket, without any I/O.

A session builds the messages a carrier sends to a bot (``open_messages``, ``media_message``,
``dtmf_message``, ``mark_message``, ``stop_messages``) and parses what the bot sends back
(``parse``). It keeps the counters a carrier keeps itself: the message sequence number, the
media chunk number and the media timestamp, which is the milliseconds of audio sent before the
chunk. Every builder consumes the next sequence number, so build messages in the order they are
sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import reprlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from voicectl.audio.g711 import (
    ALAW_SILENCE,
    ULAW_SILENCE,
    alaw_decode,
    alaw_encode,
    ulaw_decode,
    ulaw_encode,
)
from voicectl.carriers.events import BotEvent, BotMalformed, BotOther
from voicectl.carriers.identity import CallIdentity, CarrierName, WireEncoding
from voicectl.errors import InputError

__all__ = ["DTMF_DIGITS", "CarrierSession", "Int16Array", "JsonCarrierSession", "Message"]

Message = str | bytes
Int16Array = npt.NDArray[np.int16]

DTMF_DIGITS = "0123456789*#ABCD"


class CarrierSession(ABC):
    """One call's caller side of a carrier protocol: builds carrier messages, parses the bot's."""

    name: ClassVar[CarrierName]
    encodings: ClassVar[tuple[WireEncoding, ...]]
    """Encodings this carrier can stream; the first is the default."""
    sample_rates: ClassVar[tuple[int, ...] | None]
    """Wire rates this carrier can stream; the first is the default; None means any rate."""
    frame_ms: ClassVar[int] = 20
    """How much audio the carrier puts in one media message."""
    has_dtmf: ClassVar[bool] = True
    has_marks: ClassVar[bool] = True

    def __init__(
        self,
        identity: CallIdentity,
        *,
        sample_rate: int | None = None,
        encoding: WireEncoding | str | None = None,
        custom_parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.identity = identity
        self.wire_rate = self._check_rate(sample_rate)
        self.encoding = self._check_encoding(encoding)
        self.custom_parameters = dict(custom_parameters or {})
        self._sequence = 0
        self._chunks = 0
        self._samples = 0

    def _check_rate(self, sample_rate: int | None) -> int:
        allowed = self.sample_rates
        if sample_rate is None:
            return allowed[0] if allowed else 8000
        if allowed is None:
            if sample_rate <= 0:
                raise InputError(f"sample rate must be positive, got {sample_rate}")
        elif sample_rate not in allowed:
            rates = ", ".join(str(rate) for rate in allowed)
            raise InputError(f"{self.name} streams at {rates} Hz, not {sample_rate} Hz")
        return sample_rate

    def _check_encoding(self, encoding: WireEncoding | str | None) -> WireEncoding:
        if encoding is None:
            return self.encodings[0]
        valid = ", ".join(self.encodings)
        try:
            chosen = WireEncoding(encoding)
        except ValueError:
            raise InputError(
                f"unknown wire encoding {encoding!r}; {self.name} uses {valid}"
            ) from None
        if chosen not in self.encodings:
            raise InputError(f"{self.name} does not stream {chosen}; it uses {valid}")
        return chosen

    # Counters -------------------------------------------------------------------------------

    @property
    def sequence_number(self) -> int:
        """The sequence number of the last message built (0 before any)."""
        return self._sequence

    @property
    def chunks_sent(self) -> int:
        """How many media messages were built."""
        return self._chunks

    @property
    def samples_sent(self) -> int:
        """How many audio samples the media messages carried."""
        return self._samples

    @property
    def audio_ms_sent(self) -> int:
        """Milliseconds of audio the media messages carried (rounded down)."""
        return self._samples * 1000 // self.wire_rate

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _next_chunk(self, payload: bytes) -> tuple[int, int]:
        """Count one media chunk; return its chunk number and timestamp (ms of audio before it)."""
        timestamp = self.audio_ms_sent
        self._chunks += 1
        self._samples += len(payload) // self.bytes_per_sample
        return self._chunks, timestamp

    # Audio ----------------------------------------------------------------------------------

    @property
    def bytes_per_sample(self) -> int:
        """Wire bytes per audio sample: 1 for G.711, 2 for 16-bit PCM."""
        return 2 if self.encoding is WireEncoding.PCM16 else 1

    def frame_bytes(self, frame_ms: int | None = None) -> int:
        """Wire bytes in ``frame_ms`` of audio (the carrier's own frame length by default)."""
        ms = self.frame_ms if frame_ms is None else frame_ms
        if ms <= 0 or (self.wire_rate * ms) % 1000:
            raise ValueError(f"{ms} ms is not a whole number of samples at {self.wire_rate} Hz")
        return self.wire_rate * ms // 1000 * self.bytes_per_sample

    def encode_audio(self, pcm: Int16Array) -> bytes:
        """Encode mono int16 samples at the wire rate as wire bytes."""
        samples = np.asarray(pcm)
        if samples.dtype != np.int16:
            raise TypeError(f"wire audio needs int16 samples, got {samples.dtype}")
        if samples.ndim != 1:
            raise ValueError(f"wire audio needs mono 1-D samples, got shape {samples.shape}")
        if self.encoding is WireEncoding.MULAW:
            return ulaw_encode(samples)
        if self.encoding is WireEncoding.ALAW:
            return alaw_encode(samples)
        return samples.astype("<i2", copy=False).tobytes()

    def decode_audio(self, payload: bytes) -> Int16Array:
        """Decode wire bytes to int16 samples."""
        if self.encoding is WireEncoding.MULAW:
            return ulaw_decode(payload)
        if self.encoding is WireEncoding.ALAW:
            return alaw_decode(payload)
        if len(payload) % 2:
            raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(payload)}")
        return np.frombuffer(payload, dtype="<i2").astype(np.int16)

    def silence(self, frame_ms: int | None = None) -> bytes:
        """Wire bytes of digital silence for one frame."""
        size = self.frame_bytes(frame_ms)
        if self.encoding is WireEncoding.MULAW:
            return bytes([ULAW_SILENCE]) * size
        if self.encoding is WireEncoding.ALAW:
            return bytes([ALAW_SILENCE]) * size
        return bytes(size)

    # Carrier -> bot -------------------------------------------------------------------------

    @abstractmethod
    def open_messages(self) -> list[Message]:
        """What the carrier sends as soon as the WebSocket is open (e.g. connected, start)."""

    @abstractmethod
    def media_message(self, payload: bytes) -> Message:
        """One chunk of the caller's wire-encoded audio."""

    @abstractmethod
    def dtmf_message(self, digit: str) -> Message:
        """The caller pressing one key."""

    @abstractmethod
    def mark_message(self, name: str) -> Message:
        """The carrier confirming it played the bot's audio up to the mark ``name``."""

    def clear_ack_messages(self) -> list[Message]:
        """What the carrier sends after clearing the bot's buffered audio (none by default)."""
        return []

    @abstractmethod
    def stop_messages(self) -> list[Message]:
        """What the carrier sends when the call ends, before it closes the WebSocket."""

    def _check_digit(self, digit: str) -> str:
        if len(digit) != 1 or digit not in DTMF_DIGITS:
            raise InputError(f"DTMF digit must be one of {DTMF_DIGITS}, got {digit!r}")
        return digit

    # Bot -> carrier -------------------------------------------------------------------------

    @abstractmethod
    def parse(self, message: Message) -> BotEvent:
        """Classify one WebSocket message from the bot; never raises."""


# Helpers shared by the carrier modules of this package.


class _Reject(Exception):
    """Raised while parsing to turn the message into ``BotMalformed``."""


def _first_line(error: BaseException) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60


def short(value: object) -> str:
    """A bounded ``repr`` of a value from the bot, for a one-line reason."""
    return _REPR.repr(value)


def field(message: Mapping[str, Any], *path: str) -> object:
    """The value at ``path`` in a JSON object; rejects the message if it is missing."""
    node: object = message
    for depth, key in enumerate(path):
        if not isinstance(node, dict):
            raise _Reject(f"{'.'.join(path[:depth])} is not an object")
        if key not in node:
            raise _Reject(f"{'.'.join(path[: depth + 1])} is missing")
        node = node[key]
    return node


def string_field(message: Mapping[str, Any], *path: str) -> str:
    """The string at ``path``; rejects the message if it is missing or not a string."""
    value = field(message, *path)
    if not isinstance(value, str):
        raise _Reject(f"{'.'.join(path)} is not a string: {short(value)}")
    return value


def base64_field(message: Mapping[str, Any], *path: str) -> bytes:
    """The bytes of the non-empty base64 string at ``path``."""
    text = string_field(message, *path)
    if not text:
        raise _Reject(f"{'.'.join(path)} is empty")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Reject(f"{'.'.join(path)} is not valid base64") from None


def check_id(message: Mapping[str, Any], key: str, expected: str, *, required: bool) -> None:
    """Reject a message addressed to another stream (or to none, when the id is required)."""
    if key not in message:
        if required:
            raise _Reject(f"{key} is missing")
        return
    if message[key] != expected:
        raise _Reject(f"{key} {short(message[key])} is not this call's {expected!r}")


def reject(reason: str) -> _Reject:
    """An error that makes ``parse`` return ``BotMalformed(reason)``."""
    return _Reject(reason)


BotEventParser = Callable[[dict[str, Any]], BotEvent]


class JsonCarrierSession(CarrierSession):
    """A carrier whose messages are JSON text frames with an ``event`` field."""

    def bot_events(self) -> Mapping[str, BotEventParser]:
        """Parsers for the events a bot may send, by event name."""
        return {}

    def parse(self, message: Message) -> BotEvent:
        """Classify one WebSocket message from the bot; never raises."""
        if not isinstance(message, str):
            return BotMalformed(f"binary frame; {self.name} only accepts JSON text", message)
        try:
            data = json.loads(message)
        except (ValueError, RecursionError) as error:
            return BotMalformed(f"not JSON: {_first_line(error)}", message)
        if not isinstance(data, dict):
            return BotMalformed(f"JSON {type(data).__name__} is not an object", message)
        event = data.get("event")
        if not isinstance(event, str):
            return BotMalformed(f"event is missing or not a string: {short(event)}", message)
        parser = self.bot_events().get(event)
        if parser is None:
            return BotOther(event, data)
        try:
            return parser(data)
        except _Reject as error:
            return BotMalformed(f"{event}: {error}", message)

    @staticmethod
    def dump(message: Mapping[str, Any]) -> str:
        """Serialise a message as compact JSON text."""
        return json.dumps(message, separators=(",", ":"))

    def b64(self, payload: bytes) -> str:
        """Base64 text of a wire payload."""
        return base64.b64encode(payload).decode("ascii")

    def pcm16_payload(self, payload: bytes) -> bytes:
        """Reject a 16-bit PCM payload with an odd number of bytes."""
        if self.encoding is WireEncoding.PCM16 and len(payload) % 2:
            raise _Reject(f"payload has {len(payload)} bytes, odd for 16-bit PCM")
        return payload
