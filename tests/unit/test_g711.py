"""G.711 codecs are bit-exact with the ITU/Sun reference that ``audioop`` implements."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest

from voicectl.audio import g711

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))


def _import_audioop() -> ModuleType | None:
    """Stdlib audioop (deprecated, present up to 3.12) or the audioop-lts backport."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


AUDIOOP = _import_audioop()


# Scalar transcription of Sun Microsystems' g711.c, the reference audioop is built on; it is the
# oracle when neither audioop nor audioop-lts can be imported (Python >= 3.13).
_SEG_UEND = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_SEG_AEND = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _search(value: int, table: tuple[int, ...]) -> int:
    return next((index for index, end in enumerate(table) if value <= end), len(table))


def sun_linear2ulaw(sample: int) -> int:
    pcm = sample >> 2
    mask = 0xFF
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    pcm = min(pcm, 8159) + (0x84 >> 2)
    seg = _search(pcm, _SEG_UEND)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0xF)) ^ mask


def sun_ulaw2linear(code: int) -> int:
    u = ~code & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def sun_linear2alaw(sample: int) -> int:
    pcm = sample >> 3
    mask = 0xD5
    if pcm < 0:
        pcm, mask = -pcm - 1, 0x55
    seg = _search(pcm, _SEG_AEND)
    if seg >= 8:
        return 0x7F ^ mask
    mantissa = (pcm >> 1) & 0xF if seg < 2 else (pcm >> seg) & 0xF
    return ((seg << 4) | mantissa) ^ mask


def sun_alaw2linear(code: int) -> int:
    a = code ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t += 8 if seg == 0 else 0x108
    if seg > 1:
        t <<= seg - 1
    return t if a & 0x80 else -t


def _scalar_encoder(function: Callable[[int], int]) -> Callable[[bytes], bytes]:
    return lambda pcm: bytes(function(int(s)) for s in np.frombuffer(pcm, dtype=np.int16))


def _scalar_decoder(function: Callable[[int], int]) -> Callable[[bytes], bytes]:
    return lambda codes: np.array([function(c) for c in codes], dtype=np.int16).tobytes()


SCALAR = {
    "ulaw": (_scalar_encoder(sun_linear2ulaw), _scalar_decoder(sun_ulaw2linear)),
    "alaw": (_scalar_encoder(sun_linear2alaw), _scalar_decoder(sun_alaw2linear)),
}
if AUDIOOP is not None:
    audioop = AUDIOOP
    REFERENCE = {
        "ulaw": (lambda pcm: audioop.lin2ulaw(pcm, 2), lambda codes: audioop.ulaw2lin(codes, 2)),
        "alaw": (lambda pcm: audioop.lin2alaw(pcm, 2), lambda codes: audioop.alaw2lin(codes, 2)),
    }
else:
    REFERENCE = SCALAR

CODECS = {
    "ulaw": (g711.ulaw_encode, g711.ulaw_decode),
    "alaw": (g711.alaw_encode, g711.alaw_decode),
}
LAWS = pytest.mark.parametrize("law", ["ulaw", "alaw"])


@LAWS
def test_every_int16_value_encodes_like_the_reference(law: str) -> None:
    encode, _ = CODECS[law]
    reference_encode, _ = REFERENCE[law]
    assert encode(ALL_INT16) == reference_encode(ALL_INT16.tobytes())


@LAWS
def test_every_code_decodes_like_the_reference(law: str) -> None:
    _, decode = CODECS[law]
    _, reference_decode = REFERENCE[law]
    decoded = decode(ALL_CODES)
    assert decoded.dtype == np.int16
    assert decoded.tobytes() == reference_decode(ALL_CODES)


@LAWS
def test_scalar_sun_reference_agrees_with_the_codec(law: str) -> None:
    encode, decode = CODECS[law]
    scalar_encode, scalar_decode = SCALAR[law]
    assert scalar_encode(ALL_INT16.tobytes()) == encode(ALL_INT16)
    assert scalar_decode(ALL_CODES) == decode(ALL_CODES).tobytes()


@LAWS
def test_decode_encode_decode_is_idempotent(law: str) -> None:
    encode, decode = CODECS[law]
    once = decode(ALL_CODES)
    assert np.array_equal(decode(encode(once)), once)
    requantised = decode(encode(ALL_INT16))
    assert np.array_equal(decode(encode(requantised)), requantised)


def test_silence_bytes_decode_to_zero() -> None:
    assert g711.ulaw_decode(bytes([g711.ULAW_SILENCE])).tolist() == [0]
    assert abs(int(g711.alaw_decode(bytes([g711.ALAW_SILENCE]))[0])) <= 8
    assert g711.ulaw_encode(np.zeros(1, dtype=np.int16)) == bytes([g711.ULAW_SILENCE])


@LAWS
def test_empty_input_round_trips(law: str) -> None:
    encode, decode = CODECS[law]
    assert encode(np.zeros(0, dtype=np.int16)) == b""
    assert len(decode(b"")) == 0


@LAWS
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int8, np.uint16])
def test_encode_rejects_samples_that_are_not_int16(law: str, dtype: type) -> None:
    encode, _ = CODECS[law]
    with pytest.raises(TypeError, match="int16"):
        encode(np.zeros(4, dtype=dtype))
