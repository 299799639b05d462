"""STT factories as a user writes them for ``--primary/--backup path.py:factory``."""

from __future__ import annotations

from pipecat.services.assemblyai.stt import AssemblyAISTTService
from pipecat.services.soniox.stt import SonioxSTTService


def primary(url: str) -> SonioxSTTService:
    """The team's Soniox STT, built the way their bot builds it (faster reconnects)."""
    return SonioxSTTService(
        api_key="team-key", url=url, reconnect_backoff_min_wait=0.5, reconnect_backoff_max_wait=1.0
    )


async def backup(url: str) -> AssemblyAISTTService:
    """An async factory for the backup."""
    return AssemblyAISTTService(api_key="team-key", api_endpoint_base_url=url)
