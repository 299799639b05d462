"""The caller's frames as the carrier client sends them: encoded once, the same bytes as encoding
each frame on its own."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.audio.script import Utterance
from voicectl.replay.client import CallOptions, CarrierCall


@pytest.mark.parametrize("carrier", ["twilio", "telnyx", "plivo", "exotel", "raw"])
def test_each_frame_payload_is_its_samples_encoded_alone_also_the_padded_last_and_after_play(
    carrier: str,
) -> None:
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal(8000 + 77) * 4000).astype(np.int16)  # a short last frame
    call = CarrierCall(audio, [Utterance(0.1, 0.5, "hi")], CallOptions(url="", carrier=carrier))
    frames = int(np.ceil(call.audio.size / call.frame_samples))

    def expected(index: int) -> bytes:
        return call.session.encode_audio(call._frame_samples(index))

    assert [call._frame_payload(i) for i in range(frames)] == [expected(i) for i in range(frames)]
    call._next_index = 3
    call.play((rng.standard_normal(call.frame_samples * 2) * 9000).astype(np.int16))
    assert call._frame_payload(3) == expected(3) and call._frame_payload(4) == expected(4)
