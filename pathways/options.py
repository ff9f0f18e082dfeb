"""How an evaluation is asked: the settings audit, transfer, plan, compare and batch share.

One :class:`Options` value travels from the CLI's flags or an API request to every entry
point (:func:`pathways.evaluate.audit`, :func:`pathways.evaluate.transfer`,
:func:`pathways.plan.plan`, :func:`pathways.plan.compare`, :func:`pathways.batch.run_batch`),
so each idea has one name everywhere. What each setting means is in ``docs/semantics.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Options"]


@dataclass(frozen=True, slots=True)
class Options:
    """The settings of one evaluation; every field has the default a caller gets by omitting it.

    * ``as_of`` — the day the question is asked about (``None``: today, read when used);
    * ``projected`` — an audit counts in-progress and planned holdings as if earned (a plan
      always treats them as candidates instead; ``compare`` audits the record as it stands);
    * ``include_discretionary`` — recommended and discretionary transfer credit counts toward
      a goal (audit, plan, compare, batch); without it only guaranteed credit does. A transfer
      statement's ``credits`` is guaranteed credit whatever this says (the rest is
      ``possible``);
    * ``trust`` — issuer URLs or DIDs whose badges verify without a catalog claim;
    * ``badge_resolver`` — fetches badge documents (a :class:`pathways.interop.Resolver`;
      ``None``: the default resolver of :func:`pathways.interop.verify_badge`);
    * ``badge_checker`` — runs a badge's checks instead of
      :func:`pathways.interop.check_badge` with ``badge_resolver`` (a service runs them in a
      worker process): called as ``badge_checker(document, as_of=, trust=, identity=)``, it
      must return what ``check_badge`` would (a :class:`pathways.interop.Checked`) and may
      raise to abandon the evaluation (the exception reaches the caller unchanged);
    * ``time_limit`` — seconds the exact solver may take before it gives up;
    * ``solver`` — ``auto`` (exact fast paths where a problem's shape allows, CP-SAT for the
      rest) or ``cpsat`` (the general solver for everything, to compare the two); ``None``:
      the ``PATHWAYS_SOLVER`` environment variable, else ``auto``. Both give answers equal on
      every term of the allocation's objective.
    """

    as_of: date | None = None
    projected: bool = False
    include_discretionary: bool = False
    trust: Sequence[str] = field(default=())
    badge_resolver: Any = None
    badge_checker: Callable[..., Any] | None = None
    time_limit: float = 10.0
    solver: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "trust", tuple(self.trust))

    def day(self) -> date:
        """``as_of``, or today when it is not set."""
        return self.as_of or date.today()
