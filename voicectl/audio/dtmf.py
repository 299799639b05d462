"""In-band DTMF: the two-tone signal a phone puts on the line for each key (ITU-T Q.23)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["DTMF_FREQUENCIES", "dtmf_tone"]

_ROWS = (697.0, 770.0, 852.0, 941.0)
_COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYPAD = ("123A", "456B", "789C", "*0#D")

DTMF_FREQUENCIES: dict[str, tuple[float, float]] = {
    key: (_ROWS[r], _COLUMNS[c]) for r, row in enumerate(_KEYPAD) for c, key in enumerate(row)
}


def dtmf_tone(
    digit: str, sample_rate: int, duration_s: float = 0.1, level_dbfs: float = -10.0
) -> npt.NDArray[np.int16]:
    """``duration_s`` of the key's two tones at ``level_dbfs`` each, with 5 ms ramps (no clicks)."""
    if digit not in DTMF_FREQUENCIES:
        raise ValueError(f"no DTMF key {digit!r}")
    low, high = DTMF_FREQUENCIES[digit]
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    amplitude = 32767 * 10 ** (level_dbfs / 20)
    wave = amplitude * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t))
    ramp = min(int(0.005 * sample_rate), t.size // 2)
    if ramp:
        envelope = np.linspace(0.0, 1.0, ramp)
        wave[:ramp] *= envelope
        wave[-ramp:] *= envelope[::-1]
    return np.clip(np.round(wave), -32768, 32767).astype(np.int16)
