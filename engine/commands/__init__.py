"""CLI command modules; each defines `register(group)` and keeps its commands thin."""
