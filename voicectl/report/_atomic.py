"""Write a report file atomically: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from voicectl.errors import InputError

__all__ = ["atomic_write", "write_failure"]

_NEW_FILE_MODE = 0o644


def atomic_write(path: str | os.PathLike[str], write: Callable[[TextIO], None], what: str) -> Path:
    """Call ``write`` on a temp file beside ``path``, fsync it, then rename it over ``path``.

    The temp file is removed if anything fails (including KeyboardInterrupt), so an existing
    report is never clobbered by a broken one. A path that cannot be written raises
    :class:`InputError` naming it; errors raised by ``write`` propagate unchanged.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise write_failure(what, target, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; a report is an ordinary artefact, keep the old mode if any.
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = _NEW_FILE_MODE
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise write_failure(what, target, exc) from exc
        raise
    _fsync_directory(target.parent)
    return target


def write_failure(what: str, path: Path, exc: OSError) -> InputError:
    """A one-line error for a report file that could not be written."""
    return InputError(f"cannot write {what} to {path}: {exc.strerror or exc}")


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows it (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
