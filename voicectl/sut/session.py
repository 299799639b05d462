"""The user's bot under test: its fakes, voicectl's inside probe and the bot process, together.

``async with BotRun(bot, rate=8000, ...) as run`` starts the fakes, the probe and the bot (with
the fakes' URLs and the setup hook in its environment, the rest of the environment passed
through), and stops all three, bot first, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicectl.errors import HarnessError
from voicectl.sut.command import BotCommand
from voicectl.sut.inside import InsideView, WorkerView
from voicectl.sut.probe import SETUP_FILE, InsideProbe
from voicectl.sut.process import BotProcess

if TYPE_CHECKING:
    from voicectl.audio.script import Utterance
    from voicectl.report.model import Report

#: The key a key-less bot is given for each faked provider (never a real one).
FAKE_KEY = "voicectl-fake-key"

__all__ = ["FAKE_KEY", "NOT_HOOKED", "BotRun", "BotUnderTest", "serve_bot"]

#: Why a check that needs the inside view is ``error`` when the hook never spoke.
NOT_HOOKED = (
    "voicectl's setup hook never reported from inside the bot (PIPECAT_SETUP_FILES was set): "
    "the bot is not a Pipecat >= 1.3 bot, or its Pipecat could not load the hook (see its log)"
)


@dataclass(frozen=True)
class BotUnderTest:
    """How to run the user's bot (``--bot-cmd``) and what to serve it (``--fake``, ``--fault``)."""

    command: BotCommand
    fakes: tuple[str, ...] = ()  # PROVIDER[:NAME], validated by plan_fakes
    faults: tuple[str, ...] = ()  # NAME=SPEC
    path: str = "/ws"
    ready_timeout_s: float = 60.0
    log_stem: Path | None = None  # <stem>.bot.log, <stem>.bot-8000.log; None: a temporary folder
    silence_bound_s: float = 8.0  # caller.silence_bounded, after a fault
    hook_timeout_s: float = 3.0  # after a whole call: a hook that loaded has long spoken
    env: dict[str, str] = field(default_factory=dict)  # extra variables (tests)
    llm_script: Any = None  # what the OpenAI fake's model does (voicectl.providers.openai_llm)
    #: A chaos command's own faults (:class:`~voicectl.providers.fakeset.FakeFault`, ``fake``
    #: named by ``--target``), after the ``--fault`` ones.
    more_faults: tuple[Any, ...] = ()
    #: Outages voicectl brings about on the fakes during the call (``chaos failover``), described.
    outages: tuple[str, ...] = ()
    seed: int | None = None  # the fakes' fault jitter (chaos --seed)

    @property
    def faulted(self) -> bool:
        """Whether a fault acts on one of the fakes."""
        return bool(self.faults or self.more_faults or self.outages)

    def fault_specs(self) -> list[str]:
        """Every fault as ``NAME=SPEC`` (in the order the fakes try them), then the outages."""
        return [*self.faults, *(f"{f.fake}={f.spec}" for f in self.more_faults), *self.outages]

    def describe(self) -> str:
        fakes = f"; fakes {', '.join(self.fakes)}" if self.fakes else ""
        specs = self.fault_specs()
        faults = f"; faults {', '.join(specs)}" if specs else ""
        return f"{self.command.text}{fakes}{faults}"

    def fakes_plan(self, utterances: Sequence[str] = (), speed: float = 1.0) -> Any:
        """The validated :class:`~voicectl.providers.fakeset.FakesPlan` (``None`` without
        ``--fake``); STT fakes transcribe the caller's utterances as ``utterances``, and the
        fakes answer and speak ``speed`` times faster than real time."""
        if not self.fakes and not self.faulted:
            return None
        from voicectl.providers.fakeset import plan_fakes

        return plan_fakes(
            self.fakes,
            self.faults,
            utterances=utterances,
            llm_script=self.llm_script,
            speed=speed,
            more_faults=self.more_faults,
            seed=self.seed,
        )

    def log_path(self, rate: int | None) -> Path:
        suffix = f".bot-{rate}.log" if rate else ".bot.log"
        if self.log_stem is not None:
            return self.log_stem.with_name(self.log_stem.name + suffix)
        return Path(tempfile.mkdtemp(prefix="voicectl-bot-")) / ("bot" + suffix)


class BotRun:
    """One start of the bot (one per ``{rate}``): its URL, its log, what it reported from inside."""

    def __init__(
        self,
        bot: BotUnderTest,
        *,
        rate: int | None = None,
        utterances: Sequence[str] = (),
        clock: Callable[[], float] | None = None,
        speed: float = 1.0,
    ) -> None:
        from voicectl.providers.fakeset import FakeSet

        self.bot = bot
        self.rate = rate
        plan = bot.fakes_plan(utterances, speed)
        self.fakes: FakeSet | None = None if plan is None else FakeSet(plan, clock=clock)
        self.probe = InsideProbe()
        self.process: BotProcess | None = None
        self.log_path = bot.log_path(rate)

    def call_starting(self, utterances: Sequence[Utterance], *, realtime: bool) -> None:
        """A call is placed now: the STT fakes name what they hear by its clock (a real-time
        call's ``utterances``), or count per connection again (``realtime`` False: ``--fast``
        sends the caller's audio off the wall clock)."""
        if self.fakes is None:
            return
        if realtime:
            self.fakes.call_clock.begin(
                [(u.start, u.end) for u in utterances], [u.text for u in utterances]
            )
        else:
            self.fakes.call_clock.end()

    @property
    def url(self) -> str:
        assert self.process is not None
        return self.process.url

    @property
    def inside(self) -> InsideView:
        return self.probe.view

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.fakes is not None:
            env.update(self.fakes.env)
            # A bot run key-less reads an empty key; the fakes accept any, the SDKs need one.
            for spec in self.fakes.plan.fakes:
                if not env.get(f"{spec.provider.upper().replace('-', '_')}_API_KEY"):
                    env[f"{spec.provider.upper().replace('-', '_')}_API_KEY"] = FAKE_KEY
        hook = self.probe.env()
        earlier = env.get("PIPECAT_SETUP_FILES")
        if earlier:
            hook["PIPECAT_SETUP_FILES"] = os.pathsep.join([earlier, hook["PIPECAT_SETUP_FILES"]])
        env.update(hook)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.update(self.bot.env)
        return env

    async def start(self) -> None:
        if self.fakes is not None:
            await self.fakes.start()
        await self.probe.start()
        self.process = BotProcess(
            self.bot.command,
            log_path=self.log_path,
            env=self.environment(),
            rate=self.rate,
            path=self.bot.path,
            ready_timeout_s=self.bot.ready_timeout_s,
        )
        await self.process.start()

    async def stop(self) -> None:
        try:
            if self.process is not None:
                await self.process.stop()
        finally:
            try:
                await self.probe.stop()
            finally:
                if self.fakes is not None:
                    await self.fakes.stop()

    async def __aenter__(self) -> BotRun:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def worker_for_call(
        self, call_ids: list[str], since: float, timeout_s: float
    ) -> WorkerView | None:
        """The bot's pipeline worker for the call placed at ``since`` (monotonic), once it ended
        (or ``timeout_s`` passed)."""

        def found(view: InsideView) -> bool:
            worker = view.worker_for(call_ids, since)
            return worker is not None and worker.ended

        await self.probe.wait_for(found, timeout_s)
        return self.inside.worker_for(call_ids, since)

    def hook_failure(self) -> HarnessError | None:
        """An error if the bot's log shows voicectl's setup hook failing to load, run or reach
        voicectl (a bot that never loads it at all is simply not seen inside)."""
        if self.process is None:
            return None
        marks = ("voicectl setup hook:", "error loading setup file", "unable to load setup file")
        for line in self.process.log_tail(400):
            hook_line = SETUP_FILE.name in line or "voicectl setup hook" in line
            if hook_line and (any(m in line for m in marks) or "error running" in line):
                return HarnessError(
                    f"voicectl's setup hook failed in the bot: {line.strip()[-300:]}"
                    + self.process.tail_block()
                )
        return None

    def refused(self, error: str) -> HarnessError:
        """The one-line error for a bot that listens but not at ``--bot-path``."""
        assert self.process is not None
        return HarnessError(
            f"the bot listens on {self.process.host}:{self.process.port} but refused a call at "
            f"{self.process.path} ({error}): does it serve its carrier WebSocket at another path? "
            "(--bot-path)" + self.process.tail_block()
        )

    def died(self) -> HarnessError | None:
        """An error if the bot process is gone (it must serve every call of the run)."""
        if self.process is None or self.process.running:
            return None
        code = self.process.returncode
        return HarnessError(
            f"the bot exited during the run (exit code {code})" + self.process.tail_block()
        )


@contextlib.asynccontextmanager
async def serve_bot(
    bot: BotUnderTest, report: Report, *, rate: int | None = None, utterances: Sequence[str] = ()
) -> AsyncIterator[BotRun]:
    """Start ``bot`` for a command that places calls, journal its start and stop, name its log."""
    import time

    run = BotRun(bot, rate=rate, utterances=utterances, clock=time.monotonic)
    try:
        async with run:
            assert run.process is not None
            report.log("harness", "bot_started", url=run.url, argv=run.process.argv, rate=rate)
            yield run
    finally:
        report.metrics["bot_log"] = str(run.log_path)
        if run.fakes is not None:  # what each fake served and did, on the report's clock
            run_t0 = time.monotonic() - report.elapsed()
            for event in run.fakes.journal():
                data = {k: v for k, v in event.items() if k not in ("t", "source", "kind")}
                report.log(
                    str(event["source"]), str(event["kind"]), t=float(event["t"]) - run_t0, **data
                )
        if run.process is not None:
            report.log(
                "harness",
                "bot_stopped",
                exit_code=run.process.returncode,
                killed=run.process.killed,
                left_running=run.process.left_running,
                log=str(run.log_path),
            )
