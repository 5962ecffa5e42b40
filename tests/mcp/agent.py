"""An MCP agent for tests: the SDK's own client, talking to `taskforge mcp` as a real subprocess of the
installed console script, over stdio (or streamable HTTP)."""

from __future__ import annotations

import json
import os
import sys
from contextlib import asynccontextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import Implementation

TASKFORGE = str(Path(sys.executable).with_name("taskforge"))  # the installed entry point of this venv


@asynccontextmanager
async def agent(db: Path | str, *args: str, name: str = "claude-code"):
    """A client session with `taskforge mcp --db DB ARGS…` that introduces itself as `name`."""
    params = StdioServerParameters(command=TASKFORGE, args=["mcp", "--db", str(db), *args], env=dict(os.environ))
    async with (
        stdio_client(params) as (read, write),
        ClientSession(read, write, client_info=Implementation(name=name, version="1.0")) as session,
    ):
        await session.initialize()
        yield Agent(session)


class Agent:
    def __init__(self, session: ClientSession):
        self.session = session

    async def call(self, tool: str, **arguments: Any) -> Any:
        """The tool's reply, decoded from JSON when it is JSON; an error reply raises ToolFailed."""
        result = await self.session.call_tool(tool, arguments)
        text = "".join(block.text for block in result.content)
        try:
            data = json.loads(text)
        except ValueError:
            data = text
        if result.is_error:
            raise ToolFailed(data)
        return data


class ToolFailed(Exception):
    def __init__(self, data: Any):
        super().__init__(data)
        self.data = data


def cl100k():
    """tiktoken's cl100k_base, from the copy litellm ships (no download; litellm itself is not imported)."""
    os.environ.setdefault(
        "TIKTOKEN_CACHE_DIR",
        os.path.join(find_spec("litellm").submodule_search_locations[0], "litellm_core_utils", "tokenizers"),
    )
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def tool_list_tokens(tools) -> int:
    """What the tool list costs a model's context: its JSON, as the client receives it, in cl100k tokens."""
    data = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]
    return len(cl100k().encode(json.dumps(data, ensure_ascii=False)))
