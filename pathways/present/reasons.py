"""The reason table: every code an unused holding may carry, a short label, and its weight.

One table serves the CLI (``pathways reasons``), the API (``GET /v1/reasons``) and the web
page, so nobody restates what a code means. ``invalid`` says whether the code sets a holding
aside as not valid at all (it cannot meet anything: not earned yet, expired, below a grade,
an unverified badge…) rather than valid but not used here (not needed, over a cap, counted
elsewhere). The codes are those of :data:`pathways.evaluate.REASON_CODES`, in that order;
``docs/semantics.md`` says when each is given.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pathways.evaluate.results import ReasonCode

__all__ = ["REASONS", "Reason", "ReasonTable", "invalid_codes", "reason_table"]


class Reason(BaseModel):
    """One row of the reason table."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    label: str
    invalid: bool


class ReasonTable(BaseModel):
    """The whole table, as ``GET /v1/reasons`` and ``pathways reasons --json`` return it."""

    model_config = ConfigDict(frozen=True)

    reasons: list[Reason]


REASONS: tuple[Reason, ...] = (
    Reason(code="expired", label="expired", invalid=True),
    Reason(code="outside_window", label="outside its time window", invalid=True),
    Reason(code="not_effective", label="no rule in effect then", invalid=True),
    Reason(code="in_progress", label="still in progress", invalid=True),
    Reason(code="below_min_grade", label="grade too low", invalid=True),
    Reason(code="below_min_score", label="score too low", invalid=True),
    Reason(code="cap_exceeded", label="over a credit cap", invalid=False),
    Reason(code="not_applicable", label="does not apply to this goal", invalid=False),
    Reason(code="duplicate", label="counted once already", invalid=False),
    Reason(code="superseded", label="a higher tier applies", invalid=False),
    Reason(code="native", label="already a course here", invalid=False),
    Reason(code="unverified", label="badge not verified", invalid=True),
    Reason(code="revoked", label="badge revoked", invalid=True),
    Reason(code="not_needed", label="not needed", invalid=False),
    Reason(code="unmapped", label="transcript line with no catalog credential", invalid=False),
    Reason(code="not_yet_earned", label="earned after the as-of date", invalid=True),
)
"""Every reason code, in the order of :data:`pathways.evaluate.REASON_CODES`."""


def reason_table() -> ReasonTable:
    """The table as one document."""
    return ReasonTable(reasons=list(REASONS))


def invalid_codes() -> frozenset[str]:
    """The codes that set a holding aside as not valid."""
    return frozenset(r.code for r in REASONS if r.invalid)
