"""What a real carrier would make of every message a bot sent on one call, without any I/O.

A :class:`ProtocolLedger` is fed each parsed bot message (:meth:`ProtocolLedger.observe`) and
counts what the carrier would drop or reject: media addressed to another stream or to none,
payloads that are not valid base64 or not the carrier's encoding, messages that are not the
carrier's JSON, events the carrier does not know, and anything sent after the call ended. It
keeps the first offending message of each kind (truncated; redacted when reported).

A carrier plays any bytes it is given, so audio in the wrong sample format is not rejected: the
caller hears noise. The ledger tells the two formats apart from the bytes of the whole call
(:meth:`ProtocolLedger.encoding_finding`): 16-bit PCM's low and high bytes, at even and odd
offsets, have very different spreads of values, while G.711 codes one sample per byte, so both
offsets look alike. On the bundled calls the entropies at the two offsets differ by 2.0-2.8 bits
for 16-bit PCM and by at most 0.02 bits for mu-law and A-law.

Mu-law and A-law are told apart the same way, by decoding: both keep a sample's sign but lay out
its magnitude bits differently, so audio decoded with the wrong law jumps between distant levels
where the right law steps smoothly (mu-law silence, 0xFF/0x7F, is +-848 as A-law; A-law's
0xD5/0x55 is +-716 as mu-law). The ledger sums how far apart, in levels of each law, consecutive
bytes of every payload decode; speech in the carrier's law steps less under it than under the
other law (the measured spread is in ``carrier.protocol``'s registry entry). White noise steps
as far in any order under either law, so the law is judged only on audio that one law decodes
smoother than its bytes shuffled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from voicectl.audio.g711 import alaw_decode, ulaw_decode
from voicectl.carriers.events import BotEvent, BotMalformed, BotMark, BotMedia, BotOther

__all__ = [
    "ENCODING_MIN_BYTES",
    "LAW_SMOOTHNESS",
    "LAW_STEP_RATIO",
    "OTHER_EVENTS_ACCEPTED",
    "ProtocolLedger",
    "Violation",
]

#: Well-formed bot events a carrier accepts besides media, marks and clears.
OTHER_EVENTS_ACCEPTED: dict[str, frozenset[str]] = {
    "plivo": frozenset({"sendDTMF"}),
}
_SHOWN_CHARS = 160
#: Below this much bot audio (bytes), the sample format is not judged.
ENCODING_MIN_BYTES = 4000
#: Entropy (bits) between even- and odd-offset bytes above which audio is 16-bit PCM, and below
#: which (with some signal, see ``_SIGNAL_BITS``) it is one byte per sample.
_PCM16_SPLIT_BITS = 1.0
_G711_ALIKE_BITS = 0.3
_SIGNAL_BITS = 3.0
#: Above this ratio of the mean level step between consecutive bytes decoded with the carrier's
#: G.711 law to that decoded with the other law, the audio is in the other law.
LAW_STEP_RATIO = 1.0
#: The law is judged only on audio that one law decodes smoother than the same bytes in random
#: order would be (mean step over the shuffled mean step, at most this): white noise, whose
#: steps under either law say nothing of the law, measures 0.97-1.02.
LAW_SMOOTHNESS = 0.9
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
    encoding: str = ""  # what the carrier plays: mulaw, alaw or pcm16 ("": not judged)
    messages: int = 0
    media: int = 0
    media_bytes: int = 0
    marks: int = 0
    counts: dict[Violation, int] = field(default_factory=dict)
    first: dict[Violation, str] = field(default_factory=dict)
    dropped_media: int = 0  # media messages the carrier would not play
    stray_stream_ids: list[str] = field(default_factory=list)
    # Byte values of the bot's audio at even and odd offsets of the call's audio stream.
    even_bytes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(256, np.int64))
    odd_bytes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(256, np.int64))
    # Level steps between consecutive bytes of each payload, decoded as mu-law and as A-law.
    law_steps: dict[str, int] = field(default_factory=lambda: {"mulaw": 0, "alaw": 0})
    law_pairs: int = 0  # consecutive byte pairs those steps were summed over

    def observe(self, event: BotEvent, raw: str | bytes, *, after_end: bool = False) -> None:
        """Judge one message from the bot, as parsed by the call's carrier session."""
        self.messages += 1
        if after_end:
            self._violate(Violation.AFTER_END, raw)
            self.dropped_media += _is_media(event, raw)
            return
        if isinstance(event, BotMedia):
            self.media += 1
            if self.encoding:
                self._tally(event.payload)
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

    def _tally(self, payload: bytes) -> None:
        data = np.frombuffer(payload, np.uint8)
        parity = self.media_bytes % 2  # where this payload starts in the call's audio stream
        self.even_bytes += np.bincount(data[parity::2], minlength=256)
        self.odd_bytes += np.bincount(data[1 - parity :: 2], minlength=256)
        if self.encoding in _LEVEL:
            for law, level in _LEVEL.items():
                self.law_steps[law] += int(np.abs(np.diff(level[data])).sum())
            self.law_pairs += max(len(data) - 1, 0)

    def law_step_ratio(self) -> float | None:
        """How much more the bot's audio jumps decoded with the carrier's G.711 law than with
        the other (below 1: the carrier's law fits better; None: not G.711 or no steps)."""
        if self.encoding not in _LEVEL:
            return None
        other = self.law_steps[_OTHER_LAW[self.encoding]]
        return self.law_steps[self.encoding] / other if other else None

    def law_smoothness(self, law: str) -> float | None:
        """Mean level step between consecutive bytes decoded with ``law``, over the mean step
        the same bytes would make in random order (1: noise-like; None: no steps)."""
        counts = self.even_bytes + self.odd_bytes
        total = counts.sum()
        if not self.law_pairs or not total:
            return None
        p = counts / total
        level = _LEVEL[law]
        shuffled = float(p @ np.abs(level[:, None] - level[None, :]) @ p)
        return self.law_steps[law] / self.law_pairs / shuffled if shuffled else None

    def encoding_finding(self) -> str:
        """Why the bot's audio is not in the carrier's sample format (empty if it is, or if
        there is too little audio to tell)."""
        if not self.encoding or self.media_bytes < ENCODING_MIN_BYTES:
            return ""
        even, odd = _entropy(self.even_bytes), _entropy(self.odd_bytes)
        split = abs(even - odd)
        spread = f"{even:.1f} and {odd:.1f} bits of entropy at even and odd byte offsets"
        if self.encoding != "pcm16" and split > _PCM16_SPLIT_BITS:
            return (
                f"the bot's audio is 16-bit PCM, not {self.encoding} ({spread}, as 16-bit "
                f"samples' low and high bytes have): {self.carrier} plays it as noise"
            )
        if self.encoding == "pcm16" and split < _G711_ALIKE_BITS and max(even, odd) > _SIGNAL_BITS:
            return (
                f"the bot's audio is one byte per sample (G.711), not 16-bit PCM ({spread}, "
                f"alike): {self.carrier} plays it as noise"
            )
        ratio = self.law_step_ratio()
        smoothness = [s for law in _LEVEL if (s := self.law_smoothness(law)) is not None]
        smooth = bool(smoothness) and min(smoothness) <= LAW_SMOOTHNESS
        if ratio is not None and ratio > LAW_STEP_RATIO and smooth and split < _G711_ALIKE_BITS:
            other = _OTHER_LAW[self.encoding]
            return (
                f"the bot's audio is {other}, not {self.encoding} (decoded as {self.encoding}, "
                f"consecutive samples jump {ratio:.2f}x as many levels as decoded as {other}): "
                f"{self.carrier} plays it distorted"
            )
        return ""

    def _violate(self, kind: Violation, raw: str | bytes, reason: str = "") -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind not in self.first:
            text = raw if isinstance(raw, str) else f"<{len(raw)} binary bytes>"
            shown = text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
            self.first[kind] = f"{reason}: {shown}" if reason else shown

    @classmethod
    def merged(cls, carrier: str, ledgers: list[ProtocolLedger]) -> ProtocolLedger:
        """One ledger for many calls (a load run): counts summed, the first offender kept."""
        total = cls(carrier, ledgers[0].encoding if ledgers else "")
        for ledger in ledgers:
            total.even_bytes += ledger.even_bytes
            total.odd_bytes += ledger.odd_bytes
            for law, steps in ledger.law_steps.items():
                total.law_steps[law] += steps
            total.law_pairs += ledger.law_pairs
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
            finding = self.encoding_finding()
            return f"{finding} (see carrier.protocol)" if finding else ""
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


def _levels(decoded: npt.NDArray[np.int16]) -> npt.NDArray[np.int64]:
    """Each byte's rank among the law's 256 decoded values (its level, ordered by value)."""
    return np.argsort(np.argsort(decoded, kind="stable"), kind="stable").astype(np.int64)


_CODES = bytes(range(256))
#: Each byte's level under each G.711 law.
_LEVEL = {"mulaw": _levels(ulaw_decode(_CODES)), "alaw": _levels(alaw_decode(_CODES))}
_OTHER_LAW = {"mulaw": "alaw", "alaw": "mulaw"}


def _entropy(counts: npt.NDArray[np.int64]) -> float:
    total = counts.sum()
    if not total:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


def _is_media(event: BotEvent, raw: str | bytes) -> bool:
    if isinstance(event, BotMedia):
        return True
    if isinstance(event, BotMalformed):
        head = event.reason.split(":", 1)[0]
        return head in ("media", "playAudio") or not isinstance(raw, str)
    return False
