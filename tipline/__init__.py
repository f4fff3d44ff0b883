"""Composition root: the `tipline` command and the wiring of the core with its channels."""
