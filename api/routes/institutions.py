"""The published catalog's institutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CatalogDep, not_found
from api.models import InstitutionsPublic
from pathways.catalog.model import Institution

router = APIRouter(prefix="/institutions", tags=["institutions"])


@router.get("", response_model=InstitutionsPublic)
def list_institutions(
    catalog: CatalogDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the id or name (any case).")
    ] = None,
    kind: Annotated[str | None, Query(max_length=50)] = None,
    state: Annotated[str | None, Query(max_length=50)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> InstitutionsPublic:
    """Institutions matching every filter given, sorted by id, with the number of matches."""
    needle = q.casefold() if q else None
    found = [
        institution
        for ident, institution in sorted(catalog.compiled.institutions.items())
        if (not needle or needle in ident or needle in institution.name.casefold())
        and (kind is None or institution.kind == kind)
        and (state is None or institution.state == state)
    ]
    return InstitutionsPublic(data=found[offset : offset + limit], count=len(found))


@router.get("/{institution_id}", response_model=Institution)
def read_institution(
    catalog: CatalogDep, institution_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> Institution:
    """One institution (404 if the catalog has no such id)."""
    found = catalog.compiled.institutions.get(institution_id)
    if found is None:
        raise not_found("institution", institution_id, catalog.compiled.institutions)
    return found
