"""Accounts: who am I, the account list, and advisor–advisee links (registrars manage them).

Accounts themselves are made on the server's machine with ``pathways users add``, which
prints the bearer token once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from sqlmodel import Session

from api import crud
from api.deps import CurrentUser, RegistrarUser, SessionDep
from api.models import NO_NUL, AuditLogEntryPublic, AuditLogPublic, Message, User, UserPublic

router = APIRouter(prefix="/users", tags=["users"])
log_router = APIRouter(prefix="/audit-log", tags=["audit-log"])

UserName = Annotated[
    str, Path(min_length=1, max_length=200, pattern=NO_NUL, description="Account name.")
]
LearnerId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=NO_NUL, description="Learner id.")
]


@router.get("/me", response_model=UserPublic)
def read_me(session: SessionDep, user: CurrentUser) -> UserPublic:
    """The signed-in account: name, role, own learner id, advisees."""
    return crud.user_public(session=session, user=user)


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, user: RegistrarUser) -> list[UserPublic]:
    """Every account (registrars only)."""
    return [crud.user_public(session=session, user=u) for u in crud.list_users(session=session)]


def _advisor(session: Session, name: str) -> User:
    advisor = crud.get_user_by_name(session=session, name=name)
    if advisor is None:
        raise HTTPException(status_code=404, detail=f"no account {name!r}")
    if advisor.role != "advisor":
        raise HTTPException(status_code=422, detail=f"{name!r} is a {advisor.role}, not an advisor")
    return advisor


@router.put("/{name}/advisees/{learner_id}", response_model=UserPublic)
def add_advisee(
    session: SessionDep, user: RegistrarUser, name: UserName, learner_id: LearnerId
) -> UserPublic:
    """Make the advisor ``name`` an advisor of ``learner_id`` (registrars only)."""
    advisor = _advisor(session, name)
    crud.add_advisee(session=session, advisor=advisor, learner_id=learner_id, actor=user)
    return crud.user_public(session=session, user=advisor)


@router.delete("/{name}/advisees/{learner_id}", response_model=Message)
def remove_advisee(
    session: SessionDep, user: RegistrarUser, name: UserName, learner_id: LearnerId
) -> Message:
    """End an advisor–advisee link (registrars only; 404 when there was none)."""
    advisor = _advisor(session, name)
    if not crud.remove_advisee(session=session, advisor=advisor, learner_id=learner_id, actor=user):
        raise HTTPException(status_code=404, detail=f"{name!r} does not advise {learner_id!r}")
    return Message(detail=f"{name!r} no longer advises {learner_id!r}")


@log_router.get("", response_model=AuditLogPublic)
def read_audit_log(
    session: SessionDep,
    user: RegistrarUser,
    action: Annotated[
        str | None,
        Query(max_length=50, pattern=NO_NUL, description="e.g. catalog.publish, exception.add"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditLogPublic:
    """Who changed what, newest first (registrars only)."""
    rows, count = crud.list_log(session=session, action=action, offset=offset, limit=limit)
    return AuditLogPublic(
        data=[AuditLogEntryPublic.model_validate(row, from_attributes=True) for row in rows],
        count=count,
    )
