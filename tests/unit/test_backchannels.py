"""Backchannel clips are short acknowledgements at the caller's level."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.audio.backchannel import BACKCHANNELS, backchannel


@pytest.mark.parametrize("kind", BACKCHANNELS)
@pytest.mark.parametrize("rate", [8000, 16000])
def test_each_backchannel_lasts_0_2_to_0_6_s_at_the_asked_rate_and_level(
    kind: str, rate: int
) -> None:
    clip = backchannel(kind, rate, level_dbfs=-6.0)
    assert 0.2 <= clip.size / rate <= 0.6
    peak = 20 * np.log10(np.max(np.abs(clip.astype(np.float64))) / 32767)
    assert -7.0 <= peak <= -5.0


def test_an_unknown_backchannel_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown backchannel 'hmm'"):
        backchannel("hmm", 8000)
