"""Read call audio as the caller's mono int16 track; write WAV.

Formats: everything soundfile's own libsndfile reads (WAV in every width and encoding — PCM
8/16/24/32-bit, float, mu-law, A-law — plus MP3, FLAC, OGG/Vorbis and OGG/Opus; no ffmpeg),
raw ``.ulaw``/``.alaw``/``.pcm`` with a declared rate, and Twilio Media Streams captures.

A two-channel file is a two-party call unless both channels carry the same signal: one channel
is the caller (``left`` by default: Twilio's dual-channel recordings put the parent call, the
caller's inbound leg, in the first channel) and the other is kept apart as the original call's
bot track. The two are never mixed.

Every way a file can be wrong ends in :class:`~voicectl.errors.InputError` with one line that
names the file; soundfile, JSON and base64 exceptions never escape.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
import soxr

from voicectl.audio import g711
from voicectl.errors import InputError

__all__ = [
    "CALLER_CHANNELS",
    "DEFAULT_CALLER_CHANNEL",
    "FORMATS_HELP",
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "TWILIO_CHUNK_BYTES",
    "TWILIO_SAMPLE_RATE",
    "Audio",
    "load_audio",
    "resample",
    "write_wav",
]

MIN_SAMPLE_RATE = 4000
MAX_SAMPLE_RATE = 192_000
TWILIO_SAMPLE_RATE = 8000
TWILIO_CHUNK_BYTES = 160  # 20 ms of 8 kHz mu-law

Int16Array = npt.NDArray[np.int16]

CALLER_CHANNELS = ("left", "right")
# Twilio (RecordingChannels=dual, <Dial record="record-from-answer-dual">): "the first channel
# contains the parent call and the second channel contains the child call"; for a call into a
# bot the parent leg is the caller's.
DEFAULT_CALLER_CHANNEL = "left"
# A Twilio Media Streams capture of both tracks: Twilio's inbound track is the caller's.
CAPTURE_CALLER_TRACK = "inbound"
FORMATS_HELP = (
    "WAV (PCM 8/16/24/32-bit, float, mu-law, A-law), MP3, FLAC, OGG/Vorbis, OGG/Opus, "
    "raw .ulaw/.alaw/.pcm (with --rate), Twilio Media Streams capture .jsonl"
)
# Two channels carry the same signal (a mono call saved as stereo) when they correlate at least
# this much and their levels are within 3 dB.
_SAME_SIGNAL_CORRELATION = 0.98
_SAME_SIGNAL_LEVEL_RATIO = 2.0
# A channel whose peak stays below -50 dBFS has no one speaking on it.
_SILENT_PEAK = 104

_RAW_SUFFIXES = {
    ".ulaw": "mulaw",
    ".mulaw": "mulaw",
    ".alaw": "alaw",
    ".pcm": "pcm16",
    ".raw": "pcm16",
}
_CAPTURE_SUFFIXES = {".jsonl", ".json"}
_SUBTYPE_ENCODINGS = {
    "PCM_16": "pcm16",
    "PCM_24": "pcm24",
    "PCM_32": "pcm32",
    "PCM_S8": "pcm8",
    "PCM_U8": "pcm8",
    "FLOAT": "float",
    "DOUBLE": "float",
    "ULAW": "mulaw",
    "ALAW": "alaw",
}
# Subtypes whose decoded values are exactly representable as int16 (read without rounding).
_INT16_SUBTYPES = {"PCM_16", "PCM_S8", "PCM_U8", "ULAW", "ALAW"}
_WRITE_SUBTYPES = {"pcm16": "PCM_16", "mulaw": "ULAW"}
# A capture whose chunk numbers span more than this is corrupt, not a real call.
_READ_BLOCK_SAMPLES = 1 << 20


@dataclass(frozen=True, eq=False)
class Audio:
    """The caller's mono int16 audio and where it came from.

    For a two-party recording, ``caller_channel`` names the channel replayed as the caller
    (``left``/``right``, or ``inbound`` for a Twilio capture of both tracks) and
    ``other_track`` holds the other one (the original call's bot), never replayed.
    """

    samples: Int16Array
    sample_rate: int
    source: str
    encoding: str
    channels_in_file: int = 1
    caller_channel: str | None = None
    other_track: Int16Array | None = None

    @property
    def notice(self) -> str | None:
        """One line naming the channel choice of a two-party recording (None otherwise)."""
        if self.caller_channel is None:
            return None
        other = _other_side(self.caller_channel)
        if self.caller_channel == CAPTURE_CALLER_TRACK:
            return (
                f"{self.source}: Twilio capture of both tracks: the inbound track is replayed as "
                "the caller, the outbound track is kept as the original bot's track"
            )
        return (
            f"{self.source}: two-party recording: the {self.caller_channel} channel is replayed "
            f"as the caller, the {other} channel is kept as the original bot's track "
            f"(--caller-channel {other} to swap)"
        )

    def __post_init__(self) -> None:
        if self.samples.dtype != np.int16 or self.samples.ndim != 1:
            raise ValueError(f"Audio needs 1-D int16 samples, got {self.samples.dtype}")
        if not self.samples.flags.c_contiguous:
            raise ValueError("Audio samples must be C-contiguous")
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")

    @property
    def other_side(self) -> str | None:
        """The name of the original bot's channel or track (None for a one-party recording)."""
        return None if self.caller_channel is None else _other_side(self.caller_channel)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


def load_audio(
    path: str | os.PathLike[str], *, rate: int | None = None, caller_channel: str | None = None
) -> Audio:
    """Load a soundfile-readable file, raw G.711/PCM file or Twilio capture as the caller's track.

    ``rate`` is the sample rate the caller declares: required for raw files, checked against the
    header of a WAV and against Twilio's fixed 8000 Hz for captures. ``caller_channel``
    (``left``/``right``, default ``left``) picks the caller in a two-party stereo recording.
    """
    name = os.fspath(path)
    if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise InputError(
            f"{name}: --rate {rate} is outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz"
        )
    if caller_channel is not None and caller_channel not in CALLER_CHANNELS:
        raise InputError(f"--caller-channel must be left or right, got {caller_channel!r}")
    _check_readable_file(name)
    suffix = Path(name).suffix.lower()
    if suffix in _CAPTURE_SUFFIXES:
        from voicectl.audio.capture import load_twilio_capture

        return load_twilio_capture(name, rate)
    if suffix in _RAW_SUFFIXES:
        return _load_raw(name, _RAW_SUFFIXES[suffix], rate)
    return _load_soundfile(name, rate, caller_channel or DEFAULT_CALLER_CHANNEL)


def write_wav(
    path: str | os.PathLike[str],
    samples: npt.ArrayLike,
    sample_rate: int,
    *,
    encoding: str = "pcm16",
) -> None:
    """Write int16 samples (mono, or frames x channels) as a 16-bit PCM or mu-law WAV, atomically.

    mu-law is quantised with :mod:`voicectl.audio.g711` first, so the file holds exactly the
    bytes ``audioop.lin2ulaw`` would produce (libsndfile's own encoder rounds a few values
    differently).
    """
    if encoding not in _WRITE_SUBTYPES:
        raise ValueError(f"write_wav encoding must be one of {sorted(_WRITE_SUBTYPES)}")
    pcm = np.asarray(samples)
    if pcm.dtype != np.int16 or pcm.ndim not in (1, 2):
        raise ValueError(
            f"write_wav needs int16 samples (mono or frames x channels), got {pcm.dtype} {pcm.shape}"
        )
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    if encoding == "mulaw":
        pcm = g711.ulaw_decode(g711.ulaw_encode(pcm)).reshape(pcm.shape)
    target = Path(os.fspath(path))
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open with 0o666 lets the umask decide the final permissions, like a plain open().
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            sf.write(handle, pcm, sample_rate, format="WAV", subtype=_WRITE_SUBTYPES[encoding])
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write ({_reason(error)})") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def resample(samples: npt.ArrayLike, from_rate: int, to_rate: int) -> Int16Array:
    """Resample int16 audio with soxr (one-shot, VHQ); the input itself when the rates match.

    soxr is run on floats and the result rounded here, because soxr's own int16 output is
    TPDF-dithered and so not reproducible from run to run.
    """
    pcm = np.asarray(samples)
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError(f"resample needs 1-D int16 samples, got {pcm.dtype} {pcm.shape}")
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    if from_rate == to_rate:
        return pcm
    if len(pcm) == 0:
        return np.zeros(0, dtype=np.int16)
    converted = soxr.resample(pcm.astype(np.float64), from_rate, to_rate, quality="VHQ")
    return _round_to_int16(np.asarray(converted))


def _check_readable_file(name: str) -> None:
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read ({_reason(error)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not an audio file")
    if info.st_size == 0:
        raise InputError(f"{name}: file is empty")


def read_bytes(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise InputError(f"{name}: cannot read ({_reason(error)})") from None


def _load_raw(name: str, encoding: str, rate: int | None) -> Audio:
    if rate is None:
        raise InputError(f"{name}: raw audio needs --rate")
    data = read_bytes(name)
    if encoding == "mulaw":
        samples = g711.ulaw_decode(data)
    elif encoding == "alaw":
        samples = g711.alaw_decode(data)
    else:
        if len(data) % 2:
            raise InputError(f"{name}: odd number of bytes ({len(data)}) for 16-bit PCM")
        samples = np.frombuffer(data, dtype="<i2").astype(np.int16)
    return checked_audio(name, samples, rate, encoding)


def _load_soundfile(name: str, rate: int | None, caller_channel: str) -> Audio:
    try:
        with _decoder_notes_silenced(), sf.SoundFile(name) as audio_file:
            header_rate, channels = audio_file.samplerate, audio_file.channels
            subtype = audio_file.subtype
            if not MIN_SAMPLE_RATE <= header_rate <= MAX_SAMPLE_RATE:
                raise InputError(
                    f"{name}: header sample rate {header_rate} Hz is outside "
                    f"{MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz"
                )
            if rate is not None and rate != header_rate:
                raise InputError(
                    f"{name}: header says {header_rate} Hz but --rate {rate} was given"
                )
            if channels > 2:
                raise InputError(
                    f"{name}: {channels} channels; voicectl reads mono recordings and "
                    "two-party (caller + bot) stereo recordings"
                )
            frames = _read_frames(audio_file, channels, exact=subtype in _INT16_SUBTYPES)
    except InputError:
        raise
    except sf.LibsndfileError as error:
        reason = " ".join(str(error.error_string).split())
        if reason.startswith("File does not exist"):
            # libsndfile's answer when a decoder (mpg123 for MP3) rejects the data of a file
            # that does exist.
            reason = "corrupt or unsupported audio data"
        raise InputError(f"{name}: not a readable audio file ({reason})") from None
    except (RuntimeError, ValueError, TypeError, OSError, MemoryError) as error:
        raise InputError(f"{name}: not a readable audio file ({_reason(error)})") from None
    encoding = _SUBTYPE_ENCODINGS.get(subtype, subtype.lower())
    if channels == 1 or _same_signal(frames[:, 0], frames[:, 1]):
        return checked_audio(name, frames[:, 0], header_rate, encoding, channels)
    side = CALLER_CHANNELS.index(caller_channel)
    caller, other = frames[:, side], frames[:, 1 - side]
    if len(caller) and int(np.max(np.abs(caller.astype(np.int32)))) < _SILENT_PEAK:
        alternative = _other_side(caller_channel)
        raise InputError(
            f"{name}: the {caller_channel} channel (the caller) is silent and the "
            f"{alternative} channel is not; try --caller-channel {alternative}"
        )
    other_track = np.ascontiguousarray(other)
    other_track.setflags(write=False)
    audio = checked_audio(name, caller, header_rate, encoding, channels)
    return Audio(audio.samples, header_rate, name, encoding, channels, caller_channel, other_track)


@contextlib.contextmanager
def _decoder_notes_silenced() -> Iterator[None]:
    """Keep the C decoders' notes off stderr (mpg123 prints "Note: Trying to resync..." to
    file descriptor 2 for a corrupt MP3); the error that matters is raised as an InputError."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _read_frames(audio_file: sf.SoundFile, channels: int, *, exact: bool) -> Int16Array:
    """Read every channel as int16 in blocks (never trusting the header's frame count)."""
    block = max(1, _READ_BLOCK_SAMPLES // max(channels, 1))
    parts: list[Int16Array] = []
    while True:
        frames = audio_file.read(block, dtype="int16" if exact else "float64", always_2d=True)
        if len(frames) == 0:
            break
        parts.append(frames.copy() if exact else _round_to_int16(frames * 32768.0))
    if not parts:
        return np.zeros((0, channels), dtype=np.int16)
    return np.concatenate(parts)


def _same_signal(left: Int16Array, right: Int16Array) -> bool:
    """Whether two channels carry one signal (a mono call saved as stereo), not two parties."""
    a, b = left.astype(np.float64), right.astype(np.float64)
    energy_a, energy_b = float(np.dot(a, a)), float(np.dot(b, b))
    if energy_a == 0.0 or energy_b == 0.0:
        return energy_a == energy_b
    if max(energy_a, energy_b) / min(energy_a, energy_b) > _SAME_SIGNAL_LEVEL_RATIO:
        return False
    return float(np.dot(a, b)) / np.sqrt(energy_a * energy_b) >= _SAME_SIGNAL_CORRELATION


def _other_side(channel: str) -> str:
    return {"left": "right", "right": "left", CAPTURE_CALLER_TRACK: "outbound"}[channel]


def _round_to_int16(values: npt.NDArray[np.floating]) -> Int16Array:
    """Round to int16, clipping out-of-range values and mapping NaN to 0."""
    finite = np.nan_to_num(values, nan=0.0, posinf=32767.0, neginf=-32768.0)
    return np.clip(np.rint(finite), -32768, 32767).astype(np.int16)


def checked_audio(
    name: str, samples: Int16Array, rate: int, encoding: str, channels: int = 1
) -> Audio:
    """An :class:`Audio` of ``samples`` (read-only, contiguous); no samples is an InputError."""
    if len(samples) == 0:
        raise InputError(f"{name}: contains no audio samples")
    samples = np.ascontiguousarray(samples, dtype=np.int16)
    samples.setflags(write=False)
    return Audio(samples, rate, name, encoding, channels)


def _reason(error: BaseException) -> str:
    """The one-line reason inside an exception (strerror for OS errors)."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())
