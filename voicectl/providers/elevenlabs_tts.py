"""``elevenlabs-tts``: ElevenLabs multi-context TTS (``/v1/text-to-speech/VOICE/multi-stream-input``).

Text arrives as ``{"text": ..., "context_id": ...}``; the fake answers non-blank text with
``{"audio": b64, "contextId": ...}``: speech-shaped audio as long as the text takes to say, in the
``output_format`` of the query (``pcm_24000``, ``ulaw_8000``, ...), ``close_context`` with ``isFinal`` and ``close_socket``
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
)
from voicectl.providers.tts_audio import encode_pcm, speech_for_text

__all__ = ["ElevenLabsTTSProtocol"]


@register_protocol
class ElevenLabsTTSProtocol(ProviderProtocol):
    name: ClassVar[str] = "elevenlabs-tts"
    kind: ClassVar[ServiceKind] = ServiceKind.TTS
    path: ClassVar[str] = ""  # ElevenLabsTTSService appends /v1/text-to-speech/... to its url

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        self.context_id = ""
        fmt = (self.query.get("output_format") or ["pcm_24000"])[0]
        kind, _, rate = fmt.rpartition("_")
        self.encoding = "mulaw" if kind == "ulaw" else "alaw" if kind == "alaw" else "linear16"
        try:
            self.sample_rate = int(rate)
        except ValueError:
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
            pcm = speech_for_text(text, self.sample_rate, self.speech_speed)
            audio = encode_pcm(pcm, self.encoding)
            answer = {"audio": b64(audio), "isFinal": None, "contextId": context, "alignment": None}
            return [Output(json.dumps(answer), f"audio {len(pcm) // 2} samples for {text!r}")]
        return []

    def missing_keys(self) -> str:
        audio = encode_pcm(speech_for_text("x", self.sample_rate), self.encoding)
        return json.dumps({"audio": b64(audio), "isFinal": None})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps(
            {
                "error": "voicectl_fault",
                "code": code,
                "message": message,
                "contextId": self.context_id,
            }
        )
