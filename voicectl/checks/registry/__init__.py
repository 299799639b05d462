"""Every check id voicectl can emit: what it expects, its default bound and why, and its tests.

The specs live by family in this package's modules (``call``, ``provider``, ``conversation``,
``resample``, ``runs``); the catalogue in the docs is generated from :data:`CHECKS`, and a unit
test (tests/unit/test_check_registry.py) fails when code emits an id that is not registered here
or a registered test no longer exists. Register a new check in its family's module in the
commit that adds it.

Suites prefix each check id with its scenario (``<scenario>/<id>``); :func:`spec_for` looks up
such scoped ids too. This package imports nothing from voicectl or Pipecat on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from voicectl.checks.registry import call, conversation, provider, resample, runs
from voicectl.checks.registry.spec import CheckSpec

__all__ = ["CHECKS", "CheckSpec", "all_specs", "spec_for"]

_SPECS: tuple[CheckSpec, ...] = (
    *call.SPECS,
    *provider.SPECS,
    *conversation.SPECS,
    *resample.SPECS,
    *runs.SPECS,
)

#: Every registered check, by id.
CHECKS: Mapping[str, CheckSpec] = MappingProxyType({s.id: s for s in _SPECS})
if len(CHECKS) != len(_SPECS):
    raise RuntimeError("duplicate check id in the registry")


def spec_for(check_id: str) -> CheckSpec | None:
    """The spec of ``check_id``, also when a suite scoped it as ``<scenario>/<id>``."""
    return CHECKS.get(check_id.rpartition("/")[2])


def all_specs() -> Iterator[CheckSpec]:
    """Every spec, in catalogue order."""
    return iter(_SPECS)
