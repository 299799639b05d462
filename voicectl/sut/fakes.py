"""``--fake PROVIDER[:NAME]`` and ``--fault NAME=SPEC``: the provider fakes a bot under test talks to.

Each fake serves one provider protocol on 127.0.0.1 and is announced to the bot as
``NAME_BASE_URL`` (``deepgram:backup`` -> ``DEEPGRAM_BACKUP_BASE_URL``); a fault applies to the
fake of that name with the spec grammar of :func:`voicectl.faults.spec.parse_fault_spec`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voicectl.errors import InputError
from voicectl.faults.base import Fault, Selector

__all__ = ["FakeFleet", "FakeSpec", "FaultSpec", "validate_fakes"]

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class FakeSpec:
    """A fake of ``provider`` known by ``name`` (``deepgram:backup``: provider deepgram, name backup)."""

    provider: str
    label: str | None = None

    @classmethod
    def parse(cls, text: str) -> FakeSpec:
        provider, _, label = text.strip().lower().partition(":")
        from voicectl.providers import protocol_names

        known = protocol_names()
        if provider not in known:
            raise InputError(f"--fake: unknown provider {provider!r} (known: {', '.join(known)})")
        if label and not _NAME.match(label):
            raise InputError(f"--fake {text!r}: the name after ':' is letters, digits, - and _")
        return cls(provider, label or None)

    @property
    def name(self) -> str:
        """How ``--fault`` refers to this fake: ``deepgram`` or ``deepgram:backup``."""
        return self.provider if self.label is None else f"{self.provider}:{self.label}"

    @property
    def env_var(self) -> str:
        stem = self.provider if self.label is None else f"{self.provider}_{self.label}"
        return re.sub(r"[^A-Z0-9]", "_", stem.upper()) + "_BASE_URL"


@dataclass(frozen=True)
class FaultSpec:
    """``deepgram=ws-close:1008@8s``: a fault on the fake called ``deepgram``."""

    fake: str
    spec: str
    fault: Fault
    selector: Selector

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        from voicectl.faults.spec import parse_fault_spec

        name, sep, spec = text.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise InputError(f"--fault {text!r} is not NAME=SPEC (e.g. deepgram=ws-close:1008@8s)")
        fault, selector = parse_fault_spec(spec)
        return cls(name.strip().lower(), spec.strip(), fault, selector)


def validate_fakes(fakes: Sequence[FakeSpec], faults: Sequence[FaultSpec]) -> None:
    """Distinct names, and every fault names a fake that is started (:class:`InputError`)."""
    names = [f.name for f in fakes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"--fake {twice[0]} is given twice: name the second (e.g. {twice[0]}:backup)"
        )
    for fault in faults:
        if fault.fake not in names:
            started = ", ".join(names) or "none"
            raise InputError(
                f"--fault {fault.fake}={fault.spec}: no fake named {fault.fake!r} is started (--fake: {started})"
            )
    per_fake = [f.fake for f in faults]
    again = sorted({n for n in per_fake if per_fake.count(n) > 1})
    if again:
        raise InputError(f"--fault: one fault per fake for now; {again[0]!r} has more than one")


class FakeFleet:
    """The fakes of one bot run, started together, their URLs in :meth:`env`."""

    def __init__(self, fakes: Sequence[FakeSpec], faults: Sequence[FaultSpec] = ()) -> None:
        validate_fakes(fakes, faults)
        self.specs = list(fakes)
        self.faults = {f.fake: f for f in faults}
        self.servers: dict[str, Any] = {}

    def env(self) -> dict[str, str]:
        return {spec.env_var: self.servers[spec.name].base_url for spec in self.specs}

    async def start(self) -> None:
        from voicectl.providers.server import FakeProviderServer

        for spec in self.specs:
            fault = self.faults.get(spec.name)
            server = FakeProviderServer(
                spec.provider,
                fault.fault if fault else None,
                selector=fault.selector if fault else None,
            )
            await server.start()
            self.servers[spec.name] = server

    async def stop(self) -> None:
        for server in self.servers.values():
            with contextlib.suppress(Exception):
                await server.stop()

    async def __aenter__(self) -> FakeFleet:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
