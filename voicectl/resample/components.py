"""How rate-sensitive Pipecat components react when they are told the wrong sample rate.

The real models from the Pipecat wheel (Smart Turn v3, Silero VAD) run on the fixture calls'
utterances four ways: 8 kHz audio told 8000 (correct), the same audio upsampled to 16 kHz and
told 16000 (correct too: the spread between these two is the baseline), 8 kHz audio told
16000 (a component that assumes 16 kHz on telephony: speech at 2x) and 16 kHz audio told
8000 (0.5x). Smart Turn goes through its public ``append_audio``/``analyze_end_of_turn``
path; Silero through ``analyze_audio``, with its per-window confidence observed from outside.

The runs and their results are in :mod:`voicectl.resample.component_runs`, the verdicts and
tables in :mod:`voicectl.resample.component_judge`; this module is their public face.
"""

from __future__ import annotations

from voicectl.resample.component_judge import (
    VadSummary,
    component_checks,
    component_tables,
    summarise_vad,
)
from voicectl.resample.component_runs import (
    BASELINE,
    CORRECT,
    VARIANTS,
    Component,
    SmartTurnResult,
    VadResult,
    VadRun,
    Variant,
    run_silero_vad,
    run_smart_turn,
)

__all__ = [
    "BASELINE",
    "CORRECT",
    "VARIANTS",
    "Component",
    "SmartTurnResult",
    "VadResult",
    "VadRun",
    "VadSummary",
    "Variant",
    "component_checks",
    "component_tables",
    "run_silero_vad",
    "run_smart_turn",
    "summarise_vad",
]
