"""Option sets: options several commands share, declared once and added to each command.

``@with_option_set(OPTIONS, into="common")`` appends ``OPTIONS`` (keyword-only parameters) to a
Typer command's signature, so they appear in its ``--help`` after the command's own options, and
calls the command with their values gathered in one dict argument named ``into``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["option", "with_option_set"]

F = TypeVar("F", bound=Callable[..., Any])


def option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    """One shared option: its parameter name, ``Annotated[type, typer.Option(...)]`` and default."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def with_option_set(
    options: Sequence[inspect.Parameter],
    into: str,
    convert: Callable[[dict[str, Any]], Any] | None = None,
) -> Callable[[F], F]:
    """Add ``options`` to a command, which receives their values as the dict ``into`` (or what
    ``convert`` makes of that dict)."""
    names = {p.name for p in options}

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        if into not in signature.parameters:
            raise TypeError(f"{command.__name__} must take a {into!r} parameter")
        clash = names & set(signature.parameters)
        if clash:
            raise TypeError(f"{command.__name__} already has {sorted(clash)}")
        kept = [p for name, p in signature.parameters.items() if name != into]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {p.name: kwargs.pop(p.name, p.default) for p in options}
            return command(*args, **{into: convert(values) if convert else values}, **kwargs)

        parameters = [*kept, *options]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate
