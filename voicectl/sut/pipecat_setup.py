"""voicectl's window into the user's bot: a Pipecat setup file, loaded by the bot's own Pipecat.

voicectl starts the bot with ``PIPECAT_SETUP_FILES`` naming this file and ``VOICECTL_PROBE`` set
to ``HOST:PORT``. Pipecat imports the file once per process and calls
:func:`setup_pipeline_worker` for every ``PipelineWorker`` while it sets up; the hook attaches an
observer and event handlers to the worker (nothing in the bot's pipeline changes) and streams what
they see to voicectl over loopback, one JSON object per line:

``hello`` (once per process), ``worker`` (its processors, switchers and call ids), ``error`` (at
the processor that raised it, Pipecat's ``ErrorObserver``), ``pipeline_error``, ``usable``,
``switched``, ``function_call`` (in progress, cancelled, result), ``vad_start``/``vad_stop``,
``turn_start``/``turn_end``, ``bot_start``/``bot_stop``, ``interruption``, ``transcript``,
``dtmf`` (an ``InputDTMFFrame``: a key the transport or a detector produced), ``turn_prediction``,
``heartbeat_timeout``, ``idle_timeout``, ``pipeline_end``.

Every event carries ``t`` (this process's ``time.monotonic()``: the same clock as voicectl's on
one machine), ``audio_t`` (seconds of caller audio the emitting processor had passed on: the call's
audio clock, comparable across pacings and pipeline rates) and ``worker``.

The file imports only the standard library and Pipecat, so it loads in the bot's environment
whether or not voicectl is installed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    Frame,
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    MetricsFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.error_observer import ErrorEvent, ErrorObserver
from pipecat.processors.frame_processor import FrameDirection

__all__ = ["setup_pipeline_worker", "setup_worker_runner"]

PROBE_ENV = "VOICECTL_PROBE"

_KINDS: dict[type[Frame], str] = {
    VADUserStartedSpeakingFrame: "vad_start",
    VADUserStoppedSpeakingFrame: "vad_stop",
    UserStartedSpeakingFrame: "turn_start",
    UserStoppedSpeakingFrame: "turn_end",
    BotStartedSpeakingFrame: "bot_start",
    BotStoppedSpeakingFrame: "bot_stop",
    InterruptionFrame: "interruption",
}
_CALL_ID_ATTRS = ("_stream_sid", "_stream_id", "_call_sid", "_call_id", "_call_control_id")
_workers = itertools.count(1)


class _Link:
    """One loopback connection to voicectl per bot process; events written in order."""

    def __init__(self) -> None:
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()
        self._failed = False

    async def connect(self) -> bool:
        async with self._lock:
            if self._writer is not None and not self._writer.is_closing():
                return True
            if self._failed:
                return False
            host, _, port = os.environ.get(PROBE_ENV, "").rpartition(":")
            try:
                _, self._writer = await asyncio.wait_for(
                    asyncio.open_connection(host or "127.0.0.1", int(port)), 5.0
                )
            except (OSError, ValueError, TimeoutError) as exc:
                self._failed = True
                print(
                    f"voicectl setup hook: cannot reach voicectl at {PROBE_ENV}: {exc}",
                    file=sys.stderr,
                )
                return False
            self.send(
                "hello",
                0,
                pid=os.getpid(),
                pipecat=_pipecat_version(),
                python=sys.version.split()[0],
            )
            return True

    def send(self, kind: str, worker: int, audio_t: float | None = None, **data: Any) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            return
        event = {"kind": kind, "t": time.monotonic(), "worker": worker, "audio_t": audio_t, **data}
        with contextlib.suppress(OSError, RuntimeError):
            writer.write((json.dumps(event, default=str) + "\n").encode())


_link = _Link()


def _pipecat_version() -> str:
    try:
        from importlib.metadata import version

        return version("pipecat-ai")
    except Exception:
        return "unknown"


class _Watch(BaseObserver):
    """Frames once at their origin, stamped on the audio clock of the processor that pushed them."""

    def __init__(self, worker: int) -> None:
        super().__init__(observe_every_push=True)
        self._worker = worker
        self._audio_by_source: dict[int, float] = {}
        self._audio_in_s = 0.0
        self._last_vad_stop: float | None = None

    def audio_t(self, source: object | None = None) -> float:
        if source is not None and id(source) in self._audio_by_source:
            return self._audio_by_source[id(source)]
        return min(self._audio_by_source.values(), default=self._audio_in_s)

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        source = id(data.source)
        if isinstance(frame, InputAudioRawFrame):
            seconds = len(frame.audio) / (2 * frame.num_channels * frame.sample_rate)
            self._audio_by_source[source] = self._audio_by_source.get(source, 0.0) + seconds
            if data.first_push:
                self._audio_in_s += seconds
            return
        if not data.first_push:
            return
        kind = _KINDS.get(type(frame))
        fields: dict[str, Any] = {}
        if kind is None and isinstance(frame, TranscriptionFrame):
            kind, fields = "transcript", {"text": frame.text}
        elif kind is None and isinstance(frame, InputDTMFFrame):
            kind, fields = "dtmf", {"digit": str(frame.button.value)}
        elif kind is None and isinstance(frame, FunctionCallInProgressFrame):
            kind, fields = "function_call", _call(frame, "in_progress")
        elif kind is None and isinstance(frame, FunctionCallCancelFrame):
            kind, fields = "function_call", _call(frame, "cancelled")
        elif kind is None and isinstance(frame, FunctionCallResultFrame):
            kind, fields = "function_call", _call(frame, "result")
        elif kind is None and isinstance(frame, MetricsFrame):
            turn: Any = next((d for d in frame.data if type(d).__name__ == "TurnMetricsData"), None)
            if turn is None:
                return
            kind = "turn_prediction"
            fields = {"complete": bool(turn.is_complete), "probability": float(turn.probability)}
        if kind is None:
            return
        # Broadcast frames travel both ways: count each once (errors and metrics go up).
        if kind in _KINDS.values() and data.direction is not FrameDirection.DOWNSTREAM:
            return
        audio_t = self.audio_t(data.source)
        if kind == "vad_stop":
            self._last_vad_stop = audio_t
        if kind == "turn_prediction" and self._last_vad_stop is not None:
            # The model judged the speech that ended at the last VAD stop: stamp it there.
            audio_t = self._last_vad_stop
        _link.send(kind, self._worker, audio_t, processor=str(data.source), **fields)


def _call(frame: Any, phase: str) -> dict[str, Any]:
    return {
        "phase": phase,
        "function": getattr(frame, "function_name", ""),
        "tool_call_id": getattr(frame, "tool_call_id", ""),
    }


class _Errors(ErrorObserver):
    """Pipecat's ``ErrorObserver``: every ErrorFrame once, where it was raised."""

    def __init__(self, worker: int, watch: _Watch) -> None:
        super().__init__()
        self._worker = worker
        self._watch = watch
        self._fatal: list[bool] = []
        self.add_event_handler("on_error", self._on_error)

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, ErrorFrame) and data.first_push:
            self._fatal.append(bool(data.frame.fatal))
        await super().on_push_frame(data)

    async def _on_error(self, _observer: Any, event: ErrorEvent) -> None:
        _link.send(
            "error",
            self._worker,
            self._watch.audio_t(),
            processor=event.processor,
            message=event.message,
            category=str(event.category.value),
            usable=bool(event.processor_usable),
            exception_type=event.exception_type,
            fatal=self._fatal.pop(0) if self._fatal else False,
        )


def _walk(processor: Any) -> list[Any]:
    found = [processor]
    for child in getattr(processor, "processors", None) or []:
        found.extend(_walk(child))
    return found


def _call_ids(processors: list[Any]) -> list[str]:
    ids = []
    for processor in processors:
        params = getattr(processor, "_params", None)
        serializer = getattr(params, "serializer", None)
        for attr in _CALL_ID_ATTRS:
            value = getattr(serializer, attr, None)
            if isinstance(value, str) and value:
                ids.append(value)
    return ids


async def setup_pipeline_worker(worker: Any) -> None:
    """Pipecat's setup-file hook: watch ``worker`` and stream what happens to voicectl."""
    if not await _link.connect():
        return
    number = next(_workers)
    watch = _Watch(number)
    errors = _Errors(number, watch)
    worker.add_observer(watch)
    worker.add_observer(errors)
    processors = _walk(worker.pipeline)
    switchers = []
    for processor in processors:
        _watch_usable(processor, number, watch)
        _watch_user_idle(processor, number, watch)
        strategy = getattr(processor, "strategy", None)
        services = getattr(strategy, "services", None)
        if strategy is not None and isinstance(services, list):
            switchers.append(
                {
                    "name": str(processor),
                    "services": [str(s) for s in services],
                    "active": str(getattr(strategy, "active_service", "")),
                }
            )
            _watch_switches(strategy, str(processor), number, watch)
    _link.send(
        "worker",
        number,
        0.0,
        name=str(worker),
        processors=[str(p) for p in processors],
        switchers=switchers,
        call_ids=_call_ids(processors),
        heartbeats=_heartbeats(worker),
    )

    async def on_pipeline_error(_worker: Any, frame: ErrorFrame) -> None:
        processor = getattr(frame, "processor", None)
        _link.send(
            "pipeline_error",
            number,
            watch.audio_t(),
            processor=str(processor) if processor is not None else "",
            message=str(frame.error),
        )

    async def on_heartbeat_timeout(_worker: Any, *_args: Any) -> None:
        _link.send("heartbeat_timeout", number, watch.audio_t())

    async def on_idle_timeout(_worker: Any, *_args: Any) -> None:
        _link.send("idle_timeout", number, watch.audio_t())

    async def on_pipeline_finished(_worker: Any, frame: Any) -> None:
        _link.send("pipeline_end", number, watch.audio_t(), frame=type(frame).__name__)

    worker.add_event_handler("on_pipeline_error", on_pipeline_error)
    worker.add_event_handler("on_heartbeat_timeout", on_heartbeat_timeout)
    worker.add_event_handler("on_idle_timeout", on_idle_timeout)
    worker.add_event_handler("on_pipeline_finished", on_pipeline_finished)


def _heartbeats(worker: Any) -> dict[str, Any] | None:
    """The worker's ``enable_heartbeats`` and ``heartbeats_monitor_secs`` (None if unknown)."""
    params = getattr(worker, "params", None)
    enabled = getattr(params, "enable_heartbeats", None)
    if not isinstance(enabled, bool):
        return None
    return {"enabled": enabled, "monitor_s": getattr(params, "heartbeats_monitor_secs", None)}


def _watch_usable(processor: Any, worker: int, watch: _Watch) -> None:
    if "on_usable_changed" not in getattr(processor, "_event_handlers", {}):
        return

    async def on_usable_changed(proc: Any, usable: bool) -> None:
        _link.send("usable", worker, watch.audio_t(), processor=str(proc), usable=bool(usable))

    processor.add_event_handler("on_usable_changed", on_usable_changed)


def _watch_user_idle(processor: Any, worker: int, watch: _Watch) -> None:
    """Pipecat's user idle timeout is an event (``on_user_turn_idle``), not a frame."""
    if "on_user_turn_idle" not in getattr(processor, "_event_handlers", {}):
        return

    async def on_user_turn_idle(*_args: Any) -> None:
        _link.send("user_idle", worker, watch.audio_t(), processor=str(processor))

    processor.add_event_handler("on_user_turn_idle", on_user_turn_idle)


def _watch_switches(strategy: Any, switcher: str, worker: int, watch: _Watch) -> None:
    async def on_service_switched(_strategy: Any, service: Any) -> None:
        _link.send("switched", worker, watch.audio_t(), switcher=switcher, to=str(service))

    strategy.add_event_handler("on_service_switched", on_service_switched)


async def setup_worker_runner(runner: Any) -> None:
    """Pipecat's per-runner hook: nothing to attach (the workers are watched one by one)."""
