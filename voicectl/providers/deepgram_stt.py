"""``deepgram``: Deepgram live STT (``/v1/listen``), as ``DeepgramSTTService`` speaks it.

The query string carries the stream's format (``encoding``, ``sample_rate``) and options
(``interim_results``, ``vad_events``, ``utterance_end_ms``). The client streams binary audio and
sends ``KeepAlive``, ``Finalize`` and ``CloseStream`` as JSON. The fake answers from the audio it
has received only (:class:`~voicectl.providers.speech_detect.SpeechDetector`):

* speech starts -> ``SpeechStarted`` (when ``vad_events=true``);
* while speech continues -> interim ``Results`` (``is_final: false``, when
  ``interim_results=true``, every ``INTERIM_EVERY_S``) with the first words of the utterance;
* after ``endpoint_ms`` of silence (:func:`endpoint_for` fits it to a sidecar) -> a final ``Results`` (``is_final`` and ``speech_final``)
  with the whole utterance, then ``UtteranceEnd`` (when ``utterance_end_ms`` is set);
* ``Finalize`` -> a final ``Results`` with ``from_finalize: true`` for what was heard so far (an
  empty one when nothing is pending), as Deepgram does: it transcribes the audio received up to
  the ``Finalize``, and audio after it goes into later results. A ``Finalize`` in a pause inside
  an utterance (a caller who says "Yes, that's the one." and goes on after a breath) gets the
  sentences spoken so far (:func:`words_heard`); the rest of the utterance comes in the next
  final;
* ``CloseStream`` -> the pending final, ``Metadata``, then a normal close.

The words of the Nth utterance on a connection are ``utterances[N-1]`` (from the call's sidecar
when the caller knows it; cycling), else ``"utterance N"`` -- unless a :class:`CallClock` says
which of the call's utterances is being heard (:mod:`voicectl.providers.call_clock`): then a
backup connection or a reconnect gets the words actually spoken, not the call's first.
"""

from __future__ import annotations

import itertools
import json
import math
import uuid
from collections.abc import Sequence
from typing import ClassVar

from voicectl.audio.script import CallScript
from voicectl.providers.call_clock import CallClock, tolerance_for
from voicectl.providers.protocol import (
    CloseNormally,
    Message,
    Outgoing,
    Output,
    ProviderProtocol,
    ServiceKind,
    parse_json,
    register_protocol,
)
from voicectl.providers.speech_detect import SpeechDetector, SpeechEventKind, decode_pcm

__all__ = ["DEFAULT_ENDPOINT_MS", "DeepgramSTTProtocol", "endpoint_for"]

INTERIM_EVERY_S = 0.5
#: How fast interim results reveal an utterance's words.
WORDS_PER_S = 2.5
#: Speaking rate that places a ``Finalize`` inside an utterance's text (about 165 words a
#: minute, the bundled calls' rate and an ordinary conversational one).
CHARS_PER_S = 15.0
MODEL_INFO = {"name": "general-nova-3", "version": "2026-01-01.0", "arch": "nova-3"}
MODEL_UUID = "00000000-0000-4000-8000-00000000f4ce"
DEFAULT_ENDPOINT_MS = 800.0


def endpoint_for(script: CallScript) -> float:
    """The silence (ms) that ends an utterance, so the fake hears the sidecar's utterances:
    longer than any pause the sidecar marks inside one (plus 300 ms), at least the default,
    and shorter than the shortest gap between two (less 100 ms) when that allows it."""
    utterances = script.utterances
    pauses = [end - start for u in utterances for start, end in u.pauses]
    endpoint = max([DEFAULT_ENDPOINT_MS / 1000, *(p + 0.3 for p in pauses)])
    gaps = [b.start - a.end for a, b in itertools.pairwise(utterances)]
    if gaps and min(gaps) - 0.1 > 0.3:
        endpoint = min(endpoint, min(gaps) - 0.1)
    return round(endpoint * 1000.0)


def words_heard(words: Sequence[str], sent: int, heard_s: float) -> int:
    """How many of an utterance's ``words`` ``heard_s`` seconds of its speech covered.

    The speech is placed on the text at :data:`CHARS_PER_S`; the answer is the sentence end
    (a word ending in ``.``, ``?`` or ``!``), or the start or end of the text, nearest that
    place, and never fewer than the ``sent`` words already transcribed. Pauses inside an
    utterance fall between sentences, so a ``Finalize`` in one gets the sentences before it.
    """
    offsets = [0, *itertools.accumulate(len(w) + 1 for w in words)]
    ends = [0, len(words), *(i for i, w in enumerate(words[:-1], 1) if w.endswith((".", "?", "!")))]
    spoken = heard_s * CHARS_PER_S
    best = min(ends, key=lambda i: (abs(offsets[i] - spoken), -i))
    return max(best, sent)


def _positive(text: str, default: int) -> int:
    """A query parameter as a positive integer; anything else (a client's typo) is ``default``."""
    try:
        value = int(text)
    except ValueError:
        return default
    return value if value > 0 else default


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return (query.get(name) or ["false"])[0].lower() == "true"


@register_protocol
class DeepgramSTTProtocol(ProviderProtocol):
    name: ClassVar[str] = "deepgram"
    kind: ClassVar[ServiceKind] = ServiceKind.STT
    path: ClassVar[str] = "/v1/listen"
    #: Texts of the caller's utterances, in order (set per fake with :meth:`with_utterances`).
    utterances: ClassVar[tuple[str, ...]] = ()
    #: Silence that ends an utterance.
    endpoint_ms: ClassVar[float] = DEFAULT_ENDPOINT_MS
    #: The current call's clock, shared by every connection of a fake set (None: count).
    call_clock: ClassVar[CallClock | None] = None

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        q = self.query
        self.sample_rate = _positive((q.get("sample_rate") or [""])[0], 16000)
        self.encoding = (q.get("encoding") or ["linear16"])[0]
        self.channels = _positive((q.get("channels") or [""])[0], 1)
        self.interim_results = _flag(q, "interim_results")
        self.vad_events = _flag(q, "vad_events")
        self.utterance_end = bool(q.get("utterance_end_ms"))
        self.request_id = str(uuid.uuid4())
        self.detector = SpeechDetector(self.sample_rate, endpoint_ms=self.endpoint_ms)
        self.utterance = 0  # utterances begun on this connection
        self._placed_text: str | None = None  # the call clock's text for this utterance
        self._sent = 0  # words of the current utterance already in a final
        self._last_interim = 0.0
        self._closed = False

    @classmethod
    def with_utterances(
        cls,
        texts: tuple[str, ...],
        *,
        endpoint_ms: float | None = None,
        call_clock: CallClock | None = None,
    ) -> type[DeepgramSTTProtocol]:
        """This protocol transcribing the Nth utterance heard as ``texts[N-1]``, or the one
        ``call_clock`` places at the time it is heard."""
        attrs: dict[str, object] = {"utterances": tuple(texts), "call_clock": call_clock}
        if endpoint_ms is not None:
            attrs["endpoint_ms"] = endpoint_ms
        return type(cls.__name__, (cls,), attrs)

    # -- what the client sends --------------------------------------------------------------

    def on_message(self, message: Message) -> list[Outgoing]:
        if self._closed:
            return []
        if isinstance(message, bytes):
            return self._on_audio(message)
        data = parse_json(message)
        kind = data.get("type") if data else None
        if kind == "Finalize":
            return self._final(from_finalize=True)
        if kind == "CloseStream":
            self._closed = True
            out = self._final(from_finalize=False) if self.detector.speaking else []
            return [*out, self._metadata(), CloseNormally(1000)]
        return []  # KeepAlive, Configure: nothing to say

    def _on_audio(self, data: bytes) -> list[Outgoing]:
        out: list[Outgoing] = []
        for event in self.detector.feed(decode_pcm(data, self.encoding)):
            if event.kind is SpeechEventKind.STARTED:
                self.utterance += 1
                self._sent = 0
                self._placed_text = self._placed(starting=True)
                self._last_interim = event.at_s
                if self.vad_events:
                    out.append(
                        json.dumps(
                            {"type": "SpeechStarted", "channel": [0], "timestamp": event.at_s}
                        )
                    )
            elif event.kind is SpeechEventKind.ONGOING:
                words = self.words()[self._sent :]
                if (
                    self.interim_results
                    and words
                    and event.at_s - self._last_interim >= INTERIM_EVERY_S
                ):
                    self._last_interim = event.at_s
                    heard = max(1, math.floor((event.at_s - event.started_s) * WORDS_PER_S))
                    partial = " ".join(words[: min(heard, max(1, len(words) - 1))])
                    out.append(self._results(partial, event.started_s, event.at_s, final=False))
            else:
                ended = self._placed(starting=False) if self._sent == 0 else None
                if ended is not None:
                    self._placed_text = ended
                out.extend(self._final(from_finalize=False, start=event.started_s, end=event.at_s))
                if self.utterance_end:
                    out.append(
                        json.dumps(
                            {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": event.at_s}
                        )
                    )
        return out

    # -- what the fake answers --------------------------------------------------------------

    def _placed(self, *, starting: bool) -> str | None:
        """The text of the call clock's utterance heard beginning/ending now, if a call is on."""
        if self.call_clock is None:
            return None
        tolerance = tolerance_for(self.endpoint_ms)
        index = (
            self.call_clock.utterance_starting(tolerance)
            if starting
            else self.call_clock.utterance_ended(tolerance)
        )
        return self.call_clock.text(index, self.utterances)

    def text(self) -> str:
        """The current utterance's words."""
        if self._placed_text is not None:
            return self._placed_text
        if self.utterances:
            return self.utterances[(self.utterance - 1) % len(self.utterances)]
        return f"utterance {self.utterance}"

    def words(self) -> list[str]:
        return self.text().split()

    def _final(
        self, *, from_finalize: bool, start: float | None = None, end: float | None = None
    ) -> list[Outgoing]:
        now = self.detector.stream_s
        words = self.words() if self.utterance > 0 else []
        upto = len(words)
        if from_finalize and self.detector.speaking:
            # Mid-utterance (the detector has not heard its end): only what was said so far.
            heard = self.detector.last_voiced_s - self.detector.started_s
            upto = words_heard(words, self._sent, heard)
        text = " ".join(words[self._sent : upto])
        self._sent = max(self._sent, upto)
        begin = start if start is not None else max(0.0, now - 1.0)
        message = self._results(
            text, begin, end if end is not None else now, final=True, from_finalize=from_finalize
        )
        if not text:
            return [message] if from_finalize else []
        return [Output(message, text)]

    def transcript(self, text: str) -> list[Message]:
        self.transcripts_sent += 1
        now = self.detector.stream_s
        return [self._results(text, max(0.0, now - 1.0), now, final=True)]

    def _results(
        self,
        text: str,
        start: float,
        end: float,
        *,
        final: bool,
        from_finalize: bool = False,
    ) -> str:
        words = text.split()
        span = max(end - start, 0.01)
        step = span / max(1, len(words))
        items = [
            {
                "word": w.lower().strip(".,?!"),
                "start": round(start + i * step, 3),
                "end": round(start + (i + 1) * step, 3),
                "confidence": 0.99,
                "punctuated_word": w,
            }
            for i, w in enumerate(words)
        ]
        message: dict[str, object] = {
            "type": "Results",
            "channel_index": [0, self.channels],
            "duration": round(span, 3),
            "start": round(start, 3),
            "is_final": final,
            "speech_final": final and not from_finalize,
            "channel": {"alternatives": [{"transcript": text, "confidence": 0.99, "words": items}]},
            "metadata": {
                "request_id": self.request_id,
                "model_info": MODEL_INFO,
                "model_uuid": MODEL_UUID,
            },
        }
        if from_finalize:
            message["from_finalize"] = True
        return json.dumps(message)

    def _metadata(self) -> str:
        return json.dumps(
            {
                "type": "Metadata",
                "transaction_key": "deprecated",
                "request_id": self.request_id,
                "sha256": "0" * 64,
                "created": "2026-01-01T00:00:00.000Z",
                "duration": round(self.detector.stream_s, 3),
                "channels": self.channels,
                "models": [MODEL_UUID],
                "model_info": {MODEL_UUID: MODEL_INFO},
            }
        )

    def missing_keys(self) -> str:
        return json.dumps({"type": "Results", "is_final": True})

    def in_band_error(self, code: int, message: str) -> str:
        return json.dumps(
            {"type": "Error", "variant": "ServerError", "description": message, "code": str(code)}
        )
