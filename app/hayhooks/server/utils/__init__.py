"""Import paths that existing Hayhooks wrappers use."""
