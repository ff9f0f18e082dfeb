"""Tooling around the engine: the synthetic catalog generator and the benchmark."""
