"""Make any STT protocol transcribe what it hears, the way the Deepgram fake does (sans-I/O).

The STT protocols of the chaos commands (Soniox, Cartesia, Deepgram Flux, AssemblyAI, OpenAI
realtime) answer a transcript schedule on the run clock. Served by ``voicectl fakes`` there is no
schedule: :func:`transcribing` wraps a protocol so that it runs
:class:`~voicectl.providers.speech_detect.SpeechDetector` on the audio it receives and, at the
end of each utterance, sends the protocol's own final transcript of the Nth text (cycling), or
``"utterance N"`` -- or, when a :class:`~voicectl.providers.call_clock.CallClock` places the end
it heard on the call's clock, that utterance's text (so a backup connection or a reconnect gets
the words actually spoken, not the call's first).

The stream's format comes from the query (``sample_rate``, ``encoding``), or from a JSON config
message carrying ``sample_rate``/``audio_format`` (Soniox); OpenAI realtime sends base64 audio
inside ``input_audio_buffer.append`` events at 24 kHz.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import ClassVar

from voicectl.providers.call_clock import CallClock, tolerance_for
from voicectl.providers.protocol import Message, Outgoing, Output, ProviderProtocol
from voicectl.providers.speech_detect import SpeechDetector, SpeechEventKind, decode_pcm

__all__ = ["HeardTranscripts", "transcribing"]

_OPENAI_RATE = 24000


class HeardTranscripts(ProviderProtocol):
    """Mixin: transcripts released by the audio received (see the module docstring)."""

    utterances: ClassVar[tuple[str, ...]] = ()
    endpoint_ms: ClassVar[float] = 800.0
    call_clock: ClassVar[CallClock | None] = None

    def __init__(self, request_path: str = "/") -> None:
        super().__init__(request_path)
        rate = _int((self.query.get("sample_rate") or [""])[0], 16000)
        self.audio_encoding = (self.query.get("encoding") or ["linear16"])[0]
        self.detector = SpeechDetector(rate, endpoint_ms=self.endpoint_ms)
        self.heard = 0
        self._audio_seen = False

    def on_message(self, message: Message) -> list[Outgoing]:
        out = super().on_message(message)
        audio = self._audio_of(message)
        if audio is None:
            return out
        self._audio_seen = True
        for event in self.detector.feed(decode_pcm(audio, self.audio_encoding)):
            if event.kind is SpeechEventKind.ENDED:
                self.heard += 1
                text = self._text()
                out.extend(Output(m, text) for m in self.transcript(text))
        return out

    def _text(self) -> str:
        if self.call_clock is not None:
            index = self.call_clock.utterance_ended(tolerance_for(self.endpoint_ms))
            placed = self.call_clock.text(index, self.utterances)
            if placed is not None:
                return placed
        if self.utterances:
            return self.utterances[(self.heard - 1) % len(self.utterances)]
        return f"utterance {self.heard}"

    def _audio_of(self, message: Message) -> bytes | None:
        if isinstance(message, bytes):
            return message
        try:
            data = json.loads(message)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        if data.get("type") == "input_audio_buffer.append":
            if not self._audio_seen:
                self.detector = SpeechDetector(_OPENAI_RATE, endpoint_ms=self.endpoint_ms)
            try:
                return base64.b64decode(str(data.get("audio", "")), validate=True)
            except (binascii.Error, ValueError):
                return None
        if not self._audio_seen and "sample_rate" in data:  # a config message (Soniox)
            rate = _int(data.get("sample_rate"), self.detector.sample_rate)
            self.detector = SpeechDetector(rate, endpoint_ms=self.endpoint_ms)
            fmt = str(data.get("audio_format") or data.get("encoding") or self.audio_encoding)
            self.audio_encoding = fmt
        return None


def transcribing(
    protocol: type[ProviderProtocol],
    utterances: tuple[str, ...],
    endpoint_ms: float | None,
    call_clock: CallClock | None = None,
) -> type[ProviderProtocol]:
    """``protocol`` transcribing the audio it receives (see :class:`HeardTranscripts`)."""
    attrs: dict[str, object] = {"utterances": utterances, "call_clock": call_clock}
    if endpoint_ms is not None:
        attrs["endpoint_ms"] = endpoint_ms
    return type(protocol.__name__, (HeardTranscripts, protocol), attrs)


def _int(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if number > 0 else default
