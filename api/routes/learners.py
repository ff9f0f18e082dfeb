"""Stored learner records: learners, their holdings and exceptions, and their audits.

Who may do what (403 otherwise; 404 only to someone allowed to see the learner):

========================  =========  ===================  ==============
action                    registrar  advisor              learner
========================  =========  ===================  ==============
list                      all        their advisees       their own
create                    any id     any id (linked to    their own id
                                     them as advisee)
read, update, holdings,   any        their advisees       their own
badges, transcripts,
audit, transfer
exceptions: read          any        their advisees       their own
exceptions: write         any        their advisees       never
delete a learner          any        never                never
========================  =========  ===================  ==============
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from api import crud
from api.deps import (
    CatalogDep,
    CurrentUser,
    ResolverDep,
    SessionDep,
    SettingsDep,
    WorkersDep,
    forbidden,
)
from api.models import (
    BUSY,
    INVALID_INPUT,
    MAX_ROW_ID,
    NO_NUL,
    BadgeImport,
    BadgeRejected,
    ExceptionCreate,
    ExceptionPublic,
    ExceptionRow,
    ExceptionsPublic,
    HoldingPublic,
    HoldingRow,
    HoldingsPublic,
    Learner,
    LearnerBadgeRequest,
    LearnerCreate,
    LearnerPublic,
    LearnersPublic,
    LearnerUpdate,
    LocatedErrorsPublic,
    Message,
    UnknownIdPublic,
    User,
    ValidationErrorsPublic,
)
from api.routes.records import TranscriptImport, TranscriptsRequest, reply, run_import
from pathways.catalog.model import Holding, LearnerRecord
from pathways.evaluate import Decision, Statement
from pathways.interop import conclude_badge
from pathways.options import Options

router = APIRouter(prefix="/learners", tags=["learners"])

LearnerId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=NO_NUL, description="Learner id.")
]
ItemId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

EVALUATION_ERRORS: dict[int | str, dict[str, Any]] = {
    422: INVALID_INPUT,
    503: {"model": Message, "description": "The solver's time limit was reached."},
}


def _may_see(session: Session, user: User, learner_id: str) -> bool:
    if user.role == "registrar":
        return True
    if user.role == "advisor":
        return crud.is_advisor_of(session=session, user=user, learner_id=learner_id)
    return user.learner_id == learner_id


def _learner(session: Session, user: User, learner_id: str) -> Learner:
    """The learner ``user`` may see (403 if not theirs to see, then 404 if missing)."""
    if not _may_see(session, user, learner_id):
        raise forbidden(f"{user.name} ({user.role}) may not see learner {learner_id!r}")
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise HTTPException(status_code=404, detail=f"no learner {learner_id!r}")
    return learner


def _exceptions_writer(session: Session, user: User, learner_id: str) -> Learner:
    if user.role == "learner":
        raise forbidden("learners may not write exceptions; ask an advisor or the registrar")
    return _learner(session, user, learner_id)


@router.get("", response_model=LearnersPublic)
def list_learners(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="Text in the id or name.")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> LearnersPublic:
    """The learners the caller may see, by id."""
    only: list[str] | None = None
    if user.role == "advisor":
        only = crud.advisees_of(session=session, user=user)
    elif user.role == "learner":
        only = [user.learner_id] if user.learner_id else []
    rows, count = crud.list_learners(session=session, only=only, q=q, offset=offset, limit=limit)
    return LearnersPublic(data=[crud.learner_public(row) for row in rows], count=count)


@router.post("", response_model=LearnerPublic, status_code=status.HTTP_201_CREATED)
def create_learner(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, learner_in: LearnerCreate
) -> LearnerPublic:
    """Store a new learner (409 if the id is taken). An advisor becomes their advisor."""
    if user.role == "learner" and learner_in.id != user.learner_id:
        raise forbidden("a learner may create only their own record")
    if len(learner_in.holdings) > settings.max_holdings:
        raise HTTPException(422, detail=f"at most {settings.max_holdings} holdings")
    if session.get(Learner, learner_in.id) is not None:
        raise HTTPException(status_code=409, detail=f"learner {learner_in.id!r} already exists")
    try:
        learner = crud.create_learner(session=session, learner_in=learner_in, actor=user)
    except IntegrityError:
        session.rollback()
        raise HTTPException(
            status_code=409, detail=f"learner {learner_in.id!r} already exists"
        ) from None
    return crud.learner_public(learner)


@router.get("/{learner_id}", response_model=LearnerPublic)
def read_learner(session: SessionDep, user: CurrentUser, learner_id: LearnerId) -> LearnerPublic:
    """One learner."""
    return crud.learner_public(_learner(session, user, learner_id))


@router.patch("/{learner_id}", response_model=LearnerPublic)
def update_learner(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId, learner_in: LearnerUpdate
) -> LearnerPublic:
    """Change the fields given (name, catalog year, state, status, identity, goals…)."""
    learner = _learner(session, user, learner_id)
    updated = crud.update_learner(
        session=session, learner=learner, learner_in=learner_in, actor=user
    )
    return crud.learner_public(updated)


@router.delete("/{learner_id}", response_model=Message)
def delete_learner(session: SessionDep, user: CurrentUser, learner_id: LearnerId) -> Message:
    """Delete a learner with their holdings and exceptions (registrars only)."""
    if user.role != "registrar":
        raise forbidden("only a registrar may delete a learner")
    learner = _learner(session, user, learner_id)
    crud.delete_learner(session=session, learner=learner, actor=user)
    return Message(detail=f"learner {learner_id!r} deleted")


@router.get("/{learner_id}/record", response_model=LearnerRecord)
def read_record(session: SessionDep, user: CurrentUser, learner_id: LearnerId) -> LearnerRecord:
    """The whole learner record (learner, holdings, exceptions), as the CLI reads one."""
    learner = _learner(session, user, learner_id)
    return crud.learner_record(session=session, learner=learner)


# --------------------------------------------------------------------------- holdings


def _holding(session: Session, learner: Learner, holding_id: int) -> HoldingRow:
    row = session.get(HoldingRow, holding_id)
    if row is None or row.learner_id != learner.id:
        raise HTTPException(404, detail=f"learner {learner.id!r} has no holding {holding_id}")
    return row


@router.get("/{learner_id}/holdings", response_model=HoldingsPublic)
def list_holdings(session: SessionDep, user: CurrentUser, learner_id: LearnerId) -> HoldingsPublic:
    """The learner's holdings, in record order."""
    learner = _learner(session, user, learner_id)
    rows = crud.list_holdings(session=session, learner_id=learner.id)
    return HoldingsPublic(data=[crud.holding_public(row) for row in rows], count=len(rows))


@router.post(
    "/{learner_id}/holdings", response_model=HoldingPublic, status_code=status.HTTP_201_CREATED
)
def add_holding(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    learner_id: LearnerId,
    holding: Holding,
) -> HoldingPublic:
    """Append a holding (a credential, or a badge given inline) to the learner's record."""
    learner = _learner(session, user, learner_id)
    held = session.exec(
        select(func.count()).select_from(HoldingRow).where(HoldingRow.learner_id == learner.id)
    ).one()
    if held >= settings.max_holdings:
        raise HTTPException(422, detail=f"a record holds at most {settings.max_holdings} holdings")
    row = crud.add_holding(session=session, learner=learner, holding=holding, actor=user)
    return crud.holding_public(row)


@router.get("/{learner_id}/holdings/{holding_id}", response_model=HoldingPublic)
def read_holding(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId, holding_id: ItemId
) -> HoldingPublic:
    """One holding."""
    learner = _learner(session, user, learner_id)
    return crud.holding_public(_holding(session, learner, holding_id))


@router.put("/{learner_id}/holdings/{holding_id}", response_model=HoldingPublic)
def replace_holding(
    session: SessionDep,
    user: CurrentUser,
    learner_id: LearnerId,
    holding_id: ItemId,
    holding: Holding,
) -> HoldingPublic:
    """Replace a holding; it keeps its id and its place in the record."""
    learner = _learner(session, user, learner_id)
    row = _holding(session, learner, holding_id)
    row = crud.replace_holding(
        session=session, learner=learner, row=row, holding=holding, actor=user
    )
    return crud.holding_public(row)


@router.delete("/{learner_id}/holdings/{holding_id}", response_model=Message)
def delete_holding(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId, holding_id: ItemId
) -> Message:
    """Remove a holding from the record."""
    learner = _learner(session, user, learner_id)
    row = _holding(session, learner, holding_id)
    crud.delete_holding(session=session, learner=learner, row=row, actor=user)
    return Message(detail=f"holding {holding_id} deleted")


@router.post(
    "/{learner_id}/badges",
    response_model=BadgeImport,
    status_code=status.HTTP_201_CREATED,
    responses={
        422: {
            "model": BadgeRejected
            | LocatedErrorsPublic
            | UnknownIdPublic
            | ValidationErrorsPublic
            | Message,
            "description": "The badge does not count (the verdict says why), or bad input.",
        },
        503: BUSY,
    },
)
def add_badge(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    catalog: CatalogDep,
    workers: WorkersDep,
    learner_id: LearnerId,
    body: LearnerBadgeRequest,
) -> BadgeImport | JSONResponse:
    """Verify a badge for this learner and add the holdings it proves (``import-badge``).

    The badge must name the learner when their identity is known. A badge that does not
    count (not verified, untrusted issuer, no catalog credential) answers 422 with the
    verdict and adds nothing; one already in the record is not added twice. Issuers are
    trusted by the catalog (``badge_issuers``), the server (``badge_trust``) and, from an
    advisor or registrar, the request's ``trust``: a learner cannot vouch for an issuer, so
    the ``trust`` a learner sends is ignored.
    """
    learner = _learner(session, user, learner_id)
    identity = crud.learner_record(session=session, learner=learner).learner.identity
    vouched = body.trust if user.role != "learner" else []
    trust = (*settings.badge_trust, *vouched)
    checked = workers.call(
        workers.check_badge(body.badge, as_of=date.today(), trust=trust, identity=identity)
    )
    result = conclude_badge(checked, catalog=catalog.compiled, trust=trust)
    proven = result.holdings()
    if not proven:
        detail = f"the badge does not count: {result.reason_code}: {result.reason}"
        return JSONResponse(
            status_code=422, content={"detail": detail, "result": result.document()}
        )
    present = {
        (row.document.get("credential"), row.document.get("evidence"))
        for row in crud.list_holdings(session=session, learner_id=learner.id)
        if row.document.get("evidence")
    }
    added = []
    for holding in proven:
        key = (holding.credential, holding.evidence)
        if holding.evidence and key in present:
            continue
        present.add(key)
        row = crud.add_holding(session=session, learner=learner, holding=holding, actor=user)
        added.append(crud.holding_public(row))
    return BadgeImport(result=result, added=added)


@router.post(
    "/{learner_id}/transcripts",
    response_model=TranscriptImport,
    status_code=status.HTTP_201_CREATED,
    responses={422: INVALID_INPUT, 503: BUSY},
)
def add_transcripts(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    catalog: CatalogDep,
    workers: WorkersDep,
    learner_id: LearnerId,
    body: TranscriptsRequest,
) -> JSONResponse:
    """Import transcripts into this learner's record: the holdings they make and the lines no
    catalog credential claims (kept as unmapped entries) are added together, or nothing is.
    The reply is the whole record after the import, and the import's report."""
    learner = _learner(session, user, learner_id)
    result = run_import(catalog.compiled, body, learner.id, workers)
    if isinstance(result, JSONResponse):
        return result
    held = session.exec(
        select(func.count()).select_from(HoldingRow).where(HoldingRow.learner_id == learner.id)
    ).one()
    if held + len(result.record.holdings) > settings.max_holdings:
        raise HTTPException(422, detail=f"a record holds at most {settings.max_holdings} holdings")
    crud.add_imported(
        session=session,
        learner=learner,
        holdings=result.record.holdings,
        unmapped=result.record.unmapped,
        source=", ".join(f.name for f in body.files),
        actor=user,
    )
    record = crud.learner_record(session=session, learner=learner)
    return reply(record, result.report, status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- exceptions


def _exception(session: Session, learner: Learner, exception_id: int) -> ExceptionRow:
    row = session.get(ExceptionRow, exception_id)
    if row is None or row.learner_id != learner.id:
        raise HTTPException(404, detail=f"learner {learner.id!r} has no exception {exception_id}")
    return row


@router.get("/{learner_id}/exceptions", response_model=ExceptionsPublic)
def list_exceptions(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId
) -> ExceptionsPublic:
    """The learner's waivers and substitutions, with who granted them and why."""
    learner = _learner(session, user, learner_id)
    rows = crud.list_exceptions(session=session, learner_id=learner.id)
    return ExceptionsPublic(data=[crud.exception_public(row) for row in rows], count=len(rows))


@router.post(
    "/{learner_id}/exceptions",
    response_model=ExceptionPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_exception(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId, exception_in: ExceptionCreate
) -> ExceptionPublic:
    """Grant an exception: waive, substitute, also_allow, apply_here or change_limit
    (advisors for their advisees, and registrars).

    ``by`` is the signed-in account's name; ``date`` defaults to today.
    """
    learner = _exceptions_writer(session, user, learner_id)
    row = crud.add_exception(
        session=session, learner=learner, exception_in=exception_in, actor=user
    )
    return crud.exception_public(row)


@router.delete("/{learner_id}/exceptions/{exception_id}", response_model=Message)
def delete_exception(
    session: SessionDep, user: CurrentUser, learner_id: LearnerId, exception_id: ItemId
) -> Message:
    """Withdraw an exception."""
    learner = _exceptions_writer(session, user, learner_id)
    row = _exception(session, learner, exception_id)
    crud.delete_exception(session=session, learner=learner, row=row, actor=user)
    return Message(detail=f"exception {exception_id} deleted")


# --------------------------------------------------------------------------- evaluation

GoalQuery = Annotated[str, Query(min_length=1, max_length=200, description="Goal credential id.")]


@router.get("/{learner_id}/audit", response_model=Decision, responses=EVALUATION_ERRORS)
def audit_learner(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    catalog: CatalogDep,
    resolver: ResolverDep,
    learner_id: LearnerId,
    goal: GoalQuery,
    as_of: date | None = None,
    projected: bool = False,
    include_discretionary: bool = False,
) -> JSONResponse:
    """The stored learner's audit against ``goal`` on the published catalog."""
    from pathways.evaluate import audit

    learner = _learner(session, user, learner_id)
    record = crud.learner_record(session=session, learner=learner)
    decision = audit(
        catalog.compiled,
        record,
        goal,
        Options(
            as_of=as_of,
            projected=projected,
            include_discretionary=include_discretionary,
            trust=settings.badge_trust,
            time_limit=settings.solver_seconds,
            badge_resolver=resolver,
        ),
    )
    return JSONResponse(decision.model_dump(mode="json"))


@router.get("/{learner_id}/transfer", response_model=Statement, responses=EVALUATION_ERRORS)
def transfer_learner(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    catalog: CatalogDep,
    resolver: ResolverDep,
    learner_id: LearnerId,
    institution: Annotated[str, Query(min_length=1, max_length=200)],
    as_of: date | None = None,
    include_discretionary: bool = False,
) -> JSONResponse:
    """The stored learner's transfer statement at ``institution``."""
    from pathways.evaluate import transfer

    learner = _learner(session, user, learner_id)
    record = crud.learner_record(session=session, learner=learner)
    statement = transfer(
        catalog.compiled,
        record,
        institution,
        Options(
            as_of=as_of,
            include_discretionary=include_discretionary,
            trust=settings.badge_trust,
            badge_resolver=resolver,
        ),
    )
    return JSONResponse(statement.model_dump(mode="json"))
