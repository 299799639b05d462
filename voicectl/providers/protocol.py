"""The shape every fake provider protocol has, and the registry of protocols by name.

A protocol is sans-I/O: it turns what the client sent into what the fake should answer, and
builds the provider's transcript, audio and error messages. :class:`FakeProviderServer` is the
thin I/O shell that carries those answers out (and the faults on top of them).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

from voicectl.errors import InputError
from voicectl.faults.actions import MalformedKind, SendMalformed

__all__ = [
    "PROTOCOLS",
    "CloseNormally",
    "Message",
    "Outgoing",
    "Output",
    "ProviderProtocol",
    "ServiceKind",
    "b64",
    "get_protocol",
    "parse_json",
    "protocol_names",
    "register_protocol",
    "tone_pcm",
]

Message = str | bytes


@dataclass(frozen=True)
class CloseNormally:
    """The provider ends the session itself (e.g. after a client's "close socket" request)."""

    code: int = 1000
    reason: str = ""


@dataclass(frozen=True)
class Output:
    """A message that carries the provider's answer (a transcript, TTS audio), under a label."""

    message: Message
    label: str


Outgoing = Message | CloseNormally | Output


class ServiceKind(StrEnum):
    """What the target does with the provider, which decides what the harness feeds it."""

    STT = "stt"  # fed real-time audio; the provider answers with transcripts
    TTS = "tts"  # fed text; the provider answers with audio
    GENERIC = "generic"  # unknown; fed audio, the provider answers nothing


class ProviderProtocol:
    """One connection's side of a provider protocol. A fresh instance serves each connection."""

    name: ClassVar[str]
    kind: ClassVar[ServiceKind]
    #: Path the target is pointed at (``url_for`` appends it to ``ws://127.0.0.1:PORT``).
    path: ClassVar[str] = "/"
    #: Provider-specific meaning of private close codes: code -> "recoverable"/"non-recoverable".
    private_close_codes: ClassVar[dict[int, str]] = {}
    #: TTS: how many times faster than a person the fake speaks (``--fast`` reference bot).
    speech_speed: ClassVar[float] = 1.0

    def __init__(self, request_path: str = "/") -> None:
        self.request_path = request_path
        self.query = parse_qs(urlsplit(request_path).query)
        self.transcripts_sent = 0

    @classmethod
    def for_request(cls, request_path: str) -> ProviderProtocol:
        """The protocol instance that serves a connection to ``request_path``.

        A provider that serves several APIs on one host (Deepgram: ``/v1/listen``,
        ``/v1/speak``, ``/v2/listen``) picks the matching protocol here.
        """
        return cls(request_path)

    @classmethod
    def url_for(cls, base: str) -> str:
        """The URL to give the target, from the fake's ``ws://127.0.0.1:PORT``."""
        return base.rstrip("/") + cls.path

    def on_open(self) -> list[Outgoing]:
        """Messages the provider sends as soon as the handshake is accepted."""
        return []

    def on_message(self, message: Message) -> list[Outgoing]:
        """Answers to one client message (audio is only counted, never answered)."""
        return []

    def transcript(self, text: str) -> list[Message]:
        """Messages that make the target emit a final transcript of ``text`` (STT only)."""
        return []

    def malformed(self, action: SendMalformed) -> list[Message]:
        """The bad message(s) for a ``malformed`` fault."""
        if action.kind is MalformedKind.JSON:
            return ["{not json"]
        if action.kind is MalformedKind.KEYS:
            return [self.missing_keys()]
        return [self.in_band_error(action.error_code, action.error_message)]

    def missing_keys(self) -> str:
        """A JSON message without the keys this protocol requires."""
        return json.dumps({})

    def in_band_error(self, code: int, message: str) -> str:
        """The provider's own error message (documented shape where there is one)."""
        return json.dumps({"type": "error", "error": {"code": code, "message": message}})


P = TypeVar("P", bound=type[ProviderProtocol])

PROTOCOLS: dict[str, type[ProviderProtocol]] = {}


def register_protocol(cls: P) -> P:
    """Class decorator: make a protocol available under its ``name``."""
    if cls.name in PROTOCOLS:
        raise ValueError(f"protocol {cls.name!r} registered twice")
    PROTOCOLS[cls.name] = cls
    return cls


def protocol_names() -> list[str]:
    return sorted(PROTOCOLS)


def get_protocol(name: str) -> type[ProviderProtocol]:
    """The protocol registered as ``name``; unknown names are an :class:`InputError`."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise InputError(
            f"unknown protocol {name!r} (known: {', '.join(protocol_names())})"
        ) from None


def tone_pcm(seconds: float, sample_rate: int, frequency: float = 220.0) -> bytes:
    """A quiet sine as PCM s16le: stand-in audio for fake TTS answers."""
    count = max(1, round(seconds * sample_rate))
    samples = bytearray()
    step = 2 * math.pi * frequency / sample_rate
    for i in range(count):
        value = int(3000 * math.sin(step * i))
        samples += value.to_bytes(2, "little", signed=True)
    return bytes(samples)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_json(message: Message) -> dict[str, object] | None:
    """A client text message as a JSON object, or None (audio, other JSON, not JSON)."""
    if not isinstance(message, str):
        return None
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
