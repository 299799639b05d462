"""``openai-stt``: OpenAI Realtime transcription (``/v1/realtime?intent=transcription``).

``session.created`` on open; the client answers with ``session.update`` and the fake confirms
with ``session.updated``. Transcripts are
``conversation.item.input_audio_transcription.completed`` events; errors are ``error`` events.
"""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import (
    Message,
    Outgoing,
    ProviderProtocol,
    ServiceKind,
    parse_json,
    register_protocol,
)

__all__ = ["OpenAISTTProtocol"]

_COMPLETED = "conversation.item.input_audio_transcription.completed"


@register_protocol
class OpenAISTTProtocol(ProviderProtocol):
    name: ClassVar[str] = "openai-stt"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = "/v1/realtime"  # the service appends ?intent=transcription

    def on_open(self) -> list[Outgoing]:
        session = {"id": "sess_voicectl", "type": "transcription"}
        return [json.dumps({"type": "session.created", "event_id": "evt_0", "session": session})]

    def on_message(self, message: Message) -> list[Outgoing]:
        data = parse_json(message)
        if data is not None and data.get("type") == "session.update":
            session = data.get("session") if isinstance(data.get("session"), dict) else {}
            return [
                json.dumps({"type": "session.updated", "event_id": "evt_1", "session": session})
            ]
        return []

    def transcript(self, text: str) -> list[str | bytes]:
        self.transcripts_sent += 1
        item = f"item_{self.transcripts_sent}"
        return [
            json.dumps(
                {"type": _COMPLETED, "item_id": item, "content_index": 0, "transcript": text}
            )
        ]

    def missing_keys(self) -> str:
        return json.dumps({"type": _COMPLETED, "content_index": 0})

    def in_band_error(self, code: int, message: str) -> str:
        error = {"type": "server_error", "code": str(code), "message": message}
        return json.dumps({"type": "error", "event_id": "evt_err", "error": error})
