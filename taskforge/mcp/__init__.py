"""Agents over MCP: the review queue (`queue`, no MCP library) and the server (`server`, the `mcp` SDK)."""
