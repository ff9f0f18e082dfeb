"""The ``pathways`` command: one Typer app, each command group in its own module.

Every module listed in :data:`_COMMAND_MODULES` lives at ``pathways/cli/<name>.py`` and exposes
``register(app)``. Modules import the engine lazily inside their commands, so ``pathways
--help`` stays quick. Exit codes: 0 ok, 1 invalid input (errors on stderr, never a traceback),
2 usage error.
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="pathways",
    help="Stackable-credential pathway engine: validate catalogs, audit, plan and transfer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_COMMAND_MODULES: list[str] = ["catalog", "evaluate", "plan", "scale", "badges", "service", "ohio"]
"""Command modules under ``pathways.cli``, registered in this order."""

for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    """Run the ``pathways`` command line."""
    app()
