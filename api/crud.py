"""Reading and writing the database: plain keyword-only functions, no repository classes.

Functions that write commit their own transaction and log the change in ``audit_log`` in that
same transaction, so a change and its log entry stand or fall together. A catalog publication
(the version row, every file, the pointer and the log entry) is one transaction: a process
killed in the middle leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, update
from sqlmodel import Session, col, delete, select

from api.models import (
    AdviseeLink,
    AuditLog,
    CatalogFile,
    CatalogVersion,
    CatalogVersionPublic,
    ExceptionCreate,
    ExceptionPublic,
    ExceptionRow,
    HoldingPublic,
    HoldingRow,
    Learner,
    LearnerCreate,
    LearnerPublic,
    LearnerUpdate,
    Publication,
    UnmappedRow,
    User,
    UserPublic,
    utcnow,
)
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import Exception_, Holding, LearnerRecord, UnmappedEntry
from pathways.errors import LocatedError, RecordError, suggest

__all__ = [
    "add_advisee",
    "add_exception",
    "add_holding",
    "add_imported",
    "advisees_of",
    "create_learner",
    "create_user",
    "delete_exception",
    "delete_holding",
    "delete_learner",
    "exception_public",
    "get_user_by_name",
    "get_user_by_token",
    "hash_token",
    "holding_public",
    "is_advisor_of",
    "learner_public",
    "learner_record",
    "list_exceptions",
    "list_holdings",
    "list_learners",
    "list_log",
    "list_users",
    "list_versions",
    "log",
    "publication",
    "publish_catalog",
    "remove_advisee",
    "replace_holding",
    "rollback_catalog",
    "token_role",
    "update_learner",
    "user_public",
    "version_public",
    "version_sources",
]

SYSTEM = "pathways"
"""The actor named for changes made by the server itself (the first publication)."""


# --------------------------------------------------------------------------- audit log


def log(
    *,
    session: Session,
    actor: User | None,
    action: str,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit-log entry to the session's transaction (the caller commits)."""
    session.add(
        AuditLog(
            actor=actor.name if actor else SYSTEM,
            actor_id=actor.id if actor else None,
            action=action,
            target=target[:500],
            detail=dict(detail or {}),
        )
    )


def list_log(
    *, session: Session, action: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[list[AuditLog], int]:
    """Audit-log entries, newest first, and how many match."""
    query = select(AuditLog)
    counter = select(func.count()).select_from(AuditLog)
    if action is not None:
        query = query.where(AuditLog.action == action)
        counter = counter.where(AuditLog.action == action)
    rows = session.exec(query.order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), session.exec(counter).one()


# --------------------------------------------------------------------------- users


def hash_token(token: str) -> str:
    """The stored form of a bearer token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_user(
    *,
    session: Session,
    name: str,
    role: str,
    learner_id: str | None = None,
    advisees: Iterable[str] = (),
    actor: User | None = None,
) -> tuple[User, str]:
    """Create an account and return it with its bearer token (shown once, stored hashed).

    Raises :class:`sqlalchemy.exc.IntegrityError` when the name is taken.
    """
    token = secrets.token_urlsafe(32)
    user = User(name=name, role=role, token_hash=hash_token(token), learner_id=learner_id)
    session.add(user)
    session.flush()
    assert user.id is not None
    for learner in dict.fromkeys(advisees):
        session.add(AdviseeLink(advisor_id=user.id, learner_id=learner))
    log(
        session=session,
        actor=actor,
        action="user.create",
        target=name,
        detail={"role": role, "learner": learner_id, "advisees": list(dict.fromkeys(advisees))},
    )
    session.commit()
    session.refresh(user)
    return user, token


def replace_token(*, session: Session, user: User, actor: User | None = None) -> str:
    """Give ``user`` a new bearer token and return it (shown once). The old token stops
    working at once: this is how a lost or leaked token is revoked."""
    token = secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    session.add(user)
    log(session=session, actor=actor, action="user.token", target=user.name, detail={})
    session.commit()
    return token


def get_user_by_token(*, session: Session, token: str) -> User | None:
    """The account holding ``token``, or None."""
    return session.exec(select(User).where(User.token_hash == hash_token(token))).first()


def token_role(engine: Engine, token: str) -> str | None:
    """The role of the account holding ``token``, or None (one indexed lookup)."""
    with Session(engine) as session:
        role = session.exec(select(User.role).where(User.token_hash == hash_token(token))).first()
    return role


def get_user_by_name(*, session: Session, name: str) -> User | None:
    """The account named ``name``, or None."""
    return session.exec(select(User).where(User.name == name)).first()


def list_users(*, session: Session) -> list[User]:
    """Every account, by id."""
    return list(session.exec(select(User).order_by(col(User.id))).all())


def advisees_of(*, session: Session, user: User) -> list[str]:
    """The learner ids ``user`` advises, sorted."""
    rows = session.exec(
        select(AdviseeLink.learner_id)
        .where(AdviseeLink.advisor_id == user.id)
        .order_by(col(AdviseeLink.learner_id))
    ).all()
    return list(rows)


def is_advisor_of(*, session: Session, user: User, learner_id: str) -> bool:
    """Whether ``user`` is an advisor linked to ``learner_id``."""
    if user.role != "advisor":
        return False
    return session.get(AdviseeLink, (user.id, learner_id)) is not None


def add_advisee(*, session: Session, advisor: User, learner_id: str, actor: User | None) -> bool:
    """Link ``advisor`` to ``learner_id``; False when the link already existed."""
    if session.get(AdviseeLink, (advisor.id, learner_id)) is not None:
        return False
    assert advisor.id is not None
    session.add(AdviseeLink(advisor_id=advisor.id, learner_id=learner_id))
    log(
        session=session,
        actor=actor,
        action="advisee.add",
        target=learner_id,
        detail={"advisor": advisor.name},
    )
    session.commit()
    return True


def remove_advisee(*, session: Session, advisor: User, learner_id: str, actor: User | None) -> bool:
    """Unlink ``advisor`` from ``learner_id``; False when there was no such link."""
    link = session.get(AdviseeLink, (advisor.id, learner_id))
    if link is None:
        return False
    session.delete(link)
    log(
        session=session,
        actor=actor,
        action="advisee.remove",
        target=learner_id,
        detail={"advisor": advisor.name},
    )
    session.commit()
    return True


def user_public(*, session: Session, user: User) -> UserPublic:
    """The account as the API shows it (with its advisees)."""
    assert user.id is not None
    return UserPublic(
        id=user.id,
        name=user.name,
        role=user.role,  # type: ignore[arg-type]
        learner_id=user.learner_id,
        advisees=advisees_of(session=session, user=user),
    )


# --------------------------------------------------------------------------- catalog versions


def publication(connection: Connection | Engine) -> tuple[int, int] | None:
    """``(serial, version id)`` of the published catalog, or None before the first one.

    One primary-key lookup: cheap enough to run on every request that reads the catalog.
    """
    query = select(Publication.serial, Publication.version_id).where(Publication.id == 1)
    if isinstance(connection, Engine):
        with connection.connect() as conn:
            row = conn.execute(query).first()
    else:
        row = connection.execute(query).first()
    return (row[0], row[1]) if row is not None else None


def publish_catalog(
    *,
    session: Session,
    sources: Mapping[str, bytes],
    compiled: CompiledCatalog,
    actor: User | None,
    note: str | None = None,
) -> tuple[CatalogVersion, int]:
    """Store ``sources`` as a new version and publish it, in one transaction.

    ``compiled`` is the already validated catalog of ``sources``. Returns the new version and
    the publication serial. Nothing is visible to any reader until the commit; if anything
    fails (or the process dies) before it, nothing was written.

    Which upload wins: publications take the publication row's lock *before* their version
    is numbered, so concurrent uploads are numbered in the order they publish, and the
    version served afterwards is always the newest accepted upload (the highest number).
    On SQLite the database's single writer gives the same order.
    """
    try:
        session.exec(
            select(Publication.id).where(col(Publication.id) == 1).with_for_update()
        ).first()
        version = CatalogVersion(
            content_hash=compiled.version,
            published_by=actor.name if actor else SYSTEM,
            published_by_id=actor.id if actor else None,
            note=note,
            files=len(sources),
            institutions=len(compiled.institutions),
            credentials=len(compiled.versions),
            transfer_rules=len(compiled.rules),
        )
        session.add(version)
        session.flush()
        assert version.id is not None
        session.add_all(
            CatalogFile(version_id=version.id, name=name, content=bytes(raw))
            for name, raw in sorted(sources.items())
        )
        session.flush()
        serial = _point_at(session=session, version_id=version.id, actor=actor)
        log(
            session=session,
            actor=actor,
            action="catalog.publish",
            target=f"version {version.id}",
            detail={"catalog_version": compiled.version, "files": sorted(sources)},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(version)
    return version, serial


def _point_at(*, session: Session, version_id: int, actor: User | None) -> int:
    """Move the publication pointer to ``version_id`` (creating it the first time)."""
    by = actor.name if actor else SYSTEM
    moved = session.exec(
        update(Publication)
        .where(col(Publication.id) == 1)
        .values(
            version_id=version_id,
            serial=Publication.serial + 1,
            changed_at=utcnow(),
            changed_by=by,
        )
    )
    if moved.rowcount == 0:
        session.add(Publication(id=1, version_id=version_id, serial=1, changed_by=by))
    session.flush()
    pointer = session.get(Publication, 1, populate_existing=True)
    assert pointer is not None
    return pointer.serial


def rollback_catalog(
    *, session: Session, version_id: int, actor: User | None
) -> tuple[CatalogVersion, int] | None:
    """Publish the earlier version ``version_id`` again; None if there is no such version."""
    version = session.get(CatalogVersion, version_id)
    if version is None:
        return None
    try:
        serial = _point_at(session=session, version_id=version_id, actor=actor)
        log(
            session=session,
            actor=actor,
            action="catalog.rollback",
            target=f"version {version_id}",
            detail={"catalog_version": version.content_hash},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return version, serial


def version_sources(*, connection: Connection | Session, version_id: int) -> dict[str, bytes]:
    """The files of a stored version, name → bytes."""
    query = select(CatalogFile.name, CatalogFile.content).where(
        CatalogFile.version_id == version_id
    )
    rows = connection.execute(query).all()
    return {name: bytes(content) for name, content in rows}


def list_versions(
    *, session: Session, offset: int = 0, limit: int = 100
) -> tuple[list[CatalogVersion], int]:
    """Stored versions, newest first, and how many there are."""
    rows = session.exec(
        select(CatalogVersion).order_by(col(CatalogVersion.id).desc()).offset(offset).limit(limit)
    ).all()
    count = session.exec(select(func.count()).select_from(CatalogVersion)).one()
    return list(rows), count


def version_public(version: CatalogVersion, published_id: int | None) -> CatalogVersionPublic:
    """A stored version as the API shows it."""
    assert version.id is not None
    return CatalogVersionPublic(
        version=version.id,
        catalog_version=version.content_hash,
        published=version.id == published_id,
        published_at=version.published_at,
        published_by=version.published_by,
        note=version.note,
        files=version.files,
        institutions=version.institutions,
        credentials=version.credentials,
        transfer_rules=version.transfer_rules,
    )


# --------------------------------------------------------------------------- learners


def holding_document(holding: Holding) -> dict[str, Any]:
    """A holding as stored: its JSON form with credits kept exact (``"8/3"``)."""
    document = holding.model_dump(mode="json", exclude_defaults=True)
    if holding.credits is not None:
        document["credits"] = str(holding.credits)
    return document


def create_learner(*, session: Session, learner_in: LearnerCreate, actor: User | None) -> Learner:
    """Store a new learner (and the holdings given with it).

    Raises :class:`sqlalchemy.exc.IntegrityError` when the id is taken.
    """
    learner = Learner(
        id=learner_in.id,
        **_learner_fields(learner_in.model_dump(exclude={"id", "holdings"}, mode="json")),
    )
    session.add(learner)
    session.flush()
    for holding in learner_in.holdings:
        session.add(_holding_row(learner.id, holding))
    if actor is not None and actor.role == "advisor":
        assert actor.id is not None
        if session.get(AdviseeLink, (actor.id, learner.id)) is None:
            session.add(AdviseeLink(advisor_id=actor.id, learner_id=learner.id))
    log(
        session=session,
        actor=actor,
        action="learner.create",
        target=learner.id,
        detail={"holdings": len(learner_in.holdings)},
    )
    session.commit()
    session.refresh(learner)
    return learner


def _learner_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "identity" in fields and fields["identity"] is not None:
        fields["identity"] = {k: v for k, v in fields["identity"].items() if v is not None}
    return fields


def _holding_row(learner_id: str, holding: Holding) -> HoldingRow:
    return HoldingRow(
        learner_id=learner_id, credential=holding.credential, document=holding_document(holding)
    )


def list_learners(
    *,
    session: Session,
    only: Sequence[str] | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Learner], int]:
    """Learners by id (``only``: restricted to these ids; ``q``: id or name contains it)."""
    query = select(Learner)
    counter = select(func.count()).select_from(Learner)
    conditions: list[ColumnElement[bool]] = []
    if only is not None:
        conditions.append(col(Learner.id).in_(list(only)))
    if q:
        pattern = f"%{q.lower()}%"
        conditions.append(
            func.lower(Learner.id).like(pattern) | func.lower(Learner.name).like(pattern)
        )
    for condition in conditions:
        query = query.where(condition)
        counter = counter.where(condition)
    rows = session.exec(query.order_by(col(Learner.id)).offset(offset).limit(limit)).all()
    return list(rows), session.exec(counter).one()


def update_learner(
    *, session: Session, learner: Learner, learner_in: LearnerUpdate, actor: User | None
) -> Learner:
    """Change the fields given in ``learner_in``."""
    changes = _learner_fields(learner_in.model_dump(exclude_unset=True, mode="json"))
    for name, value in changes.items():
        setattr(learner, name, _EMPTY.get(name) if value is None else value)
    learner.updated_at = utcnow()
    session.add(learner)
    log(
        session=session,
        actor=actor,
        action="learner.update",
        target=learner.id,
        detail={"fields": sorted(changes)},
    )
    session.commit()
    session.refresh(learner)
    return learner


_EMPTY: dict[str, Any] = {"status": [], "identity": {}, "goals": []}
"""What a list or object field explicitly set to null is stored as (others: NULL)."""


def delete_learner(*, session: Session, learner: Learner, actor: User | None) -> None:
    """Delete a learner, their holdings, exceptions, unmapped lines and every link to them.

    The links end with the record: advisors lose the learner from their advisees, and a
    learner account that owned the record owns none afterwards. A new learner created later
    with the same id is someone else, visible only to whoever is linked to them anew.
    """
    session.exec(delete(HoldingRow).where(col(HoldingRow.learner_id) == learner.id))
    session.exec(delete(ExceptionRow).where(col(ExceptionRow.learner_id) == learner.id))
    session.exec(delete(UnmappedRow).where(col(UnmappedRow.learner_id) == learner.id))
    advisors = session.exec(
        select(User.name)
        .join(AdviseeLink, col(AdviseeLink.advisor_id) == col(User.id))
        .where(AdviseeLink.learner_id == learner.id)
        .order_by(col(User.name))
    ).all()
    session.exec(delete(AdviseeLink).where(col(AdviseeLink.learner_id) == learner.id))
    owners = session.exec(
        select(User).where(User.learner_id == learner.id).order_by(col(User.name))
    ).all()
    for owner in owners:
        owner.learner_id = None
        session.add(owner)
    session.delete(learner)
    log(
        session=session,
        actor=actor,
        action="learner.delete",
        target=learner.id,
        detail={"advisors_unlinked": list(advisors), "accounts_unlinked": [o.name for o in owners]},
    )
    session.commit()


def learner_public(learner: Learner) -> LearnerPublic:
    """A stored learner as the API shows it."""
    return LearnerPublic.model_validate(
        {
            "id": learner.id,
            "name": learner.name,
            "catalog_year": learner.catalog_year,
            "state": learner.state,
            "status": learner.status,
            "identity": learner.identity,
            "institution": learner.institution,
            "goals": learner.goals,
            "created_at": learner.created_at,
            "updated_at": learner.updated_at,
        }
    )


def _commit_change(
    session: Session, learner: Learner, actor: User | None, action: str, detail: dict[str, Any]
) -> None:
    """Mark the learner's record as changed now, log ``action`` on it and commit."""
    learner.updated_at = utcnow()
    session.add(learner)
    log(session=session, actor=actor, action=action, target=learner.id, detail=detail)
    session.commit()


def list_holdings(*, session: Session, learner_id: str) -> list[HoldingRow]:
    """A learner's holdings in record order."""
    return list(
        session.exec(
            select(HoldingRow)
            .where(HoldingRow.learner_id == learner_id)
            .order_by(col(HoldingRow.id))
        ).all()
    )


def holding_public(row: HoldingRow) -> HoldingPublic:
    """A stored holding as the API shows it."""
    return HoldingPublic.model_validate({**row.document, "id": row.id})


def add_holding(
    *, session: Session, learner: Learner, holding: Holding, actor: User | None
) -> HoldingRow:
    """Append a holding to a learner's record."""
    row = _holding_row(learner.id, holding)
    session.add(row)
    session.flush()
    detail = {"holding": row.id, "credential": holding.credential}
    _commit_change(session, learner, actor, "holding.add", detail)
    session.refresh(row)
    return row


def add_imported(
    *,
    session: Session,
    learner: Learner,
    holdings: Sequence[Holding],
    unmapped: Sequence[UnmappedEntry],
    source: str,
    actor: User | None,
) -> None:
    """Append a transcript import to a learner's record: its holdings and its unmapped
    lines, all in one transaction, logged as ``transcript.import`` with ``source``."""
    for holding in holdings:
        session.add(_holding_row(learner.id, holding))
    for entry in unmapped:
        session.add(UnmappedRow(learner_id=learner.id, document=entry.model_dump(mode="json")))
    detail = {"files": source, "holdings": len(holdings), "unmapped": len(unmapped)}
    _commit_change(session, learner, actor, "transcript.import", detail)


def replace_holding(
    *, session: Session, learner: Learner, row: HoldingRow, holding: Holding, actor: User | None
) -> HoldingRow:
    """Replace a stored holding (it keeps its id and its place in the record)."""
    row.credential = holding.credential
    row.document = holding_document(holding)
    session.add(row)
    detail = {"holding": row.id, "credential": holding.credential}
    _commit_change(session, learner, actor, "holding.replace", detail)
    session.refresh(row)
    return row


def delete_holding(
    *, session: Session, learner: Learner, row: HoldingRow, actor: User | None
) -> None:
    """Remove a holding from a learner's record."""
    session.delete(row)
    detail = {"holding": row.id, "credential": row.credential}
    _commit_change(session, learner, actor, "holding.delete", detail)


def list_exceptions(*, session: Session, learner_id: str) -> list[ExceptionRow]:
    """A learner's exceptions, oldest first."""
    return list(
        session.exec(
            select(ExceptionRow)
            .where(ExceptionRow.learner_id == learner_id)
            .order_by(col(ExceptionRow.id))
        ).all()
    )


def exception_public(row: ExceptionRow) -> ExceptionPublic:
    """A stored exception as the API shows it."""
    return ExceptionPublic.model_validate(
        {**row.document, "id": row.id, "created_at": row.created_at}
    )


def add_exception(
    *, session: Session, learner: Learner, exception_in: ExceptionCreate, actor: User
) -> ExceptionRow:
    """Record an exception by ``actor`` (its ``by``), with the reason given.

    Raises :class:`pydantic.ValidationError` when it is not exactly one kind of exception,
    and :class:`RecordError` when ``also_allow``/``apply_here`` names a credential the
    learner does not hold.
    """
    exception = Exception_.model_validate(
        {
            "waive": exception_in.waive,
            "substitute": exception_in.substitute,
            "for": exception_in.for_,
            "also_allow": exception_in.also_allow,
            "apply_here": exception_in.apply_here,
            "in": exception_in.in_,
            "change_limit": exception_in.change_limit,
            "credits": exception_in.credits,
            "count": exception_in.count,
            "by": actor.name,
            "reason": exception_in.reason,
            "date": exception_in.on or utcnow().date(),
        }
    )
    if exception.held is not None:
        held = {h.credential for h in learner_record(session=session, learner=learner).holdings}
        if exception.held not in held:
            close = suggest(exception.held, {h for h in held if h}, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RecordError(
                [
                    LocatedError(
                        "exception",
                        None,
                        None,
                        exception.kind,
                        f"the learner holds no {exception.held!r}{hint}",
                    )
                ]
            )
    row = ExceptionRow(
        learner_id=learner.id,
        document=exception.model_dump(mode="json", exclude_none=True),
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    _commit_change(session, learner, actor, "exception.add", {"exception": row.id, **row.document})
    session.refresh(row)
    return row


def delete_exception(*, session: Session, learner: Learner, row: ExceptionRow, actor: User) -> None:
    """Withdraw an exception."""
    session.delete(row)
    _commit_change(session, learner, actor, "exception.delete", {"exception": row.id})


def learner_record(*, session: Session, learner: Learner) -> LearnerRecord:
    """The stored learner as an engine learner record (no file is ever read)."""
    info = {
        "id": learner.id,
        "name": learner.name,
        "catalog_year": learner.catalog_year,
        "state": learner.state,
        "status": learner.status,
        "identity": learner.identity,
        "institution": learner.institution,
    }
    return LearnerRecord.model_validate(
        {
            "learner": {k: v for k, v in info.items() if v is not None},
            "holdings": [
                row.document for row in list_holdings(session=session, learner_id=learner.id)
            ],
            "exceptions": [
                row.document for row in list_exceptions(session=session, learner_id=learner.id)
            ],
            "unmapped": [
                row.document
                for row in session.exec(
                    select(UnmappedRow)
                    .where(UnmappedRow.learner_id == learner.id)
                    .order_by(col(UnmappedRow.id))
                ).all()
            ],
        }
    )
