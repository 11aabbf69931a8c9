"""Hayhooks' module paths under ``hayhooks.server.pipelines``, kept so wrappers that import from them load."""
