"""``cartesia-tts``: Cartesia TTS (``/tts/websocket``).

Each client request carries ``transcript``, ``context_id``, ``continue`` and ``output_format``;
the fake answers a non-empty transcript with speech-shaped audio as long as the text takes to
say, in the requested ``encoding`` (``pcm_s16le``, ``pcm_mulaw``, ``pcm_alaw``) and
``sample_rate``, streamed as the real service streams it: one ``chunk`` message of base64 audio
per 100 ms (``tts_audio.CHUNK_SECONDS``), not paced (Cartesia sends audio as fast as it makes it), then,
for a request with ``continue: false``, ``done``. Errors are
``{"type": "error", "context_id": ..., ...}``.
"""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import (
    Message,
    Outgoing,
    Output,
    ProviderProtocol,
    ServiceKind,
    parse_json,
    register_protocol,
)
from voicectl.providers.tts_audio import speech_b64_chunks, speech_seconds

__all__ = ["CartesiaTTSProtocol"]


@register_protocol
class CartesiaTTSProtocol(ProviderProtocol):
    name: ClassVar[str] = "cartesia-tts"
    kind: ClassVar[ServiceKind] = ServiceKind.TTS
    path: ClassVar[str] = "/tts/websocket"

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        self.context_id = ""

    def on_message(self, message: Message) -> list[Outgoing]:
        data = parse_json(message)
        if data is None or "context_id" not in data or data.get("cancel"):
            return []
        self.context_id = str(data["context_id"])
        out: list[Outgoing] = []
        text = data.get("transcript")
        if isinstance(text, str) and text.strip():
            fmt = data.get("output_format")
            fmt = fmt if isinstance(fmt, dict) else {}
            rate = int(fmt.get("sample_rate", 24000))
            encoding = str(fmt.get("encoding", "pcm_s16le"))
            chunks = speech_b64_chunks(text, rate, encoding, self.speech_speed)
            # Base64 text needs no JSON escaping: each message is the chunk between two halves.
            head = '{"type": "chunk", "context_id": ' + json.dumps(self.context_id) + ', "data": "'
            tail = '", "done": false}'
            samples = round(speech_seconds(text, self.speech_speed) * rate)
            out.append(Output(head + chunks[0] + tail, f"audio {samples} samples for {text!r}"))
            out.extend(head + chunk + tail for chunk in chunks[1:])
        if data.get("continue") is False:
            out.append(json.dumps({"type": "done", "context_id": self.context_id, "done": True}))
        return out

    def missing_keys(self) -> str:
        return json.dumps({"type": "chunk", "done": False})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps(
            {
                "type": "error",
                "context_id": self.context_id,
                "status_code": code,
                "error": message,
                "done": True,
            }
        )
