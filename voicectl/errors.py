"""Errors that map to voicectl's exit codes (DESIGN section 3)."""

__all__ = ["HarnessError", "InputError", "VoicectlError"]


class VoicectlError(Exception):
    """Base error; its message is shown to the user as one line."""

    exit_code = 3


class InputError(VoicectlError):
    """Bad usage or input (unreadable audio, malformed file, unknown name): exit code 2."""

    exit_code = 2


class HarnessError(VoicectlError):
    """The system under test or voicectl itself could not run: exit code 3."""

    exit_code = 3
