"""``voicectl fakes``: serve provider fakes on loopback and print their base URLs for a bot's env."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import signal
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from voicectl.audio.script import CallScript, load_call, load_script
from voicectl.cli.common import configure_logging, fail_usage, stderr_console
from voicectl.errors import InputError, VoicectlError
from voicectl.faults.latency import Latency
from voicectl.providers.deepgram_stt import endpoint_for
from voicectl.providers.fakeset import PROVIDERS, FakeSet, FakesPlan, plan_fakes
from voicectl.providers.openai_http import LLMTiming
from voicectl.providers.openai_llm import LLMScript
from voicectl.report._atomic import atomic_write

__all__ = ["DEFAULT_FAKES", "fakes"]

#: What a bot like Pipecat's Twilio examples uses: Deepgram STT, OpenAI LLM, Cartesia TTS.
DEFAULT_FAKES = ("deepgram", "openai", "cartesia")


def fakes(
    providers: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PROVIDER[:NAME]]...",
            help=f"Fakes to serve ({', '.join(PROVIDERS)}); :NAME names a second one "
            f"(deepgram:backup -> DEEPGRAM_BACKUP_BASE_URL). Default: {' '.join(DEFAULT_FAKES)}.",
            show_default=False,
        ),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="NAME=SPEC: fault a fake, e.g. deepgram=ws-close:1008@8s#first "
            "deepgram=handshake:401#2.. (repeatable; first matching selector wins).",
            show_default=False,
        ),
    ] = None,
    transcripts: Annotated[
        Path | None,
        typer.Option(
            "--transcripts",
            help="Sidecar JSON (or an audio file with one) whose utterance texts the STT fakes "
            "send, in order. Default: 'utterance N'.",
            show_default=False,
        ),
    ] = None,
    llm_script: Annotated[
        Path | None,
        typer.Option(
            "--llm-script",
            help='JSON {"rules": [...]} scripting the LLM fake (tool calls, replies); see '
            "docs/commands/fakes.md.",
            show_default=False,
        ),
    ] = None,
    llm_first_token_ms: Annotated[
        float,
        typer.Option("--llm-first-token-ms", help="LLM fake: delay before the first chunk.", min=0),
    ] = 150.0,
    llm_chunk_ms: Annotated[
        float,
        typer.Option("--llm-chunk-ms", help="LLM fake: delay between streamed chunks.", min=0),
    ] = 10.0,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", help="Stop after this many seconds (default: until Ctrl-C).", min=0.1
        ),
    ] = None,
    journal: Annotated[
        Path | None,
        typer.Option(
            "--journal",
            help="Write every connection, request, fault and answer as JSON here on exit.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for jittered faults.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show library logs.")] = False,
) -> None:
    """Serve provider fakes on 127.0.0.1 and print one NAME_BASE_URL=URL line per fake (stdout).

    Point your bot at them (export the lines, or put them in a .env file) and run it key-less.
    Status and the summary go to stderr, so stdout stays a clean env file.
    """
    try:
        plan = _plan(providers or list(DEFAULT_FAKES), fault or [], transcripts, llm_script, seed)
        timing = LLMTiming(llm_first_token_ms / 1000.0, llm_chunk_ms / 1000.0)
        plan = dataclasses.replace(plan, llm_timing=timing)
        _reject_unused_options(
            plan,
            {
                "--llm-script": llm_script is not None,
                "--llm-first-token-ms": llm_first_token_ms != 150.0,
                "--llm-chunk-ms": llm_chunk_ms != 10.0,
            },
            transcripts is not None,
            seed is not None,
        )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    configure_logging(verbose)
    try:
        code = asyncio.run(_serve(plan, duration, journal, sys.stdout))
    except VoicectlError as exc:
        stderr_console().print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    raise typer.Exit(code)


def _plan(
    providers: list[str],
    faults: list[str],
    transcripts: Path | None,
    llm_script: Path | None,
    seed: int | None,
) -> FakesPlan:
    script: CallScript | None = None
    if transcripts is not None:
        if transcripts.suffix.lower() == ".json":
            script = load_script(transcripts)
        else:
            script = load_call(transcripts).script
    return plan_fakes(
        providers,
        faults,
        utterances=[u.text for u in script.utterances] if script else (),
        endpoint_ms=endpoint_for(script) if script else None,
        llm_script=LLMScript.load(str(llm_script)) if llm_script else None,
        seed=seed,
    )


def _reject_unused_options(
    plan: FakesPlan, llm_options: dict[str, bool], transcripts: bool, seed: bool
) -> None:
    """An option no served fake would read is a usage error (:class:`InputError`)."""
    serves = [PROVIDERS[spec.provider].serves for spec in plan.fakes]
    if not any("LLM" in s for s in serves):
        for option, was_given in llm_options.items():
            if was_given:
                raise InputError(f"{option} applies to an LLM fake (openai, anthropic): add one")
    if transcripts and not any("STT" in s for s in serves):
        raise InputError("--transcripts applies to an STT fake (e.g. deepgram): add one")
    if seed and not any(isinstance(f.fault, Latency) and f.fault.jitter_ms for f in plan.faults):
        raise InputError(
            "--seed seeds a latency fault's jitter, and no --fault has one (it would be ignored)"
        )


async def _serve(plan: FakesPlan, duration: float | None, journal: Path | None, out: TextIO) -> int:
    console = stderr_console()
    console.soft_wrap = True
    stop = asyncio.Event()
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        interrupted = True
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    fakeset = FakeSet(plan)
    try:
        await fakeset.start()
        # Everything allocated so far (the imports, the fakes) lives until exit: keep it out of
        # the collector's full passes, which otherwise stall every fake for 50-200 ms at a time.
        gc.freeze()
        for line in fakeset.env_lines():
            out.write(line + "\n")
        out.flush()
        for fake in fakeset.fakes.values():
            faults = [f"{f.spec}" for f in plan.faults if f.fake == fake.spec.name]
            extra = f"; faults: {', '.join(faults)}" if faults else ""
            console.print(
                f"fake {fake.spec.name}: {PROVIDERS[fake.spec.provider].serves} "
                f"at {fake.base_url}{extra}"
            )
        until = f"for {duration:g} s" if duration else "until Ctrl-C"
        console.print(f"serving {len(fakeset.fakes)} fake(s) on 127.0.0.1 {until}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        await fakeset.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    for name, fake in fakeset.fakes.items():
        log = fake.log
        faulted = sum(1 for r in log.records() if r.fault_at is not None)
        unit = "requests" if PROVIDERS[fake.spec.provider].transport == "http" else "connections"
        console.print(
            f"{name}: {len(log)} {unit}, {faulted} faulted, {log.transcripts_sent} answers sent"
        )
    if journal is not None:
        events = fakeset.journal()
        document = {"env": fakeset.env, "faults": [f"{f.fake}={f.spec}" for f in plan.faults]}

        def write(handle: TextIO) -> None:
            json.dump({**document, "events": events}, handle, indent=1)
            handle.write("\n")

        atomic_write(journal, write, "journal")
        console.print(f"journal: {journal} ({len(events)} events)")
    return 130 if interrupted else 0
