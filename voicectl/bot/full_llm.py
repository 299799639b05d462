"""The full bot's model side: the system prompt, the functions it offers and the fake model's script.

The LLM fake (:mod:`voicectl.providers.openai_llm`) follows :func:`full_bot_llm_script`; the
bot offers :func:`full_bot_tools` and registers a handler for each of :data:`FUNCTIONS`
(:mod:`voicectl.bot.full`).
"""

from __future__ import annotations

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema

from voicectl.errors import InputError
from voicectl.providers.openai_llm import LLMRule, LLMScript

__all__ = ["FUNCTIONS", "SYSTEM_PROMPT", "full_bot_llm_script", "full_bot_tools"]

#: The functions the full bot registers, in the order the LLM is offered them.
FUNCTIONS = ("check_order_status", "end_call")

SYSTEM_PROMPT = (
    "You are a phone agent for an online shop. Look orders up with check_order_status; "
    "when the caller says goodbye, call end_call."
)


def full_bot_llm_script(function: str = "check_order_status") -> LLMScript:
    """What the fake model does on the full bot: one rule per function, any caller turn calls ``function``.

    The first caller turn that mentions an order (or any turn, for ``end_call``) makes the model
    say a sentence and call ``function`` in the same response, as models do.
    """
    if function not in FUNCTIONS:
        raise InputError(f"unknown function {function!r} (the full bot has {', '.join(FUNCTIONS)})")
    if function == "end_call":
        return LLMScript(
            (
                LLMRule(
                    match=".",
                    say="Thanks for calling, goodbye.",
                    tool="end_call",
                    after_tool="Goodbye.",
                ),
            )
        )
    return LLMScript(
        (
            LLMRule(
                match="order",
                say="Let me check that order for you.",
                tool="check_order_status",
                arguments={"order_id": "7294"},
                after_tool="Your order {result}.",
            ),
            LLMRule(match=r"\bbye\b", say="Goodbye.", tool="end_call"),
        ),
        default_reply="Sure. You said: {user}",
    )


def full_bot_tools() -> ToolsSchema:
    """The functions the full bot offers the model, as Pipecat's standard tools schema."""
    return ToolsSchema(
        standard_tools=[
            FunctionSchema(
                name="check_order_status",
                description="Look up the delivery status of an order.",
                properties={"order_id": {"type": "string", "description": "The order number."}},
                required=["order_id"],
            ),
            FunctionSchema(
                name="end_call",
                description="End the phone call once the caller has said goodbye.",
                properties={},
                required=[],
            ),
        ]
    )
