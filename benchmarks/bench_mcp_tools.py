"""The context an agent pays for taskforge's MCP tools: the whole tool list, as the SDK's client receives it
from `taskforge mcp` (a real subprocess over stdio), in cl100k_base tokens (tiktoken, the copy litellm
ships). The baseline, measured in the same run, is that list with `propose_patch` taking the full
`ProjectPatch` JSON schema pydantic generates, as a server that exported its models unedited would.
Target: under 2,500 tokens for the whole list (Task Master's 36 tools cost its users ~21,000).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import NotAvailable, Row, run_figure  # noqa: E402

FIGURE = "MCP tool list size (8 tools) vs the same list with the full patch schema"
TARGET_TOKENS = 2_500


async def _tools(db: Path):
    from tests.mcp.agent import agent

    async with agent(db) as me:
        return (await me.session.list_tools()).tools


def measure() -> Row:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise NotAvailable("the mcp extra is not installed") from None
    from taskforge.core.patches import ProjectPatch
    from tests.mcp.agent import cl100k, tool_list_tokens

    with tempfile.TemporaryDirectory() as folder:
        tools = asyncio.run(_tools(Path(folder) / "bench.db"))
    ours = tool_list_tokens(tools)
    unedited = [tool.model_copy(deep=True) for tool in tools]
    for tool in unedited:
        if tool.name == "propose_patch":
            tool.input_schema["properties"]["patch"] = ProjectPatch.model_json_schema()
    baseline = tool_list_tokens(unedited)
    largest = max(tools, key=lambda t: len(cl100k().encode(json.dumps(t.model_dump(mode="json", by_alias=True)))))
    return Row(
        FIGURE,
        ours=f"{ours:,} tokens ({len(tools)} tools; largest: {largest.name})",
        baseline=f"{baseline:,} tokens",
        ratio=f"{ours / baseline:.2f}×",
        target=f"< {TARGET_TOKENS:,} tokens",
        met="yes" if ours < TARGET_TOKENS else "no",
    )


if __name__ == "__main__":
    run_figure(FIGURE, f"< {TARGET_TOKENS:,} tokens", measure)
