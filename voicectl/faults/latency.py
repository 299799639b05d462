"""``latency``: every provider message arrives late (Toxiproxy's latency toxic, downstream)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, Delay
from voicectl.faults.base import Fault, FaultFamily, Trigger, TriggerKind, register
from voicectl.faults.spec_args import float_arg, no_trigger

__all__ = ["Latency"]


@register
@dataclass(frozen=True)
class Latency(Fault):
    """Delay each provider->target message by ``ms`` +/- uniform ``jitter_ms`` (seeded)."""

    name: ClassVar[str] = "latency"
    family: ClassVar[FaultFamily] = FaultFamily.LATENCY
    terminates_connection: ClassVar[bool] = False

    ms: float = 300.0
    jitter_ms: float = 0.0

    def __post_init__(self) -> None:
        if self.ms < 0 or self.jitter_ms < 0:
            raise InputError("--ms and --jitter must be >= 0")
        if self.jitter_ms > self.ms:
            raise InputError(f"--jitter ({self.jitter_ms:g}) cannot exceed --ms ({self.ms:g})")

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Latency:
        """``latency:MS`` or ``latency:MS~JITTER`` (milliseconds; default 300)."""
        no_trigger(cls.name, after, after_messages, spec)
        ms, _, jitter = (arg or "300").partition("~")
        return cls(ms=float_arg(ms, spec), jitter_ms=float_arg(jitter, spec) if jitter else 0.0)

    @property
    def trigger(self) -> Trigger:
        return Trigger(TriggerKind.ALWAYS)

    @property
    def action(self) -> Action:
        return Delay(self.ms, self.jitter_ms)

    def describe(self) -> str:
        return f"delay provider messages {self.action.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        return ("latency", "timeout", "timed out", "slow")
