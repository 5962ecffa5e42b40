"""The litellm planner: any model litellm supports, asked for a patch and held to the schema.

This is the only module that imports litellm, and only inside `_litellm()`, which runs in the worker
that calls the model: the import costs seconds and hundreds of megabytes, and the TUI must paint first.

One `plan()` is a short conversation. The model is asked (streaming, so the shell can show progress);
a reply cut off at the token limit, one that is not JSON, or one that does not validate is sent back with
the exact problems, at most `max_repairs` times. Below that, each call retries transport failures
(429, 5xx, timeouts, dropped connections) with backoff, then moves on to the next fallback model.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from taskforge.agent import prompts
from taskforge.agent.planner import (
    Cancelled,
    Check,
    Draft,
    PlannerError,
    PlanRequest,
    Progress,
    ProgressCallback,
    Stopwatch,
    Usage,
)
from taskforge.agent.reply import parse_reply
from taskforge.agent.schema import model_schema
from taskforge.config import ModelOptions
from taskforge.core.patches import Problem, ProblemCode
from taskforge.core.text import clean_line

TRANSPORT_ATTEMPTS = 3
OLLAMA_PREFIXES = ("ollama/", "ollama_chat/")
# (api_base, model) pairs whose server refused OpenAI's `json_schema` form (see `_schema_refused`).
_SCHEMA_INSIDE_JSON_OBJECT: set[tuple[str | None, str]] = set()
LOCAL_KEY = "no-key-needed"  # what a keyless local engine is sent where the client insists on a key
_PREFIXES = re.compile(r"^(?:(?:litellm\.)?[A-Za-z]*(?:Error|Exception)\s*[-:]\s*)+")


def _litellm():
    # Offline machines must not wait on litellm fetching its price list from the internet.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return litellm


@dataclass
class Answer:
    text: str
    finish_reason: str | None
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None


@dataclass
class LitellmPlanner:
    models: list[str]  # the model to ask, then the fallbacks in order
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    max_repairs: int = 2
    timeout: float = 120.0
    backoff: float = 0.5  # seconds before the first transport retry; doubles each time
    max_ops: int | None = None
    # Per model: response_format, max_tokens, temperature, api_base (config.Settings.options_for).
    options: dict[str, ModelOptions] = field(default_factory=dict)
    name: str = "litellm"

    def plan(
        self,
        request: PlanRequest,
        check: Check,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Draft:
        litellm = _litellm()
        clock = Stopwatch()
        usage = Usage(prompt_tokens=0, completion_tokens=0, attempts=0)
        conversation = prompts.messages(request)
        problems: list[Problem] = []
        for attempt in range(1, self.max_repairs + 2):
            usage.attempts = attempt
            answer = self._ask(litellm, conversation, attempt, clock, progress, cancel)
            _add_usage(usage, answer)
            if answer.finish_reason == "length":
                problems = [Problem("the reply was cut off at the token limit: propose fewer operations, "
                                    "with shorter descriptions", code=ProblemCode.TRUNCATED)]
            else:
                reply, problems = parse_reply(answer.text, self.max_ops)
                if reply is not None:
                    if reply.empty:
                        usage.latency_ms = clock.ms
                        return Draft(reply, answer.model, usage, understood=False)
                    problems = check(reply)
                    if not problems:
                        usage.latency_ms = clock.ms
                        return Draft(reply, answer.model, usage)
            conversation = conversation + [
                {"role": "assistant", "content": answer.text[:20_000]},
                {"role": "user", "content": prompts.repair_prompt(problems)},
            ]
        raise PlannerError(
            f"the model's reply was not a usable patch after {usage.attempts} attempts: {problems[0]}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
        )

    # -- one call, with transport retries and fallbacks -------------------------------------------

    def _ask(self, litellm, conversation, attempt, clock, progress, cancel) -> Answer:
        failures: list[str] = []
        unusable = 0
        for model in self.models:
            reason = self._preflight(litellm, model)
            if reason is not None:  # a setting to fix, not a failure to retry
                failures.append(f"{model}: {reason}")
                unusable += 1
                continue
            for retry in range(TRANSPORT_ATTEMPTS):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                try:
                    return self._stream(litellm, model, conversation, attempt, clock, progress, cancel)
                except Cancelled:
                    raise
                except Exception as exc:  # litellm maps every provider's errors onto its own classes
                    if self._schema_refused(model, exc):
                        continue  # asked again at once, with the schema inside `json_object`
                    reason = self._describe(exc)
                    if not _transient(litellm, exc):
                        failures.append(f"{model}: {reason}")
                        break
                    if retry + 1 < TRANSPORT_ATTEMPTS:
                        _sleep(self.backoff * 2**retry, cancel)
                    else:
                        failures.append(f"{model}: {reason}")
        if unusable == len(self.models):
            raise PlannerError("no usable model: " + "; ".join(failures))
        raise PlannerError("the model could not be reached: " + "; ".join(failures))

    def _preflight(self, litellm, model: str) -> str | None:
        """Why `model` cannot be called as configured (unknown provider, no key), before any call."""
        try:
            litellm.get_llm_provider(model)
        except Exception:
            return (
                "litellm cannot tell its provider; write the model as provider/name, "
                "e.g. openai/gpt-4.1 or anthropic/claude-sonnet-4-5"
            )
        if self.api_key or on_this_machine(self._options(model).api_base):
            return None  # a local engine (llama.cpp, LM Studio, vLLM on loopback) wants no key
        try:
            found = litellm.validate_environment(model=model, api_base=self._options(model).api_base)
        except Exception:  # cannot tell: let the call itself say
            return None
        missing = [name for name in found.get("missing_keys") or [] if name.endswith("_KEY")]
        if missing and not found.get("keys_in_environment"):
            return f"no API key: set {' or '.join(missing)} (or TASKFORGE_API_KEY)"
        return None

    def _schema_refused(self, model: str, exc: Exception) -> bool:
        """Whether a request with OpenAI's `json_schema` form was refused, so that this model (at this
        api_base) is asked with the schema inside `json_object` from now on: llama-cpp-python's server takes a
        schema only that way, and answers the OpenAI form with a 500. Decided by the request's form and the
        HTTP status, once per model and process; a refusal of the other form too is reported as it is."""
        options = self._options(model)
        key = (options.api_base, model)
        if (
            options.response_format != "json_schema"
            or key in _SCHEMA_INSIDE_JSON_OBJECT
            or model.startswith(OLLAMA_PREFIXES)  # litellm turns the schema into Ollama's `format` itself
            or getattr(exc, "status_code", None) not in (400, 422, 500)
        ):
            return False
        _SCHEMA_INSIDE_JSON_OBJECT.add(key)
        return True

    def _options(self, model: str) -> ModelOptions:
        return self.options.get(model) or ModelOptions(api_base=self.api_base)

    def _stream(self, litellm, model, conversation, attempt, clock, progress, cancel) -> Answer:
        options = self._options(model)
        response = litellm.completion(
            model=model,
            messages=conversation,
            stream=True,
            stream_options={"include_usage": True},
            timeout=self.timeout,
            max_retries=0,  # retries are ours, so that they are counted and can be cancelled
            api_base=options.api_base,
            api_key=self.api_key or _placeholder_key(litellm, model, options.api_base),
            **_sampling(options),
            **response_format_for(
                model, options, litellm, schema_inside_json_object=(options.api_base, model) in _SCHEMA_INSIDE_JSON_OBJECT
            ),
        )
        chunks = []
        received = 0
        for chunk in response:
            if cancel is not None and cancel.is_set():
                _close(response)
                raise Cancelled()
            chunks.append(chunk)
            if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                received += len(chunk.choices[0].delta.content)
            if progress is not None:
                progress(Progress(clock.elapsed, received, None, attempt, model))
        if not chunks:
            raise PlannerError(f"{model} sent an empty stream")
        whole = litellm.stream_chunk_builder(chunks, messages=conversation)
        choice = whole.choices[0]
        tokens = getattr(whole, "usage", None)
        return Answer(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            model=model,
            prompt_tokens=getattr(tokens, "prompt_tokens", None),
            completion_tokens=getattr(tokens, "completion_tokens", None),
            cost_usd=_cost(litellm, whole),
        )

    def _describe(self, exc: Exception) -> str:
        """One line about a failure, with the key (if any) scrubbed out."""
        kind = type(exc).__name__
        # litellm repeats the class name as a prefix, sometimes twice ("litellm.X: X: OpenAIException - ").
        text = _PREFIXES.sub("", clean_line(str(exc).split("\n", 1)[0]))[:200]
        for secret in (self.api_key, *_provider_keys()):
            if secret:
                text = text.replace(secret, "***")
        return f"{kind}: {text}" if text else kind


def _transient(litellm, exc: Exception) -> bool:
    transient = tuple(
        getattr(litellm, name)
        for name in (
            "RateLimitError",
            "InternalServerError",
            "ServiceUnavailableError",
            "BadGatewayError",
            "APIConnectionError",
            "Timeout",
        )
        if hasattr(litellm, name)
    )
    return isinstance(exc, transient)


def response_format_for(
    model: str, options: ModelOptions, litellm, *, schema_inside_json_object: bool = False
) -> dict[str, Any]:
    """The `response_format` argument for `model` under the setting of that name (see config.ResponseFormat).

    The schema sent is the model-facing one (agent/schema.py): engines that compile it into a grammar
    cannot compile the full models' long bounds. litellm passes it on as OpenAI's `json_schema`, and for
    `ollama/` and `ollama_chat/` models as Ollama's `format`. `auto` asks litellm what the model supports.
    """
    choice = options.response_format or "auto"
    if choice == "none":
        return {}
    if choice == "json_object":
        return {"response_format": {"type": "json_object"}}
    if choice == "json_schema" or (choice == "auto" and _takes_schema(litellm, model)):
        if schema_inside_json_object:  # llama-cpp-python's own form
            return {"response_format": {"type": "json_object", "schema": model_schema()}}
        schema = {"name": "plan_reply", "schema": model_schema()}
        return {"response_format": {"type": "json_schema", "json_schema": schema}}
    try:
        if "response_format" in (litellm.get_supported_openai_params(model=model) or []):
            return {"response_format": {"type": "json_object"}}
    except Exception:  # an unmapped model: ask without, the prompt asks for JSON anyway
        pass
    return {}


def _takes_schema(litellm, model: str) -> bool:
    if model.startswith(OLLAMA_PREFIXES):  # Ollama has taken a JSON schema as `format` since 0.5
        return True
    try:
        return bool(litellm.supports_response_schema(model=model))
    except Exception:  # an unmapped model: litellm cannot say, so no schema unless the setting asks
        return False


def on_this_machine(api_base: str | None) -> bool:
    """Whether `api_base` is a server on this machine (localhost, 127.0.0.0/8, ::1)."""
    if not api_base:
        return False
    host = urlsplit(api_base if "//" in api_base else f"//{api_base}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _placeholder_key(litellm, model: str, api_base: str | None) -> str | None:
    """A stand-in key for a local engine when the provider has none: OpenAI's client refuses to start
    without one, and the engine ignores it. A real key in the environment is used as it is."""
    if not on_this_machine(api_base):
        return None
    try:
        found = litellm.validate_environment(model=model, api_base=api_base)
    except Exception:  # cannot tell: the provider's own variable, if any, applies
        return None
    return LOCAL_KEY if found.get("missing_keys") and not found.get("keys_in_environment") else None


def _sampling(options: ModelOptions) -> dict[str, Any]:
    sampling: dict[str, Any] = {}
    if options.max_tokens is not None:
        sampling["max_tokens"] = options.max_tokens
    if options.temperature is not None:
        sampling["temperature"] = options.temperature
    return sampling


def _cost(litellm, response) -> float | None:
    try:
        cost = litellm.completion_cost(completion_response=response)
    except Exception:  # models without a price (local, unknown): the cost is simply not known
        return None
    return float(cost) if cost else None


def _add_usage(usage: Usage, answer: Answer) -> None:
    usage.prompt_tokens = (usage.prompt_tokens or 0) + (answer.prompt_tokens or 0)
    usage.completion_tokens = (usage.completion_tokens or 0) + (answer.completion_tokens or 0)
    if answer.cost_usd is not None:
        usage.cost_usd = (usage.cost_usd or 0.0) + answer.cost_usd


def _close(response) -> None:
    close = getattr(getattr(response, "completion_stream", None), "close", None)
    if callable(close):
        with contextlib.suppress(Exception):  # a stream that is already gone needs no closing
            close()


def _sleep(seconds: float, cancel: threading.Event | None) -> None:
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        raise Cancelled()


def _provider_keys() -> list[str]:
    return [value for name, value in os.environ.items() if name.endswith("_API_KEY") and len(value) >= 8]
