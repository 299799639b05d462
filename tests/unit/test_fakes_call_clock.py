"""STT fakes name what they hear by the call's clock, not by counting on their connection."""

from __future__ import annotations

import json

import numpy as np

from voicectl.providers.call_clock import TRANSPORT_S, CallClock, tolerance_for
from voicectl.providers.deepgram_stt import DeepgramSTTProtocol
from voicectl.providers.heard import transcribing
from voicectl.providers.protocol import Output, ProviderProtocol
from voicectl.providers.soniox import SonioxProtocol

RATE = 16000
#: order_status.wav's utterances (call seconds) and their texts, abridged.
SPANS = ((0.88, 4.33), (8.33, 12.62), (16.0, 19.81), (23.56, 26.32), (29.22, 31.59))
TEXTS = ("one hi", "two placed", "three yes", "four okay", "five thanks")
LAG_S = 0.05  # the bot's audio path to the fake in these tests


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def caller_audio(start_s: float, end_s: float) -> np.ndarray:
    """The caller's audio from call second ``start_s`` to ``end_s``: a tone in each span."""
    t = np.arange(round(start_s * RATE), round(end_s * RATE)) / RATE
    voiced = np.zeros(t.size, dtype=bool)
    for s, e in SPANS:
        voiced |= (t >= s) & (t < e)
    return np.where(voiced, 0.3 * 32767 * np.sin(2 * np.pi * 200 * t), 0).astype(np.int16)


def heard(
    protocol: ProviderProtocol, clock: FakeClock, call_started: float, start_s: float, end_s: float
) -> list[str]:
    """Stream the call's audio from ``start_s`` to ``end_s`` to ``protocol`` in real time (the
    fake clock follows it, ``LAG_S`` behind) and return the final transcripts' texts."""
    data = caller_audio(start_s, end_s).astype("<i2").tobytes()
    step = RATE * 20 // 1000 * 2
    texts: list[str] = []
    for i in range(0, len(data), step):
        clock.now = call_started + start_s + (i + step) / 2 / RATE + LAG_S
        texts.extend(
            o.label for o in protocol.on_message(data[i : i + step]) if isinstance(o, Output)
        )
    return texts


def deepgram(call: CallClock | None) -> DeepgramSTTProtocol:
    cls = DeepgramSTTProtocol.with_utterances(TEXTS, endpoint_ms=800, call_clock=call)
    return cls("/v1/listen?encoding=linear16&sample_rate=16000&interim_results=true")


def test_a_backup_connection_opened_mid_call_transcribes_the_utterance_spoken_then() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS)
    backup = deepgram(call)
    assert heard(backup, clock, call.started or 0.0, 14.0, 21.0) == ["three yes"]


def test_interim_results_on_a_backup_carry_the_words_of_the_utterance_spoken_then() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS)
    backup = deepgram(call)
    data = caller_audio(14.0, 18.0).astype("<i2").tobytes()
    interims: list[str] = []
    for i in range(0, len(data), 640):
        clock.now = 1000.0 + 14.0 + (i + 640) / 2 / RATE + LAG_S
        for out in backup.on_message(data[i : i + 640]):
            message = json.loads(out if isinstance(out, str) else str(getattr(out, "message", "")))
            if message.get("type") == "Results" and not message["is_final"]:
                interims.append(message["channel"]["alternatives"][0]["transcript"])
    assert interims and all(text.startswith("three") for text in interims)


def test_without_a_call_clock_each_connection_counts_its_own_utterances() -> None:
    clock = FakeClock()
    assert heard(deepgram(None), clock, 1000.0, 14.0, 21.0) == ["one hi"]
    idle = CallClock(clock)  # no call begun: counting too
    assert heard(deepgram(idle), clock, 1000.0, 14.0, 28.0) == ["one hi", "two placed"]


def test_a_reconnect_continues_with_the_calls_next_utterance() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS)
    first = deepgram(call)
    assert heard(first, clock, 1000.0, 0.0, 7.0) == ["one hi"]
    again = deepgram(call)  # the primary reconnects after a drop
    assert heard(again, clock, 1000.0, 21.0, 33.0) == ["four okay", "five thanks"]


def test_speech_the_call_clock_cannot_place_falls_back_to_counting() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS, started=clock.now + 60.0)  # the clock's call is a minute away
    assert heard(deepgram(call), clock, 1000.0, 14.0, 21.0) == ["one hi"]


def test_every_wrapped_stt_protocol_names_what_it_hears_by_the_call_clock() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS)
    cls = transcribing(SonioxProtocol, TEXTS, 800, call)
    soniox = cls("/transcribe-websocket")
    soniox.on_message(json.dumps({"sample_rate": RATE, "audio_format": "pcm_s16le"}))
    assert heard(soniox, clock, 1000.0, 14.0, 28.0) == ["three yes", "four okay"]
    counting = transcribing(SonioxProtocol, TEXTS, 800)("/transcribe-websocket")
    counting.on_message(json.dumps({"sample_rate": RATE, "audio_format": "pcm_s16le"}))
    assert heard(counting, clock, 1000.0, 14.0, 28.0) == ["one hi", "two placed"]


def test_an_end_is_placed_within_the_endpoint_and_transport_but_not_after() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS, started=0.0)
    tolerance = tolerance_for(800)
    clock.now = 19.81 + 0.8 + LAG_S
    assert call.utterance_ended(tolerance) == 2
    clock.now = 19.81 + 0.8 + TRANSPORT_S + 0.01
    assert call.utterance_ended(tolerance) is None
    call.end()
    assert call.utterance_ended(tolerance) is None and call.call_s() is None


def test_the_calls_own_texts_win_over_the_fake_sets() -> None:
    clock = FakeClock()
    call = CallClock(clock)
    call.begin(SPANS, [f"second call {i + 1}" for i in range(len(SPANS))])
    assert heard(deepgram(call), clock, 1000.0, 14.0, 21.0) == ["second call 3"]
