"""``POST /v1/badges/verify``: verify one Open Badges / CLR credential against the catalog.

Stateless and open to anonymous callers, like the evaluation endpoints. The reply is the
document ``pathways import-badge --json`` prints for one badge. Nothing is fetched: issuers'
keys and status lists come from the server's offline resolution directory. The checks run in
a worker process (:mod:`api.workers`), so a large badge never stalls other requests.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CatalogDep, SettingsDep, WorkersDep
from api.models import BUSY, BadgeVerifyRequest
from pathways.interop import BadgeResult, conclude_badge

router = APIRouter(prefix="/badges", tags=["badges"])


@router.post("/verify", response_model=BadgeResult, responses={503: BUSY})
async def verify_badge(
    body: BadgeVerifyRequest, catalog: CatalogDep, settings: SettingsDep, workers: WorkersDep
) -> JSONResponse:
    """Whether the badge verifies, which catalog credential it counts as, and why not."""
    trust = (*settings.badge_trust, *body.trust)
    checked = await workers.run(
        workers.check_badge(
            body.badge, as_of=body.as_of or date.today(), trust=trust, identity=body.identity
        )
    )
    result = conclude_badge(checked, catalog=catalog.compiled, trust=trust)
    return JSONResponse(result.document())
