"""``POST /v1/badges/verify``: verify one Open Badges / CLR credential against the catalog.

Stateless and open to anonymous callers, like the evaluation endpoints. The reply is the
document ``pathways import-badge --json`` prints for one badge. Nothing is fetched: issuers'
keys and status lists come from the server's offline resolution directory.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CatalogDep, ResolverDep, SettingsDep
from api.models import BadgeVerifyRequest
from pathways.interop import BadgeResult

router = APIRouter(prefix="/badges", tags=["badges"])


@router.post("/verify", response_model=BadgeResult)
def verify_badge(
    body: BadgeVerifyRequest, catalog: CatalogDep, settings: SettingsDep, resolver: ResolverDep
) -> JSONResponse:
    """Whether the badge verifies, which catalog credential it counts as, and why not."""
    from pathways.interop import verify_badge as verify

    result = verify(
        body.badge,
        catalog=catalog.compiled,
        as_of=body.as_of or date.today(),
        resolver=resolver,
        trust=(*settings.badge_trust, *body.trust),
        identity=body.identity,
    )
    return JSONResponse(result.document())
