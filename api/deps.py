"""Dependencies, as typed aliases so route signatures read like sentences.

* :data:`SessionDep` — a database session for the request;
* :data:`SettingsDep` — the service settings;
* :data:`ResolverDep` — the offline badge resolver, or None;
* :data:`WorkersDep` — the worker processes for CPU-heavy work (:mod:`api.workers`);
* :data:`CatalogDep` — the published catalog (:class:`~api.catalogs.Snapshot`) for the whole
  request, reloaded first if another process published;
* :data:`OptionalUser` — the signed-in account, or None (anonymous);
* :data:`CurrentUser` — the signed-in account (401 without a valid bearer token);
* :data:`RegistrarUser` — a registrar (403 for any other role).

An ``Authorization`` header that is present but wrong is always 401, even where anonymous
calls are allowed: a caller who meant to sign in should hear that it did not work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api import crud
from api.catalogs import CatalogStore, Snapshot
from api.models import User
from api.settings import Settings
from api.workers import Workers
from pathways.errors import UnknownIdError
from pathways.interop import Resolver

__all__ = [
    "CatalogDep",
    "CatalogStoreDep",
    "CurrentUser",
    "OptionalUser",
    "RegistrarUser",
    "ResolverDep",
    "SessionDep",
    "SettingsDep",
    "WorkersDep",
    "forbidden",
    "not_found",
    "unauthorized",
]

_bearer = HTTPBearer(
    auto_error=False,
    description="A bearer token made by `pathways users add NAME --role ROLE`.",
)


def get_db(request: Request) -> Iterator[Session]:
    """A session on the app's engine, closed after the request."""
    with Session(request.app.state.engine) as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> CatalogStore:
    """This process's catalog store."""
    store: CatalogStore = request.app.state.catalogs
    return store


def get_catalog(request: Request) -> Snapshot:
    """The published catalog for this request (one snapshot for the whole request)."""
    snapshot = get_store(request).current()
    request.state.catalog_version = snapshot.catalog_version
    return snapshot


def get_resolver(request: Request) -> Resolver | None:
    """The offline badge resolver (``badge_resolve_dir``, loaded at start-up), or None."""
    resolver: Resolver | None = request.app.state.resolver
    return resolver


def get_workers(request: Request) -> Workers:
    """This process's worker pool."""
    workers: Workers = request.app.state.workers
    return workers


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogStoreDep = Annotated[CatalogStore, Depends(get_store)]
CatalogDep = Annotated[Snapshot, Depends(get_catalog)]
ResolverDep = Annotated[Resolver | None, Depends(get_resolver)]
WorkersDep = Annotated[Workers, Depends(get_workers)]


def unauthorized(detail: str) -> HTTPException:
    """A 401 asking for a bearer token."""
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def not_found(what: str, ident: str, choices: Iterable[str]) -> HTTPException:
    """A 404 for an id the catalog does not hold, with "did you mean" suggestions from
    ``choices`` (the words of :class:`~pathways.errors.UnknownIdError`)."""
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND, detail=str(UnknownIdError(what, ident, choices))
    )


def forbidden(detail: str) -> HTTPException:
    """A 403: signed in, but this account may not do that."""
    return HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=detail)


def get_optional_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    """The account of the bearer token, None without an Authorization header (401 if bad)."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise unauthorized("the Authorization header must be: Bearer TOKEN")
        return None
    user = crud.get_user_by_token(session=session, token=credentials.credentials)
    if user is None:
        raise unauthorized("invalid or revoked bearer token")
    request.state.user = user.name
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    """The signed-in account (401 for anonymous calls)."""
    if user is None:
        raise unauthorized("sign in: send Authorization: Bearer TOKEN")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_registrar(user: CurrentUser) -> User:
    """A registrar's account (403 for advisors and learners)."""
    if user.role != "registrar":
        raise forbidden(f"only a registrar may do this (signed in as {user.role})")
    return user


RegistrarUser = Annotated[User, Depends(get_registrar)]
