"""Planning: the cheapest way from a learner's record to a goal, and comparisons of goals.

The public entry points and documents are re-exported here; the stages live in submodules.
"""

from pathways.plan.core import compare, plan
from pathways.plan.documents import (
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
)
from pathways.plan.reading import fund

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
