"""Every ``voicectl`` command: where its code is and the line ``--help`` lists for it.

The one place a command is registered. ``voicectl --help`` and ``voicectl chaos --help`` are
drawn from these rows without importing the command modules (:mod:`voicectl.cli.lazy`); a
command's module is imported when the command runs or its own ``--help`` is shown.
``tests/cli/test_cli_lazy.py`` checks every row against the module it names: the command
imports, its help is this line, and every command registered on ``chaos_app`` has a row.
"""

from __future__ import annotations

from voicectl.cli.lazy import LazyCommand

__all__ = ["CHAOS_COMMANDS", "ROOT_COMMANDS"]

ROOT_COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "replay",
        "voicectl.cli.replay",
        "replay",
        "Replay telephony calls into a bot and judge its answers (default: bundled calls -> reference bot at 8 and 16 kHz).",
    ),
    LazyCommand(
        "segment",
        "voicectl.cli.segment",
        "segment",
        "Find the caller's utterances with Silero VAD and write each recording's sidecar (NAME.json) for review.",
    ),
    LazyCommand(
        "bot",
        "voicectl.cli.bot",
        "bot",
        "Serve the reference bot (real Pipecat serializer, Silero VAD, Smart Turn v3) at ws://HOST:PORT/ws.",
    ),
    LazyCommand(
        "call",
        "voicectl.cli.call",
        "call",
        "Play a scripted caller into a bot and judge each wait_for and expect step.",
    ),
    LazyCommand(
        "resample-check",
        "voicectl.cli.resample_check",
        "resample_check",
        "Measure resamplers (default: every installed Pipecat resampler and soxr, 6 rates) or diagnose recordings.",
    ),
    LazyCommand(
        "load",
        "voicectl.cli.load",
        "load",
        "Place many concurrent real-time calls and judge success, first-audio latency and the client's own pacing (default: 8 bundled calls -> reference bot).",
    ),
    LazyCommand(
        "run",
        "voicectl.cli.run",
        "run",
        "Run a suite of scenarios (CI): every scenario checked first, then one merged report.",
    ),
    LazyCommand(
        "smoke",
        "voicectl.cli.smoke",
        "smoke",
        "The bundled smoke suite: replay, barge-in, closes, STT failover, resamplers (< 60 s).",
    ),
    LazyCommand(
        "fakes",
        "voicectl.cli.fakes",
        "fakes",
        "Serve provider fakes on 127.0.0.1 and print one NAME_BASE_URL=URL line per fake (stdout).",
    ),
    LazyCommand(
        "chaos",
        "voicectl.cli.chaos",
        "chaos_app",
        "Inject a fault (provider close codes, drops, stalls, barge-in, hang-up, ...) and judge the reaction.",
    ),
    LazyCommand(
        "report",
        "voicectl.cli.report",
        "report_app",
        "Re-render a saved JSON report (console, HTML, JUnit, Markdown), or compare two for a latency regression.",
    ),
)
"""``voicectl COMMAND``, in ``--help`` order."""

CHAOS_COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "ws-close",
        "voicectl.cli.chaos_provider",
        "ws_close",
        "The provider closes the WebSocket with a code (default 1008, right after the first message).",
    ),
    LazyCommand(
        "ws-drop",
        "voicectl.cli.chaos_provider",
        "ws_drop",
        "The provider aborts TCP with no close frame (the client sees 1006).",
    ),
    LazyCommand(
        "handshake",
        "voicectl.cli.chaos_provider",
        "handshake",
        "The provider rejects the WebSocket handshake with an HTTP status.",
    ),
    LazyCommand(
        "stall",
        "voicectl.cli.chaos_provider",
        "stall",
        "The provider stops reading and answering (no pongs) but keeps the socket open.",
    ),
    LazyCommand(
        "malformed",
        "voicectl.cli.chaos_provider",
        "malformed",
        "The provider sends a malformed message or its in-band error (the connection stays open).",
    ),
    LazyCommand(
        "latency",
        "voicectl.cli.chaos_provider",
        "latency",
        "Every provider message arrives late (latency +/- jitter).",
    ),
    LazyCommand(
        "flap",
        "voicectl.cli.chaos_provider",
        "flap",
        "Connections close after a repeating cycle of lifetimes (a long one resets naive counters).",
    ),
    LazyCommand(
        "interrupt",
        "voicectl.cli.chaos_interrupt",
        "interrupt",
        "The caller barges in while the bot speaks (or while it is in a function call): does it stop and answer?",
    ),
    LazyCommand(
        "hangup",
        "voicectl.cli.chaos_hangup",
        "hangup",
        "The caller's line drops mid-call (no stop, no close frame): does the bot let go of the call?",
    ),
    LazyCommand(
        "carrier-close",
        "voicectl.cli.chaos_carrier_close",
        "carrier_close",
        "The carrier closes the call's WebSocket with a code mid-utterance: does the bot close and clean up?",
    ),
    LazyCommand(
        "dtmf",
        "voicectl.cli.chaos_dtmf",
        "dtmf",
        "The caller presses keys (the carrier's dtmf events, or in-band tones): does the bot get them?",
    ),
    LazyCommand(
        "backchannel",
        "voicectl.cli.chaos_backchannel",
        "backchannel",
        'The caller says "mm-hmm" while the bot talks, then barges in: does the bot keep talking, then stop?',
    ),
    LazyCommand(
        "silence",
        "voicectl.cli.chaos_silence",
        "silence",
        "The caller says nothing after the bot's answer: does the bot check in or end the call?",
    ),
    LazyCommand(
        "media-gap",
        "voicectl.cli.chaos_media_gap",
        "media_gap",
        "The caller's media stops mid-utterance, socket open: does the turn end and the bot carry on?",
    ),
    LazyCommand(
        "heartbeat",
        "voicectl.cli.chaos_heartbeat",
        "heartbeat",
        "Pipecat heartbeats: false alarms on a long reply, an alarm when stuck? (seen from inside)",
    ),
    LazyCommand(
        "stt-crash",
        "voicectl.cli.chaos_service",
        "stt_crash",
        "Crash the bot's primary STT mid-call (the reference bot, or --bot-cmd's fake) and judge the ServiceSwitcher failover.",
    ),
    LazyCommand(
        "failover",
        "voicectl.cli.chaos_service",
        "failover",
        "Repeated STT incidents with recovery: switch away, switch back, switch again.",
    ),
    LazyCommand(
        "slow-reader",
        "voicectl.cli.chaos_slow_reader",
        "slow_reader",
        "The carrier stops reading its socket mid-reply: does the bot recover, log little, clean up?",
    ),
)
"""``voicectl chaos FAULT``, in ``--help`` order; each function is registered on ``chaos_app``."""
