"""The ``/v1`` API: one router per resource, gathered in :data:`api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from api.models import INVALID_INPUT
from api.routes import (
    badges,
    catalog,
    credentials,
    evaluate,
    health,
    institutions,
    learners,
    plan,
    policies,
    records,
    transfer_lookup,
    users,
)

__all__ = ["API_PREFIX", "RESOURCE_ROUTERS", "api_router"]

API_PREFIX = "/v1"
"""Where :data:`api_router` is mounted."""

RESOURCE_ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    credentials.router,
    institutions.router,
    policies.router,
    evaluate.router,
    plan.router,
    badges.router,
    records.router,
    learners.router,
    catalog.router,
    transfer_lookup.router,
    users.router,
    users.log_router,
)
"""The routers gathered in :data:`api_router`, in order (their paths lack ``API_PREFIX``)."""

api_router = APIRouter(prefix=API_PREFIX, responses={422: INVALID_INPUT})
for _router in RESOURCE_ROUTERS:
    api_router.include_router(_router)
