"""Targets: the real Pipecat service (or the user's processor) pointed at the fake provider.

Built-in names map to a Pipecat class and the keyword that carries its URL. A custom target is
``path/to/file.py:factory`` or ``package.module:factory``, called as ``factory(url)`` (sync or
async) and returning a ``FrameProcessor``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicectl.errors import HarnessError, InputError
from voicectl.providers import get_protocol

__all__ = [
    "BUILTIN_TARGETS",
    "DEFAULT_TARGET",
    "FAKE_API_KEY",
    "BuiltinTarget",
    "TargetSpec",
    "build_target",
    "resolve_target",
    "target_names",
]

#: The key every built-in target is given; the fake accepts it, reports redact it.
FAKE_API_KEY = "voicectl-fake-key"
DEFAULT_TARGET = "soniox"


@dataclass(frozen=True)
class BuiltinTarget:
    """A Pipecat service class, its protocol and the constructor keyword for its URL."""

    name: str
    protocol: str
    module: str
    cls: str
    url_kwarg: str
    settings: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> str:
        return f"pipecat {self.cls}({self.url_kwarg}=<fake>)"

    def build(self, url: str, **overrides: Any) -> Any:
        """The Pipecat service pointed at ``url``; ``overrides`` are extra constructor kwargs."""
        service_cls = getattr(importlib.import_module(self.module), self.cls)
        kwargs: dict[str, Any] = {"api_key": FAKE_API_KEY, self.url_kwarg: url, **overrides}
        if self.settings:
            kwargs["settings"] = service_cls.Settings(**dict(self.settings))
        return service_cls(**kwargs)


_SVC = "pipecat.services"
BUILTIN_TARGETS: dict[str, BuiltinTarget] = {
    t.name: t
    for t in (
        BuiltinTarget("soniox", "soniox", f"{_SVC}.soniox.stt", "SonioxSTTService", "url"),
        BuiltinTarget(
            "cartesia-stt", "cartesia-stt", f"{_SVC}.cartesia.stt", "CartesiaSTTService", "base_url"
        ),
        BuiltinTarget(
            "deepgram-flux",
            "deepgram-flux",
            f"{_SVC}.deepgram.flux.stt",
            "DeepgramFluxSTTService",
            "url",
        ),
        BuiltinTarget(
            "assemblyai",
            "assemblyai",
            f"{_SVC}.assemblyai.stt",
            "AssemblyAISTTService",
            "api_endpoint_base_url",
        ),
        BuiltinTarget(
            "openai-stt", "openai-stt", f"{_SVC}.openai.stt", "OpenAIRealtimeSTTService", "base_url"
        ),
        BuiltinTarget(
            "cartesia-tts",
            "cartesia-tts",
            f"{_SVC}.cartesia.tts",
            "CartesiaTTSService",
            "url",
            (("voice", "voicectl-fake-voice"),),
        ),
        BuiltinTarget(
            "elevenlabs-tts",
            "elevenlabs-tts",
            f"{_SVC}.elevenlabs.tts",
            "ElevenLabsTTSService",
            "url",
            (("voice", "voicectl-fake-voice"),),
        ),
    )
}


def target_names() -> list[str]:
    return list(BUILTIN_TARGETS)


Factory = Callable[[str], Any]


@dataclass(frozen=True)
class TargetSpec:
    """What to build and which protocol the fake speaks to it."""

    name: str
    protocol: str
    factory: Factory
    builtin: bool
    description: str


def resolve_target(target: str, protocol: str | None = None) -> TargetSpec:
    """Validate ``--target`` and ``--protocol`` (before anything runs): InputError if bad.

    A custom factory's module is imported here so that a typo is a usage error, not a harness
    error; the factory itself is only called once the fake provider is listening.
    """
    if protocol is not None:
        get_protocol(protocol)
    builtin = BUILTIN_TARGETS.get(target)
    if builtin is not None:
        if protocol is not None and protocol != builtin.protocol:
            raise InputError(
                f"--protocol {protocol}: built-in target {target!r} speaks {builtin.protocol!r}"
            )
        return TargetSpec(target, builtin.protocol, builtin.build, True, builtin.describe())
    if ":" not in target:
        raise InputError(
            f"unknown target {target!r}: use one of {', '.join(target_names())}, "
            "or path/to/file.py:factory or package.module:factory"
        )
    where, _, attr = target.rpartition(":")
    if not where or not attr.isidentifier():
        raise InputError(f"--target {target!r}: expected path/to/file.py:factory or module:factory")
    factory = _load_factory(where, attr)
    chosen = protocol or "generic"
    return TargetSpec(target, chosen, factory, False, f"{target}(url) with the {chosen} protocol")


def _load_factory(where: str, attr: str) -> Factory:
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise InputError(f"--target: {where}: no such file")
        name = f"voicectl_target_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise InputError(f"--target: {where}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.resolve().parent))
        try:
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            raise InputError(
                f"--target: importing {where} failed: {type(exc).__name__}: {exc}"
            ) from None
        finally:
            sys.path.remove(str(path.resolve().parent))
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as exc:
            raise InputError(f"--target: no module named {exc.name!r}") from None
        except Exception as exc:
            raise InputError(
                f"--target: importing {where} failed: {type(exc).__name__}: {exc}"
            ) from None
    factory = getattr(module, attr, None)
    if factory is None:
        raise InputError(f"--target: {where} has no attribute {attr!r}")
    if not callable(factory):
        raise InputError(f"--target: {where}:{attr} is not callable")
    return factory


async def build_target(spec: TargetSpec, url: str) -> Any:
    """Call the factory with the fake's URL; anything it raises is a harness error (exit 3)."""
    from pipecat.processors.frame_processor import FrameProcessor

    try:
        built = spec.factory(url)
        if inspect.isawaitable(built):
            built = await built
    except Exception as exc:
        raise HarnessError(
            f"target {spec.name} could not be built: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(built, FrameProcessor):
        raise HarnessError(
            f"target {spec.name} returned {type(built).__name__}, not a pipecat FrameProcessor"
        )
    return built
