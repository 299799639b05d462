"""What a real carrier would make of every message a bot sent on one call, without any I/O.

A :class:`ProtocolLedger` is fed each parsed bot message (:meth:`ProtocolLedger.observe`) and
counts what the carrier would drop or reject: media addressed to another stream or to none,
payloads that are not valid base64 or not the carrier's encoding, messages that are not the
carrier's JSON, events the carrier does not know, and anything sent after the call ended. It
keeps the first offending message of each kind (truncated; redacted when reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from voicectl.carriers.events import BotEvent, BotMalformed, BotMark, BotMedia, BotOther

__all__ = ["OTHER_EVENTS_ACCEPTED", "ProtocolLedger", "Violation"]

#: Well-formed bot events a carrier accepts besides media, marks and clears.
OTHER_EVENTS_ACCEPTED: dict[str, frozenset[str]] = {
    "plivo": frozenset({"sendDTMF"}),
}
_SHOWN_CHARS = 160
_QUOTED = re.compile(r"'([^']*)'")


class Violation(StrEnum):
    """Why a carrier drops or rejects a bot's message."""

    WRONG_STREAM = "addressed to another stream"
    MISSING_STREAM = "no stream id"
    BAD_BASE64 = "payload not valid base64"
    BAD_PAYLOAD = "payload not the carrier's encoding"
    NOT_CARRIER_JSON = "not the carrier's JSON"
    UNKNOWN_EVENT = "unknown event"
    MALFORMED = "malformed"
    AFTER_END = "sent after the call ended"


def classify(reason: str) -> Violation:
    """The kind of a parser's rejection reason (see ``voicectl.carriers.session``)."""
    if "is not this call's" in reason:
        return Violation.WRONG_STREAM
    if re.search(r"\b(stream_?sid|stream_?id|streamId|streamSid)\b is missing", reason, re.I):
        return Violation.MISSING_STREAM
    if "not valid base64" in reason or "payload is empty" in reason:
        return Violation.BAD_BASE64
    if "16-bit PCM" in reason:
        return Violation.BAD_PAYLOAD
    if reason.startswith(("binary frame", "not JSON", "JSON ", "text frame", "event is missing")):
        return Violation.NOT_CARRIER_JSON
    return Violation.MALFORMED


@dataclass
class ProtocolLedger:
    """Counts of the bot's messages on one call, by what the carrier would do with them."""

    carrier: str
    messages: int = 0
    media: int = 0
    media_bytes: int = 0
    marks: int = 0
    counts: dict[Violation, int] = field(default_factory=dict)
    first: dict[Violation, str] = field(default_factory=dict)
    dropped_media: int = 0  # media messages the carrier would not play
    stray_stream_ids: list[str] = field(default_factory=list)

    def observe(self, event: BotEvent, raw: str | bytes, *, after_end: bool = False) -> None:
        """Judge one message from the bot, as parsed by the call's carrier session."""
        self.messages += 1
        if after_end:
            self._violate(Violation.AFTER_END, raw)
            self.dropped_media += _is_media(event, raw)
            return
        if isinstance(event, BotMedia):
            self.media += 1
            self.media_bytes += len(event.payload)
        elif isinstance(event, BotMark):
            self.marks += 1
        elif isinstance(event, BotOther):
            accepted = OTHER_EVENTS_ACCEPTED.get(self.carrier, frozenset())
            # Raw audio has no control messages to get wrong.
            if event.event not in accepted and self.carrier != "raw":
                self._violate(Violation.UNKNOWN_EVENT, raw)
        elif isinstance(event, BotMalformed):
            kind = classify(event.reason)
            self._violate(kind, raw, event.reason)
            if _is_media(event, raw):
                self.dropped_media += 1
            if kind is Violation.WRONG_STREAM:
                found = _QUOTED.findall(event.reason) or [event.reason]
                if found[0] not in self.stray_stream_ids and len(self.stray_stream_ids) < 5:
                    self.stray_stream_ids.append(found[0])

    def _violate(self, kind: Violation, raw: str | bytes, reason: str = "") -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind not in self.first:
            text = raw if isinstance(raw, str) else f"<{len(raw)} binary bytes>"
            shown = text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
            self.first[kind] = f"{reason}: {shown}" if reason else shown

    @classmethod
    def merged(cls, carrier: str, ledgers: list[ProtocolLedger]) -> ProtocolLedger:
        """One ledger for many calls (a load run): counts summed, the first offender kept."""
        total = cls(carrier)
        for ledger in ledgers:
            total.messages += ledger.messages
            total.media += ledger.media
            total.media_bytes += ledger.media_bytes
            total.marks += ledger.marks
            total.dropped_media += ledger.dropped_media
            for kind, n in ledger.counts.items():
                total.counts[kind] = total.counts.get(kind, 0) + n
                total.first.setdefault(kind, ledger.first[kind])
            for stray in ledger.stray_stream_ids:
                if stray not in total.stray_stream_ids and len(total.stray_stream_ids) < 5:
                    total.stray_stream_ids.append(stray)
        return total

    @property
    def violations(self) -> int:
        return sum(self.counts.values())

    def cause(self) -> str:
        """One sentence naming why the caller heard less than the bot sent (empty if nothing)."""
        if not self.dropped_media:
            return ""
        if self.stray_stream_ids:
            ids = ", ".join(repr(i) for i in self.stray_stream_ids)
            return (
                f"the bot sent {self.dropped_media} media message(s) addressed to {ids}, not this "
                f"call's stream: the carrier drops them (see carrier.protocol)"
            )
        return (
            f"the carrier would drop {self.dropped_media} of the bot's media message(s) "
            f"(see carrier.protocol)"
        )


def _is_media(event: BotEvent, raw: str | bytes) -> bool:
    if isinstance(event, BotMedia):
        return True
    if isinstance(event, BotMalformed):
        head = event.reason.split(":", 1)[0]
        return head in ("media", "playAudio") or not isinstance(raw, str)
    return False
