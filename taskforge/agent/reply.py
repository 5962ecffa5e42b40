"""Reading a model's reply: find the JSON object in it and check it against the reply schema.

Models wrap JSON in code fences, put a sentence before it, or add a remark after it; all of that is
accepted. What cannot be read becomes a list of problems that the repair prompt sends back verbatim.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from taskforge.agent.planner import PlanReply
from taskforge.core import jsontext
from taskforge.core.patches import Problem, ProblemCode, problems_from_validation
from taskforge.core.text import clean_line

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n(.*?)```", re.DOTALL)
# The service sets these from the context it built; a model that sends them is ignored, not obeyed.
IGNORED_KEYS = ("project_id", "base_version")


class Unreadable(Exception):
    pass


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in `text`: fenced, bare, or after a line of prose (trailing commas forgiven)."""
    if jsontext.nesting_problem(text) is not None:
        raise Unreadable(f"the JSON in the reply is nested more than {jsontext.MAX_DEPTH} levels deep")
    candidates = [match.group(1) for match in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for start in _object_starts(candidate):
            for attempt in (candidate, _without_trailing_commas(candidate[start:])):
                offset = start if attempt is candidate else 0
                try:
                    value, _ = _DECODER.raw_decode(attempt, offset)
                except ValueError:  # not JSON (JSONDecodeError), or a number too long to read
                    continue
                if isinstance(value, dict):
                    return value
    raise Unreadable(_why_unreadable(text))


# strict=False: a raw line break or tab inside a string, which JSON forbids, is the slip grammar-constrained
# engines let through (llama.cpp's JSON grammar allows it); the models clean control characters out of text.
_DECODER = json.JSONDecoder(parse_int=jsontext.bounded_int, strict=False)
_STARTS_TRIED = 5


def _object_starts(text: str) -> list[int]:
    """Where the object may begin: the first brace, then braces that open a line.

    Inner braces (a task's body) are never tried, so a broken reply is reported as broken instead of
    being read as one of its fragments.
    """
    first = text.find("{")
    if first < 0:
        return []
    starts = [first] + [m.start(1) for m in re.finditer(r"\n[ \t]*(\{)", text) if m.start(1) > first]
    return starts[:_STARTS_TRIED]


def _without_trailing_commas(text: str) -> str:
    """`[1, 2,]` → `[1, 2]` outside strings: the one JSON slip models make most."""
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "]}":
            while out and out[-1].isspace():
                out.pop()
            if out and out[-1] == ",":
                out.pop()
        out.append(char)
    return "".join(out)


def _why_unreadable(text: str) -> str:
    if "{" not in text:
        excerpt = clean_line(text)[:120]
        return f"the reply contains no JSON object (it said: \"{excerpt}\")" if excerpt else "the reply was empty"
    try:
        jsontext.loads(text[text.index("{") :])
    except json.JSONDecodeError as exc:
        return f"the JSON in the reply is not valid: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return "the reply contains no JSON object"


def parse_reply(text: str, max_ops: int | None = None) -> tuple[PlanReply | None, list[Problem]]:
    try:
        data = extract_json(text)
    except Unreadable as exc:
        return None, [Problem(str(exc), code=ProblemCode.UNREADABLE)]
    operations = data.get("task_patches")
    if max_ops is not None and isinstance(operations, list) and len(operations) > max_ops:
        # Refused before validating each one: a flood must not cost seconds to read.
        return None, [Problem(f"too many operations: {len(operations)} (at most {max_ops})", code=ProblemCode.TOO_MANY_OPS)]
    for key in IGNORED_KEYS:
        data.pop(key, None)
    if data.get("meta_updates") is None:  # models often send null for "no changes"
        data.pop("meta_updates", None)
    try:
        return PlanReply.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, data)
