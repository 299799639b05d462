"""Which fakes to serve and how they are faulted: the providers voicectl fakes, ``PROVIDER[:NAME]``
specs, ``NAME=FAULT_SPEC`` faults and :func:`plan_fakes`, which validates them all
(:mod:`voicectl.providers.fakeset` serves the plan)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from voicectl.errors import InputError
from voicectl.faults.base import Fault, Selector
from voicectl.faults.spec import parse_fault_spec
from voicectl.providers.assemblyai import AssemblyAIProtocol
from voicectl.providers.cartesia_stt import CartesiaSTTProtocol
from voicectl.providers.cartesia_tts import CartesiaTTSProtocol
from voicectl.providers.deepgram_flux import DeepgramFluxProtocol
from voicectl.providers.deepgram_stt import DeepgramSTTProtocol
from voicectl.providers.deepgram_tts import DeepgramTTSProtocol
from voicectl.providers.elevenlabs_tts import ElevenLabsTTSProtocol
from voicectl.providers.openai_http import LLMTiming
from voicectl.providers.openai_llm import LLMScript
from voicectl.providers.openai_stt import OpenAISTTProtocol
from voicectl.providers.protocol import ProviderProtocol
from voicectl.providers.soniox import SonioxProtocol

__all__ = [
    "HTTP_FAULTS",
    "PROVIDERS",
    "FakeFault",
    "FakeSpec",
    "FakesPlan",
    "Provider",
    "plan_fakes",
    "provider_names",
]


@dataclass(frozen=True)
class Provider:
    """A fake provider: how it is served and what it serves."""

    name: str
    transport: str  # "websocket" or "http"
    serves: str
    #: The URL suffix the base URL carries (``/v1`` for OpenAI's SDK).
    url_suffix: str = ""
    routes: tuple[tuple[str, type[ProviderProtocol]], ...] = ()


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "deepgram",
            "websocket",
            "/v1/listen live STT, /v2/listen Flux STT, /v1/speak TTS",
            routes=(
                ("/v1/listen", DeepgramSTTProtocol),
                ("/v2/listen", DeepgramFluxProtocol),
                ("/v1/speak", DeepgramTTSProtocol),
            ),
        ),
        Provider(
            "openai", "http", "/v1/chat/completions LLM, /v1/audio/speech TTS", url_suffix="/v1"
        ),
        Provider("anthropic", "http", "/v1/messages LLM"),
        Provider("openai-stt", "websocket", "/v1/realtime STT", routes=(("/", OpenAISTTProtocol),)),
        Provider(
            "cartesia",
            "websocket",
            "/stt/websocket STT, /tts/websocket TTS",
            routes=(("/stt", CartesiaSTTProtocol), ("/tts", CartesiaTTSProtocol)),
        ),
        Provider(
            "elevenlabs",
            "websocket",
            "/v1/text-to-speech/VOICE/multi-stream-input TTS",
            routes=(("/", ElevenLabsTTSProtocol),),
        ),
        Provider(
            "soniox", "websocket", "/transcribe-websocket STT", routes=(("/", SonioxProtocol),)
        ),
        Provider("assemblyai", "websocket", "/v3/ws STT", routes=(("/", AssemblyAIProtocol),)),
    )
}

#: Faults an HTTP fake can carry (the rest act on WebSocket connections only).
HTTP_FAULTS = frozenset(
    {
        "handshake",
        "ws-drop",
        "stall",
        "latency",
        "malformed",
        "llm-error",
        "llm-slow",
        "llm-stall",
        "llm-truncate",
        "llm-bad-args",
    }
)
_LLM_FAULTS = frozenset(f for f in HTTP_FAULTS if f.startswith("llm-"))
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def provider_names() -> list[str]:
    return list(PROVIDERS)


@dataclass(frozen=True)
class FakeSpec:
    """``PROVIDER[:NAME]``: which provider to fake and what to call this fake."""

    provider: str
    name: str

    @classmethod
    def parse(cls, text: str) -> FakeSpec:
        provider, sep, name = text.strip().lower().partition(":")
        if provider not in PROVIDERS:
            raise InputError(
                f"unknown provider {provider!r} in {text!r} (known: {', '.join(PROVIDERS)})"
            )
        if sep and not _NAME.match(name):
            raise InputError(f"fake name {name!r} in {text!r}: use letters, digits and '-'")
        return cls(provider, name if sep else provider)

    @property
    def env_prefix(self) -> str:
        parts = [self.provider] if self.name == self.provider else [self.provider, self.name]
        return "_".join(parts).upper().replace("-", "_")

    @property
    def env_var(self) -> str:
        return f"{self.env_prefix}_BASE_URL"


@dataclass(frozen=True)
class FakeFault:
    """``NAME=FAULT_SPEC``: one fault on one fake."""

    fake: str
    fault: Fault
    selector: Selector
    spec: str


@dataclass(frozen=True)
class FakesPlan:
    """Validated fakes and their faults, plus what the fakes answer."""

    fakes: tuple[FakeSpec, ...]
    faults: tuple[FakeFault, ...] = ()
    utterances: tuple[str, ...] = ()
    endpoint_ms: float | None = None
    llm_script: LLMScript = field(default_factory=LLMScript)
    llm_timing: LLMTiming = field(default_factory=LLMTiming)
    seed: int | None = None
    # How many times faster than real time the LLM fakes stream and the TTS fakes speak
    # (the reference bot under --fast: the caller's silence speed).
    speed: float = 1.0

    def faults_for(self, name: str) -> list[tuple[Fault, Selector]]:
        return [(f.fault, f.selector) for f in self.faults if f.fake == name]


def plan_fakes(
    fakes: Sequence[str | FakeSpec],
    faults: Sequence[str] = (),
    *,
    utterances: Sequence[str] = (),
    endpoint_ms: float | None = None,
    llm_script: LLMScript | None = None,
    llm_timing: LLMTiming | None = None,
    seed: int | None = None,
    speed: float = 1.0,
    more_faults: Sequence[FakeFault] = (),
    more_option: str = "--target",
) -> FakesPlan:
    """Validate fake specs and ``NAME=SPEC`` faults; every problem is one :class:`InputError`.

    ``more_faults`` are faults built otherwise (a chaos command's own, named by ``more_option``):
    they come after the ``NAME=SPEC`` ones, so a connection one of those picks is theirs."""
    specs = [f if isinstance(f, FakeSpec) else FakeSpec.parse(f) for f in fakes]
    if not specs:
        raise InputError("no fakes to serve: name at least one provider")
    by_name: dict[str, FakeSpec] = {}
    for spec in specs:
        if spec.name in by_name:
            raise InputError(f"two fakes are named {spec.name!r}: give one a :NAME")
        by_name[spec.name] = spec
    env_vars = [s.env_var for s in specs]
    clash = next((v for v in env_vars if env_vars.count(v) > 1), None)
    if clash is not None:
        raise InputError(f"two fakes would both set {clash}: rename one")
    parsed: list[FakeFault] = []
    for text in faults:
        target, sep, spec_text = text.partition("=")
        if not sep or not target.strip() or not spec_text.strip():
            raise InputError(f"--fault {text!r} is not NAME=SPEC (e.g. deepgram=ws-close:1008@8s)")
        spec = _resolve_fake(target.strip().lower(), by_name)
        fault, selector = parse_fault_spec(spec_text)
        _check_transport(spec, fault, f"--fault {text!r}")
        parsed.append(FakeFault(spec.name, fault, selector, spec_text.strip()))
    for more in more_faults:
        spec = _resolve_fake(more.fake.strip().lower(), by_name, option=more_option)
        _check_transport(spec, more.fault, f"{more_option} {more.fake}")
        parsed.append(replace(more, fake=spec.name))
    if endpoint_ms is not None and endpoint_ms <= 0:
        raise InputError("the STT endpoint silence must be > 0 ms")
    if not speed > 0:
        raise InputError(f"the fakes' speed must be > 0, got {speed}")
    return FakesPlan(
        tuple(specs),
        tuple(parsed),
        tuple(utterances),
        endpoint_ms,
        llm_script or LLMScript(),
        llm_timing or LLMTiming(),
        seed,
        speed,
    )


def _check_transport(spec: FakeSpec, fault: Fault, what: str) -> None:
    transport = PROVIDERS[spec.provider].transport
    if transport == "http" and fault.name not in HTTP_FAULTS:
        raise InputError(
            f"{what}: {fault.name} acts on WebSocket connections; the {spec.name} "
            f"fake is HTTP (use one of {', '.join(sorted(HTTP_FAULTS))})"
        )
    if transport == "websocket" and fault.name in _LLM_FAULTS:
        raise InputError(
            f"{what}: {fault.name} is an LLM fault; the {spec.name} fake is not an LLM"
        )


def _resolve_fake(
    target: str, by_name: dict[str, FakeSpec], *, option: str = "--fault"
) -> FakeSpec:
    if target in by_name:
        return by_name[target]
    provider, _, name = target.partition(":")
    spec = by_name.get(name)
    if spec is not None and spec.provider == provider:
        return spec
    started = ", ".join(by_name)
    raise InputError(f"{option} names fake {target!r}, which is not started (started: {started})")
