"""Carrier names, wire encodings and the ids a carrier puts in its messages."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_STARTED_AT_MS", "CallIdentity", "CarrierName", "WireEncoding"]

# 2025-01-01T00:00:00Z. Plivo stamps media and Telnyx stamps DTMF with wall-clock time; a fixed
# start keeps every message a session builds reproducible.
DEFAULT_STARTED_AT_MS = 1_735_689_600_000


class CarrierName(StrEnum):
    """A carrier whose media-stream WebSocket protocol voicectl speaks."""

    TWILIO = "twilio"
    TELNYX = "telnyx"
    PLIVO = "plivo"
    EXOTEL = "exotel"
    RAW = "raw"


class WireEncoding(StrEnum):
    """How audio samples travel on the wire."""

    MULAW = "mulaw"
    ALAW = "alaw"
    PCM16 = "pcm16"


@dataclass(frozen=True)
class CallIdentity:
    """The ids a carrier puts in its messages for one call."""

    stream_id: str
    call_id: str
    account_id: str
    from_number: str = "+15550100"
    to_number: str = "+15550199"
    started_at_ms: int = DEFAULT_STARTED_AT_MS

    @classmethod
    def generate(cls, carrier: CarrierName | str, seed: str = "voicectl") -> CallIdentity:
        """Realistic-looking ids for ``carrier``, always the same for the same seed."""
        name = CarrierName(carrier)

        def digest(role: str) -> bytes:
            return hashlib.sha512(f"{name}\0{seed}\0{role}".encode()).digest()

        def hex32(role: str) -> str:
            return digest(role).hex()[:32]

        def uuid4(role: str) -> str:
            return str(uuid.UUID(bytes=digest(role)[:16], version=4))

        if name is CarrierName.TWILIO:
            return cls(
                stream_id="MZ" + hex32("stream"),
                call_id="CA" + hex32("call"),
                account_id="AC" + hex32("account"),
            )
        if name is CarrierName.TELNYX:
            control = base64.urlsafe_b64encode(digest("call")[:40]).decode().rstrip("=")
            return cls(
                stream_id=uuid4("stream").upper(),
                call_id="v3:" + control,
                account_id=uuid4("account").upper(),
            )
        if name is CarrierName.PLIVO:
            auth_id = base64.b32encode(digest("account")).decode()[:18]
            return cls(stream_id=uuid4("stream"), call_id=uuid4("call"), account_id="MA" + auth_id)
        if name is CarrierName.EXOTEL:
            return cls(
                stream_id=hex32("stream"),
                call_id=hex32("call"),
                account_id="voicectl" + hex32("account")[:6],
            )
        return cls(
            stream_id="raw-" + hex32("stream")[:16],
            call_id="raw-" + hex32("call")[:16],
            account_id="raw",
        )
