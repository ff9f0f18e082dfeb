"""Stateless evaluation: ``POST /v1/audit`` and ``POST /v1/transfer``.

The body carries the whole learner record (badges inline: the JSON document or the compact
JWS/JWT text; the server never reads a path named in a request). Badges are verified against
the server's offline resolution directory (``badge_resolve_dir``), trusting the catalog's
issuers, ``badge_trust`` and the request's ``trust``. The reply is exactly the
document the CLI prints with ``--json``. Anonymous callers may send at most
``anonymous_max_holdings`` holdings (else 422) and get ``anonymous_solver_seconds`` of solver
time (else 503); signed-in callers get the larger limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from api.catalogs import Snapshot
from api.deps import CatalogDep, OptionalUser, ResolverDep, SettingsDep, WorkersDep
from api.models import INVALID_INPUT, AuditRequest, Message, TransferRequest, User
from api.settings import Settings
from api.workers import Workers
from pathways.catalog.load import parse_record
from pathways.catalog.model import LearnerRecord
from pathways.evaluate import Decision, Statement
from pathways.interop import Resolver
from pathways.options import Options
from pathways.present.reasons import ReasonTable, reason_table

router = APIRouter(tags=["evaluate"])

MAX_EXCEPTIONS = 200
"""Most exceptions a record sent to a stateless endpoint may carry."""

ERRORS: dict[int | str, dict[str, Any]] = {
    422: INVALID_INPUT,
    503: {
        "model": Message,
        "description": "The solver's time limit was reached, or the worker processes that "
        "check the record's badges were busy or one stopped (retry).",
    },
}


def _record_within_caps(
    raw: dict[str, Any], user: User | None, settings: Settings
) -> LearnerRecord:
    """Validate a request's record after checking it against the size caps."""
    cap = settings.max_holdings if user else settings.anonymous_max_holdings
    holdings = raw.get("holdings")
    if isinstance(holdings, list) and len(holdings) > cap:
        more = " (sign in for a larger limit)" if user is None else ""
        raise HTTPException(
            status_code=422,
            detail=f"the record has {len(holdings)} holdings; at most {cap} are accepted{more}",
        )
    exceptions = raw.get("exceptions")
    if isinstance(exceptions, list) and len(exceptions) > MAX_EXCEPTIONS:
        raise HTTPException(
            status_code=422, detail=f"at most {MAX_EXCEPTIONS} exceptions are accepted"
        )
    return parse_record(raw, name="record")


def solver_seconds(user: User | None, settings: Settings) -> float:
    """The solver time a call may use: more when signed in."""
    return settings.solver_seconds if user else settings.anonymous_solver_seconds


class EvaluationRequest(Protocol):
    """The fields every stateless evaluation body shares (audit, transfer, plan, compare, map)."""

    record: dict[str, Any]
    as_of: date | None
    include_discretionary: bool
    trust: list[str]


@dataclass(frozen=True)
class Evaluation:
    """What a stateless evaluation route needs besides its body: the published catalog, the
    caller (whose caps apply), the service's settings and badge resolver, and the worker
    processes that check the record's badges."""

    catalog: Snapshot
    user: User | None
    settings: Settings
    resolver: Resolver | None
    workers: Workers

    def record(self, body: EvaluationRequest) -> LearnerRecord:
        """The body's record, validated after checking it against the caller's size caps
        (422 past them)."""
        return _record_within_caps(body.record, self.user, self.settings)

    def options(self, body: EvaluationRequest) -> Options:
        """The engine's options for the request: its own settings, the service's trusted
        issuers and resolver, and the caller's solver time; badges are checked in the worker
        processes. A body without ``projected`` is not projected."""
        return Options(
            as_of=body.as_of,
            projected=bool(getattr(body, "projected", False)),
            include_discretionary=body.include_discretionary,
            trust=(*self.settings.badge_trust, *body.trust),
            badge_resolver=self.resolver,
            badge_checker=self.workers.check_badge_now,
            time_limit=solver_seconds(self.user, self.settings),
        )


def evaluation(
    catalog: CatalogDep,
    user: OptionalUser,
    settings: SettingsDep,
    resolver: ResolverDep,
    workers: WorkersDep,
) -> Evaluation:
    """The request's :class:`Evaluation`."""
    return Evaluation(catalog, user, settings, resolver, workers)


EvaluationDep = Annotated[Evaluation, Depends(evaluation)]


@router.get("/reasons", response_model=ReasonTable)
def reasons() -> ReasonTable:
    """Every reason code an unused holding may carry, its label, and whether it marks the
    holding as not valid: the table the CLI and the web page read."""
    return reason_table()


@router.post("/audit", response_model=Decision, responses=ERRORS)
def audit(body: AuditRequest, context: EvaluationDep) -> JSONResponse:
    """Audit a learner record against a goal: the CLI's ``pathways audit --json`` document."""
    from pathways.evaluate import audit as run_audit

    record = context.record(body)
    decision = run_audit(context.catalog.compiled, record, body.goal, context.options(body))
    return JSONResponse(decision.model_dump(mode="json"))


@router.post("/transfer", response_model=Statement, responses=ERRORS)
def transfer(body: TransferRequest, context: EvaluationDep) -> JSONResponse:
    """What a learner record earns at an institution: ``pathways transfer --json``."""
    from pathways.evaluate import transfer as run_transfer

    record = context.record(body)
    statement = run_transfer(
        context.catalog.compiled, record, body.institution, context.options(body)
    )
    return JSONResponse(statement.model_dump(mode="json"))
