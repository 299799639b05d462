"""OpenAI Chat Completions, as ``OpenAILLMService`` (and every OpenAI-compatible service) speaks it.

Sans-I/O: :func:`plan_completion` decides what the model "says" to one request, and
:func:`stream_chunks` / :func:`completion_body` shape it as the API does (SSE ``chat.completion.chunk``
objects with ``delta`` content, ``tool_calls`` deltas whose ``arguments`` arrive in fragments,
``finish_reason``, and a usage chunk when ``stream_options.include_usage`` is set).

What the fake answers (the script)
----------------------------------
By default every turn gets a short spoken-style reply that echoes the caller's last words. A
script (:class:`LLMScript`, JSON ``{"rules": [...]}``) changes that; the first rule whose
``match`` (a case-insensitive regular expression) is found in the last user message wins:

.. code-block:: json

    {"rules": [
      {"match": "order", "say": "Let me check that for you.",
       "tool": "check_order_status", "arguments": {"order_id": "7294"},
       "after_tool": "Your order {result}."},
      {"match": "bye", "reply": "Thanks for calling, goodbye."}
    ]}

* ``tool``: call this tool (``"*"``: the first tool the request offers) if the request offers
  it; its arguments are built from the tool's JSON schema (every required property: the
  ``enum``'s first value, the ``default``, or a plain value of the type), then ``arguments``
  override them. ``say`` is streamed as content before the call (text plus a tool call in one
  response, as models do).
* ``after_tool``: the reply once the request's last message is the tool's result; ``{result}``
  is that result (default: ``"Here is what I found: {result}"``).
* ``reply``: a plain reply for the turn; ``{user}`` is the caller's last words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from voicectl.errors import InputError

__all__ = [
    "ARGUMENT_PIECE",
    "CONTENT_PIECE",
    "DEFAULT_AFTER_TOOL",
    "DEFAULT_REPLY",
    "Completion",
    "LLMRule",
    "LLMScript",
    "ToolCall",
    "arguments_from_schema",
    "completion_body",
    "pieces",
    "plan_completion",
    "stream_chunks",
]

DEFAULT_REPLY = "Sure, I can help with that. You said: {user}"
DEFAULT_AFTER_TOOL = "Here is what I found: {result}"
_MAX_ECHO_WORDS = 12
_MAX_RESULT_CHARS = 200
#: Characters per content delta and per tool-argument fragment (a few tokens each).
CONTENT_PIECE = 12
ARGUMENT_PIECE = 8


@dataclass(frozen=True)
class LLMRule:
    """One scripted behaviour; see the module docstring."""

    match: str | None = None
    reply: str | None = None
    say: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    after_tool: str | None = None

    def matches(self, user_text: str) -> bool:
        return self.match is None or re.search(self.match, user_text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class LLMScript:
    """The fake model's behaviour: rules tried in order, else the default reply."""

    rules: tuple[LLMRule, ...] = ()
    default_reply: str = DEFAULT_REPLY

    @classmethod
    def parse(cls, data: object, *, source: str = "LLM script") -> LLMScript:
        """Validate a decoded JSON script; bad shapes are an :class:`InputError` naming ``source``."""
        if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
            raise InputError(f'{source}: expected {{"rules": [...]}}')
        known = {"match", "reply", "say", "tool", "arguments", "after_tool"}
        rules = []
        for i, raw in enumerate(data.get("rules", []), 1):
            if not isinstance(raw, dict):
                raise InputError(f"{source}: rule {i} is not an object")
            unknown = sorted(set(raw) - known)
            if unknown:
                raise InputError(f"{source}: rule {i} has unknown keys {', '.join(unknown)}")
            for key in ("match", "reply", "say", "tool", "after_tool"):
                if key in raw and not isinstance(raw[key], str):
                    raise InputError(f"{source}: rule {i}: {key} must be a string")
            if not isinstance(raw.get("arguments", {}), dict):
                raise InputError(f"{source}: rule {i}: arguments must be an object")
            if raw.get("match") is not None:
                try:
                    re.compile(raw["match"])
                except re.error as exc:
                    raise InputError(f"{source}: rule {i}: bad match pattern: {exc}") from None
            rules.append(LLMRule(**raw))
        default = data.get("default_reply", DEFAULT_REPLY)
        if not isinstance(default, str):
            raise InputError(f"{source}: default_reply must be a string")
        return cls(tuple(rules), default)

    @classmethod
    def load(cls, path: str) -> LLMScript:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as exc:
            raise InputError(f"cannot read LLM script {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise InputError(f"LLM script {path} is not JSON: {exc}") from None
        return cls.parse(data, source=f"LLM script {path}")


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the API carries it


@dataclass(frozen=True)
class Completion:
    """What the fake model answers to one request."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_tokens: int = 0
    note: str = ""  # why it answered so (for the journal)

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"

    @property
    def completion_tokens(self) -> int:
        return _tokens(self.content) + sum(_tokens(c.arguments) for c in self.tool_calls)


def _tokens(text: str) -> int:
    return max(0, -(-len(text) // 4))


def _text_of(content: object) -> str:
    """A message's ``content`` (a string or a list of parts) as plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _offered_tools(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Tool name -> its JSON-schema ``parameters``, for every function tool the request offers."""
    tools: dict[str, dict[str, Any]] = {}
    for tool in request.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            tools[fn["name"]] = params if isinstance(params, dict) else {}
    return tools


def arguments_from_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments that satisfy an object schema: every required property (all, if none listed)."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return {}
    required = schema.get("required")
    names = [n for n in required if n in props] if isinstance(required, list) else list(props)
    return {name: _value_for(name, props[name]) for name in names}


def _value_for(name: str, schema: object) -> Any:
    if not isinstance(schema, dict):
        return f"{name}-1"
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "array":
        return [_value_for(name, schema.get("items", {}))]
    if kind == "object":
        return arguments_from_schema(schema)
    return f"{name}-1"


def plan_completion(request: dict[str, Any], script: LLMScript, call_id: str) -> Completion:
    """What the fake model answers to one Chat Completions request."""
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    prompt_tokens = sum(_tokens(_text_of(m.get("content"))) for m in messages) + 1
    user = next(
        (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    echo = " ".join(user.split()[:_MAX_ECHO_WORDS]) or "nothing yet"
    offered = _offered_tools(request)
    last = messages[-1] if messages else {}
    rule = next((r for r in script.rules if r.matches(user)), None)
    if last.get("role") == "tool":
        result = _text_of(last.get("content"))[:_MAX_RESULT_CHARS]
        template = rule.after_tool if rule and rule.after_tool else DEFAULT_AFTER_TOOL
        return Completion(
            _fill(template, user=echo, result=result), (), prompt_tokens, "answer after tool"
        )
    if rule is not None and rule.tool is not None:
        name = next(iter(offered), None) if rule.tool == "*" else rule.tool
        if name is not None and name in offered:
            arguments = {**arguments_from_schema(offered[name]), **rule.arguments}
            call = ToolCall(call_id, name, json.dumps(arguments))
            say = _fill(rule.say, user=echo) if rule.say else ""
            return Completion(say, (call,), prompt_tokens, f"call {name}")
        note = f"tool {rule.tool!r} not offered by the request; replied instead"
        return Completion(
            _fill(rule.reply or script.default_reply, user=echo), (), prompt_tokens, note
        )
    template = rule.reply if rule is not None and rule.reply else script.default_reply
    return Completion(_fill(template, user=echo), (), prompt_tokens, "reply")


def _fill(template: str, **values: str) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def pieces(text: str, size: int) -> list[str]:
    """Split text into deltas, on word boundaries where possible."""
    words = re.findall(r"\S+\s*|\s+", text)
    pieces: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + len(word) > size:
            pieces.append(current)
            current = ""
        current += word
    if current:
        pieces.append(current)
    return pieces


def stream_chunks(
    completion: Completion,
    *,
    completion_id: str,
    model: str,
    created: int,
    include_usage: bool,
) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer, in order (``[DONE]`` not included)."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_voicectl",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    out.extend(chunk({"content": piece}) for piece in pieces(completion.content, CONTENT_PIECE))
    for index, call in enumerate(completion.tool_calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        out.append(chunk({"tool_calls": [head]}))
        for start in range(0, len(call.arguments), ARGUMENT_PIECE):
            fragment = call.arguments[start : start + ARGUMENT_PIECE]
            out.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
            )
    out.append(chunk({}, completion.finish_reason))
    if include_usage:
        usage = chunk({})
        usage["choices"] = []
        usage["usage"] = _usage(completion)
        out.append(usage)
    return out


def _usage(completion: Completion) -> dict[str, int]:
    return {
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "total_tokens": completion.prompt_tokens + completion.completion_tokens,
    }


def completion_body(
    completion: Completion, *, completion_id: str, model: str, created: int
) -> dict[str, Any]:
    """The ``chat.completion`` object of a non-streamed answer."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": completion.content or None,
        "refusal": None,
    }
    if completion.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in completion.tool_calls
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_voicectl",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": completion.finish_reason,
            }
        ],
        "usage": _usage(completion),
    }
