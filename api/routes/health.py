"""``GET /v1/health``: the service answers, and which catalog version it serves."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CatalogDep, SessionDep
from api.models import HealthPublic

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=HealthPublic)
def health(catalog: CatalogDep, session: SessionDep) -> HealthPublic:
    """The service is up, its database answers, and this is the catalog it serves."""
    backend = session.get_bind().dialect.name
    return HealthPublic(
        status="ok",
        version=catalog.version,
        catalog_version=catalog.catalog_version,
        database=backend,
    )
