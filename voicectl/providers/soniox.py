"""``soniox``: Soniox real-time STT (``wss://stt-rt.soniox.com/transcribe-websocket``).

The client sends a JSON config, then binary PCM, ``{"type":"keepalive"}`` when idle and ``""``
at the end. A transcript is a list of final tokens closed by the ``<end>`` token (Pipecat emits
the transcript on the end token). Errors are ``{"error_code": N, "error_message": "..."}`` with
no ``tokens`` key, as Soniox documents them ("Error handling", soniox.com/docs/stt/rt).
"""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import ProviderProtocol, ServiceKind, register_protocol

__all__ = ["SonioxProtocol"]


@register_protocol
class SonioxProtocol(ProviderProtocol):
    name: ClassVar[str] = "soniox"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = "/transcribe-websocket"

    def transcript(self, text: str) -> list[str | bytes]:
        tokens = [{"text": text, "is_final": True}, {"text": "<end>", "is_final": True}]
        return [json.dumps({"tokens": tokens, "final_audio_proc_ms": 0, "total_audio_proc_ms": 0})]

    def missing_keys(self) -> str:
        return json.dumps({"final_audio_proc_ms": 0, "total_audio_proc_ms": 0})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps({"error_code": code, "error_message": message})
