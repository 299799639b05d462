"""What the bot's own Pipecat reported through voicectl's setup hook: plain data, no Pipecat.

Events arrive as JSON lines (see :mod:`voicectl.sut.pipecat_setup`); this module keeps them per
pipeline worker (one worker per call in a Pipecat bot) and answers the questions the checks ask.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from voicectl.outcome.perception import BotPerception, PerceivedEvent

__all__ = ["InsideEvent", "InsideView", "WorkerView", "parse_event"]


@dataclass(frozen=True)
class InsideEvent:
    """One thing the bot's pipeline did. ``t`` is monotonic seconds (the machine's clock),
    ``audio_t`` seconds of caller audio the emitting processor had passed on."""

    kind: str
    t: float
    worker: int
    audio_t: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def parse_event(line: bytes | str) -> InsideEvent | None:
    """One JSON line from the hook, or ``None`` if it is not one (never raises)."""
    try:
        raw = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, dict):
        return None
    kind, t, worker = raw.pop("kind", None), raw.pop("t", None), raw.pop("worker", 0)
    audio_t = raw.pop("audio_t", None)
    if not isinstance(kind, str) or not isinstance(t, int | float) or not isinstance(worker, int):
        return None
    if not isinstance(audio_t, int | float):
        audio_t = None
    return InsideEvent(kind, float(t), worker, None if audio_t is None else float(audio_t), raw)


@dataclass
class WorkerView:
    """One ``PipelineWorker`` of the bot (one call) and everything it reported."""

    key: tuple[int, int]  # (bot connection, worker number)
    name: str = ""
    processors: list[str] = field(default_factory=list)
    switchers: list[dict[str, Any]] = field(default_factory=list)
    call_ids: list[str] = field(default_factory=list)
    heartbeats: dict[str, Any] | None = None  # {"enabled": bool, "monitor_s": float}; None: unknown
    events: list[InsideEvent] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[InsideEvent]:
        return [e for e in self.events if e.kind in kinds]

    @property
    def ended(self) -> bool:
        return bool(self.of_kind("pipeline_end"))

    def speech_segments(self, audio_end: float) -> list[tuple[float, float]]:
        """VAD speech segments on the audio clock."""
        segments: list[tuple[float, float]] = []
        start: float | None = None
        for event in self.of_kind("vad_start", "vad_stop"):
            if event.audio_t is None:
                continue
            if event.kind == "vad_start" and start is None:
                start = event.audio_t
            elif event.kind == "vad_stop" and start is not None:
                segments.append((start, event.audio_t))
                start = None
        if start is not None:
            segments.append((start, audio_end))
        return segments

    def audio_processed(self, default: float) -> float:
        """Seconds of caller audio every audio-passing processor had handled when the pipeline
        ended (``default`` if it never reported its end)."""
        ends = [e.audio_t for e in self.of_kind("pipeline_end") if e.audio_t is not None]
        return ends[-1] if ends else default

    def perception(self) -> BotPerception:
        """The same events as the reference bot's :class:`BotPerception`, for the judges that
        read one (``wall_t`` is monotonic time: ``wall_origin`` is 0)."""
        events = [
            PerceivedEvent(e.kind, e.audio_t or 0.0, e.t, _detail(e))
            for e in self.events
            if e.kind not in ("worker", "hello")
        ]
        return BotPerception(events, audio_in_s=self.audio_processed(0.0), wall_origin=0.0)

    def turn_ends(self) -> list[float]:
        return [e.audio_t for e in self.of_kind("turn_end") if e.audio_t is not None]

    def answer_pending(self, now: float, result_grace_s: float = 3.0) -> bool:
        """Whether the bot is still in the middle of an answer at monotonic time ``now``: a
        function call is in progress, or one has returned and the bot has not yet finished
        speaking after it (for at most ``result_grace_s``: a result the model answers with
        silence does not hold the caller forever)."""
        open_calls: set[str] = set()
        last_result: float | None = None
        last_bot_stop: float | None = None
        for event in self.events:
            if event.kind == "bot_stop":
                last_bot_stop = event.t
            elif event.kind == "function_call":
                call_id = str(event.get("tool_call_id", ""))
                if event.get("phase") == "in_progress":
                    open_calls.add(call_id)
                elif event.get("phase") in ("result", "cancelled"):
                    open_calls.discard(call_id)
                    if event.get("phase") == "result":
                        last_result = event.t
        if open_calls:
            return True
        if last_result is None or (last_bot_stop is not None and last_bot_stop > last_result):
            return False
        spoke_since = any(e.kind == "bot_start" and e.t >= last_result for e in self.events)
        return spoke_since or now - last_result < result_grace_s

    def predictions(self) -> list[tuple[float, float]]:
        """End-of-turn predictions as (audio_t, probability of "complete")."""
        return [
            (e.audio_t, float(e.get("probability", 0.0)))
            for e in self.of_kind("turn_prediction")
            if e.audio_t is not None
        ]


def _detail(event: InsideEvent) -> str:
    """What :class:`PerceivedEvent` carries as ``detail`` for this kind of event."""
    if event.kind == "dtmf":
        return str(event.get("digit", ""))
    if event.kind == "transcript":
        return str(event.get("text", ""))
    if event.kind == "error":
        return str(event.get("message", ""))
    if event.kind == "turn_prediction":
        complete = "complete" if event.get("complete") else "incomplete"
        return f"{complete} p={float(event.get('probability', 0.0)):.3f}"
    return ""


@dataclass
class InsideView:
    """Everything the hook reported from one bot process (several connections if it forks)."""

    hellos: list[InsideEvent] = field(default_factory=list)
    workers: dict[tuple[int, int], WorkerView] = field(default_factory=dict)
    malformed: int = 0

    @property
    def hooked(self) -> bool:
        """The setup hook loaded in the bot and reached voicectl."""
        return bool(self.hellos)

    @property
    def pipecat_version(self) -> str | None:
        return str(self.hellos[0].get("pipecat")) if self.hellos else None

    def add(self, connection: int, event: InsideEvent) -> None:
        if event.kind == "hello":
            self.hellos.append(event)
            return
        key = (connection, event.worker)
        view = self.workers.setdefault(key, WorkerView(key))
        if event.kind == "worker":
            view.name = str(event.get("name", ""))
            view.processors = [str(p) for p in event.get("processors", [])]
            view.switchers = [s for s in event.get("switchers", []) if isinstance(s, dict)]
            view.call_ids = [str(c) for c in event.get("call_ids", [])]
            beats = event.get("heartbeats")
            view.heartbeats = beats if isinstance(beats, dict) else None
        view.events.append(event)

    def worker_for(self, call_ids: Iterable[str], since: float | None = None) -> WorkerView | None:
        """The worker that served the call with these carrier ids; else the first worker that
        started at or after ``since`` (a bot whose serializer keeps no ids)."""
        wanted = set(call_ids)
        for view in self.workers.values():
            if wanted & set(view.call_ids):
                return view
        if since is not None:
            later = [v for v in self.workers.values() if v.events and v.events[0].t >= since]
            if later:
                return min(later, key=lambda v: v.events[0].t)
        return None
