"""Deployed pipelines as MCP tools, over streamable HTTP (``/mcp``) and legacy SSE (``/sse``)."""
