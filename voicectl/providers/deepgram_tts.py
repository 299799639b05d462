"""``deepgram-tts``: Deepgram streaming TTS (``/v1/speak``), as ``DeepgramTTSService`` speaks it.

The query carries ``model``, ``encoding`` (``linear16``, ``mulaw``, ``alaw``) and
``sample_rate``. ``{"type": "Speak", "text": ...}`` is answered with binary audio (speech-shaped,
as long as the text takes to say, in ``CHUNK_S`` pieces); ``Flush`` with ``Flushed``, ``Clear``
with ``Cleared`` (both carrying the ``sequence_id``), ``Close`` with a normal close.
"""

from __future__ import annotations

import json
import uuid
from typing import ClassVar

from voicectl.providers.protocol import (
    CloseNormally,
    Message,
    Outgoing,
    Output,
    ProviderProtocol,
    ServiceKind,
    parse_json,
    register_protocol,
)
from voicectl.providers.tts_audio import encode_pcm, speech_for_text

__all__ = ["DeepgramTTSProtocol"]

CHUNK_S = 0.1


@register_protocol
class DeepgramTTSProtocol(ProviderProtocol):
    name: ClassVar[str] = "deepgram-tts"
    kind: ClassVar[ServiceKind] = ServiceKind.TTS
    path: ClassVar[str] = ""  # DeepgramTTSService appends /v1/speak to its base_url

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        try:
            rate = int((self.query.get("sample_rate") or ["24000"])[0])
        except ValueError:
            rate = 24000
        self.sample_rate = rate if rate > 0 else 24000
        self.encoding = (self.query.get("encoding") or ["linear16"])[0]
        self.model = (self.query.get("model") or ["aura-2-helena-en"])[0]
        self.sequence_id = 0

    def on_open(self) -> list[Outgoing]:
        return [
            json.dumps(
                {
                    "type": "Metadata",
                    "request_id": str(uuid.uuid4()),
                    "model_name": self.model,
                    "model_version": "2026-01-01.0",
                    "model_uuid": "00000000-0000-4000-8000-0000000a0a2a",
                }
            )
        ]

    def on_message(self, message: Message) -> list[Outgoing]:
        data = parse_json(message)
        kind = data.get("type") if data else None
        if kind == "Speak":
            text = data.get("text") if data else None
            if not isinstance(text, str) or not text.strip():
                return []
            pcm = speech_for_text(text, self.sample_rate, self.speech_speed)
            audio = encode_pcm(pcm, self.encoding)
            step = max(1, round(CHUNK_S * self.sample_rate)) * (2 if audio is pcm else 1)
            pieces: list[Outgoing] = [audio[i : i + step] for i in range(0, len(audio), step)]
            pieces[0] = Output(audio[:step], f"audio {len(pcm) // 2} samples for {text!r}")
            return pieces
        if kind in ("Flush", "Clear"):
            self.sequence_id += 1
            answer = "Flushed" if kind == "Flush" else "Cleared"
            return [json.dumps({"type": answer, "sequence_id": self.sequence_id})]
        if kind == "Close":
            return [CloseNormally(1000)]
        return []

    def missing_keys(self) -> str:
        return json.dumps({"sequence_id": 0})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps(
            {"type": "Warning", "warn_code": str(code), "warn_msg": message, "description": message}
        )
