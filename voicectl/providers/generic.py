"""``generic``: accepts anything, drains audio, sends only what the fault script says."""

from __future__ import annotations

from typing import ClassVar

from voicectl.providers.protocol import ProviderProtocol, ServiceKind, register_protocol

__all__ = ["GenericProtocol"]


@register_protocol
class GenericProtocol(ProviderProtocol):
    """No provider at all: for custom targets that only need a socket to lose."""

    name: ClassVar[str] = "generic"
    kind: ClassVar[ServiceKind] = ServiceKind.GENERIC
