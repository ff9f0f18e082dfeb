"""Open Badges 2.0/3.0, CLR 2.0 and CTDL in and out, with real signature verification.

The function API other layers build on (the CLI's ``import-badge``, the service's
``POST /v1/badges/verify``, the evaluator's badge holdings):

* :func:`verify_badge` → :class:`BadgeResult` for one badge (dict, JSON text or JWS text);
* :func:`check_badge` and :func:`conclude_badge`, its two halves (the checks, which a server
  runs in a worker process, and the mapping to the catalog);
* :func:`import_badges` for badge files, one result per file;
* :class:`Resolver`: what issuers publish, read from a local directory (nothing is fetched).

The checks and their reason codes follow ``docs/semantics.md#badges``; see
:mod:`pathways.interop.verify`.
"""

from pathways.interop.resolver import Resolver, ResolverError
from pathways.interop.result import REASON_CODES, BadgeResult, ReasonCode
from pathways.interop.verify import (
    MAX_BADGE_BYTES,
    Checked,
    check_badge,
    conclude_badge,
    import_badges,
    verify_badge,
)

__all__ = [
    "MAX_BADGE_BYTES",
    "REASON_CODES",
    "BadgeResult",
    "Checked",
    "ReasonCode",
    "Resolver",
    "ResolverError",
    "check_badge",
    "conclude_badge",
    "import_badges",
    "verify_badge",
]
