"""The planner's JSON documents (plans, steps, comparisons) and its fixed settings."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from pathways.evaluate.results import Credits

Optimize = Literal["credits", "cost", "time"]
OPTIMIZE_TARGETS: tuple[str, ...] = get_args(Optimize)
"""What a plan may minimise."""

NON_COLLEGE_KINDS = frozenset(
    {"industry-certification", "license", "exam", "badge", "micro-credential", "apprenticeship"}
)
"""Credential kinds a plan may take from any issuer. Military training and career-tech
programs come only from the learner's own institutions or ``from_institutions``."""

MAX_SOURCE_CHOICES = 64
"""At most this many source sets are considered per transfer rule (in the order
:func:`pathways.evaluate.transfer` prefers them)."""

OPTIMIZED_ATTRIBUTE = {"cost": "cost", "time": "weeks"}
OBJECTIVE_SCALE = {"cost": 100, "time": 100}
"""Cost in cents and weeks in hundredths inside the solver (credits use the catalog's unit)."""
TIE_BREAK_BUDGET = 0.5
"""Deterministic time (CP-SAT's units) for preferring earlier ids among equally good plans."""


# --------------------------------------------------------------------------- documents


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepFunding(_Doc):
    """A funding program paying part of one step's cost."""

    program: str
    title: str
    amount: float


class Step(_Doc):
    """One credential to earn. ``cost``/``weeks`` are null when the catalog does not say."""

    credential: str
    title: str
    kind: str
    issuer: str | None
    credits: float
    """The credit this step brings to the goal: its own, or, when it is the source of a
    transfer grant, the credit granted (an exam's credit is its grant's; a grant needing
    several steps is counted once, at the last of them)."""
    cost: float | None
    weeks: float | None
    satisfies: list[str]
    """Requirement labels it is applied to (``"… (via RULE)"`` through a transfer rule's
    grant), and ``"prerequisite of ID"`` for the steps whose prerequisites it meets."""
    after: list[str] = []
    """Steps of this plan it must follow (they meet its prerequisites)."""
    score: float | None = None
    """For an exam: the score the plan assumes (its lowest qualifying tier)."""
    in_record: Literal["in_progress", "planned", "not_yet_earned"] | None = None
    """The record already lists it as in progress, planned, or earned on a date after the
    plan's as-of date (it does not count yet)."""
    retake: bool = False
    """The learner holds it, but no attempt counts where the goal reads it (a grade below the
    minimum, a failing score, outside a window): the plan earns it again."""
    funding: list[StepFunding] = []
    out_of_pocket: float | None = None


class Totals(_Doc):
    """Sums over the steps. ``weeks`` is the critical path through the prerequisites."""

    credits: float
    """The credit the steps bring to the goal, own or granted (the sum of ``Step.credits``):
    what a least-credits plan minimises."""
    missing: float | None = None
    """The goal's credit still missing before these steps, in the same semester hours: the
    audit's required less applied, as the record stands (at least 0)."""
    cost: float
    weeks: float
    out_of_pocket: float
    lower_bound: bool
    """Some step has no cost or no weeks: ``unknown`` says which totals are lower bounds."""
    unknown: list[str] = []


class Alternative(_Doc):
    steps: list[Step]
    totals: Totals


class Blocked(_Doc):
    """A requirement no allowed candidate can meet, what it lacks, and why."""

    label: str
    missing: str | None
    reasons: list[str]


class Term(_Doc):
    term: int
    steps: list[str]
    credits: float


class Excluded(_Doc):
    """A credential that could count toward the goal but was not considered, and why."""

    credential: str
    reason: str


class Plan(_Doc):
    goal: str
    title: str
    institution: str | None
    learner: str
    as_of: date
    catalog_version: str
    optimize: Optimize
    status: Literal["complete", "plannable", "unreachable"]
    steps: list[Step]
    totals: Totals | None
    alternatives: list[Alternative]
    blocked_by: list[Blocked]
    terms: list[Term] | None = None
    excluded: list[Excluded] = []
    optimal: bool = True
    """False when the solver's time ran out before it proved the plan optimal (or before it
    found as many alternatives as asked)."""


class PlanSummary(_Doc):
    status: Literal["complete", "plannable", "unreachable"]
    totals: Totals | None
    steps: int


class GoalComparison(_Doc):
    goal: str
    title: str
    status: Literal["complete", "in_progress"]
    credits: Credits
    remaining: float
    """Credits still required (required - applied, at least 0)."""
    plan: PlanSummary


class Comparison(_Doc):
    learner: str
    as_of: date
    catalog_version: str
    optimize: Optimize
    goals: list[GoalComparison]
