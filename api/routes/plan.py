"""Stateless planning: ``POST /v1/plan`` and ``POST /v1/compare``.

The bodies carry the whole learner record, like ``/v1/audit``; the replies are the documents
``pathways plan --json`` and ``pathways compare --json`` print. Anonymous callers are held to
the same caps as for an audit: record size (422) and solver time (503).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CatalogDep, OptionalUser, ResolverDep, SettingsDep
from api.models import CompareRequest, PlanRequest
from api.routes.evaluate import ERRORS, record_within_caps, solver_seconds
from pathways.plan import Comparison, Plan

router = APIRouter(tags=["plan"])


@router.post("/plan", response_model=Plan, responses=ERRORS)
def plan(
    body: PlanRequest,
    catalog: CatalogDep,
    user: OptionalUser,
    settings: SettingsDep,
    resolver: ResolverDep,
) -> JSONResponse:
    """The cheapest (or shortest, or least-credit) set of credentials to complete a goal."""
    from pathways.plan import plan as run_plan

    record = record_within_caps(body.record, user, settings)
    result = run_plan(
        catalog.compiled,
        record,
        body.goal,
        body.as_of,
        optimize=body.optimize,
        alternatives=body.alternatives,
        allow_discretionary=body.allow_discretionary,
        allow_unknown=body.allow_unknown,
        from_institutions=tuple(body.from_institutions),
        max_credits_per_term=body.max_credits_per_term,
        trust=(*settings.badge_trust, *body.trust),
        badge_resolver=resolver,
        time_limit=solver_seconds(user, settings),
    )
    return JSONResponse(result.model_dump(mode="json"))


@router.post("/compare", response_model=Comparison, responses=ERRORS)
def compare(
    body: CompareRequest,
    catalog: CatalogDep,
    user: OptionalUser,
    settings: SettingsDep,
    resolver: ResolverDep,
) -> JSONResponse:
    """Goals ranked by how close the learner is: complete first, then the least left to do."""
    from pathways.plan import compare as run_compare

    record = record_within_caps(body.record, user, settings)
    result = run_compare(
        catalog.compiled,
        record,
        body.goals,
        body.as_of,
        optimize=body.optimize,
        allow_discretionary=body.allow_discretionary,
        allow_unknown=body.allow_unknown,
        from_institutions=tuple(body.from_institutions),
        trust=(*settings.badge_trust, *body.trust),
        badge_resolver=resolver,
        time_limit=solver_seconds(user, settings),
    )
    return JSONResponse(result.model_dump(mode="json"))
