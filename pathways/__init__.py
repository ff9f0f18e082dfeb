"""Pathways: a stackable-credential pathway engine.

The pipeline runs one way: load (YAML → models) → validate → compile (models → an immutable
credential graph) → evaluate (transfer, audit) / plan → present (CLI, API, web page).
"""

__version__ = "0.1.0"
