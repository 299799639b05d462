"""Runs a target in a real Pipecat ``PipelineWorker`` against the fake provider and journals it."""

from voicectl.harness.journal import ChaosJournal, ErrorRecord, OutputRecord, UsableFlip
from voicectl.harness.targets import (
    BUILTIN_TARGETS,
    DEFAULT_TARGET,
    TargetSpec,
    build_target,
    resolve_target,
    target_names,
)

__all__ = [
    "BUILTIN_TARGETS",
    "DEFAULT_TARGET",
    "ChaosJournal",
    "ErrorRecord",
    "OutputRecord",
    "TargetSpec",
    "UsableFlip",
    "build_target",
    "resolve_target",
    "target_names",
]
