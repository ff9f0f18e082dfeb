"""The published catalog's transfer policies (their guarantee level and scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CatalogDep, not_found
from api.models import PoliciesPublic
from pathways.catalog.model import Policy

router = APIRouter(prefix="/policies", tags=["policies"])


@router.get("", response_model=PoliciesPublic)
def list_policies(
    catalog: CatalogDep,
    guarantee: Annotated[
        str | None, Query(max_length=20, description="guaranteed, recommended or discretionary")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PoliciesPublic:
    """Policies, sorted by id, with the number of matches."""
    found = [
        policy
        for _ident, policy in sorted(catalog.compiled.policies.items())
        if guarantee is None or policy.guarantee == guarantee
    ]
    return PoliciesPublic(data=found[offset : offset + limit], count=len(found))


@router.get("/{policy_id}", response_model=Policy)
def read_policy(
    catalog: CatalogDep, policy_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> Policy:
    """One policy (404 if the catalog has no such id)."""
    found = catalog.compiled.policies.get(policy_id)
    if found is None:
        raise not_found("policy", policy_id, catalog.compiled.policies)
    return found
