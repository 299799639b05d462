"""``cartesia-stt``: Cartesia STT (``/stt/websocket``): binary PCM in, ``transcript`` JSON out."""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import ProviderProtocol, ServiceKind, register_protocol

__all__ = ["CartesiaSTTProtocol"]


@register_protocol
class CartesiaSTTProtocol(ProviderProtocol):
    name: ClassVar[str] = "cartesia-stt"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = ""  # CartesiaSTTService takes the bare ws://host:port as base_url

    def transcript(self, text: str) -> list[str | bytes]:
        return [json.dumps({"type": "transcript", "text": text, "is_final": True})]

    def missing_keys(self) -> str:
        return json.dumps({"type": "transcript", "is_final": True})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps({"type": "error", "status_code": code, "message": f"{code}: {message}"})
