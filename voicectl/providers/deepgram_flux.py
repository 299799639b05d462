"""``deepgram-flux``: Deepgram Flux STT (``/v2/listen``).

The server confirms each connection with ``Connected`` (Pipecat waits 10 s for it and treats a
silent connection as a quick failure); transcripts are ``TurnInfo`` ``EndOfTurn`` events and
errors are ``{"type": "Error", "code": ..., "description": ...}``.
"""

from __future__ import annotations

import json
from typing import ClassVar

from voicectl.providers.protocol import Outgoing, ProviderProtocol, ServiceKind, register_protocol

__all__ = ["DeepgramFluxProtocol"]


@register_protocol
class DeepgramFluxProtocol(ProviderProtocol):
    name: ClassVar[str] = "deepgram-flux"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = "/v2/listen"

    def on_open(self) -> list[Outgoing]:
        return [json.dumps({"type": "Connected", "request_id": "voicectl-fake", "sequence_id": 0})]

    def transcript(self, text: str) -> list[str | bytes]:
        self.transcripts_sent += 1
        return [
            json.dumps(
                {
                    "type": "TurnInfo",
                    "event": "EndOfTurn",
                    "turn_index": self.transcripts_sent - 1,
                    "transcript": text,
                    "words": [],
                    "end_of_turn_confidence": 0.9,
                }
            )
        ]

    def missing_keys(self) -> str:
        return json.dumps({"type": "TurnInfo"})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps({"type": "Error", "code": str(code), "description": message})
