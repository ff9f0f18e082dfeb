"""Pydantic models of the catalog language and of learner records (``docs/semantics.md``).

Every model is frozen and forbids unknown keys, so a typo in a catalog is an error, never a
silently ignored field. Values are normalised on the way in:

* credits are exact :class:`fractions.Fraction` semester hours (``{value: 4, unit: quarter}``
  becomes ``8/3``), serialised back as numbers;
* a filter value given as a scalar becomes a one-element tuple;
* an equivalence member given as a bare id becomes ``Member(all=(id,))``;
* durations are ISO 8601 strings checked by :func:`parse_duration`.

The models say nothing about references between ids: whether ``has: x`` names a real
credential is checked by :mod:`pathways.catalog.load`, which knows where in which file each
id stands.
"""

from __future__ import annotations

import math
import re
from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

__all__ = [
    "GRADE_POINTS",
    "MAX_COST",
    "MAX_COUNT",
    "MAX_CREDITS",
    "MAX_HOURS",
    "MAX_SCORE",
    "MAX_WEEKS",
    "NO_CREDIT_GRADES",
    "PASS_GRADES",
    "Catalog",
    "Credential",
    "Distinct",
    "Duration",
    "Effective",
    "Equivalence",
    "Exception_",
    "Filter",
    "Funding",
    "FundingCredentials",
    "FundingLearners",
    "FundingPays",
    "Grant",
    "Holding",
    "Identity",
    "Institution",
    "InstitutionIdentifiers",
    "LearnerInfo",
    "LearnerRecord",
    "Limit",
    "Member",
    "Policy",
    "PolicyScope",
    "Requirement",
    "Tag",
    "TransferRule",
    "UnmappedEntry",
    "add_duration",
    "parse_duration",
    "unstorable",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=200)]


class _Model(BaseModel):
    """Base of every model: frozen, unknown keys rejected, aliases accepted either way.

    Validators are built on first validation (``defer_build``): a command that reads a cached
    catalog never validates a catalog entry, so it never pays for building their validators.
    (The few models used as another's default value are built when that default is made: JSON
    Schema generation serialises defaults, which needs their serializers.)
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        serialize_by_alias=True,
        defer_build=True,
    )


# --------------------------------------------------------------------------- values

MAX_CREDITS = 1000
"""The most semester hours any one credit value may state (a doctorate is far below it)."""
MAX_CREDIT_DENOMINATOR = 1000
"""Credits are exact fractions; a value finer than 1/1000 of an hour is refused."""
MAX_HOURS = 100_000
"""The most clock hours a credential, holding or requirement may state."""
MAX_WEEKS = 1000
"""The most weeks a credential or funding rule may state (about 19 years)."""
MAX_COST = 10_000_000
"""The most dollars any cost or funding cap may state."""
MAX_SCORE = 1_000_000
"""The largest score (in absolute value) a holding or ``min_score`` may state."""
MAX_COUNT = 100_000
"""The largest ``count`` or ``distinct.at_least`` a requirement may ask for."""


_INTERNED_CREDITS: dict[Any, Fraction] = {}


def _credits(value: Any) -> Any:
    """Accept a number, a fraction string ("2/3") or ``{value, unit: semester|quarter}``."""
    # Catalogs repeat a handful of plain numbers thousands of times: share one Fraction each
    # (fast to validate, small to pickle). Bounded, so untrusted input cannot grow it.
    key: Any = None
    if type(value) is int or type(value) is float:
        key = value
    elif type(value) is dict and value.keys() <= {"value", "unit"}:
        amount, unit = value.get("value"), value.get("unit", "semester")
        if type(amount) in (int, float) and type(unit) is str:
            key = (amount, unit)
    if key is None:
        return _credits_of(value)
    interned = _INTERNED_CREDITS.get(key)
    if interned is None:
        interned = _credits_of(value)
        if len(_INTERNED_CREDITS) < 4096:
            _INTERNED_CREDITS[key] = interned
    return interned


_EXACT = re.compile(r"^[+-]?\d{1,15}(?:\.\d{1,15})?(?:/\d{1,15})?$")
"""Numbers given as text: digits, an optional decimal part or ``/denominator``; no exponent,
so a crafted string cannot make Fraction() build a huge power of ten."""


def _fraction(value: int | float | str, what: str) -> Fraction:
    """``value`` as an exact Fraction; ValueError starting with ``what`` when it is not one."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what}, not {value!r}")
    text = str(value).replace(" ", "") if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _EXACT.match(text):
        raise ValueError(f"{what}, not {value[:50]!r}")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{what}, not {str(value)[:50]!r}") from None


def _credits_of(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("credits must be a number, not a boolean")
    if isinstance(value, dict):
        extra = set(value) - {"value", "unit"}
        if extra:
            raise ValueError(f"unknown key {sorted(extra)[0]!r} in credits (expected value, unit)")
        if "value" not in value:
            raise ValueError("credits needs a value")
        unit = value.get("unit", "semester")
        if unit not in ("semester", "quarter"):
            raise ValueError(f"credit unit must be semester or quarter, not {unit!r}")
        amount = Fraction(str(_credits_of(value["value"])))
        return amount * Fraction(2, 3) if unit == "quarter" else amount
    if isinstance(value, list | tuple | set):
        # Fraction() would raise TypeError, which pydantic does not turn into an error.
        raise ValueError("credits must be a number, not a list")
    if isinstance(value, int | float | str):
        value = _fraction(value, "credits must be a number")
    if isinstance(value, Fraction):
        if value < 0:
            raise ValueError("credits cannot be negative")
        if value > MAX_CREDITS:
            raise ValueError(f"credits must be at most {MAX_CREDITS}")
        if value.denominator > MAX_CREDIT_DENOMINATOR:
            raise ValueError(f"credits finer than 1/{MAX_CREDIT_DENOMINATOR} are not accepted")
    return value


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


Credits = Annotated[
    Fraction,
    BeforeValidator(_credits),
    PlainSerializer(_number, return_type=float),
]
"""Semester hours as an exact fraction (quarter hours converted at 2/3)."""


def _share(value: Any) -> Any:
    if isinstance(value, list | tuple | set | dict):
        raise ValueError("a share is a number or a fraction like 2/3, not a list or mapping")
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        value = _fraction(value, "a share is a number or a fraction like 2/3")
    if isinstance(value, Fraction) and not 0 <= value <= 1:
        raise ValueError("a share lies between 0 and 1")
    return value


Share = Annotated[Fraction, BeforeValidator(_share), PlainSerializer(_number, return_type=float)]

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def parse_duration(text: str) -> tuple[int, int, int]:
    """Parse an ISO 8601 calendar duration into ``(years, months, days)``.

    Weeks are folded into days; times of day are not part of the language.

    >>> parse_duration("P3Y")
    (3, 0, 0)
    >>> parse_duration("P1Y6M2W")
    (1, 6, 14)
    """
    match = _DURATION.match(text)
    if not match or text == "P":
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P3Y, P18M or P90D")
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return years, months, weeks * 7 + days


def add_duration(start: date, text: str, sign: int = 1) -> date:
    """Return ``start`` moved by the duration ``text`` (backwards when ``sign`` is -1).

    A day past the end of the target month is clamped to its last day. A result beyond the
    calendar (after 9999-12-31 or before 0001-01-01) saturates at ``date.max`` or
    ``date.min``: a window that long never closes, so no caller has to guard the arithmetic.

    >>> add_duration(date(2024, 2, 29), "P1Y")
    datetime.date(2025, 2, 28)
    >>> add_duration(date(2024, 3, 31), "P1M", sign=-1)
    datetime.date(2024, 2, 29)
    >>> add_duration(date(9999, 12, 31), "P3Y")
    datetime.date(9999, 12, 31)
    """
    from calendar import monthrange
    from datetime import timedelta

    years, months, days = parse_duration(text)
    beyond = date.max if sign > 0 else date.min
    total = start.year * 12 + (start.month - 1) + sign * (years * 12 + months)
    year, month = divmod(total, 12)
    if not date.min.year <= year <= date.max.year:
        return beyond
    month += 1
    day = min(start.day, monthrange(year, month)[1])
    try:
        return date(year, month, day) + timedelta(days=sign * days)
    except OverflowError:
        return beyond


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        parse_duration(value)
    return value


Duration = Annotated[str, BeforeValidator(_duration)]
"""An ISO 8601 duration string (``P3Y``, ``P18M``, ``P12W``, ``P90D``)."""


def _tuple(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


IdList = Annotated[tuple[Id, ...], BeforeValidator(_tuple)]
StrList = Annotated[tuple[str, ...], BeforeValidator(_tuple)]

GRADE_POINTS: dict[str, float] = {
    "A+": 4.0, "A": 4.0, "A-": 3.7,
    "B+": 3.3, "B": 3.0, "B-": 2.7,
    "C+": 2.3, "C": 2.0, "C-": 1.7,
    "D+": 1.3, "D": 1.0, "D-": 0.7,
    "F": 0.0,
}  # fmt: skip
"""Letter grades on the 4-point scale."""
PASS_GRADES = frozenset({"P", "CR"})
"""Grades that meet any ``min_grade`` and never enter a GPA."""
NO_CREDIT_GRADES = frozenset({"W", "I", "NC", "F"})
"""Grades that earn no credit."""

Grade = Literal[
    "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
    "P", "CR", "W", "I", "NC",
]  # fmt: skip
LetterGrade = Literal[
    "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
]  # fmt: skip

CredentialKind = Literal[
    "course", "badge", "micro-credential", "certificate", "industry-certification", "license",
    "exam", "military-training", "apprenticeship", "career-tech-program", "micro-degree",
    "associate", "bachelor", "master", "transfer-block",
]  # fmt: skip
InstitutionKind = Literal[
    "community-college", "university", "career-tech-center", "provider", "employer",
    "military", "exam-body", "agency",
]  # fmt: skip
Level = Literal["vocational", "lower", "upper", "graduate"]
BadgeType = Literal["skill", "knowledge", "social", "participation", "identity"]
Guarantee = Literal["guaranteed", "recommended", "discretionary"]
Control = Literal["public", "private"]
LearnerStatus = Literal[
    "employed", "unemployed", "underemployed", "low_income", "high_school_student", "veteran"
]


class Effective(_Model):
    """A date range, both ends inclusive; an open end is unbounded."""

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("effective.to is before effective.from")
        return self

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies inside the range."""
        return (self.from_ is None or self.from_ <= day) and (self.to is None or day <= self.to)

    def overlaps(self, other: Effective) -> bool:
        """Whether the two ranges share at least one day."""
        lo = max(self.from_ or date.min, other.from_ or date.min)
        hi = min(self.to or date.max, other.to or date.max)
        return lo <= hi


# --------------------------------------------------------------------------- requirements


class Filter(_Model):
    """Which holdings a ``credits``/``count`` requirement or a limit reads.

    Every key holds a tuple of accepted values; all given keys must match.
    """

    ids: IdList | None = None
    kind: Annotated[tuple[CredentialKind, ...], BeforeValidator(_tuple)] | None = None
    subject: StrList | None = None
    level: Annotated[tuple[Level, ...], BeforeValidator(_tuple)] | None = None
    tags: StrList | None = None
    issuer: IdList | None = None
    via: IdList | None = None
    earned_at: IdList | None = None
    """``self`` (the goal's issuer), ``other``, or institution ids."""
    badge_type: Annotated[tuple[BadgeType, ...], BeforeValidator(_tuple)] | None = None


class Distinct(_Model):
    """``distinct: {by: subject, at_least: 2}`` on a ``credits`` or ``count`` requirement."""

    by: Literal["subject", "issuer", "kind", "level", "earned_at"] = "subject"
    at_least: int = Field(ge=1, le=MAX_COUNT)


_FORMS = ("has", "all", "any", "at_least", "credits", "count")


class Requirement(_Model):
    """One node of a requirement tree; exactly one form among has/all/any/at_least/credits/count.

    ``kind`` names the form. ``children`` is the list of sub-requirements for all/any/at_least
    (empty for leaves).
    """

    has: Id | None = None
    all: tuple[Requirement, ...] | None = None
    any: tuple[Requirement, ...] | None = None
    at_least: int | None = Field(default=None, ge=0)
    of: tuple[Requirement, ...] | None = None
    credits: Credits | None = None
    count: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    from_: Filter | None = Field(default=None, alias="from")

    label: str | None = None
    min_grade: LetterGrade | None = None
    min_score: float | None = Field(default=None, ge=-MAX_SCORE, le=MAX_SCORE, allow_inf_nan=False)
    min_hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    earned_within: Duration | None = None
    shares: bool = False
    distinct: Distinct | None = None
    split: bool = False
    """On ``credits``: a holding may be divided between this requirement and others (without
    it a holding goes whole to one requirement)."""
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_id(cls, value: Any) -> Any:
        # `any: [a, b]` is a common shorthand for `any: [{has: a}, {has: b}]`.
        if isinstance(value, str):
            return {"has": value}
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Requirement:
        fields = self.__dict__
        # Quick acceptance of the well-formed common cases; anything else gets the full check
        # below, which names the problem.
        leaf = fields["has"] is not None
        group = fields["all"] is not None or fields["any"] is not None
        amount = fields["credits"] is not None or fields["count"] is not None
        single = (
            leaf + group + amount == 1
            and fields["at_least"] is fields["of"] is None
            and (fields["all"] is None or fields["any"] is None)
            and (fields["credits"] is None or fields["count"] is None)
        )
        plain = not fields["split"] or fields["credits"] is not None
        if single and plain and (leaf or group) and fields["from_"] is fields["distinct"] is None:
            return self
        if single and plain and amount and fields["from_"] is not None:
            return self
        given = [name for name in _FORMS if fields[name] is not None]
        if len(given) != 1:
            what = ", ".join(given) if given else "none"
            raise ValueError(
                "a requirement needs exactly one of has, all, any, at_least, credits, count "
                f"(found {what})"
            )
        form = given[0]
        if form == "at_least" and self.of is None:
            raise ValueError("at_least needs of: [requirements]")
        if self.of is not None and form != "at_least":
            raise ValueError("of goes with at_least")
        if self.from_ is not None and form not in ("credits", "count"):
            raise ValueError("from goes with credits or count")
        if form in ("credits", "count") and self.from_ is None:
            raise ValueError(f"{form} needs from: a filter (use from: {{}} for any holding)")
        if self.distinct is not None and form not in ("credits", "count"):
            raise ValueError("distinct goes with credits or count")
        if self.split and form != "credits":
            raise ValueError(
                f"split goes with credits (a {form} requirement takes its holdings whole)"
            )
        if form == "at_least" and self.of is not None and (self.at_least or 0) > len(self.of):
            raise ValueError(f"at_least: {self.at_least} of only {len(self.of)} requirements")
        return self

    @property
    def kind(self) -> str:
        """The form: ``has``, ``all``, ``any``, ``at_least``, ``credits`` or ``count``."""
        for name in _FORMS:
            if getattr(self, name) is not None:
                return name
        raise AssertionError("validated requirement without a form")

    @property
    def children(self) -> tuple[Requirement, ...]:
        """Sub-requirements of all/any/at_least; empty for a leaf."""
        return self.all or self.any or self.of or ()


class Limit(_Model):
    """A constraint on a goal's whole allocation: one of max_credits, max_share, min_credits."""

    max_credits: Credits | None = None
    max_share: Share | None = None
    min_credits: Credits | None = None
    from_: Filter = Field(alias="from")
    label: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Limit:
        given = [
            n for n in ("max_credits", "max_share", "min_credits") if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError("a limit needs exactly one of max_credits, max_share, min_credits")
        return self


# --------------------------------------------------------------------------- catalog


class InstitutionIdentifiers(_Model):
    """How transcripts name an institution (a PESC ``Source/Organization`` carries these).

    ``opeid``: the US Department of Education's OPE id (6 or 8 digits); ``ipeds``: the IPEDS
    UnitID; ``fice``: the older FICE code; ``atp``: the College Board's ATP/CEEB code;
    ``act``: the ACT code. Each is a string of digits as published.
    """

    opeid: str | None = Field(default=None, pattern=r"^[0-9]{6}([0-9]{2})?$")
    ipeds: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    fice: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    atp: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    act: str | None = Field(default=None, pattern=r"^[0-9]{4}$")


class Institution(_Model):
    id: Id
    name: str
    kind: InstitutionKind
    control: Control | None = None
    state: str | None = None
    badge_issuers: tuple[str, ...] = ()
    """Issuer ids (URLs, DIDs) whose badges this institution's credentials accept."""
    identifiers: InstitutionIdentifiers = InstitutionIdentifiers()
    """The federal and testing-agency codes transcripts use for it."""
    aliases: tuple[str, ...] = ()
    """Other names transcripts and student systems use for it."""
    closed: date | None = None
    """The day it closed, if it has (``pathways lookup`` leaves it out from then on)."""
    source: str | None = None
    note: str | None = None


class PolicyScope(_Model):
    """Where a rule without ``at`` applies: institutions matching every key given."""

    state: str | None = None
    control: Control | None = None
    kind: Annotated[tuple[InstitutionKind, ...], BeforeValidator(_tuple)] | None = None


class Policy(_Model):
    id: Id
    title: str
    guarantee: Guarantee
    scope: PolicyScope = PolicyScope()
    source: str | None = None
    note: str | None = None


class FundingLearners(_Model):
    """Which learners are eligible (every key given must hold; status: any of the list).

    The one learner filter: funding programs and a credential's ``eligible`` use it."""

    state: str | None = None
    status: Annotated[tuple[LearnerStatus, ...], BeforeValidator(_tuple)] | None = None

    def admits(self, learner: LearnerInfo) -> bool:
        """Whether ``learner`` passes: the state matches (when given) and the learner has at
        least one of the statuses (when given)."""
        if self.state is not None and learner.state != self.state:
            return False
        return self.status is None or bool(set(self.status) & set(learner.status))


class Eligible(_Model):
    """``eligible: {learners: {…}}`` on a credential: who may earn it. Plans never propose it
    to a learner the filter rules out; an audit still counts it when held. An empty filter
    admits everyone."""

    learners: FundingLearners = FundingLearners()


class Credential(_Model):
    """A credential. With ``requires`` it is composite (stackable); otherwise simple.

    For a simple credential ``credits`` is the credit it carries; for a composite, the total
    credit it requires (free electives fill what the tree leaves).
    """

    id: Id
    title: str
    kind: CredentialKind
    issuer: Id | None = None
    badge_type: BadgeType | None = None
    credits: Credits = Fraction(0)
    valid_for: Duration | None = None
    subject: str | None = None
    level: Level | None = None
    tags: tuple[str, ...] = ()
    cost: float | None = Field(default=None, ge=0, le=MAX_COST, allow_inf_nan=False)
    hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    weeks: float | None = Field(default=None, ge=0, le=MAX_WEEKS, allow_inf_nan=False)
    prerequisites: Requirement | None = None
    effective: Effective | None = None
    badge_classes: tuple[str, ...] = ()
    eligible: Eligible | None = None
    ctid: str | None = Field(default=None, pattern=r"^ce-[0-9a-fA-F-]{36}$")
    """Credential Engine CTID (``ce-<uuid>``), for CTDL alignments."""
    requires: Requirement | None = None
    limits: tuple[Limit, ...] = ()
    min_gpa: float | None = Field(default=None, ge=0, le=4, allow_inf_nan=False)
    gpa_scope: Literal["all", "self"] = "all"
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _composite_only(self) -> Credential:
        if self.requires is None:
            for name in ("min_gpa",):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} needs requires: (only a composite has it)")
            if self.limits:
                raise ValueError("limits need requires: (only a composite has them)")
        for limit in self.limits:
            if limit.max_share is not None and self.credits == 0:
                raise ValueError("max_share needs the credential's declared credits")
        return self

    @property
    def composite(self) -> bool:
        """Whether the credential is defined by a requirement tree (stackable)."""
        return self.requires is not None


class Member(_Model):
    """An equivalence member: one course, or a sequence that counts only together."""

    all: IdList
    effective: Effective | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"all": (value,)}
        if isinstance(value, dict) and "id" in value:
            if "all" in value:
                raise ValueError("a member has id or all, not both")
            rest = {k: v for k, v in value.items() if k != "id"}
            return {"all": (value["id"],), **rest}
        return value


class Equivalence(_Model):
    """A statewide code (OAN, CTAN, TAG, ITAN…) that local courses are members of."""

    id: Id
    title: str
    credits: Credits = Fraction(0)
    subject: str | None = None
    level: Level | None = None
    members: tuple[Member, ...] = ()
    effective: Effective | None = None
    policy: Id | None = None
    """The policy that guarantees membership credit: with it, a transfer statement counts a
    member held from elsewhere as the receiving institution's own member course."""
    source: str | None = None
    note: str | None = None


class Grant(_Model):
    """What a transfer rule gives: a credential deemed held, or block credit.

    ``credits: as_earned`` passes the source's own credits, subject and level through.
    """

    credential: Id | None = None
    credits: Credits | Literal["as_earned"] | None = None
    subject: str | None = None
    level: Level | None = None
    tags: tuple[str, ...] = ()
    label: str | None = None

    @model_validator(mode="after")
    def _something(self) -> Grant:
        if self.credential is None and self.credits is None:
            raise ValueError("a grant needs credential: or credits:")
        if self.credential is not None and (self.subject or self.level):
            raise ValueError("subject and level go with block credits, not with a credential")
        return self


class TransferRule(_Model):
    id: Id
    policy: Id
    when: Requirement
    grants: tuple[Grant, ...] = Field(min_length=1)
    at: IdList | None = None
    counts_toward: IdList | None = None
    supersedes: IdList = ()
    effective: Effective | None = None
    label: str | None = None
    source: str | None = None
    note: str | None = None


class FundingPays(_Model):
    max_per_credential: float | None = Field(default=None, ge=0, le=MAX_COST, allow_inf_nan=False)
    max_per_learner: float | None = Field(default=None, ge=0, le=MAX_COST, allow_inf_nan=False)
    share: Share | None = None
    """Fraction of the cost it pays (default: all of it, up to the caps)."""


class FundingCredentials(_Model):
    """Which credentials a funding program pays for (every key given must hold)."""

    max_hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    max_weeks: float | None = Field(default=None, ge=0, le=MAX_WEEKS, allow_inf_nan=False)
    kind: Annotated[tuple[CredentialKind, ...], BeforeValidator(_tuple)] | None = None
    ids: IdList | None = None
    tags: StrList | None = None
    min_credits: Credits | None = None


class Funding(_Model):
    id: Id
    title: str
    pays: FundingPays = FundingPays()
    credentials: FundingCredentials = FundingCredentials()
    learners: FundingLearners = FundingLearners()
    effective: Effective | None = None
    source: str | None = None
    note: str | None = None


class Tag(_Model):
    """What a tag means, in words: reports name ``tags`` filters by their titles."""

    id: Id
    title: str
    source: str | None = None
    note: str | None = None


class Catalog(_Model):
    """A whole catalog: the union of the top-level lists of every file."""

    institutions: tuple[Institution, ...] = ()
    policies: tuple[Policy, ...] = ()
    credentials: tuple[Credential, ...] = ()
    equivalences: tuple[Equivalence, ...] = ()
    transfer_rules: tuple[TransferRule, ...] = ()
    funding: tuple[Funding, ...] = ()
    tags: tuple[Tag, ...] = ()


CATALOG_SECTIONS: tuple[str, ...] = tuple(Catalog.model_fields)
"""The top-level keys a catalog file may hold."""

# --------------------------------------------------------------------------- learner records


def unstorable(value: Any, path: str = "") -> str | None:
    """Why ``value`` (JSON-like data, searched all the way down) cannot be stored, or None.

    Learner data goes into a database: text holding the NUL character or unpaired UTF-16
    surrogates, and numbers that are NaN or infinite, are refused by PostgreSQL (or by the
    JSON it stores), so they are refused for every database. The answer names the field
    path, e.g. ``"badge.name: text may not contain the NUL character"``.

    >>> unstorable({"note": "a\\x00b"})
    'note: text may not contain the NUL character'
    >>> unstorable({"scores": [1.0, float("nan")]})
    'scores.1: a number must be finite, not nan'
    """
    pending: list[tuple[str, Any]] = [(path, value)]
    while pending:
        where, item = pending.pop()
        problem: str | None = None
        if isinstance(item, str):
            problem = _bad_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            problem = f"a number must be finite, not {item!r}"
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = str(key)
                at = f"{where}.{name}" if where else name
                bad_key = _bad_text(name)
                if bad_key is not None:
                    return f"{at[:200]}: {bad_key}"
                pending.append((at, inner))
        elif isinstance(item, list | tuple):
            pending.extend((f"{where}.{i}" if where else str(i), x) for i, x in enumerate(item))
        if problem is not None:
            return f"{where[:200]}: {problem}" if where else problem
    return None


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "text may not contain the NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text must be valid Unicode (an unpaired surrogate was found)"
    return None


class _Stored(_Model):
    """Base of the learner-record models: refuses data a database cannot store."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = unstorable(value) if isinstance(value, dict) else None
        if problem is not None:
            raise ValueError(problem)
        return value


class Identity(_Stored):
    email: str | None = None
    did: str | None = None
    url: str | None = None
    telephone: str | None = None
    student_id: str | None = None


class LearnerInfo(_Stored):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    catalog_year: int | None = Field(default=None, ge=1900, le=2200)
    state: str | None = None
    status: Annotated[tuple[LearnerStatus, ...], BeforeValidator(_tuple)] = ()
    identity: Identity = Identity()
    institution: Id | None = None
    """The learner's home institution, if any (widens planning candidates)."""


class Holding(_Stored):
    """One thing a learner holds, is taking, or plans to take.

    ``credential`` names a catalog credential; ``badge`` is an Open Badges / CLR document
    (a file path on the CLI, the parsed JSON inline in the API) still to be verified.
    ``credits`` overrides the catalog's credits (a badge's ``creditsAvailable``).
    """

    credential: Id | None = None
    badge: str | dict[str, Any] | None = None
    earned: date | None = None
    grade: Grade | None = None
    score: float | None = Field(default=None, ge=-MAX_SCORE, le=MAX_SCORE, allow_inf_nan=False)
    hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    credits: Credits | None = None
    at: Id | None = None
    claimed: date | None = None
    status: Literal["earned", "in_progress", "planned"] = "earned"
    issuer: str | None = None
    """For a verified badge: the issuer id that signed it."""
    evidence: str | None = None
    """For a verified badge: the credential's id (URL or URN)."""
    achievement_type: str | None = None
    alignments: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Holding:
        if (self.credential is None) == (self.badge is None):
            raise ValueError("a holding names a credential: or a badge:, exactly one")
        if self.status == "earned" and self.credential is not None and self.earned is None:
            raise ValueError("an earned holding needs its earned: date")
        return self


EXCEPTION_KINDS: tuple[str, ...] = (
    "waive",
    "substitute",
    "also_allow",
    "apply_here",
    "change_limit",
)
"""What an advisor's or registrar's exception may do (docs/semantics.md#exceptions)."""


class Exception_(_Stored):
    """An advisor's or registrar's exception, with who (``by``) and why (``reason``).

    Exactly one kind (:data:`EXCEPTION_KINDS`): ``waive: LABEL`` (the requirement counts as
    met); ``substitute: ID, for: ID`` (one credential stands in for another);
    ``also_allow: ID, in: LABEL`` (a held credential may count toward the named requirement
    although it does not match it); ``apply_here: ID, in: LABEL`` (it is placed there, and the
    allocation works around it); ``change_limit: LABEL`` with ``credits`` or ``count`` (the
    requirement needs that much instead).
    """

    waive: str | None = None
    """The label of the requirement waived."""
    substitute: Id | None = None
    for_: Id | None = Field(default=None, alias="for")
    also_allow: Id | None = None
    apply_here: Id | None = None
    in_: str | None = Field(default=None, alias="in", min_length=1, max_length=500)
    """The label of the requirement ``also_allow`` or ``apply_here`` names."""
    change_limit: str | None = Field(default=None, min_length=1, max_length=500)
    credits: Credits | None = None
    count: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    by: str
    reason: str
    on: date | None = Field(default=None, alias="date")

    @property
    def kind(self) -> str:
        """Which of :data:`EXCEPTION_KINDS` this is."""
        return next(k for k in EXCEPTION_KINDS if getattr(self, k) is not None)

    @property
    def held(self) -> str | None:
        """The held credential ``also_allow`` or ``apply_here`` names."""
        return self.also_allow or self.apply_here

    @model_validator(mode="after")
    def _one_kind(self) -> Exception_:
        given = [k for k in EXCEPTION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "an exception is one of waive: LABEL, substitute: ID with for: ID, "
                "also_allow: ID with in: LABEL, apply_here: ID with in: LABEL, or "
                f"change_limit: LABEL with credits or count (found {', '.join(given) or 'none'})"
            )
        kind = given[0]
        if kind == "substitute" and self.for_ is None:
            raise ValueError("substitute needs for: the credential it stands in for")
        if kind in ("also_allow", "apply_here") and self.in_ is None:
            raise ValueError(f"{kind} needs in: the label of the requirement")
        if kind == "change_limit" and (self.credits is None) == (self.count is None):
            raise ValueError("change_limit needs one of credits or count: the new need")
        return self


class UnmappedEntry(_Model):
    """A transcript line that maps to no catalog credential, kept with its original data.

    An audit or transfer statement lists each one as not counted (reason code ``unmapped``),
    so nothing a transcript says is silently dropped; a registrar can map it later (a
    mapping-table row, or a catalog credential) and import again.
    """

    line: str = Field(min_length=1, max_length=500)
    """The line as a reader names it, e.g. ``ENG 2990 Special Topics (Tri-C, Fall 2024)``."""
    kind: Literal["course", "exam", "award"] = "course"
    reason: str = Field(min_length=1, max_length=1000)
    """Why it maps to nothing, with suggestions when there are any."""
    institution: Id | None = None
    """The catalog institution it came from, when that much was found."""
    earned: date | None = None
    status: Literal["earned", "in_progress", "planned"] = "earned"
    source: str | None = None
    """Where it stands in the file it came from (``file:line:col`` or ``file:row``)."""
    data: dict[str, str] = Field(default_factory=dict)
    """The line's original fields, by their names in the file."""


class LearnerRecord(_Model):
    learner: LearnerInfo
    holdings: tuple[Holding, ...] = ()
    exceptions: tuple[Exception_, ...] = ()
    unmapped: tuple[UnmappedEntry, ...] = ()
    """Transcript lines kept although no catalog credential claims them (never counted)."""
