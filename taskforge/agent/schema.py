"""The reply schema a model is sent: the shape of `PlanReply`, without the bounds that decoders expand.

Engines that constrain decoding to a schema (llama.cpp's server, LM Studio and Ollama through GBNF grammars,
vLLM through xgrammar or outlines) compile it into a grammar, and a grammar spells a bound out: `maxLength:
5000` becomes five thousand nested optional characters and `maxItems: 100` a hundred optional items. A
schema with such bounds fails to compile ("failed to parse grammar") or takes the engine minutes. So the
schema sent to a model keeps the shape (types, enums, patterns, required keys, no extra keys) and the
descriptions written on the pydantic fields, which state the bounds in words; it drops upper bounds above
`SMALL_BOUND`. The full models still check every bound after parsing, and their exact errors go back to the
model in the repair prompt (agent/reply.py), so nothing the models refuse gets through.

Derived from the pydantic models on every start, never written by hand: a field added to a model is in
both schemas at once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from taskforge.agent.planner import PlanReply

# A bound up to this size costs a grammar a handful of rules; anything larger is checked after parsing.
SMALL_BOUND = 16
_BOUNDS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties",
           "maximum", "exclusiveMaximum")
# The three keys the prompt asks for: a decoder that may leave them out produces `{}` from small models.
REQUIRED_TOP_LEVEL = ("rationale", "meta_updates", "task_patches")


@cache
def model_schema() -> dict[str, Any]:
    """The JSON schema of a reply, made for a constrained decoder (and the prompt): see the module's note."""
    schema = _lean(PlanReply.model_json_schema())
    schema["required"] = [name for name in REQUIRED_TOP_LEVEL if name in schema["properties"]]
    return schema


def full_schema() -> dict[str, Any]:
    """Every bound of the models, as pydantic states it: what validation enforces, not what a decoder gets."""
    return PlanReply.model_json_schema()


def _lean(node: Any) -> Any:
    """A copy of one schema node without large bounds and without pydantic's generated titles."""
    if isinstance(node, list):
        return [_lean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _BOUNDS and isinstance(value, int | float) and abs(value) > SMALL_BOUND:
            continue
        if key == "title" and isinstance(value, str):  # "Task Patches": noise to a model, bytes to a grammar
            continue
        if key in ("properties", "$defs", "patternProperties"):  # maps of names to schemas
            out[key] = {name: _lean(sub) for name, sub in value.items()}
        else:
            out[key] = _lean(value)
    return out
