"""``--bot-cmd``, ``--fake``, ``--fault``, ``--llm-script``, ``--bot-path``, ``--bot-ready-timeout``:
one option set, added to every command that places calls by :func:`with_bot_under_test`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from voicectl.errors import InputError

__all__ = ["BOT_PANEL", "bot_under_test", "with_bot_under_test"]

BOT_PANEL = "Your bot as the system under test"
F = TypeVar("F", bound=Callable[..., Any])
_DEFAULT_BOT_PATH = "/ws"
_DEFAULT_READY_TIMEOUT_S = 60.0
_DEFAULT_SILENCE_BOUND_S = 8.0

_OPTIONS: list[inspect.Parameter] = [
    inspect.Parameter(
        "bot_cmd",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--bot-cmd",
                metavar="CMD",
                help="Start your bot with this command (no shell; {port} filled in, {rate} once per --rates) and test it: "
                "e.g. 'python bot.py -t twilio --port {port}'.",
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "fake",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            list[str] | None,
            typer.Option(
                "--fake",
                metavar="PROVIDER[:NAME]",
                help="Serve a fake of this provider to the bot as NAME_BASE_URL (repeatable; PROVIDER:NAME for a second one).",
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "fault",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            list[str] | None,
            typer.Option(
                "--fault",
                metavar="NAME=SPEC",
                help="Fault a fake: NAME=SPEC, e.g. deepgram=ws-close:1008@8s (repeatable).",
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "llm_script",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            Path | None,
            typer.Option(
                "--llm-script",
                metavar="FILE",
                help="What the OpenAI fake's model does (JSON rules: reply, or call one of your bot's tools "
                "and answer after its result); needs --fake openai. Default: a short reply echoing the caller.",
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "bot_path",
        inspect.Parameter.KEYWORD_ONLY,
        default=_DEFAULT_BOT_PATH,
        annotation=Annotated[
            str,
            typer.Option(
                "--bot-path",
                metavar="PATH",
                help="Path of the bot's carrier WebSocket (Pipecat's runner: /ws).",
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "bot_ready_timeout",
        inspect.Parameter.KEYWORD_ONLY,
        default=_DEFAULT_READY_TIMEOUT_S,
        annotation=Annotated[
            float,
            typer.Option(
                "--bot-ready-timeout",
                metavar="SECONDS",
                help="Seconds the bot may take to listen on {port}.",
                min=1,
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "caller_silence_bound",
        inspect.Parameter.KEYWORD_ONLY,
        default=_DEFAULT_SILENCE_BOUND_S,
        annotation=Annotated[
            float,
            typer.Option(
                "--caller-silence-bound",
                metavar="SECONDS",
                help="After a --fault, the longest the caller may wait for the bot to speak or end the call (caller.silence_bounded).",
                min=0.5,
                rich_help_panel=BOT_PANEL,
            ),
        ],
    ),
]
_NAMES = {p.name for p in _OPTIONS}


def bot_under_test(
    bot_cmd: str | None,
    fake: list[str] | None,
    fault: list[str] | None,
    bot_path: str = _DEFAULT_BOT_PATH,
    bot_ready_timeout: float = _DEFAULT_READY_TIMEOUT_S,
    report_path: Path | None = None,
    caller_silence_bound: float = _DEFAULT_SILENCE_BOUND_S,
    llm_script: Path | None = None,
) -> Any:
    """The :class:`~voicectl.sut.session.BotUnderTest` these options describe, or ``None``
    without ``--bot-cmd`` (:class:`InputError` for any other bot option without it)."""
    if bot_cmd is None:
        if fake or fault or llm_script:
            given = "--fake" if fake else "--fault" if fault else "--llm-script"
            raise InputError(
                f"{given} needs --bot-cmd (the bot to serve it to); "
                "'voicectl fakes' serves fakes to a bot you run yourself"
            )
        shaping = {
            "--bot-path": bot_path != _DEFAULT_BOT_PATH,
            "--bot-ready-timeout": bot_ready_timeout != _DEFAULT_READY_TIMEOUT_S,
            "--caller-silence-bound": caller_silence_bound != _DEFAULT_SILENCE_BOUND_S,
        }
        for option, was_given in shaping.items():
            if was_given:
                raise InputError(
                    f"{option} applies to the bot --bot-cmd starts; without --bot-cmd it "
                    "would be ignored"
                )
        return None
    from voicectl.sut.command import BotCommand
    from voicectl.sut.session import BotUnderTest

    if fault and not fake:
        raise InputError(
            "--fault needs the --fake it acts on (e.g. --fake deepgram --fault deepgram=ws-close:1008@8s)"
        )
    if not bot_path.startswith("/"):
        raise InputError(f"--bot-path must start with '/', got {bot_path!r}")
    script = None
    if llm_script is not None:
        from voicectl.providers.openai_llm import LLMScript

        script = LLMScript.load(str(llm_script))
    bot = BotUnderTest(
        BotCommand.parse(bot_cmd),
        tuple(fake or ()),
        tuple(fault or ()),
        path=bot_path,
        ready_timeout_s=bot_ready_timeout,
        log_stem=None if report_path is None else report_path.with_suffix(""),
        silence_bound_s=caller_silence_bound,
        llm_script=script,
    )
    plan = bot.fakes_plan()  # validates providers, names and faults now (InputError, exit 2)
    if script is not None and (plan is None or not any(f.provider == "openai" for f in plan.fakes)):
        raise InputError("--llm-script scripts the OpenAI fake: add --fake openai")
    return bot


def with_bot_under_test(command: F) -> F:
    """Give ``command`` the bot options; it receives ``bot`` (a ``BotUnderTest`` or ``None``).

    A bad value is a one-line usage error (exit 2) before anything runs.
    """
    signature = inspect.signature(command, eval_str=True)
    if "bot" not in signature.parameters:
        raise TypeError(f"{command.__name__} must take a 'bot' parameter")
    clash = _NAMES & set(signature.parameters)
    if clash:
        raise TypeError(f"{command.__name__} already has {sorted(clash)}")
    kept = [p for name, p in signature.parameters.items() if name != "bot"]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = {name: kwargs.pop(name, p.default) for name, p in ((p.name, p) for p in _OPTIONS)}
        report_path = kwargs.get("json")
        try:
            bot = bot_under_test(
                options["bot_cmd"],
                options["fake"],
                options["fault"],
                options["bot_path"],
                options["bot_ready_timeout"],
                report_path if isinstance(report_path, Path) else None,
                options["caller_silence_bound"],
                options["llm_script"],
            )
        except InputError as exc:
            from voicectl.cli.common import fail_usage

            raise fail_usage(str(exc)) from None
        return command(*args, bot=bot, **kwargs)

    parameters = [*kept, *_OPTIONS]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]
