"""Tables (SQLModel) and the API's request and response models.

One family per entity, after the FastAPI full-stack template: ``XCreate`` / ``XUpdate`` for
bodies, ``X`` (``table=True``) for storage, ``XPublic`` for replies and ``XsPublic`` —
``{data, count}`` — for lists. Where the engine already has the contract model (a holding, an
exception, a credential, a Decision), the API uses it as it is, so the HTTP body and the CLI's
``--json`` never drift apart.

Tables:

* ``catalog_version`` + ``catalog_file``: every published catalog with its YAML sources
  (bytes as uploaded), content hash, who published it and when; ``publication`` is a single
  row pointing at the published version (publishing or rolling back moves it, in the same
  transaction that writes the version);
* ``user_account`` (a sha256 of the bearer token, never the token) and ``advisee`` links;
* ``learner``, ``holding`` and ``learner_exception`` (a holding or exception is stored as the
  engine's own document, so a stored record is exactly a learner record);
* ``audit_log``: who changed what, when.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, DateTime, LargeBinary
from sqlmodel import Field, SQLModel

from pathways.catalog.model import (
    Credential,
    Exception_,
    Holding,
    Id,
    Identity,
    Institution,
    LearnerStatus,
    Policy,
    unstorable,
)
from pathways.interop import BadgeResult

__all__ = [
    "INVALID_INPUT",
    "MAX_ROW_ID",
    "NO_NUL",
    "ROLES",
    "AdviseeLink",
    "AuditLog",
    "AuditLogEntryPublic",
    "AuditLogPublic",
    "AuditRequest",
    "BadgeImport",
    "BadgeRejected",
    "BadgeVerifyRequest",
    "CatalogFile",
    "CatalogValidation",
    "CatalogVersion",
    "CatalogVersionPublic",
    "CatalogVersionsPublic",
    "CompareRequest",
    "CredentialPublic",
    "CredentialSummary",
    "CredentialsPublic",
    "ExceptionCreate",
    "ExceptionPublic",
    "ExceptionRow",
    "ExceptionsPublic",
    "HealthPublic",
    "HoldingPublic",
    "HoldingRow",
    "HoldingsPublic",
    "InstitutionsPublic",
    "Learner",
    "LearnerBadgeRequest",
    "LearnerCreate",
    "LearnerPublic",
    "LearnerUpdate",
    "LearnersPublic",
    "LocatedErrorPublic",
    "LocatedErrorsPublic",
    "Message",
    "PlanRequest",
    "PoliciesPublic",
    "Publication",
    "Role",
    "StackPublic",
    "StacksPublic",
    "StatusChange",
    "StoredText",
    "TransferRequest",
    "UnknownIdPublic",
    "User",
    "UserPublic",
    "ValidationErrorPublic",
    "ValidationErrorsPublic",
    "utcnow",
]

Role = Literal["registrar", "advisor", "learner"]
ROLES: tuple[str, ...] = ("registrar", "advisor", "learner")


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every stored one is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_as_utc)]
"""A timezone-aware UTC time in replies (whatever the database returned)."""

MAX_ROW_ID = 2**31 - 1
"""The largest row id a table holds (PostgreSQL's ``integer``): larger ids in a path are 422."""

NO_NUL = r"^[^\x00]*$"
"""Pattern for path and query values that reach the database (PostgreSQL refuses NUL)."""


def _storable_text(value: str) -> str:
    problem = unstorable(value)
    if problem is not None:
        raise ValueError(problem)
    return value


StoredText = Annotated[str, AfterValidator(_storable_text)]
"""Text a request stores: no NUL character and no unpaired surrogate (422 otherwise)."""


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


# --------------------------------------------------------------------------- catalog versions


class CatalogVersion(SQLModel, table=True):
    """One published catalog: immutable once written."""

    __tablename__ = "catalog_version"

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(index=True, max_length=64)
    published_at: datetime = _timestamp()
    published_by: str = Field(max_length=200)
    published_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, max_length=2000)
    files: int
    institutions: int
    credentials: int
    transfer_rules: int


class CatalogFile(SQLModel, table=True):
    """One YAML source of a catalog version, byte for byte as uploaded."""

    __tablename__ = "catalog_file"

    version_id: int = Field(foreign_key="catalog_version.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(primary_key=True, max_length=500)
    content: bytes = Field(sa_type=LargeBinary)


class Publication(SQLModel, table=True):
    """The published version: one row, id 1, moved by publication and rollback."""

    __tablename__ = "publication"

    id: int = Field(default=1, primary_key=True)
    version_id: int = Field(foreign_key="catalog_version.id")
    serial: int = 1
    """Counts every change of the pointer, so a process never swaps back to an older one."""
    changed_at: datetime = _timestamp()
    changed_by: str = Field(max_length=200)


class CatalogVersionPublic(SQLModel):
    version: int
    """The version number (1, 2, …)."""
    catalog_version: str
    """The content hash, as in every Decision and Statement (``catalog_version``)."""
    published: bool
    """Whether this is the version being served."""
    published_at: Timestamp
    published_by: str
    note: str | None = None
    files: int
    institutions: int
    credentials: int
    transfer_rules: int


class CatalogVersionsPublic(SQLModel):
    data: list[CatalogVersionPublic]
    count: int


class LocatedErrorPublic(SQLModel):
    """One located problem: file, 1-based line and column, dotted field path, message."""

    file: str
    line: int | None
    col: int | None
    path: str
    message: str


class LocatedErrorsPublic(SQLModel):
    """A 422 reply for a catalog or record that does not load: every located error."""

    detail: str
    errors: list[LocatedErrorPublic]


class UnknownIdPublic(SQLModel):
    """A 422 reply naming an id the catalog lacks (a goal, an institution), with the closest
    ids it has."""

    detail: str
    suggestions: list[str]


class ValidationErrorPublic(BaseModel):
    """One problem with a request's body, query or path (as the service's 422 gives it)."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorsPublic(BaseModel):
    """A 422 for a request that does not match its schema."""

    detail: list[ValidationErrorPublic]


class Message(SQLModel):
    detail: str


INVALID_INPUT: dict[str, Any] = {
    "model": LocatedErrorsPublic | UnknownIdPublic | ValidationErrorsPublic | Message,
    "description": "Bad input: a request that does not match its schema (detail lists each "
    "problem), a catalog or record with located errors, an unknown id with suggestions, or "
    "a cap exceeded.",
}
"""The 422 every ``/v1`` operation may answer, in all four shapes the service uses."""

BUSY: dict[str, Any] = {
    "model": Message,
    "description": "The worker processes did not finish the work in time (the server is "
    "busy) or one stopped; retry (Retry-After).",
}
"""The 503 of an operation whose CPU-heavy part runs in a worker process (``api/workers.py``)."""


class StatusChange(SQLModel):
    """A stored learner whose audit status toward one of their goals would change."""

    learner: str
    goal: str
    before: str
    """``complete``, ``in_progress`` or ``not_evaluable`` (e.g. the goal does not exist),
    followed by `` (not proven)`` when the solver's time ran out before it proved the answer."""
    after: str
    reason: str | None = None
    """Why a side is ``not_evaluable`` or ``(not proven)``."""


class CatalogValidation(SQLModel):
    """A dry run's answer: located errors, or (valid) whose audit status would change.

    ``checked`` counts the (learner, goal) pairs audited against both catalogs: every stored
    learner with every goal listed in their ``goals``.
    """

    valid: bool
    catalog_version: str | None = None
    errors: list[LocatedErrorPublic] = []
    changes: list[StatusChange] = []
    checked: int = 0


# --------------------------------------------------------------------------- users


class User(SQLModel, table=True):
    """An account; the bearer token is stored only as its sha256."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=200)
    role: str = Field(max_length=20)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    learner_id: str | None = Field(default=None, index=True, max_length=200)
    """For a learner account: the learner record it owns."""
    created_at: datetime = _timestamp()


class AdviseeLink(SQLModel, table=True):
    """An advisor advises a learner (by learner id; the record may be created later)."""

    __tablename__ = "advisee"

    advisor_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    learner_id: str = Field(primary_key=True, index=True, max_length=200)


class UserPublic(SQLModel):
    id: int
    name: str
    role: Role
    learner_id: str | None = None
    advisees: list[str] = []


# --------------------------------------------------------------------------- learners


class Learner(SQLModel, table=True):
    """A stored learner: the ``learner:`` part of a record, plus the goals they pursue."""

    __tablename__ = "learner"

    id: str = Field(primary_key=True, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    catalog_year: int | None = None
    state: str | None = Field(default=None, max_length=50)
    institution: str | None = Field(default=None, max_length=200)
    status: list[str] = Field(default_factory=list, sa_type=JSON)
    identity: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    goals: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class LearnerBase(SQLModel):
    name: StoredText | None = Field(default=None, max_length=200)
    catalog_year: int | None = Field(default=None, ge=1900, le=2200)
    state: StoredText | None = Field(default=None, max_length=50)
    status: list[LearnerStatus] = Field(default=[], max_length=4)
    identity: Identity = Identity()
    institution: Id | None = None
    goals: list[Id] = Field(default=[], max_length=50)
    """Goal credential ids the learner pursues: what a catalog dry run re-audits."""


class LearnerCreate(LearnerBase):
    id: StoredText = Field(min_length=1, max_length=200)
    holdings: list[Holding] = Field(default=[], max_length=5000)


class LearnerUpdate(SQLModel):
    """A partial update: only the fields given change."""

    name: StoredText | None = Field(default=None, max_length=200)
    catalog_year: int | None = Field(default=None, ge=1900, le=2200)
    state: StoredText | None = Field(default=None, max_length=50)
    status: list[LearnerStatus] | None = Field(default=None, max_length=4)
    identity: Identity | None = None
    institution: Id | None = None
    goals: list[Id] | None = Field(default=None, max_length=50)


class LearnerPublic(LearnerBase):
    id: str
    created_at: Timestamp
    updated_at: Timestamp


class LearnersPublic(SQLModel):
    data: list[LearnerPublic]
    count: int


class HoldingRow(SQLModel, table=True):
    """A holding of a stored learner: the engine's Holding document (credits kept exact)."""

    __tablename__ = "holding"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: str = Field(
        foreign_key="learner.id", index=True, ondelete="CASCADE", max_length=200
    )
    credential: str | None = Field(default=None, index=True, max_length=200)
    document: dict[str, Any] = Field(sa_type=JSON)


class HoldingPublic(Holding):
    """A stored holding: the learner-record holding plus its id."""

    id: int


class HoldingsPublic(BaseModel):
    data: list[HoldingPublic]
    count: int


class UnmappedRow(SQLModel, table=True):
    """A transcript line no catalog credential claims, kept with the learner's record: the
    engine's UnmappedEntry document (listed as not counted in every audit)."""

    __tablename__ = "unmapped_entry"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: str = Field(
        foreign_key="learner.id", index=True, ondelete="CASCADE", max_length=200
    )
    document: dict[str, Any] = Field(sa_type=JSON)


class ExceptionRow(SQLModel, table=True):
    """An advisor's or registrar's exception: the engine's Exception_ document."""

    __tablename__ = "learner_exception"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: str = Field(
        foreign_key="learner.id", index=True, ondelete="CASCADE", max_length=200
    )
    document: dict[str, Any] = Field(sa_type=JSON)
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = _timestamp()


class ExceptionCreate(BaseModel):
    """One exception and why: ``waive: LABEL``, ``substitute: ID, for: ID``,
    ``also_allow: ID, in: LABEL``, ``apply_here: ID, in: LABEL`` or ``change_limit: LABEL``
    with ``credits`` or ``count`` (``docs/semantics.md#exceptions``).

    ``by`` is not given: the server records the signed-in user's name.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    waive: StoredText | None = PydanticField(default=None, min_length=1, max_length=500)
    substitute: Id | None = None
    for_: Id | None = PydanticField(default=None, alias="for")
    also_allow: Id | None = None
    apply_here: Id | None = None
    in_: StoredText | None = PydanticField(default=None, alias="in", min_length=1, max_length=500)
    change_limit: StoredText | None = PydanticField(default=None, min_length=1, max_length=500)
    credits: float | None = PydanticField(default=None, ge=0, le=1000)
    count: int | None = PydanticField(default=None, ge=0, le=100_000)
    reason: StoredText = PydanticField(min_length=1, max_length=2000)
    on: date | None = PydanticField(default=None, alias="date")


class ExceptionPublic(Exception_):
    id: int
    created_at: Timestamp


class ExceptionsPublic(BaseModel):
    data: list[ExceptionPublic]
    count: int


# --------------------------------------------------------------------------- audit log


class AuditLog(SQLModel, table=True):
    """Who changed what: one row per write (publication, rollback, learner data, accounts)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    actor: str = Field(max_length=200)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    action: str = Field(index=True, max_length=50)
    target: str = Field(max_length=500)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class AuditLogEntryPublic(SQLModel):
    id: int
    at: Timestamp
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditLogPublic(SQLModel):
    data: list[AuditLogEntryPublic]
    count: int


# --------------------------------------------------------------------------- the catalog, read


class CredentialSummary(SQLModel):
    id: str
    title: str
    kind: str
    issuer: str | None
    credits: float
    subject: str | None
    level: str | None
    tags: list[str]
    composite: bool
    versions: int


class CredentialsPublic(SQLModel):
    data: list[CredentialSummary]
    count: int


class StackPublic(SQLModel):
    goal: str
    title: str
    via: list[str]
    """Ids from the credential to the goal, one shortest route."""


class StacksPublic(SQLModel):
    data: list[StackPublic]
    count: int


class CredentialPublic(Credential):
    """A credential as the catalog defines it (the version asked for), plus where it sits."""

    versions: int
    """How many versions (effective ranges) the catalog holds."""
    member_of: list[str]
    """Equivalences it is a member of."""


class InstitutionsPublic(BaseModel):
    data: list[Institution]
    count: int


class PoliciesPublic(BaseModel):
    data: list[Policy]
    count: int


class HealthPublic(SQLModel):
    status: Literal["ok"]
    version: int
    """The published catalog's version number."""
    catalog_version: str
    """Its content hash."""
    database: str
    """``sqlite`` or ``postgresql``."""


# --------------------------------------------------------------------------- stateless calls

_RecordField = PydanticField(
    description=(
        "A learner record as JSON: {learner, holdings, exceptions} (docs/semantics.md). "
        "Badges travel inline (the JSON document or the compact JWS/JWT text), never as file paths."
    ),
    json_schema_extra={"type": "object"},
)


class AuditRequest(BaseModel):
    """``POST /v1/audit``: a record and a goal; the reply is the CLI's ``audit --json``."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = _RecordField
    goal: str = PydanticField(min_length=1, max_length=200)
    as_of: date | None = None
    projected: bool = False
    include_discretionary: bool = False
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[], max_length=50
    )
    """Also trust these badge issuer ids."""


_DISCRETIONARY = PydanticField(
    default=False,
    validation_alias=AliasChoices("include_discretionary", "allow_discretionary"),
    description="Also rely on recommended and discretionary transfer credit, as in /v1/audit "
    "(the older name allow_discretionary is accepted as the same option).",
)
_PROJECTED = PydanticField(
    default=False,
    description="Accepted so that /v1/audit's body can be sent as it is. A plan always starts "
    "from what is earned: in-progress and planned holdings are not yet earned, so they may "
    "appear among the steps.",
)


class PlanRequest(BaseModel):
    """``POST /v1/plan``: a record and a goal; the reply is ``pathways plan --json``."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = _RecordField
    goal: str = PydanticField(min_length=1, max_length=200)
    as_of: date | None = None
    optimize: Literal["credits", "cost", "time"] = "credits"
    alternatives: int = PydanticField(default=0, ge=0, le=5)
    """How many next-best plans to add (each a distinct set of steps)."""
    include_discretionary: bool = _DISCRETIONARY
    allow_unknown: bool = False
    """Consider credentials whose cost or weeks the catalog does not give (totals are then
    lower bounds)."""
    from_institutions: list[Id] = PydanticField(default=[], max_length=20)
    """Also take credentials from these institutions."""
    max_credits_per_term: float | None = PydanticField(default=None, ge=0.5, le=100)
    projected: bool = _PROJECTED
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[], max_length=50
    )


class CompareRequest(BaseModel):
    """``POST /v1/compare``: a record and goals; the reply is ``pathways compare --json``."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = _RecordField
    goals: list[Id] = PydanticField(min_length=1, max_length=10)
    as_of: date | None = None
    optimize: Literal["credits", "cost", "time"] = "cost"
    include_discretionary: bool = _DISCRETIONARY
    allow_unknown: bool = False
    from_institutions: list[Id] = PydanticField(default=[], max_length=20)
    projected: bool = _PROJECTED
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[], max_length=50
    )


class BadgeVerifyRequest(BaseModel):
    """``POST /v1/badges/verify``: one Open Badges 2.0/3.0 or CLR 2.0 credential, inline."""

    model_config = ConfigDict(extra="forbid")

    badge: dict[str, Any] | str = PydanticField(
        description="The credential: its JSON document, or compact JWS/JWT text."
    )
    as_of: date | None = None
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[], max_length=50
    )
    """Also trust these issuer ids for every credential."""
    identity: Identity | None = None
    """The learner's identity: when given, the badge must name this recipient."""


class LearnerBadgeRequest(BaseModel):
    """``POST /v1/learners/{id}/badges``: a badge to verify and, if it counts, add."""

    model_config = ConfigDict(extra="forbid")

    badge: dict[str, Any] | str = PydanticField(
        description="The credential: its JSON document, or compact JWS/JWT text."
    )
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[],
        max_length=50,
        description="Also trust these issuer ids: honoured from an advisor or registrar, "
        "ignored from a learner (a learner cannot vouch for the badges they add).",
    )


class BadgeImport(BaseModel):
    """A verified badge added to a learner: the verdict and the holdings it added (a badge
    already in the record is not added twice)."""

    result: BadgeResult
    added: list[HoldingPublic]


class BadgeRejected(BaseModel):
    """A 422 for a badge that does not count: why, and the whole verdict."""

    detail: str
    result: BadgeResult


class TransferRequest(BaseModel):
    """``POST /v1/transfer``: a record and an institution; the CLI's ``transfer --json``."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = _RecordField
    institution: str = PydanticField(min_length=1, max_length=200)
    as_of: date | None = None
    include_discretionary: bool = False
    trust: list[Annotated[str, PydanticField(max_length=500)]] = PydanticField(
        default=[], max_length=50
    )
