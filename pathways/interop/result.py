"""The outcome of verifying one badge: :class:`BadgeResult` and its reason codes."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from pathways.catalog.model import Holding

__all__ = ["REASON_CODES", "BadgeResult", "ReasonCode", "Rejected"]

ReasonCode = Literal[
    "malformed",
    "unsupported",
    "context_not_bundled",
    "bad_proof",
    "unknown_key",
    "wrong_key",
    "revoked",
    "status_unavailable",
    "expired",
    "not_yet_valid",
    "recipient_mismatch",
    "untrusted_issuer",
    "unmapped",
]
"""Why a badge does not count, in the order the checks run (``docs/semantics.md#badges``).

Everything through ``recipient_mismatch`` means the badge is not verified. ``untrusted_issuer``
and ``unmapped`` come after verification: the badge is genuine, but its issuer is not trusted
for the catalog credential it maps to, or it maps to no catalog credential at all.
"""

REASON_CODES: tuple[str, ...] = get_args(ReasonCode)


class Rejected(Exception):
    """Raised inside the verifier at the first failing check; becomes a :class:`BadgeResult`."""

    def __init__(self, code: ReasonCode, reason: str) -> None:
        self.code: ReasonCode = code
        self.reason = reason
        super().__init__(f"{code}: {reason}")


class BadgeResult(BaseModel):
    """What the engine concluded about one badge.

    * ``verified``: every check through the recipient passed (proof, issuer key, status,
      dates, recipient).
    * ``reason_code``/``reason``: the first check that failed, or — for a verified badge — why
      it does not count (``untrusted_issuer``, ``unmapped``); both None when it counts, or
      when it verified and no catalog was given to map it to.
    * ``credential``: the catalog credential id it counts as — only when verified, mapped and
      its issuer trusted for that credential; ``holding`` is then the holding to add.
    * ``nested``: for a CLR, one result per credential it carries (each verified on its own,
      and only when the CLR itself verified).
    """

    model_config = ConfigDict(frozen=True)

    file: str | None = None
    verified: bool
    reason_code: ReasonCode | None = None
    reason: str | None = None
    credential: str | None = None
    holding: Holding | None = None
    nested: tuple[BadgeResult, ...] = ()

    def document(self) -> dict[str, Any]:
        """The JSON document of the CLI's ``--json`` and the API: ``file``, ``verified``,
        ``reason_code``, ``reason``, ``credential``, ``holding``, and ``nested`` (a CLR's
        results, only when there are any)."""
        document: dict[str, Any] = self.model_dump(mode="json", exclude={"nested"})
        if self.nested:
            document["nested"] = [inner.document() for inner in self.nested]
        return document

    def holdings(self) -> list[Holding]:
        """Every holding this result adds: its own and those of its nested credentials."""
        found = [self.holding] if self.holding is not None else []
        for inner in self.nested:
            found.extend(inner.holdings())
        return found
