"""The ``pathways`` command: one Typer app, each command group in its own module.

Every module listed in :data:`_COMMAND_MODULES` lives at ``pathways/cli/<name>.py`` and exposes
``register(app)``. Modules import the engine lazily inside their commands, so ``pathways
--help`` stays quick. Exit codes: 0 ok, 1 invalid input (errors on stderr, never a traceback),
2 usage error. Help is plain text with readable placeholders (``LEARNER``, ``TEXT``, ``N``,
``DIR``), never Python type names.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import Annotated, Any, TextIO

import typer
from typer.core import TyperArgument, TyperGroup

__all__ = ["app", "command", "main"]


def _type_metavar(param: Any) -> str:
    described = getattr(param, "type_descriptor", None)
    if described is None:
        return "TEXT"
    if described.is_choice and described.choices:
        return "|".join(str(choice) for choice in described.choices)
    if described.is_path:
        return {"dir": "DIR", "file": "FILE"}.get(str(described.path_type), "PATH")
    annotation = described.annotation
    element = (getattr(annotation, "__args__", None) or (annotation,))[0]
    if element in (int, float):
        return "N"
    return "TEXT"


class _PlainArgument(TyperArgument):
    """An argument shown as its name in capitals: ``LEARNER``, ``[FILES]...``, no type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return (self.name or "value").upper() + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = (self.name or "value").upper()
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")


def _tidy(command: Any) -> None:
    """Give every argument and valued option of ``command`` (and its subcommands) a plain
    placeholder: the argument's name in capitals, a value's kind (TEXT, N, DIR, FILE); each
    subcommand's one-line summary is its whole first paragraph, never cut with "...".
    (Duck-typed: Typer builds its commands with its own copy of click.)"""
    for param in command.params:
        if param.metavar is not None and not isinstance(param, TyperArgument):
            continue
        if isinstance(param, TyperArgument):
            param.__class__ = _PlainArgument
        elif not getattr(param, "is_flag", False) and not getattr(param, "count", False):
            param.metavar = _type_metavar(param)
    for sub in getattr(command, "commands", {}).values():
        if not sub.short_help and sub.help:
            sub.short_help = " ".join(sub.help.strip().split("\n\n")[0].split())
        _tidy(sub)


class _Group(TyperGroup):
    """The ``pathways`` group: every command's help gets plain placeholders (:func:`_tidy`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tidy(self)


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="pathways",
        help="Stackable-credential pathway engine: validate catalogs, audit, plan and transfer.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        cls=_Group,
        context_settings={"max_content_width": 100},
    )


app = _new_app()

_COMMAND_MODULES: list[str] = [
    "catalog", "evaluate", "plan", "scale", "badges", "transcripts", "service", "ohio",
]  # fmt: skip
"""Command modules under ``pathways.cli``, registered in this order."""


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show the engine's own warnings (a cache that cannot be used) as one ``warning:`` line
    on stderr; any other warning as Python shows it."""
    from pathways.errors import CacheWarning

    if issubclass(category, CacheWarning):
        typer.echo(f"warning: {message}", err=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("pathways")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            number = "unknown (not installed)"
        typer.echo(f"pathways {number}")
        raise typer.Exit()


def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Stackable-credential pathway engine: validate catalogs, audit, plan and transfer."""
    warnings.showwarning = _show_warning


app.callback()(_root)
for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``pathways ARGS``: when ARGS start with a command's name, an app
    holding only that command's module (Click builds every command of an app before it runs
    one, about 30 ms for all of them); otherwise (help, a group, a typo) the whole :data:`app`.
    Either way the command runs, and reports errors, exactly as in :data:`app`."""
    if not args:
        return app
    for info in app.registered_commands:
        if info.name == args[0] and info.callback is not None:
            only = _new_app()
            only.callback()(_root)
            importlib.import_module(info.callback.__module__).register(only)
            return only
    return app


def command() -> Any:
    """The ``pathways`` click command (what :data:`app` runs)."""
    return typer.main.get_command(app)


def main() -> None:
    """Run the ``pathways`` command line.

    Pydantic plugins are not looked for unless ``PYDANTIC_DISABLE_PLUGINS`` says otherwise:
    Pathways uses none, and the search reads every installed package's metadata (~10 ms of
    every command's start-up)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    args = sys.argv[1:]
    try:
        app_for(args)(prog_name="pathways")
    except SystemExit as done:
        if args and args[0] in _READ_ONLY:
            _exit_now(done.code)
        raise


_READ_ONLY = frozenset({"audit", "transfer", "reasons", "plan", "compare"})
"""Commands that write nothing but their output and hold nothing open when they return."""


def _exit_now(code: object) -> None:
    """End the process with ``code`` (as :class:`SystemExit` reads it) once stdout and stderr
    are flushed, without the interpreter's teardown: freeing a loaded catalog and unloading
    the solver's native libraries take ~90 ms, a fifth of a command line audit. Only for
    :data:`_READ_ONLY` commands, whose every file is closed by then."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be shown anyway
            status = status or 1
    os._exit(status)
