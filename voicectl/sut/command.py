"""The user's bot command: parsed once (no shell), filled in per run with ``{port}`` and ``{rate}``."""

from __future__ import annotations

import shlex
import string
from dataclasses import dataclass

from voicectl.errors import InputError

__all__ = ["PLACEHOLDERS", "BotCommand"]

#: What voicectl fills in: the free loopback port the bot must listen on, its host, the
#: pipeline sample rate (one bot per rate with ``--rates``).
PLACEHOLDERS = ("port", "host", "rate")


@dataclass(frozen=True)
class BotCommand:
    """``python bot.py -t twilio --port {port}`` split like a POSIX shell would, never run by one."""

    text: str
    argv: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> BotCommand:
        """Split ``text`` and check its placeholders; :class:`InputError` names what is wrong."""
        try:
            argv = tuple(shlex.split(text))
        except ValueError as exc:
            raise InputError(f"--bot-cmd {text!r}: {exc}") from None
        if not argv:
            raise InputError("--bot-cmd is empty: give the command that starts your bot")
        fields: set[str] = set()
        for word in argv:
            try:
                parsed = list(string.Formatter().parse(word))
            except ValueError as exc:
                raise InputError(f"--bot-cmd {text!r}: {exc} in {word!r}") from None
            for _, name, spec, conversion in parsed:
                if name is None:
                    continue
                if name not in PLACEHOLDERS or spec or conversion:
                    raise InputError(
                        f"--bot-cmd: unknown placeholder {{{name}}} (voicectl fills in "
                        f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}; write {{{{ }}}} for a literal brace)"
                    )
                fields.add(name)
        if "port" not in fields:
            raise InputError(
                "--bot-cmd needs {port}: voicectl picks a free port and the bot must listen on it "
                "(e.g. --bot-cmd 'python bot.py -t twilio --port {port}')"
            )
        return cls(text, argv)

    @property
    def uses_rate(self) -> bool:
        """Whether the command takes ``{rate}`` (then ``--rates`` starts one bot per rate)."""
        return any("{rate}" in word for word in self.argv)

    def render(self, *, port: int, host: str = "127.0.0.1", rate: int | None = None) -> list[str]:
        """The argv to execute, placeholders filled in."""
        values = {"port": port, "host": host, "rate": "" if rate is None else rate}
        return [word.format(**values) for word in self.argv]
