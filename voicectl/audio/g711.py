"""Vectorised G.711 mu-law and A-law codecs, bit-exact with the ITU/Sun reference (``audioop``).

Encoding uses a 65 536-entry table built once from the reference algorithm written with numpy
array operations, so encoding a whole call is one indexing operation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "ALAW_SILENCE",
    "ULAW_SILENCE",
    "alaw_decode",
    "alaw_encode",
    "ulaw_decode",
    "ulaw_encode",
]

ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5

Int16Array = npt.NDArray[np.int16]

_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)


def _ulaw_encode_reference(samples: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    """Encode 16-bit samples as the Sun g711.c ``linear2ulaw`` does (on the 14-bit value)."""
    pcm = samples >> 2
    negative = pcm < 0
    mask = np.where(negative, 0x7F, 0xFF)
    pcm = np.minimum(np.abs(pcm), 8159) + (0x84 >> 2)
    seg = np.searchsorted(_ULAW_SEG_END, pcm, side="left")
    uval = (np.minimum(seg, 7) << 4) | ((pcm >> (np.minimum(seg, 7) + 1)) & 0xF)
    out = np.where(seg >= 8, 0x7F ^ mask, uval ^ mask)
    return out.astype(np.uint8)


def _ulaw_decode_reference(codes: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    u = ~codes & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def _alaw_encode_reference(samples: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    """Encode 16-bit samples as the Sun g711.c ``linear2alaw`` does (on the 13-bit value)."""
    pcm = samples >> 3
    negative = pcm < 0
    mask = np.where(negative, 0x55, 0xD5)
    pcm = np.where(negative, -pcm - 1, pcm)
    seg = np.searchsorted(_ALAW_SEG_END, pcm, side="left")
    segc = np.minimum(seg, 7)
    mantissa = np.where(segc < 2, (pcm >> 1) & 0xF, (pcm >> np.maximum(segc, 1)) & 0xF)
    aval = (segc << 4) | mantissa
    out = np.where(seg >= 8, 0x7F ^ mask, aval ^ mask)
    return out.astype(np.uint8)


def _alaw_decode_reference(codes: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    a = codes ^ 0x55
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


_ALL_INT16 = np.arange(-32768, 32768, dtype=np.int32)
_ALL_CODES = np.arange(256, dtype=np.int32)
_ULAW_ENCODE_TABLE = _ulaw_encode_reference(_ALL_INT16)
_ALAW_ENCODE_TABLE = _alaw_encode_reference(_ALL_INT16)
_ULAW_DECODE_TABLE = _ulaw_decode_reference(_ALL_CODES)
_ALAW_DECODE_TABLE = _alaw_decode_reference(_ALL_CODES)


def _as_int16(samples: npt.ArrayLike) -> Int16Array:
    array = np.asarray(samples)
    if array.dtype != np.int16:
        raise TypeError(f"G.711 encoding needs int16 samples, got {array.dtype}")
    return array


def ulaw_encode(samples: npt.ArrayLike) -> bytes:
    """Encode int16 PCM samples as mu-law bytes."""
    pcm = _as_int16(samples)
    return _ULAW_ENCODE_TABLE[pcm.astype(np.int32) + 32768].tobytes()


def ulaw_decode(data: bytes) -> Int16Array:
    """Decode mu-law bytes to int16 PCM samples."""
    return _ULAW_DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(samples: npt.ArrayLike) -> bytes:
    """Encode int16 PCM samples as A-law bytes."""
    pcm = _as_int16(samples)
    return _ALAW_ENCODE_TABLE[pcm.astype(np.int32) + 32768].tobytes()


def alaw_decode(data: bytes) -> Int16Array:
    """Decode A-law bytes to int16 PCM samples."""
    return _ALAW_DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)]
