"""Stateless planning: ``POST /v1/plan`` and ``POST /v1/compare``.

The bodies carry the whole learner record, like ``/v1/audit``; the replies are the documents
``pathways plan --json`` and ``pathways compare --json`` print. Anonymous callers are held to
the same caps as for an audit: record size (422) and solver time (503).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.models import CompareRequest, PlanRequest
from api.routes.evaluate import ERRORS, EvaluationDep
from pathways.plan import Comparison, Plan

router = APIRouter(tags=["plan"])


@router.post("/plan", response_model=Plan, responses=ERRORS)
def plan(body: PlanRequest, context: EvaluationDep) -> JSONResponse:
    """The cheapest (or shortest, or least-credit) set of credentials to complete a goal."""
    from pathways.plan import plan as run_plan

    record = context.record(body)
    result = run_plan(
        context.catalog.compiled,
        record,
        body.goal,
        context.options(body),
        optimize=body.optimize,
        alternatives=body.alternatives,
        allow_unknown=body.allow_unknown,
        from_institutions=tuple(body.from_institutions),
        max_credits_per_term=body.max_credits_per_term,
    )
    return JSONResponse(result.model_dump(mode="json"))


@router.post("/compare", response_model=Comparison, responses=ERRORS)
def compare(body: CompareRequest, context: EvaluationDep) -> JSONResponse:
    """Goals ranked by how close the learner is: complete first, then the least left to do."""
    from pathways.plan import compare as run_compare

    record = context.record(body)
    result = run_compare(
        context.catalog.compiled,
        record,
        body.goals,
        context.options(body),
        optimize=body.optimize,
        allow_unknown=body.allow_unknown,
        from_institutions=tuple(body.from_institutions),
    )
    return JSONResponse(result.model_dump(mode="json"))
