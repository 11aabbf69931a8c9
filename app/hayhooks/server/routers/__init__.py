"""HTTP routers of the server."""
