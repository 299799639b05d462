"""Twilio Media Streams captures: the JSON messages a Media Streams WebSocket carried, saved one
per line (or as one JSON array), read back as the call's audio.

The inbound track is the caller; outbound media, when present, is kept apart as the bot's track
on the same timeline. Every way a capture can be wrong is one :class:`~voicectl.errors.InputError`
line naming the file and the message.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator

import numpy as np

from voicectl.audio import g711
from voicectl.audio.io import (
    CAPTURE_CALLER_TRACK,
    TWILIO_CHUNK_BYTES,
    TWILIO_SAMPLE_RATE,
    Audio,
    Int16Array,
    checked_audio,
    read_bytes,
)
from voicectl.errors import InputError

__all__ = ["load_twilio_capture"]

_INBOUND_TRACKS = {"inbound", "inbound_track"}
_MAX_CAPTURE_CHUNKS = 4 * 3600 * 50  # four hours of 20 ms chunks


def load_twilio_capture(name: str, rate: int | None) -> Audio:
    """The caller's (inbound) track of a capture, with the bot's (outbound) track kept apart."""
    if rate is not None and rate != TWILIO_SAMPLE_RATE:
        raise InputError(
            f"{name}: Twilio captures are {TWILIO_SAMPLE_RATE} Hz but --rate {rate} was given"
        )
    data = read_bytes(name)
    if _is_transcript_sidecar(data):
        raise InputError(f"{name}: is a transcript sidecar, not audio or a Twilio capture")
    chunks: dict[int, bytes] = {}
    times: dict[int, int] = {}  # inbound chunk -> its timestamp (ms since the stream started)
    outbound: list[tuple[int, int | None, bytes]] = []  # (chunk, timestamp ms, payload)
    for where, message in _capture_messages(name, data):
        event = message.get("event")
        if not isinstance(event, str):
            raise InputError(f'{name}: {where}: not a Twilio Media Streams message (no "event")')
        if event == "start":
            _check_start(name, where, message)
        if event != "media":
            continue
        media = message.get("media")
        if not isinstance(media, dict):
            raise InputError(f'{name}: {where}: media message has no "media" object')
        track = media.get("track", "inbound")
        chunk = _chunk_number(name, where, media.get("chunk"))
        payload = _payload_bytes(name, where, media.get("payload"))
        stamp = _timestamp_ms(media.get("timestamp"))
        if not isinstance(track, str) or track not in _INBOUND_TRACKS:
            outbound.append((chunk, stamp, payload))
            continue
        if chunk in chunks:
            raise InputError(f"{name}: {where}: duplicate inbound chunk {chunk}")
        chunks[chunk] = payload
        if stamp is not None:
            times[chunk] = stamp
    if not chunks:
        only = f" ({len(outbound)} outbound only)" if outbound else ""
        raise InputError(f"{name}: capture has no inbound media messages{only}")
    first, last = min(min(chunks), 1), max(chunks)
    if last - first + 1 > _MAX_CAPTURE_CHUNKS:
        raise InputError(
            f"{name}: chunk numbers {first}..{last} span more than 4 hours; the capture is corrupt"
        )
    gap = bytes([g711.ULAW_SILENCE]) * TWILIO_CHUNK_BYTES
    stream = b"".join(chunks.get(number, gap) for number in range(first, last + 1))
    audio = checked_audio(name, g711.ulaw_decode(stream), TWILIO_SAMPLE_RATE, "twilio-capture")
    if not outbound:
        return audio
    bot = _outbound_track(outbound, len(audio.samples), first, times)
    return Audio(
        audio.samples, audio.sample_rate, name, audio.encoding, 1, CAPTURE_CALLER_TRACK, bot
    )


def _outbound_track(
    outbound: list[tuple[int, int | None, bytes]],
    length: int,
    first: int,
    times: dict[int, int],
) -> Int16Array:
    """The outbound (bot) track on the inbound track's timeline, as long as it.

    Placed by timestamp when every outbound message has one (Twilio sends outbound media only
    while audio plays, so its chunk numbers do not count time), else by chunk number.
    """
    samples_per_ms = TWILIO_SAMPLE_RATE // 1000
    track = np.zeros(length, dtype=np.int16)
    by_time = all(stamp is not None for _, stamp, _ in outbound)
    # The inbound timeline's time zero: chunk ``first`` starts at sample 0.
    origin = min(
        (
            stamp - (chunk - first) * TWILIO_CHUNK_BYTES // samples_per_ms
            for chunk, stamp in times.items()
        ),
        default=0,
    )
    for chunk, stamp, payload in outbound:
        if by_time and stamp is not None:
            start = (stamp - origin) * samples_per_ms
        else:
            start = (chunk - first) * TWILIO_CHUNK_BYTES
        piece = g711.ulaw_decode(payload)[: max(0, length - start)]
        if start >= 0 and len(piece):
            track[start : start + len(piece)] = piece
    track.setflags(write=False)
    return track


def _timestamp_ms(value: object) -> int | None:
    """A media message's ``timestamp`` (ms since the stream started), None when absent or odd."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return int(text) if text.isdecimal() and text.isascii() else None


def _is_transcript_sidecar(data: bytes) -> bool:
    if not data.lstrip().startswith(b"{"):
        return False
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and "utterances" in document


def _capture_messages(name: str, data: bytes) -> Iterator[tuple[str, dict[str, object]]]:
    """Yield (where, message) from JSON lines, or from a single JSON array of messages."""
    if data.lstrip().startswith(b"["):
        parsed = _parse_json(name, "", data)
        if not isinstance(parsed, list):
            raise InputError(f"{name}: not a JSON array of Twilio messages")
        items: Iterator[tuple[str, object]] = (
            (f"message {index}", item) for index, item in enumerate(parsed, start=1)
        )
    else:
        items = (
            (f"line {number}", _parse_json(name, f"line {number}", line))
            for number, line in enumerate(data.split(b"\n"), start=1)
            if line.strip()
        )
    for where, item in items:
        if not isinstance(item, dict):
            raise InputError(f"{name}: {where}: not a JSON object")
        yield where, item


def _parse_json(name: str, where: str, text: bytes) -> object:
    prefix = f"{name}: {where}: " if where else f"{name}: "
    try:
        return json.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{prefix}not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{prefix}not valid JSON ({error.msg})") from None
    except (ValueError, RecursionError):
        raise InputError(f"{prefix}not valid JSON") from None


def _check_start(name: str, where: str, message: dict[str, object]) -> None:
    start = message.get("start")
    media_format = start.get("mediaFormat") if isinstance(start, dict) else None
    if not isinstance(media_format, dict):
        return
    encoding = media_format.get("encoding", "audio/x-mulaw")
    sample_rate = media_format.get("sampleRate", TWILIO_SAMPLE_RATE)
    if str(encoding).lower() != "audio/x-mulaw" or str(sample_rate) != str(TWILIO_SAMPLE_RATE):
        raise InputError(
            f"{name}: {where}: stream format is {_brief(encoding)} at {_brief(sample_rate)} Hz; "
            f"only audio/x-mulaw at {TWILIO_SAMPLE_RATE} Hz is supported"
        )


def _chunk_number(name: str, where: str, chunk: object) -> int:
    if isinstance(chunk, bool) or not isinstance(chunk, str | int):
        raise InputError(f'{name}: {where}: media has no "chunk" number')
    text = str(chunk).strip()
    if not text.isdecimal() or not text.isascii():
        raise InputError(f"{name}: {where}: media chunk {_brief(chunk)} is not a whole number")
    return int(text)


def _payload_bytes(name: str, where: str, payload: object) -> bytes:
    if not isinstance(payload, str) or not payload:
        raise InputError(f"{name}: {where}: media message has no payload")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{name}: {where}: media payload is not valid base64") from None


def _brief(value: object) -> str:
    """A short one-line rendering of a value taken from a file, for error messages."""
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
