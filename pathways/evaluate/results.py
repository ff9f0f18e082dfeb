"""The evaluator's JSON documents: transfer statements, audit decisions and their parts.

``model_dump(mode="json")`` of a :class:`Statement` or :class:`Decision` is the JSON contract
that the CLI's ``--json`` prints and the API returns; fields are only ever added.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReasonCode = Literal[
    "expired", "outside_window", "not_effective", "in_progress", "below_min_grade",
    "below_min_score", "cap_exceeded", "not_applicable", "duplicate", "superseded", "native",
    "unverified", "revoked", "not_needed", "unmapped", "not_yet_earned",
]  # fmt: skip
REASON_CODES: tuple[str, ...] = ReasonCode.__args__  # type: ignore[attr-defined]
"""Every reason code an unused holding may carry (``docs/semantics.md#answers``)."""

COLLEGE_LEVELS = frozenset({"lower", "upper", "graduate"})


# --------------------------------------------------------------------------- documents


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True, populate_by_name=True)


class GrantedCredit(_Doc):
    credential: str | None
    credits: float
    label: str | None = None
    status: Literal["granted", "duplicate"] = "granted"


class TransferLine(_Doc):
    """One transfer rule that fired: its sources, what it grants, and on what authority."""

    rule: str
    policy: str
    guarantee: Literal["guaranteed", "recommended", "discretionary"]
    citation: str | None
    from_: list[str] = Field(alias="from")
    granted: list[GrantedCredit]
    label: str | None = None
    status: Literal["granted", "possible", "superseded"] = "granted"
    """``possible``: recommended/discretionary credit not counted; ``superseded``: a higher
    tier fired instead."""
    counts_toward: list[str] | None = None
    applied: bool | None = None
    """In an audit: whether any of its grants was applied to the goal."""


class Unused(_Doc):
    credential: str | None
    reason_code: ReasonCode
    reason: str
    index: int | None = None
    """Position of the holding in the learner record."""


class AppliedCredit(_Doc):
    credential: str | None
    credits: float
    via: str | None = None
    """The transfer rule that granted it, if any."""
    substitute_for: str | None = None
    label: str | None = None
    exception: str | None = None
    """``also_allow`` or ``apply_here`` when an exception put the holding here."""


RequirementKind = Literal[
    "composite", "electives", "all", "any", "at_least", "has", "credits", "count"
]
"""What a requirement result stands for: a composite credential's own requirements, its free
electives, or a node of the requirement grammar (``docs/semantics.md``)."""


class NodeResult(_Doc):
    """One requirement of the goal's tree, as judged.

    ``id`` is stable for a given catalog: the goal's id for the root, then ``/`` and the
    child's position for each level (``tri-c.aa/2/0``); ``remaining`` repeats the ids of the
    tree's nodes. ``target`` is the credential a ``has`` names, or the composite a
    ``composite`` node stands for.
    """

    label: str
    status: Literal["met", "partial", "unmet"]
    applied: list[AppliedCredit] = []
    missing: str | None = None
    children: list[NodeResult] = []
    waived: bool = False
    overlay: bool = False
    id: str = ""
    kind: RequirementKind = "all"
    target: str | None = None


class Credits(_Doc):
    applied: float
    required: float


class Statement(_Doc):
    institution: str
    learner: str
    as_of: date
    catalog_version: str
    credits: float
    possible: float
    transfers: list[TransferLine]
    unused: list[Unused]


class Decision(_Doc):
    goal: str
    title: str
    institution: str | None
    learner: str
    as_of: date
    catalog_version: str
    status: Literal["complete", "in_progress"]
    projected: bool
    credits: Credits
    gpa: float | None
    requirements: NodeResult
    transfers: list[TransferLine]
    unused: list[Unused]
    remaining: list[NodeResult]
    waived: list[str]
    substitutions: list[dict[str, str]] = []
    exceptions: list[dict[str, str]] = []
    """The record's ``also_allow``, ``apply_here`` and ``change_limit`` exceptions that
    applied: ``kind``, ``credential`` (the two first), ``in`` (the requirement's label),
    ``credits``/``count`` (change_limit), ``by`` and ``reason``."""
    optimal: bool = True
    """False when the solver's time ran out before it proved this allocation the best: the
    status may then understate the record (every presentation says so beside the status)."""
    catalog_date: date | None = None
    """The day whose catalog the goal was judged under: 1 July of the learner's catalog year,
    else ``as_of``."""

    def status_label(self) -> str:
        """The status followed by ``(not proven)`` when :attr:`optimal` is false
        (``in_progress (not proven)``). Text reports, the page, batch rows and stored
        records' audits all show it."""
        return status_label(self.status, optimal=self.optimal)


NOT_PROVEN = "not proven"
"""The words shown beside a status the solver could not prove within its time limit."""


def status_label(status: str, *, optimal: bool) -> str:
    """``status``, with ``(not proven)`` when the answer was not proven within the time
    limit."""
    return status if optimal else f"{status} ({NOT_PROVEN})"


def credit_figure(value: float | Fraction) -> str:
    """A credit figure as an advisor writes it: at most two decimals, no trailing zeros
    (4, 4.5, 4.67 — never 4.6667). The JSON documents keep four decimals (:func:`number`).

    >>> credit_figure(Fraction(14, 3)), credit_figure(4.5), credit_figure(3)
    ('4.67', '4.5', '3')
    """
    return f"{round(float(value), 2):g}"


def credit_count(value: float | Fraction, noun: str = "credit") -> str:
    """``1 credit``, ``2.5 credits``: the figure with its noun, singular for exactly one.

    >>> credit_count(1), credit_count(Fraction(2, 3))
    ('1 credit', '0.67 credits')
    """
    return f"{credit_figure(value)} {noun}{'' if round(float(value), 2) == 1 else 's'}"


def number(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 4)
