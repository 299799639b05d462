"""Serve a set of provider fakes on loopback, faulted by spec: the library behind ``voicectl fakes``.

The shape, for callers that run a bot against the fakes (``--bot-cmd``, the pytest fixture)::

    from voicectl.providers.fakeset import FakeSet, plan_fakes

    plan = plan_fakes(
        ["deepgram", "deepgram:backup", "openai", "cartesia"],
        ["deepgram=ws-close:1008@8s#first", "deepgram=handshake:401#2..", "openai=llm-error:429"],
        utterances=["Hi, I'd like to check on my order.", "It is seven two nine four."],
    )                                   # validates everything; InputError (exit 2) if bad
    async with FakeSet(plan) as fakes:  # every fake listening on 127.0.0.1 (ephemeral ports)
        env = fakes.env                 # {"DEEPGRAM_BASE_URL": "ws://127.0.0.1:40123", ...}
        ...                             # start the bot with env, place calls
        events = fakes.journal()        # [{"t", "source": "fake:deepgram", "kind", ...}, ...]
    # stopped: every connection closed, every held stream released

* :func:`plan_fakes` parses ``PROVIDER[:NAME]`` specs and ``NAME=FAULT_SPEC`` faults (the
  grammar of :func:`voicectl.faults.parse_fault_spec`; a fake may have several faults, each
  connection or request gets the first whose selector picks it). A fake is named ``NAME`` if
  given, else ``PROVIDER``; a fault may name it either way (``backup=`` or
  ``deepgram:backup=``). Unknown providers, duplicate names, faults for fakes not started and
  faults the fake's transport cannot carry are :class:`~voicectl.errors.InputError`.
* :class:`FakeSet` starts and stops them; ``fakes[name]`` is a :class:`RunningFake` with its
  ``base_url``, ``env`` and ``log`` (:class:`~voicectl.outcome.connections.ConnectionLog`: every
  connection or request, faults fired, answers sent). All share one clock (``now()``, seconds
  since start, or the ``clock`` you pass) so their journals line up.
* Every STT fake transcribes only what it has heard: speech detection on the audio it receives
  ends each utterance, and the Nth gets ``utterances[N-1]`` (cycling) or ``"utterance N"``
  (:mod:`voicectl.providers.deepgram_stt`, :mod:`voicectl.providers.heard`) -- unless the one
  placing a real-time call sets ``call_clock`` (:mod:`voicectl.providers.call_clock`): then an
  utterance heard is named by the call's time, on every connection (a backup, a reconnect).
* ``env``: one ``<PREFIX>_BASE_URL`` per fake (prefix ``PROVIDER`` or ``PROVIDER_NAME``, upper
  case, ``-`` as ``_``). ``OPENAI_BASE_URL`` includes ``/v1`` as the OpenAI SDK expects.

Providers (:data:`PROVIDERS`) and what each serves on its one port:

============  =========  ======================================================================
deepgram      websocket  ``/v1/listen`` live STT, ``/v2/listen`` Flux, ``/v1/speak`` TTS
openai        HTTP       ``/v1/chat/completions`` (LLM), ``/v1/audio/speech`` (TTS)
anthropic     HTTP       ``/v1/messages`` (LLM; the SDK reads ``ANTHROPIC_BASE_URL``)
openai-stt    websocket  ``/v1/realtime`` realtime transcription
cartesia      websocket  ``/stt/websocket`` STT, ``/tts/websocket`` TTS
elevenlabs    websocket  ``/v1/text-to-speech/VOICE/multi-stream-input`` TTS
soniox        websocket  ``/transcribe-websocket`` STT
assemblyai    websocket  ``/v3/ws`` STT
============  =========  ======================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from voicectl.outcome.connections import ConnectionLog
from voicectl.providers.anthropic_http import AnthropicAPI
from voicectl.providers.call_clock import CallClock
from voicectl.providers.deepgram_stt import DeepgramSTTProtocol
from voicectl.providers.fake_plan import (
    HTTP_FAULTS,
    PROVIDERS,
    FakeFault,
    FakeSpec,
    FakesPlan,
    Provider,
    plan_fakes,
    provider_names,
)
from voicectl.providers.heard import transcribing
from voicectl.providers.http_server import FakeHTTPProvider
from voicectl.providers.openai_http import OpenAIAPI
from voicectl.providers.protocol import ProviderProtocol, ServiceKind
from voicectl.providers.server import FakeProviderServer
from voicectl.providers.tts_audio import warm_up

__all__ = [
    "HTTP_FAULTS",
    "PROVIDERS",
    "FakeFault",
    "FakeSet",
    "FakeSpec",
    "FakesPlan",
    "Provider",
    "RunningFake",
    "plan_fakes",
    "provider_names",
    "start_fakes",
]


class _Routed(ProviderProtocol):
    """A provider serving several APIs on one host: the request path picks the protocol."""

    kind: ClassVar[ServiceKind] = ServiceKind.STT
    routes: ClassVar[tuple[tuple[str, type[ProviderProtocol]], ...]] = ()

    @classmethod
    def for_request(cls, request_path: str) -> ProviderProtocol:
        path = request_path.split("?", 1)[0]
        for prefix, protocol in cls.routes:
            if path.startswith(prefix):
                return protocol.for_request(request_path)
        return cls.routes[0][1].for_request(request_path)


@dataclass
class RunningFake:
    """One fake, listening."""

    spec: FakeSpec
    server: FakeProviderServer | FakeHTTPProvider

    @property
    def base_url(self) -> str:
        suffix = PROVIDERS[self.spec.provider].url_suffix
        return self.server.base_url + suffix

    @property
    def env(self) -> dict[str, str]:
        return {self.spec.env_var: self.base_url}

    @property
    def log(self) -> ConnectionLog:
        return self.server.log


class FakeSet:
    """The fakes of a :class:`FakesPlan`, served on 127.0.0.1 until :meth:`stop`."""

    def __init__(
        self,
        plan: FakesPlan,
        *,
        clock: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.plan = plan
        self.host = host
        self.fakes: dict[str, RunningFake] = {}
        self._clock = clock
        self._t0 = time.monotonic()
        #: The current call's clock (monotonic): set per real-time call by whoever places it.
        self.call_clock = CallClock()

    def now(self) -> float:
        """Seconds since :meth:`start` (or the caller's clock): the fakes' journal time."""
        return self._clock() if self._clock else time.monotonic() - self._t0

    def __getitem__(self, name: str) -> RunningFake:
        return self.fakes[name]

    @property
    def env(self) -> dict[str, str]:
        """``{"DEEPGRAM_BASE_URL": "ws://127.0.0.1:PORT", ...}`` in the plan's order."""
        out: dict[str, str] = {}
        for fake in self.fakes.values():
            out.update(fake.env)
        return out

    def env_lines(self) -> list[str]:
        """``NAME=URL`` lines, ready for ``export``, a ``.env`` file or docker-compose."""
        return [f"{k}={v}" for k, v in self.env.items()]

    async def start(self) -> None:
        """Listen on every fake; on a failure, stop those already started and re-raise."""
        # The TTS fakes' speech bank takes ~0.3 s to make: make it before serving, off the loop.
        await asyncio.to_thread(warm_up)
        self._t0 = time.monotonic()
        try:
            for spec in self.plan.fakes:
                server = self._build(spec)
                self.fakes[spec.name] = RunningFake(spec, server)
                await server.start()
        except BaseException:
            await self.stop()
            raise

    def _build(self, spec: FakeSpec) -> FakeProviderServer | FakeHTTPProvider:
        provider = PROVIDERS[spec.provider]
        faults = self.plan.faults_for(spec.name)
        if provider.transport == "http":
            timing = self.plan.llm_timing.faster(self.plan.speed)
            api: OpenAIAPI | AnthropicAPI = (
                AnthropicAPI(self.plan.llm_script, timing)
                if spec.provider == "anthropic"
                else OpenAIAPI(self.plan.llm_script, timing, speech_speed=self.plan.speed)
            )
            return FakeHTTPProvider(
                api, faults, seed=self.plan.seed, clock=self.now, host=self.host
            )
        routes = tuple((prefix, self._configure(p)) for prefix, p in provider.routes)
        protocol = type(f"{spec.provider.title()}Fake", (_Routed,), {"routes": routes})
        return FakeProviderServer(
            protocol, more_faults=faults, seed=self.plan.seed, clock=self.now, host=self.host
        )

    def _configure(self, protocol: type[ProviderProtocol]) -> type[ProviderProtocol]:
        if issubclass(protocol, DeepgramSTTProtocol):
            return protocol.with_utterances(
                self.plan.utterances, endpoint_ms=self.plan.endpoint_ms, call_clock=self.call_clock
            )
        if protocol.kind is ServiceKind.STT:
            return transcribing(
                protocol, self.plan.utterances, self.plan.endpoint_ms, self.call_clock
            )
        if protocol.kind is ServiceKind.TTS and self.plan.speed != 1.0:
            return type(protocol.__name__, (protocol,), {"speech_speed": self.plan.speed})
        return protocol

    async def stop(self) -> None:
        """Stop every fake (bounded; idempotent)."""
        for fake in self.fakes.values():
            with contextlib.suppress(Exception):
                await fake.server.stop()

    async def __aenter__(self) -> FakeSet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def journal(self) -> list[dict[str, Any]]:
        """Every fake's connections/requests and answers as report events, in time order."""
        events: list[dict[str, Any]] = []
        for name, fake in self.fakes.items():
            source = f"fake:{name}"
            for record in fake.log.records():
                data = record.to_json()
                events.append(
                    {"t": data["opened_at"], "source": source, "kind": "connection", **data}
                )
                if record.fault_at is not None:
                    events.append(
                        {
                            "t": round(record.fault_at, 4),
                            "source": source,
                            "kind": "fault",
                            "connection": record.number,
                            "fault": record.fault_action,
                        }
                    )
            for sent in fake.log.transcripts:
                events.append(
                    {
                        "t": round(sent.t, 4),
                        "source": source,
                        "kind": "answer",
                        "connection": sent.connection,
                        "text": sent.text,
                    }
                )
        events.sort(key=lambda e: (e["t"], e["source"]))
        return events


async def start_fakes(plan: FakesPlan, **kwargs: Any) -> FakeSet:
    """Start ``plan``'s fakes (call :meth:`FakeSet.stop` when done)."""
    fakes = FakeSet(plan, **kwargs)
    await fakes.start()
    return fakes
