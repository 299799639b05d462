"""``assemblyai``: AssemblyAI Universal Streaming v3 (``/v3/ws``).

``Begin`` on open, ``Turn`` messages (validated by Pipecat's pydantic models) for transcripts,
``Termination`` in answer to the client's ``Terminate``. In-band errors are
``{"type": "Error", "error_code": N, "error": "..."}``; v3 closes with the same code.
"""

from __future__ import annotations

import json
import time
from typing import ClassVar

from voicectl.providers.protocol import (
    Message,
    Outgoing,
    ProviderProtocol,
    ServiceKind,
    parse_json,
    register_protocol,
)

__all__ = ["AssemblyAIProtocol"]


@register_protocol
class AssemblyAIProtocol(ProviderProtocol):
    name: ClassVar[str] = "assemblyai"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = "/v3/ws"
    # AssemblyAI's documented session close codes (v3, and the legacy v2 4xxx auth codes).
    private_close_codes: ClassVar[dict[int, str]] = {
        3005: "recoverable",  # session cancelled / server error
        3006: "non-recoverable",  # invalid message
        3007: "non-recoverable",  # audio too fast or wrong chunk size
        3008: "recoverable",  # session expired
        3009: "recoverable",  # too many concurrent sessions
        4001: "non-recoverable",  # not authorized (v2)
        4002: "non-recoverable",  # insufficient funds (v2)
    }

    def on_open(self) -> list[Outgoing]:
        return [
            json.dumps(
                {"type": "Begin", "id": "voicectl-fake", "expires_at": int(time.time()) + 3600}
            )
        ]

    def on_message(self, message: Message) -> list[Outgoing]:
        data = parse_json(message)
        if data is not None and data.get("type") == "Terminate":
            return [
                json.dumps(
                    {
                        "type": "Termination",
                        "audio_duration_seconds": 0,
                        "session_duration_seconds": 0,
                    }
                )
            ]
        return []

    def transcript(self, text: str) -> list[str | bytes]:
        self.transcripts_sent += 1
        return [
            json.dumps(
                {
                    "type": "Turn",
                    "turn_order": self.transcripts_sent - 1,
                    "turn_is_formatted": True,
                    "end_of_turn": True,
                    "transcript": text,
                    "end_of_turn_confidence": 0.9,
                    "words": [],
                }
            )
        ]

    def missing_keys(self) -> str:
        return json.dumps({"type": "Turn", "end_of_turn": True})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps({"type": "Error", "error_code": code, "error": message})
