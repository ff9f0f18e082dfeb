"""The ``/v1`` API: one router per resource, gathered in :data:`api_router`."""

from __future__ import annotations

from fastapi import APIRouter

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
    transfer_lookup,
    users,
)

__all__ = ["api_router"]

api_router = APIRouter(prefix="/v1")
for _module in (
    health,
    credentials,
    institutions,
    policies,
    evaluate,
    plan,
    badges,
    learners,
    catalog,
    transfer_lookup,
):
    api_router.include_router(_module.router)
api_router.include_router(users.router)
api_router.include_router(users.log_router)
