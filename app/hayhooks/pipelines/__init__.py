"""Pipeline wrappers, their loading from files and YAML, and the registry of what is deployed."""
