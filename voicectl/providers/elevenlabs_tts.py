"""``elevenlabs-tts``: ElevenLabs multi-context TTS (``/v1/text-to-speech/VOICE/multi-stream-input``).

Text arrives as ``{"text": ..., "context_id": ...}``; the fake answers non-blank text with
``{"audio": b64, "contextId": ...}``, ``close_context`` with ``isFinal`` and ``close_socket``
by closing the connection (Pipecat waits up to 2 s for that close).
"""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import (
    CloseNormally,
    Message,
    Outgoing,
    Output,
    ProviderProtocol,
    ServiceKind,
    b64,
    parse_json,
    register_protocol,
    tone_pcm,
)

__all__ = ["ElevenLabsTTSProtocol"]

REPLY_SECONDS = 0.3


@register_protocol
class ElevenLabsTTSProtocol(ProviderProtocol):
    name: ClassVar[str] = "elevenlabs-tts"
    kind: ClassVar[ServiceKind] = ServiceKind.TTS
    path: ClassVar[str] = ""  # ElevenLabsTTSService appends /v1/text-to-speech/... to its url

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        self.context_id = ""
        fmt = (self.query.get("output_format") or ["pcm_24000"])[0]
        try:
            self.sample_rate = int(fmt.rsplit("_", 1)[1])
        except (IndexError, ValueError):
            self.sample_rate = 24000

    def on_message(self, message: Message) -> list[Outgoing]:
        data = parse_json(message)
        if data is None:
            return []
        if data.get("close_socket"):
            return [CloseNormally(1000)]
        context = data.get("context_id")
        if not isinstance(context, str):
            return []
        self.context_id = context
        if data.get("close_context"):
            return [json.dumps({"isFinal": True, "contextId": context})]
        text = data.get("text")
        if isinstance(text, str) and text.strip():
            audio = tone_pcm(REPLY_SECONDS, self.sample_rate)
            answer = {"audio": b64(audio), "isFinal": None, "contextId": context, "alignment": None}
            return [Output(json.dumps(answer), f"audio {len(audio) // 2} samples for {text!r}")]
        return []

    def missing_keys(self) -> str:
        return json.dumps({"audio": b64(tone_pcm(0.02, self.sample_rate)), "isFinal": None})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps(
            {
                "error": "voicectl_fault",
                "code": code,
                "message": message,
                "contextId": self.context_id,
            }
        )
