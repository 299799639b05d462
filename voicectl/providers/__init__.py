"""Fake providers: minimal provider protocols and the fault-injecting fake server.

Importing this package registers every protocol in :data:`PROTOCOLS` under its CLI name.
"""

from voicectl.outcome.connections import ConnectionLog, ConnectionRecord, EndedBy, SentTranscript
from voicectl.providers import (  # noqa: F401  (each module registers its protocol)
    assemblyai,
    cartesia_stt,
    cartesia_tts,
    deepgram_flux,
    deepgram_stt,
    deepgram_tts,
    elevenlabs_tts,
    generic,
    openai_stt,
    soniox,
)
from voicectl.providers.protocol import (
    PROTOCOLS,
    CloseNormally,
    Output,
    ProviderProtocol,
    ServiceKind,
    get_protocol,
    protocol_names,
    register_protocol,
)
from voicectl.providers.schedule import ScriptedTranscript, TranscriptSchedule
from voicectl.providers.server import FakeProviderServer

__all__ = [
    "PROTOCOLS",
    "CloseNormally",
    "ConnectionLog",
    "ConnectionRecord",
    "EndedBy",
    "FakeProviderServer",
    "Output",
    "ProviderProtocol",
    "ScriptedTranscript",
    "SentTranscript",
    "ServiceKind",
    "TranscriptSchedule",
    "get_protocol",
    "protocol_names",
    "register_protocol",
]
