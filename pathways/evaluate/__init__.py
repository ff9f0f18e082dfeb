"""Evaluation: what a learner's holdings are worth at an institution and toward a goal.

The public entry points and documents are re-exported here; the stages live in submodules.
"""

from pathways.evaluate.core import Auditor, audit, transfer
from pathways.evaluate.results import (
    REASON_CODES,
    AppliedCredit,
    Decision,
    GrantedCredit,
    NodeResult,
    Statement,
    TransferLine,
    Unused,
)

__all__ = [
    "REASON_CODES",
    "AppliedCredit",
    "Auditor",
    "Decision",
    "GrantedCredit",
    "NodeResult",
    "Statement",
    "TransferLine",
    "Unused",
    "audit",
    "transfer",
]
