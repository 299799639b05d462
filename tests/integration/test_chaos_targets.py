"""Resolving and building chaos targets: built-in Pipecat classes and user factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicectl.errors import HarnessError, InputError
from voicectl.harness.targets import (
    BUILTIN_TARGETS,
    FAKE_API_KEY,
    build_target,
    resolve_target,
    target_names,
)

FACTORIES = """
from pipecat.processors.frame_processor import FrameProcessor

def broken(url):
    raise RuntimeError("no credentials for " + url)

def not_a_processor(url):
    return {"url": url}

async def good(url):
    processor = FrameProcessor()
    processor.url = url
    return processor
"""


@pytest.fixture
def factories(tmp_path: Path) -> Path:
    path = tmp_path / "my_targets.py"
    path.write_text(FACTORIES)
    return path


def test_builtin_names_map_to_their_protocols() -> None:
    assert target_names()[0] == "soniox"
    for name, target in BUILTIN_TARGETS.items():
        spec = resolve_target(name)
        assert spec.builtin and spec.protocol == target.protocol == name


async def test_every_builtin_target_is_built_pointing_at_the_fake() -> None:
    for name in target_names():
        service = await build_target(resolve_target(name), "ws://127.0.0.1:9/x")
        assert type(service).__name__ == BUILTIN_TARGETS[name].cls
        assert getattr(service, "_api_key", FAKE_API_KEY) == FAKE_API_KEY


async def test_a_file_factory_is_called_with_the_url(factories: Path) -> None:
    spec = resolve_target(f"{factories}:good", "soniox")
    assert spec.protocol == "soniox" and not spec.builtin
    processor = await build_target(spec, "ws://127.0.0.1:9/transcribe-websocket")
    assert processor.url == "ws://127.0.0.1:9/transcribe-websocket"


async def test_a_module_factory_defaults_to_the_generic_protocol(
    factories: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(factories.parent)
    spec = resolve_target("my_targets:good")
    assert spec.protocol == "generic"
    assert (await build_target(spec, "ws://127.0.0.1:9/")).url == "ws://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("broken", "could not be built: RuntimeError: no credentials"),
        ("not_a_processor", "not a pipecat FrameProcessor"),
    ],
)
async def test_a_factory_that_fails_is_a_harness_error(
    factories: Path, attr: str, message: str
) -> None:
    with pytest.raises(HarnessError, match=message):
        await build_target(resolve_target(f"{factories}:{attr}"), "ws://127.0.0.1:9/")


def test_import_errors_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import does_not_exist_anywhere\n")
    with pytest.raises(InputError, match=r"importing .*bad\.py failed: ModuleNotFoundError"):
        resolve_target(f"{bad}:make")
    with pytest.raises(InputError, match="no module named 'no_such_pkg'"):
        resolve_target("no_such_pkg.stt:make")
    with pytest.raises(InputError, match=r"expected path/to/file\.py:factory"):
        resolve_target("file.py:not-an-identifier")
