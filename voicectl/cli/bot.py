"""``voicectl bot``: serve the reference bot on loopback until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer
from rich.console import Console

from voicectl.audio.script import bundled_calls
from voicectl.bot.pipeline import SUPPORTED_RATES, BotBrain, ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer
from voicectl.cli.common import configure_logging, fail_usage, stderr_console
from voicectl.errors import InputError, VoicectlError

__all__ = ["bot"]


def bot(
    port: Annotated[
        int, typer.Option("--port", help="TCP port (0 picks a free one).", min=0, max=65535)
    ] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    rate: Annotated[
        int, typer.Option("--rate", help="Pipeline sample rate: 8000, 16000, 24000 or 48000.")
    ] = 16000,
    max_calls: Annotated[
        int,
        typer.Option(
            "--max-calls", help="Concurrent calls served; more are refused with 1013.", min=1
        ),
    ] = 1,
    reply_secs: Annotated[
        float, typer.Option("--reply-secs", help="Length of each reply, seconds.", min=0.05)
    ] = 1.5,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", help="Stop after this many seconds (default: until Ctrl-C).", min=0.1
        ),
    ] = None,
    kind: Annotated[
        BotBrain,
        typer.Option(
            "--bot",
            help="'responder' (speech-shaped replies), 'full' (Pipecat's Deepgram STT, OpenAI LLM "
            "with registered functions, Cartesia TTS, against in-process fakes whose STT hears the "
            "bundled order_status call's words) or 'flows' (full, run by a FlowManager).",
        ),
    ] = BotBrain.RESPONDER,
    cancel_on_interruption: Annotated[
        bool,
        typer.Option(
            "--cancel-on-interruption/--no-cancel-on-interruption",
            help="Full/flows bot: register its functions with this cancel_on_interruption.",
        ),
    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Pipecat's log.")] = False,
) -> None:
    """Serve the reference bot (real Pipecat serializer, Silero VAD, Smart Turn v3) at ws://HOST:PORT/ws."""
    if rate not in SUPPORTED_RATES:
        raise fail_usage(
            f"--rate must be one of {', '.join(map(str, SUPPORTED_RATES))}, got {rate}"
        )
    if kind is BotBrain.RESPONDER and not cancel_on_interruption:
        raise fail_usage("--no-cancel-on-interruption needs --bot full or --bot flows")
    if kind is not BotBrain.RESPONDER and reply_secs != 1.5:
        raise fail_usage(
            f"--reply-secs applies to --bot responder: the {kind.value} bot's replies come from "
            "its TTS (it would be ignored)"
        )
    configure_logging(verbose)
    config = ReferenceBotConfig(
        sample_rate=rate,
        reply_secs=reply_secs,
        brain=kind,
        cancel_on_interruption=cancel_on_interruption,
    )
    order_call = next(c for c in bundled_calls() if c.name == "order_status")
    words = [u.text for u in order_call.script.utterances] if order_call.script else []
    console = Console(highlight=False)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with ReferenceBotServer(
            config, host=host, port=port, max_calls=max_calls, fake_utterances=words
        ) as server:
            console.print(
                f"reference bot listening on {server.url} ({config.describe()}); carriers: twilio, telnyx, plivo, exotel"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), duration)
            console.print(f"stopping; served {len(server.calls)} call(s)")

    try:
        asyncio.run(serve())
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    except VoicectlError as exc:  # the port is taken, the bot did not start: exit 3
        stderr_console().print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
