"""The live trace dashboard: capture finished traces, keep them in a shared store, serve them to the UI."""
