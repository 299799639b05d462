"""Call scripts: a scripted caller in the suite format (TOML, errors as ``FILE:LINE: reason``).

Sans-I/O apart from :func:`load_call_script`, which reads the file and the recordings it names::

    [call]
    audio = "order_status.wav"        # the recording `say = N` takes utterance N from

    [[step]]
    say = 1                           # the sidecar's first utterance
    [[step]]
    expect = "bot_answered"           # bot audio within `within` s of the end of the last say
    within = 3
    [[step]]
    wait_for = "silence"              # bot_speech | silence | word:WORD; `within` bounds it
    for = 0.5
    [[step]]
    say = { audio = "other.wav", start = 1.2, end = 2.9 }   # a segment of a recording
    [[step]]
    say = "I would like a refund"     # text, spoken by espeak-ng when it is installed
    [[step]]
    dtmf = "12#"
    [[step]]
    wait = 1.5
    [[step]]
    hangup = "stop"                   # stop | drop | close
"""

from __future__ import annotations

import math
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicectl.outcome.call import HangUp
from voicectl.suite.model import SuiteError
from voicectl.suite.parse import key_lines, suggest

__all__ = [
    "ACTIONS",
    "CallScriptSpec",
    "SayAudio",
    "ScriptStep",
    "load_call_script",
    "parse_call_script",
]

ACTIONS = ("say", "wait", "wait_for", "expect", "dtmf", "hangup")
_MODIFIERS = {"within", "for", "name"}
_WAIT_FOR = ("bot_speech", "silence")
_EXPECT = ("bot_answered", "bot_silent", "call_open")
_HANGUPS = (HangUp.STOP, HangUp.DROP, HangUp.CLOSE)  # a script cannot reset the socket
_DTMF = re.compile(r"[0-9*#A-Da-d]{1,32}")
_MAX_STEPS = 500
_DEFAULT_WITHIN = {"wait_for": 10.0, "expect": 3.0}
_DEFAULT_FOR = {"silence": 1.0, "bot_silent": 2.0}


@dataclass(frozen=True)
class SayAudio:
    """What a ``say`` step speaks: part of a recording, or text for espeak-ng."""

    audio: Path | None = None  # None with text
    start: float | None = None
    end: float | None = None
    utterance: int | None = None  # 1-based sidecar utterance of ``audio``
    text: str = ""  # the sidecar text, or what espeak-ng says


@dataclass(frozen=True)
class ScriptStep:
    """One step: an action and its bound."""

    number: int  # 1-based
    line: int
    action: str
    say: SayAudio | None = None
    seconds: float = 0.0  # wait
    target: str = ""  # wait_for / expect: bot_speech, silence, word:WORD, bot_answered, ...
    within_s: float = 0.0
    for_s: float = 0.0
    digits: str = ""
    hangup: HangUp = HangUp.STOP
    name: str = ""

    def describe(self) -> str:
        """The step as a person reads it."""
        if self.name:
            return self.name
        if self.action == "say" and self.say is not None:
            if self.say.audio is None:
                return f"say {self.say.text!r} (espeak-ng)"
            if self.say.utterance is not None:
                return f"say utterance {self.say.utterance} of {self.say.audio.name}"
            return f"say {self.say.audio.name} {self.say.start:g}-{self.say.end:g} s"
        if self.action == "wait":
            return f"wait {self.seconds:g} s"
        if self.action == "wait_for":
            hold = f" for {self.for_s:g} s" if self.target == "silence" else ""
            return f"wait for {self.target}{hold} (within {self.within_s:g} s)"
        if self.action == "expect":
            if self.target == "bot_silent":
                return f"expect the bot silent for {self.for_s:g} s"
            if self.target == "bot_answered":
                return f"expect the bot to answer within {self.within_s:g} s"
            return f"expect {self.target}"
        if self.action == "dtmf":
            return f"press {self.digits}"
        return f"hang up ({self.hangup})"


@dataclass(frozen=True)
class CallScriptSpec:
    """A parsed call script."""

    source: str
    name: str
    steps: tuple[ScriptStep, ...]
    audio: Path | None = None


def load_call_script(
    path: str | Path, *, which: Callable[[str], str | None] = shutil.which
) -> CallScriptSpec:
    """Read and check a call script; its relative paths are relative to the file."""
    source = Path(path)
    try:
        text = source.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SuiteError(str(source), 1, "no such call script") from None
    except UnicodeDecodeError:
        raise SuiteError(str(source), 1, "not a UTF-8 text file") from None
    except OSError as exc:
        raise SuiteError(str(source), 1, f"cannot read: {exc.strerror or exc}") from None
    return parse_call_script(text, str(source), base_dir=source.resolve().parent, which=which)


def parse_call_script(
    text: str,
    source: str,
    *,
    base_dir: Path,
    which: Callable[[str], str | None] = shutil.which,
) -> CallScriptSpec:
    """Parse a call script; every problem is a :class:`SuiteError` naming its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        reason = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise SuiteError(source, line, f"invalid TOML: {reason}") from None
    lines = key_lines(text)

    def err(reason: str, *path: str | int) -> SuiteError:
        full: tuple[str | int, ...] = path
        while full and full not in lines:
            full = full[:-1]
        return SuiteError(source, lines.get(full, 1) if full else 1, reason)

    for key in data:
        if key not in ("call", "step"):
            raise err(f"unknown table or key {key!r}{suggest(key, ('call', 'step'))}", key)
    call = data.get("call", {})
    if not isinstance(call, dict):
        raise err("[call] must be a table", "call")
    for key in call:
        if key not in ("name", "audio"):
            raise err(f"unknown [call] key {key!r}; known: name, audio", "call", key)
    name = call.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        raise err("[call] name must be a non-empty string", "call", "name")
    default_audio = None
    if "audio" in call:
        default_audio = _path(call["audio"], base_dir, err, ("call", "audio"))
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise err("no [[step]] to run")
    if len(raw_steps) > _MAX_STEPS:
        raise err(f"at most {_MAX_STEPS} steps", "step")
    steps = tuple(
        _step(raw, i, lines.get(("step", i), 1), default_audio, base_dir, err, which)
        for i, raw in enumerate(raw_steps)
    )
    for step in steps[:-1]:
        if step.action == "hangup":
            raise err(
                f"step {step.number}: hangup ends the call, so it must be the last step",
                "step",
                step.number - 1,
            )
    return CallScriptSpec(source, name.strip(), steps, default_audio)


Err = Callable[..., SuiteError]


def _step(
    raw: Any,
    index: int,
    line: int,
    default_audio: Path | None,
    base_dir: Path,
    err: Err,
    which: Callable[[str], str | None],
) -> ScriptStep:
    here = ("step", index)
    if not isinstance(raw, dict):
        raise err(f"step {index + 1} must be a table ([[step]])", *here)
    actions = [k for k in raw if k in ACTIONS]
    for key in raw:
        if key not in ACTIONS and key not in _MODIFIERS:
            known = (*ACTIONS, *sorted(_MODIFIERS))
            raise err(
                f"step {index + 1}: unknown key {key!r}{suggest(key, known)}; "
                f"a step is one of {', '.join(ACTIONS)} (with within, for, name)",
                *here,
                key,
            )
    if len(actions) != 1:
        what = "no action" if not actions else f"{len(actions)} actions ({', '.join(actions)})"
        raise err(f"step {index + 1} has {what}; give exactly one of {', '.join(ACTIONS)}", *here)
    action = actions[0]
    value = raw[action]
    at = (*here, action)
    line_path = at
    number = index + 1
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise err(f"step {number}: name must be a string", *here, "name")
    within = raw.get("within")
    hold = raw.get("for")
    for key, given in (("within", within), ("for", hold)):
        if given is not None and not _seconds(given):
            raise err(f"step {number}: {key} must be a positive number of seconds", *here, key)
    if within is not None and action not in ("wait_for", "expect"):
        raise err(f"step {number}: within applies to wait_for and expect, not {action}", *here)
    base = {"number": number, "line": line, "action": action, "name": name}
    if action == "say":
        say = _say(value, number, default_audio, base_dir, err, at, which)
        return ScriptStep(**base, say=say)
    if action == "wait":
        if not _seconds(value):
            raise err(f"step {number}: wait takes a positive number of seconds", *line_path)
        return ScriptStep(**base, seconds=float(value))
    if action in ("wait_for", "expect"):
        choices = _WAIT_FOR if action == "wait_for" else _EXPECT
        if not isinstance(value, str) or not (value in choices or re.fullmatch(r"word:\S+", value)):
            raise err(
                f"step {number}: {action} takes one of {', '.join(choices)} or word:WORD, "
                f"got {value!r}",
                *line_path,
            )
        if hold is not None and value not in _DEFAULT_FOR:
            raise err(f"step {number}: for applies to silence and bot_silent", *here, "for")
        return ScriptStep(
            **base,
            target=value,
            within_s=float(within) if within is not None else _DEFAULT_WITHIN[action],
            for_s=float(hold) if hold is not None else _DEFAULT_FOR.get(value, 0.0),
        )
    if action == "dtmf":
        if not isinstance(value, str | int) or not _DTMF.fullmatch(str(value)):
            raise err(f"step {number}: dtmf takes keys 0-9 * # A-D, got {value!r}", *line_path)
        return ScriptStep(**base, digits=str(value).upper())
    how = HangUp.STOP if value is True else value
    if how not in _HANGUPS:
        raise err(
            f"step {number}: hangup takes true or one of {', '.join(_HANGUPS)}, got {value!r}",
            *line_path,
        )
    return ScriptStep(**base, hangup=HangUp(how))


def _say(
    value: Any,
    number: int,
    default_audio: Path | None,
    base_dir: Path,
    err: Err,
    at: tuple[str | int, ...],
    which: Callable[[str], str | None],
) -> SayAudio:
    if isinstance(value, str):
        if not value.strip():
            raise err(f"step {number}: say needs text, an utterance number or a table", *at)
        if which("espeak-ng") is None:
            raise err(
                f"step {number}: say {value!r} needs espeak-ng to speak text, and it is not "
                "installed (apt install espeak-ng); or say a recording's utterance or segment",
                *at,
            )
        return SayAudio(text=value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        value = {"utterance": value}
    if not isinstance(value, dict):
        raise err(f"step {number}: say takes text, an utterance number or a table", *at)
    for key in value:
        if key not in ("audio", "utterance", "start", "end"):
            raise err(
                f"step {number}: unknown say key {key!r}; known: audio, utterance, start, end", *at
            )
    audio = _path(value["audio"], base_dir, err, at) if "audio" in value else default_audio
    if audio is None:
        raise err(f"step {number}: say needs an audio file here or in [call] audio", *at)
    utterance = value.get("utterance")
    if utterance is not None:
        if not isinstance(utterance, int) or isinstance(utterance, bool) or utterance < 1:
            raise err(f"step {number}: utterance is a number from 1", *at)
        if "start" in value or "end" in value:
            raise err(f"step {number}: say an utterance or a start-end segment, not both", *at)
        return SayAudio(audio=audio, utterance=utterance)
    start, end = value.get("start", 0.0), value.get("end")
    if not _number(start) or start < 0 or end is None or not _number(end) or end <= start:
        raise err(f"step {number}: say a segment with 0 <= start < end (seconds)", *at)
    return SayAudio(audio=audio, start=float(start), end=float(end))


def _path(value: Any, base_dir: Path, err: Err, at: tuple[str | int, ...]) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise err("audio must be a path", *at)
    path = Path(value)
    return path if path.is_absolute() else base_dir / path


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seconds(value: Any) -> bool:
    return _number(value) and 0 < value <= 3600
