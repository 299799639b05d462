"""In-band DTMF tones carry the key's two frequencies and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.audio.dtmf import DTMF_FREQUENCIES, dtmf_tone


@pytest.mark.parametrize("digit", list("0123456789*#ABCD"))
def test_each_key_is_its_row_and_column_tone(digit: str) -> None:
    tone = dtmf_tone(digit, 8000, 0.1).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(tone * np.hanning(tone.size)))
    freqs = np.fft.rfftfreq(tone.size, 1 / 8000)
    top_two = sorted(freqs[np.argsort(spectrum)[-2:]])
    low, high = DTMF_FREQUENCIES[digit]
    # 100 ms of audio resolves the spectrum in 10 Hz bins
    assert abs(top_two[0] - low) <= 10 and abs(top_two[1] - high) <= 10


def test_a_tone_is_as_long_as_asked_and_starts_and_ends_at_zero() -> None:
    tone = dtmf_tone("5", 16000, 0.08)
    assert tone.size == 1280 and tone[0] == 0 and abs(int(tone[-1])) < 200


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="no DTMF key"):
        dtmf_tone("E", 8000)
