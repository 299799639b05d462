"""STT failover inside the reference bot: real Pipecat STT services behind a ``ServiceSwitcher``.

The bot hears a scripted caller over the carrier protocol. Its STT stage is
``ServiceSwitcher([primary, backup], strategy_type=ServiceSwitcherStrategyFailover)`` (or the
user's strategy), each service a real Pipecat class (or the user's factory) pointed at its own
fake provider. The fakes transcribe each utterance when the bot has heard it (the call clock).
Incidents take a provider down and bring it back while the call goes on; an ``ErrorFrame`` from
another processor is injected to show whether it is mistaken for an STT failure.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pipecat.frames.frames import Frame, TranscriptionFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.error_observer import ErrorEvent, ErrorObserver
from pipecat.pipeline.service_switcher import ServiceSwitcher, ServiceSwitcherStrategyFailover
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from voicectl.audio.script import Call
from voicectl.bot.observer import PerceptionObserver
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer
from voicectl.errors import InputError
from voicectl.faults.base import Fault
from voicectl.faults.ws_close import WsClose
from voicectl.harness.targets import BUILTIN_TARGETS, TargetSpec, build_target, resolve_target
from voicectl.outcome.failover import (
    FailoverOutcome,
    Incident,
    SeenError,
    ServiceEvent,
    Switch,
    Transcript,
)
from voicectl.outcome.perception import BotPerception
from voicectl.providers.schedule import STT_FINAL_LATENCY_S, TranscriptSchedule
from voicectl.providers.server import FakeProviderServer
from voicectl.replay.client import CallOptions, CarrierCall, place_call

__all__ = ["FailoverPlan", "run_failover"]


@dataclass(frozen=True)
class FailoverPlan:
    """Who fails over to whom, what goes wrong when, and how the bot is configured."""

    call: Call
    primary: str = "soniox"
    backup: str = "soniox"
    protocol: str | None = None  # for custom factories: "P" for both, or "PRIMARY,BACKUP"
    incidents: tuple[Incident, ...] = (Incident(8.0, WsClose.as_crash()),)
    strategy: str | None = None  # module:Class
    backoff: tuple[float, float] | None = None  # reconnect_backoff_min_wait / max_wait
    false_error_at_s: float | None = 3.0
    heartbeats: bool = False
    tail_s: float = 2.0
    bot: ReferenceBotConfig = field(default_factory=ReferenceBotConfig)


class _FalseErrorProbe(FrameProcessor):
    """A processor after the STT stage that reports an error of its own (a TTS outage, say)."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)

    async def fail(self) -> None:
        await self.push_error("downstream TTS provider returned HTTP 503 (injected by voicectl)")


class _Watch(BaseObserver):
    """Transcripts at their origin, stamped on the call clock with the service that made them."""

    def __init__(
        self, outcome: FailoverOutcome, clock: Callable[[], float], roles: dict[int, str]
    ) -> None:
        super().__init__(observe_every_push=False)
        self._outcome, self._clock, self._roles = outcome, clock, roles

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, TranscriptionFrame):
            role = self._roles.get(id(data.source), data.source.name)
            self._outcome.transcripts.append(Transcript(self._clock(), role, data.frame.text))


def _load_strategy(spec: str) -> type[Any]:
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise InputError(f"--strategy {spec!r}: expected module:Class")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise InputError(f"--strategy: no module named {exc.name!r}") from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise InputError(f"--strategy: {module_name} has no attribute {attr!r}")
    return cls


def validate_plan(plan: FailoverPlan) -> tuple[TargetSpec, TargetSpec, type[Any]]:
    """Check targets, protocols and strategy before anything runs (InputError if bad)."""
    # --protocol P applies to both custom factories; P1,P2 to the primary and the backup.
    protocols = (plan.protocol or "").split(",")
    if len(protocols) > 2:
        raise InputError(f"--protocol {plan.protocol!r}: give one protocol, or PRIMARY,BACKUP")
    primary_protocol = protocols[0] or None
    backup_protocol = (protocols[1] if len(protocols) == 2 else protocols[0]) or None
    primary = resolve_target(
        plan.primary, primary_protocol if plan.primary not in BUILTIN_TARGETS else None
    )
    backup = resolve_target(
        plan.backup, backup_protocol if plan.backup not in BUILTIN_TARGETS else None
    )
    for spec in (primary, backup):
        builtin = BUILTIN_TARGETS.get(spec.name)
        if (
            builtin is not None
            and not builtin.protocol.endswith("stt")
            and builtin.protocol not in ("soniox", "deepgram-flux", "assemblyai")
        ):
            raise InputError(f"{spec.name} is not an STT service; stt-crash needs STT targets")
    strategy = _load_strategy(plan.strategy) if plan.strategy else ServiceSwitcherStrategyFailover
    return primary, backup, strategy


async def _build(spec: TargetSpec, url: str, backoff: tuple[float, float] | None) -> Any:
    builtin = BUILTIN_TARGETS.get(spec.name)
    if builtin is not None and backoff is not None:
        return builtin.build(
            url, reconnect_backoff_min_wait=backoff[0], reconnect_backoff_max_wait=backoff[1]
        )
    return await build_target(spec, url)


async def run_failover(plan: FailoverPlan) -> FailoverOutcome:
    """Place one real-time call into the reference bot with a failover STT stage."""
    primary_spec, backup_spec, strategy_type = validate_plan(plan)
    outcome = FailoverOutcome(plan.incidents, plan.strategy)
    perception = BotPerception()

    def clock() -> float:
        return perception.audio_in_s

    schedule = TranscriptSchedule.from_call(plan.call, repeat=False, latency_s=STT_FINAL_LATENCY_S)
    fakes = {
        "primary": FakeProviderServer(
            primary_spec.protocol, transcript_schedule=schedule, clock=clock
        ),
        "backup": FakeProviderServer(
            backup_spec.protocol, transcript_schedule=schedule, clock=clock
        ),
    }
    for fake in fakes.values():
        await fake.start()
    try:
        services = {
            "primary": await _build(primary_spec, fakes["primary"].target_url, plan.backoff),
            "backup": await _build(backup_spec, fakes["backup"].target_url, plan.backoff),
        }
        roles = {id(svc): role for role, svc in services.items()}
        outcome.names = {role: svc.name for role, svc in services.items()}
        raising = {"primary": False, "backup": False}
        for role, svc in services.items():
            _arm_exception(svc, lambda r=role: raising[r])  # type: ignore[misc]

            async def on_usable(_svc: Any, usable: bool, role: str = role) -> None:
                outcome.usable.append((clock(), role, bool(usable)))

            svc.add_event_handler("on_usable_changed", on_usable)
        switcher = ServiceSwitcher(
            [services["primary"], services["backup"]], strategy_type=strategy_type
        )

        @switcher.strategy.event_handler("on_service_switched")
        async def on_switched(_strategy: Any, service: Any) -> None:
            outcome.switches.append(Switch(clock(), roles.get(id(service), service.name)))

        errors = ErrorObserver()

        @errors.event_handler("on_error")
        async def on_error(_observer: Any, event: ErrorEvent) -> None:
            outcome.errors.append(
                SeenError(
                    clock(),
                    event.processor,
                    event.message,
                    str(event.category.value),
                    event.processor_usable,
                )
            )

        probe = _FalseErrorProbe(name="DownstreamTTS")
        bot_config = replace(
            plan.bot, stt=switcher, extra_processors=(probe,), heartbeats=plan.heartbeats
        )

        def hook(worker: Any) -> None:
            @worker.event_handler("on_heartbeat_timeout")
            async def on_heartbeat_timeout(_worker: Any) -> None:
                outcome.heartbeat_timeouts.append(clock())

        server = ReferenceBotServer(
            bot_config,
            observer_factory=lambda _i: [
                PerceptionObserver(perception),
                errors,
                _Watch(outcome, clock, roles),
            ],
            pipeline_error_handler=lambda error: outcome.pipeline_errors.append(
                SeenError(
                    clock(),
                    getattr(error.processor, "name", "?"),
                    error.error,
                    str(getattr(error, "category", "")),
                    True,
                    True,
                )
            ),
            worker_hook=hook,
        )

        async def direct(call: CarrierCall) -> None:
            events = sorted(plan.incidents, key=lambda i: i.at_s)
            pending = (
                [("false", plan.false_error_at_s)] if plan.false_error_at_s is not None else []
            )
            timeline = sorted(
                [(i.at_s, "incident", i) for i in events]
                + [(t, "false", None) for _, t in pending],
                key=lambda x: x[0],
            )
            for at, what, incident in timeline:
                while call.sent_s < at:
                    await asyncio.sleep(0.01)
                if what == "false":
                    outcome.false_error_at = clock()
                    await probe.fail()
                    continue
                assert isinstance(incident, Incident)
                outcome.incidents_done.append(
                    (incident, clock(), await _apply(incident, switcher, services, fakes, raising))
                )

        async with server:
            options = CallOptions(
                url=server.url, fast=False, tail_s=plan.tail_s, seed=f"{plan.call.name}-failover"
            )
            utterances = plan.call.script.utterances
            outcome.call = await place_call(
                plan.call.audio.samples,
                utterances,
                options,
                sample_rate=plan.call.audio.sample_rate,
                director=direct,
            )
            for served in server.calls:
                await asyncio.wait_for(served.finished.wait(), 15)
    finally:
        for role, fake in fakes.items():
            await fake.stop()
            outcome.connections[role] = [record.to_json() for record in fake.log.records()]
    return outcome


def _arm_exception(service: Any, raising: Callable[[], bool]) -> None:
    """Make ``service.run_stt`` raise while ``raising()`` (the ``exception`` crash mode)."""
    original = getattr(service, "run_stt", None)
    if original is None:
        return

    async def run_stt(audio: bytes) -> Any:
        if raising():
            raise RuntimeError("STT crashed while processing audio (injected by voicectl)")
        async for frame in original(audio):
            yield frame

    service.run_stt = run_stt


async def _apply(
    incident: Incident,
    switcher: ServiceSwitcher[Any],
    services: dict[str, Any],
    fakes: dict[str, FakeProviderServer],
    raising: dict[str, bool],
) -> str:
    """Carry out one incident; returns which service it hit."""
    if incident.is_recovery:
        for role, fake in fakes.items():
            fake.end_outage()
            raising[role] = False
            if not services[role].is_usable:
                await services[role].set_usable(True)
        return "all"
    role = incident.service or next(
        r for r, s in services.items() if s is switcher.strategy.active_service
    )
    if isinstance(incident.cause, Fault):
        await fakes[role].go_down(incident.cause.outage())
    elif incident.cause is ServiceEvent.EXCEPTION:
        raising[role] = True
    return role
