"""voicectl's pytest plugin (entry point ``pytest11``): voice-bot checks in your own test suite.

Fixtures:

* ``voicectl_fake_provider``: ``await voicectl_fake_provider("soniox", "ws-close:1008")``
  starts a fault-injecting fake provider on loopback (a
  :class:`~voicectl.providers.server.FakeProviderServer`); it is stopped after the test.
* ``voicectl_fakes``: ``fakes = await voicectl_fakes("deepgram", "openai",
  faults=["openai=llm-error:429#first"])`` serves provider fakes on loopback (a started
  :class:`~voicectl.providers.fakeset.FakeSet`: ``fakes.env`` is ``{"DEEPGRAM_BASE_URL": ...}``
  for your bot, ``fakes["openai"].log`` and ``fakes.journal()`` what they saw); keyword options
  are :func:`~voicectl.providers.fakeset.plan_fakes`'s (``utterances``, ``llm_script``, ...).
  Everything started is stopped after the test.
* ``voicectl_reference_bot``: the key-less reference bot (real Pipecat serializer, Silero VAD,
  Smart Turn), started; use ``.url``. Configure it with
  ``@pytest.mark.voicectl_bot(sample_rate=8000, reply_secs=0.3)``.
* ``voicectl_call``: ``await voicectl_call(url, "order_status", seconds=8)`` places a carrier
  call (Twilio by default, in real time unless ``fast=True``) with a bundled or given
  recording, optionally cut to its first seconds, and returns the
  :class:`~voicectl.outcome.call.CallOutcome`.
* ``voicectl_cli``: ``voicectl_cli("chaos", "ws-close", "--code", "1008")`` runs a voicectl
  command in a subprocess (bounded by a timeout) and returns its :class:`~voicectl.report.Report`.

And :func:`assert_report_passes` turns a report (or a saved JSON report) into an assertion
whose message lists every failing check's expected and observed side by side.

The async fixtures need pytest-asyncio (``asyncio_mode = "auto"``, or mark the tests with
``@pytest.mark.asyncio``). Nothing heavy is imported until a fixture is used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from voicectl.audio.script import Call
    from voicectl.bot.server import ReferenceBotServer
    from voicectl.faults import Fault
    from voicectl.outcome.call import CallOutcome
    from voicectl.providers.fakeset import FakeSet
    from voicectl.providers.server import FakeProviderServer
    from voicectl.report import Report

try:  # strict-mode pytest-asyncio needs its own decorator; without it, nothing breaks here
    import pytest_asyncio

    _async_fixture: Callable[..., Any] = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - pytest-asyncio is a test dependency
    _async_fixture = pytest.fixture

__all__ = [
    "CallHelper",
    "CliHelper",
    "FakeProviderFactory",
    "FakesFactory",
    "assert_report_passes",
    "report_failures",
    "voicectl_call",
    "voicectl_cli",
    "voicectl_fake_provider",
    "voicectl_fakes",
    "voicectl_reference_bot",
]

_BOT_MARKER = "voicectl_bot"
_CLI_TIMEOUT_S = 300.0


class FakeProviderFactory(Protocol):
    """``await factory(protocol, fault, **FakeProviderServer options)`` -> a started server."""

    def __call__(
        self, protocol: str = "generic", fault: Fault | str | None = None, **options: Any
    ) -> Awaitable[FakeProviderServer]: ...


class FakesFactory(Protocol):
    """``await voicectl_fakes(*providers, faults=[...], **plan options)`` -> a started FakeSet."""

    def __call__(
        self, *providers: str, faults: Iterable[str] = (), **options: Any
    ) -> Awaitable[FakeSet]: ...


class CallHelper(Protocol):
    """``await voicectl_call(url, audio, ...)`` -> the call's :class:`CallOutcome`."""

    def __call__(
        self,
        url: str,
        audio: str | os.PathLike[str] | Call = "order_status",
        *,
        carrier: str = "twilio",
        fast: bool = False,
        seconds: float | None = None,
        deadline_s: float | None = None,
        **options: Any,
    ) -> Awaitable[CallOutcome]: ...


class CliHelper(Protocol):
    """``voicectl_cli(*args, timeout=300)`` -> the command's :class:`Report`."""

    def __call__(self, *args: str, timeout: float = _CLI_TIMEOUT_S) -> Report: ...


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_BOT_MARKER}(**options): configure the voicectl_reference_bot fixture "
        "(ReferenceBotConfig fields such as sample_rate, reply_secs, variant; and max_calls)",
    )


@_async_fixture
async def voicectl_fake_provider() -> AsyncIterator[FakeProviderFactory]:
    """Start fake providers with a fault; every one started is stopped after the test."""
    from voicectl.faults.spec import parse_fault_spec
    from voicectl.providers.server import FakeProviderServer

    servers: list[FakeProviderServer] = []

    async def start(
        protocol: str = "generic", fault: Fault | str | None = None, **options: Any
    ) -> FakeProviderServer:
        if isinstance(fault, str):
            fault, selector = parse_fault_spec(fault)
            options.setdefault("selector", selector)
        server = FakeProviderServer(protocol, fault, **options)
        await server.start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(servers):
            await server.stop()


@_async_fixture
async def voicectl_fakes() -> AsyncIterator[FakesFactory]:
    """Serve provider fakes (``PROVIDER[:NAME]`` specs, ``NAME=SPEC`` faults) for the test."""
    from voicectl.providers.fakeset import FakeSet, plan_fakes

    started: list[FakeSet] = []

    async def start(*providers: str, faults: Iterable[str] = (), **options: Any) -> FakeSet:
        fakes = FakeSet(plan_fakes(list(providers), list(faults), **options))
        await fakes.start()
        started.append(fakes)
        return fakes

    try:
        yield start
    finally:
        for fakes in reversed(started):
            await fakes.stop()


@_async_fixture
async def voicectl_reference_bot(
    request: pytest.FixtureRequest,
) -> AsyncIterator[ReferenceBotServer]:
    """The reference bot on a free loopback port (``.url``), for the length of the test."""
    from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
    from voicectl.bot.server import ReferenceBotServer

    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker(_BOT_MARKER)
    if marker is not None:
        options.update(marker.kwargs)
    problem = None
    try:
        max_calls = int(options.pop("max_calls", 1))
        if isinstance(options.get("variant"), str):
            options["variant"] = BotVariant(options["variant"])
        config = ReferenceBotConfig(**options)
    except (TypeError, ValueError) as exc:
        problem = f"@pytest.mark.{_BOT_MARKER}: {exc}"
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    server = ReferenceBotServer(config, max_calls=max_calls)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def voicectl_call() -> CallHelper:
    """An async helper that places one carrier call against a bot's URL."""
    return _place_call


@pytest.fixture
def voicectl_cli(tmp_path: Path) -> CliHelper:
    """A helper that runs ``python -m voicectl ARGS --json ...`` and returns its report."""
    counter = iter(range(1, 1_000_000))

    def run(*args: str, timeout: float = _CLI_TIMEOUT_S) -> Report:
        from voicectl.report import load_json

        report_path = tmp_path / f"voicectl-{next(counter)}.json"
        command = [sys.executable, "-m", "voicectl", *args, "--json", str(report_path), "-q"]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, "NO_COLOR": "1"},
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"voicectl {' '.join(args)} did not finish within {timeout:g} s")
        if not report_path.exists():
            pytest.fail(
                f"voicectl {' '.join(args)} exited with code {result.returncode} and wrote no "
                f"report: {result.stderr.strip() or result.stdout.strip()}"
            )
        return load_json(report_path)

    return run


async def _place_call(
    url: str,
    audio: str | os.PathLike[str] | Call = "order_status",
    *,
    carrier: str = "twilio",
    fast: bool = False,
    seconds: float | None = None,
    deadline_s: float | None = None,
    **options: Any,
) -> CallOutcome:
    """Place one call; ``seconds`` keeps only the recording's first seconds (and their turns)."""
    from voicectl.replay.client import CallOptions, place_call

    call = _load_call(audio)
    if not call.script.utterances:
        raise ValueError(f"{call.audio.source}: its sidecar lists no caller utterances")
    samples, utterances = call.audio.samples, list(call.script.utterances)
    if seconds is not None:
        samples = samples[: int(seconds * call.audio.sample_rate)].copy()
        utterances = [u for u in utterances if u.end <= seconds]
        if not utterances:
            raise ValueError(f"no utterance of {call.name} ends within the first {seconds:g} s")
    return await place_call(
        samples,
        utterances,
        CallOptions(url=url, carrier=carrier, fast=fast, seed=call.name, **options),
        sample_rate=call.audio.sample_rate,
        deadline_s=deadline_s,
    )


def _load_call(audio: str | os.PathLike[str] | Call) -> Call:
    from voicectl.audio.script import Call, bundled_calls, load_call

    if isinstance(audio, Call):
        return audio
    if isinstance(audio, str) and not Path(audio).suffix:  # a bundled call's name
        calls = {c.name: c for c in bundled_calls()}
        if audio not in calls:
            raise ValueError(f"no bundled call {audio!r} (bundled: {', '.join(sorted(calls))})")
        return calls[audio]
    return load_call(audio)


def report_failures(
    report: Report, *, strict: bool | None = None, allow: Iterable[str] = ()
) -> list[str]:
    """One readable block per check that makes ``report`` fail (empty when it passes)."""
    from voicectl.report import Verdict

    strict = report.strict if strict is None else strict
    allowed = set(allow)
    failing = {Verdict.FAIL, Verdict.ERROR} | ({Verdict.WARN} if strict else set())
    blocks = []
    if report.harness_error is not None:
        blocks.append(f"harness error: {report.harness_error}")
    if report.interrupted:
        blocks.append("the run was interrupted")
    if not report.judged():
        blocks.append("no check was judged: the run tested nothing")
    for item in report.checks:
        if item.verdict not in failing or item.id in allowed:
            continue
        lines = [
            f"{item.verdict.value.upper()} {item.id}" + (f": {item.title}" if item.title else "")
        ]
        lines.append(f"    expected: {item.expected}")
        lines.append(f"    observed: {item.observed}")
        if item.detail:
            lines.append(f"    detail:   {item.detail}")
        blocks.append("\n".join(lines))
    return blocks


def assert_report_passes(
    report: Report | str | os.PathLike[str],
    *,
    strict: bool | None = None,
    allow: Iterable[str] = (),
) -> None:
    """Fail the test with every failing check (expected vs observed) unless ``report`` passes.

    ``report`` may be a :class:`Report` or the path of a saved JSON report. ``allow`` names
    check ids whose failure is accepted; ``strict`` (default: the report's own) fails warnings.
    """
    __tracebackhide__ = True
    from voicectl.report import Report, load_json

    loaded = report if isinstance(report, Report) else load_json(report)
    problems = report_failures(loaded, strict=strict, allow=allow)
    if problems:
        total = len(loaded.checks)
        header = (
            f"voicectl {loaded.command}: {len(problems)} problem(s) "
            f"({total} check{'s' if total != 1 else ''} judged)"
        )
        raise AssertionError(header + "\n" + "\n".join(problems))
