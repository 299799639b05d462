"""The caller-fault commands (``chaos dtmf | backchannel | silence | media-gap | heartbeat``),
one module each; importing this one registers them all on ``chaos_app``."""

from __future__ import annotations

from voicectl.cli.chaos_backchannel import backchannel
from voicectl.cli.chaos_dtmf import dtmf
from voicectl.cli.chaos_heartbeat import heartbeat
from voicectl.cli.chaos_media_gap import media_gap
from voicectl.cli.chaos_silence import silence

__all__ = ["backchannel", "dtmf", "heartbeat", "media_gap", "silence"]
