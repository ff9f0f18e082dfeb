"""Service commands: ``pathways serve`` and ``pathways users``.

* ``pathways serve [--catalog DIR] [--db URL] [--host H] [--port P] [--workers N]``: migrate
  the database, publish ``--catalog`` as version 1 when the database holds no catalog yet,
  then serve the HTTP API (and the web page) with uvicorn, one log line per request.
* ``pathways users add NAME --role registrar|advisor|learner [--learner ID] [--advisees ID]
  [--db URL]``: create an account; its bearer token is the last line printed (on stdout;
  everything else goes to stderr), and it is stored only as a hash.
* ``pathways users list [--db URL]``: the accounts.

``--db`` defaults to ``PATHWAYS_DATABASE_URL``, else ``pathways.db`` in the user's data folder
(:func:`data_home`; the URL is printed on stderr). The web and
database code (``api``) is imported only inside these commands.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pathways.cli.common import DEFAULT_CATALOG, CatalogOption, exit_on_error

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["register"]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL: sqlite:///FILE or postgresql+psycopg://USER@HOST/DB "
        "(default: $PATHWAYS_DATABASE_URL, else pathways.db in ~/.local/share/pathways).",
        show_default=False,
    ),
]


class Role(StrEnum):
    """Account roles."""

    registrar = "registrar"
    advisor = "advisor"
    learner = "learner"


def data_home() -> Path:
    """Where the service keeps its default database: ``$PATHWAYS_HOME``, else
    ``$XDG_DATA_HOME/pathways``, else ``~/.local/share/pathways`` (never the current folder)."""
    if os.environ.get("PATHWAYS_HOME"):
        return Path(os.environ["PATHWAYS_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pathways"


def _database_url(db: str | None) -> str:
    """``--db``, else ``$PATHWAYS_DATABASE_URL``, else a SQLite file in :func:`data_home`
    (created, and named on stderr so nobody wonders where the accounts went)."""
    if db:
        return db
    if os.environ.get("PATHWAYS_DATABASE_URL"):
        return os.environ["PATHWAYS_DATABASE_URL"]
    home = data_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        typer.echo(f"error: cannot create {home}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    url = f"sqlite:///{home / 'pathways.db'}"
    typer.echo(f"database: {url} (choose another with --db)", err=True)
    return url


def _port_free(host: str, port: int) -> str | None:
    """None if ``host:port`` can be bound now, else why not (in words)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


@contextmanager
def _database(db: str | None) -> Iterator[Engine]:
    """An engine on the migrated database; database errors exit 1 with one line."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from api.db import make_engine, migrate

    url = _database_url(db)
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError, ImportError) as error:
        typer.echo(f"error: bad database URL {url!r}: {error}", err=True)
        raise typer.Exit(1) from None
    try:
        with exit_on_error():
            migrate(engine)
            yield engine
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        typer.echo(f"error: database {url!r}: {str(reason).splitlines()[0]}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _log_config() -> dict[str, Any]:
    """Uvicorn's logging, plus the service's one line per request (uvicorn's own access log
    is switched off, so each request is logged once)."""
    from copy import deepcopy

    from uvicorn.config import LOGGING_CONFIG

    config = deepcopy(LOGGING_CONFIG)
    config["loggers"]["pathways.api"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def serve(
    catalog: CatalogOption = DEFAULT_CATALOG,
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Server processes.")] = 1,
) -> None:
    """Serve the HTTP API (/v1, docs at /docs) and the web page.

    On first start with an empty database, --catalog (default: the bundled one) is
    published as version 1; later starts serve the latest published version.
    """
    import uvicorn

    from api.catalogs import bootstrap

    busy = _port_free(host, port) if port else None
    if busy is not None:
        typer.echo(
            f"error: cannot listen on {host}:{port}: {busy} (another server there? try --port "
            f"{port + 1 if port < 65535 else 8000})",
            err=True,
        )
        raise typer.Exit(1)
    url = _database_url(db)
    with _database(url) as engine:
        published = bootstrap(engine, catalog)
    if published is not None:
        typer.echo(f"published {catalog} as catalog version {published}", err=True)
    else:
        typer.echo(
            "serving the database's published catalog (--catalog is published only when the "
            "database holds none)",
            err=True,
        )
    # Every worker process builds its app from these (uvicorn imports the factory by name).
    os.environ["PATHWAYS_DATABASE_URL"] = url
    os.environ["PATHWAYS_CATALOG_DIR"] = str(Path(catalog).resolve())
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=_log_config(),
        timeout_graceful_shutdown=10,
    )


users_app = typer.Typer(
    name="users",
    help="Accounts of the HTTP service (bearer tokens, roles, advisees).",
    no_args_is_help=True,
)


@users_app.command("add")
def add_user(
    name: Annotated[
        str, typer.Argument(help="Account name (unique).", metavar="NAME", show_default=False)
    ],
    role: Annotated[Role, typer.Option("--role", help="What the account may do.")],
    learner: Annotated[
        str | None,
        typer.Option(
            "--learner", metavar="ID", help="For a learner account: the learner record id it owns."
        ),
    ] = None,
    advisees: Annotated[
        list[str] | None,
        typer.Option(
            "--advisees",
            metavar="ID",
            help="For an advisor: learner ids advised (repeat the option, or separate by commas).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an account and print its bearer token (the last line; shown only once)."""
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session

    from api import crud

    if not 1 <= len(name) <= 200:
        raise typer.BadParameter("a name has 1 to 200 characters", param_hint="NAME")
    ids = [part.strip() for item in advisees or () for part in item.split(",") if part.strip()]
    if role is Role.learner and not learner:
        raise typer.BadParameter("a learner account needs --learner ID", param_hint="--learner")
    if learner is not None and role is not Role.learner:
        raise typer.BadParameter("--learner goes with --role learner", param_hint="--learner")
    if ids and role is not Role.advisor:
        raise typer.BadParameter("--advisees goes with --role advisor", param_hint="--advisees")
    if any(len(i) > 200 for i in [*ids, learner or ""]):
        raise typer.BadParameter("a learner id has at most 200 characters")
    with _database(db) as engine, Session(engine) as session:
        try:
            user, token = crud.create_user(
                session=session, name=name, role=role.value, learner_id=learner, advisees=ids
            )
        except IntegrityError:
            typer.echo(f"error: an account named {name!r} already exists", err=True)
            raise typer.Exit(1) from None
        extra = f", learner {learner}" if learner else ""
        extra += f", advises {', '.join(ids)}" if ids else ""
        typer.echo(f"created {role.value} {user.name!r} (account {user.id}{extra})", err=True)
        typer.echo("bearer token (shown once; send it as Authorization: Bearer TOKEN):", err=True)
    typer.echo(token)


@users_app.command("token")
def new_token(
    name: Annotated[
        str, typer.Argument(help="The account's name.", metavar="NAME", show_default=False)
    ],
    db: DbOption = None,
) -> None:
    """Replace an account's bearer token and print the new one (the last line); the old token
    stops working at once (revoke a lost or leaked token this way)."""
    from sqlmodel import Session

    from api import crud
    from pathways.errors import UnknownIdError

    with _database(db) as engine, Session(engine) as session:
        user = crud.get_user_by_name(session=session, name=name)
        if user is None:
            names = [u.name for u in crud.list_users(session=session)]
            typer.echo(f"error: {UnknownIdError('account', name, names)}", err=True)
            raise typer.Exit(1)
        token = crud.replace_token(session=session, user=user)
        typer.echo(
            f"new token for {user.role} {user.name!r}; the old one no longer works", err=True
        )
    typer.echo(token)


@users_app.command("list")
def list_users(db: DbOption = None) -> None:
    """List the accounts: id, name, role, learner id or advisees."""
    from sqlmodel import Session

    from api import crud

    with _database(db) as engine, Session(engine) as session:
        for user in crud.list_users(session=session):
            public = crud.user_public(session=session, user=user)
            extra = public.learner_id or ", ".join(public.advisees)
            typer.echo(f"{public.id}\t{public.name}\t{public.role}\t{extra}".rstrip())


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``pathways`` app."""
    app.command("serve")(serve)
    app.add_typer(users_app)
