"""Planning: the cheapest way from a learner's record to a goal, and comparisons of goals.

The public entry points and documents are re-exported here; the stages live in submodules.
"""

from pathways.plan.search import (
    NON_COLLEGE_KINDS,
    OPTIMIZE_TARGETS,
    Alternative,
    Blocked,
    Comparison,
    Excluded,
    GoalComparison,
    Plan,
    PlanSummary,
    Step,
    StepFunding,
    Term,
    Totals,
    compare,
    fund,
    plan,
)

__all__ = [
    "NON_COLLEGE_KINDS",
    "OPTIMIZE_TARGETS",
    "Alternative",
    "Blocked",
    "Comparison",
    "Excluded",
    "GoalComparison",
    "Plan",
    "PlanSummary",
    "Step",
    "StepFunding",
    "Term",
    "Totals",
    "compare",
    "fund",
    "plan",
]
