"""Runs a target in a real Pipecat ``PipelineWorker`` against the fake provider and journals it."""

from voicectl.harness.targets import (
    BUILTIN_TARGETS,
    DEFAULT_TARGET,
    TargetSpec,
    build_target,
    resolve_target,
    target_names,
)
from voicectl.outcome.journal import ChaosJournal, ErrorRecord, OutputRecord, UsableFlip

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
