"""``llm-error``: an HTTP provider (the LLM) answers a request with an error status."""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, RespondError
from voicectl.faults.base import Fault, FaultFamily, Trigger, TriggerKind, register

__all__ = ["LLMError"]

#: Statuses a client is told to retry later; they carry ``Retry-After`` unless told otherwise.
_RETRY_LATER = (429, 503)


@register
@dataclass(frozen=True)
class LLMError(Fault):
    """Answer selected requests with HTTP ``status`` (429 with ``Retry-After``, 500, 503, ...).

    ``after`` (seconds from the fake's start) selects requests that arrive from then on.
    """

    name: ClassVar[str] = "llm-error"
    family: ClassVar[FaultFamily] = FaultFamily.CONNECTION_LOSS

    status: int = 429
    retry_after_s: float | None = None
    after: float | None = None

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise InputError(f"llm-error status must be 400-599, got {self.status}")
        try:
            http.HTTPStatus(self.status)
        except ValueError:
            raise InputError(
                f"llm-error status {self.status} is not a standard HTTP status"
            ) from None
        if self.retry_after_s is not None and self.retry_after_s < 0:
            raise InputError("llm-error Retry-After must be >= 0 seconds")

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> LLMError:
        """``llm-error:STATUS[~RETRY_AFTER_S]``, e.g. ``llm-error:429~2``."""
        if after_messages is not None:
            raise InputError(f"fault spec {spec!r}: llm-error takes '@Ns', not '@Nmsg'")
        status_text, _, retry = (arg or "429").partition("~")
        try:
            status = int(status_text)
            retry_after = float(retry) if retry else None
        except ValueError:
            raise InputError(f"fault spec {spec!r}: expected llm-error:STATUS[~SECONDS]") from None
        return cls(status=status, retry_after_s=retry_after, after=after)

    @property
    def effective_retry_after_s(self) -> float | None:
        if self.retry_after_s is not None:
            return self.retry_after_s
        return 1.0 if self.status in _RETRY_LATER else None

    @property
    def trigger(self) -> Trigger:
        if self.after is not None:
            return Trigger(TriggerKind.AFTER_SECONDS, self.after)
        return Trigger(TriggerKind.HANDSHAKE)

    @property
    def action(self) -> Action:
        return RespondError(self.status, self.effective_retry_after_s)

    def describe(self) -> str:
        phrase = http.HTTPStatus(self.status).phrase
        retry = self.effective_retry_after_s
        after = f", Retry-After {retry:g} s" if retry is not None else ""
        when = f" from {self.after:g} s" if self.after else ""
        return f"answer requests with HTTP {self.status} {phrase}{after}{when}"

    def attribution_terms(self) -> tuple[str, ...]:
        return (str(self.status), http.HTTPStatus(self.status).phrase)
