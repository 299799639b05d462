"""Smart Turn v3 with its ONNX model loaded once per process, not once per call."""

from __future__ import annotations

import functools

from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3

__all__ = ["SharedModelSmartTurnV3"]


@functools.cache
def _loaded() -> LocalSmartTurnAnalyzerV3:
    """Pipecat's analyzer, built once: its inference session is what every call shares."""
    return LocalSmartTurnAnalyzerV3()


class SharedModelSmartTurnV3(LocalSmartTurnAnalyzerV3):
    """Pipecat's ``LocalSmartTurnAnalyzerV3`` sharing one loaded model between calls.

    Loading the bundled model costs ~0.07 CPU-s and ~0.1 s of a call's event loop; an ONNX
    Runtime session is safe to run from several threads at once. Each call still gets its own
    analyzer state (audio buffer, speech flags, executor) from ``BaseSmartTurn``; what Pipecat's
    constructor adds beyond that (the session and its settings) comes from the loaded one.
    """

    def __init__(
        self, *, sample_rate: int | None = None, params: SmartTurnParams | None = None
    ) -> None:
        BaseSmartTurn.__init__(self, sample_rate=sample_rate, params=params)
        loaded = _loaded()
        own = set(vars(self))
        for name, value in vars(loaded).items():
            if name not in own:
                setattr(self, name, value)
