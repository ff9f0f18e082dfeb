"""Planning: the cheapest route to a goal, the next-best routes, goal comparison and funding.

:func:`plan` answers an advisor's question "what should this learner earn next?" exactly. It
turns the goal into the audit's allocation problem (:mod:`pathways.solver`) over the learner's
valid holdings *plus candidate credentials*, each with an acquisition variable, and solves it
with CP-SAT: the goal's root is forced met and the credits, cost or weeks of what is acquired
are minimised. What a caller may rely on:

* **Candidates** are the credentials that can count toward the goal — named in its tree (nested
  composites expanded), members of equivalences there, an advisor's substitutes, credentials a
  filter of the tree reads, college-level credit for a composite's free electives, sources of
  the transfer rules at the goal's institution that grant any of those, and the prerequisites
  of all of them — that the learner does not validly hold (a course in progress or planned,
  failed or expired is a candidate), or holds only in attempts that some requirement reading
  it does not accept (a D where a C is needed, a failing exam score, outside a window: a
  *retake*, ``Step.retake``; the retake and the attempts it repeats never both count), and
  that are offered on the as-of date. Only simple
  credentials: a composite is met through its requirements, never acquired whole. Issued by
  the goal's institution or an institution whose composite the goal nests, an institution where
  the learner earned something (or their ``learner.institution``), a ``from_institutions``
  institution — or, from anyone, a non-college credential (:data:`NON_COLLEGE_KINDS`: military
  training and career-tech programs are not among them, nobody is told to enlist). A candidate
  without the attribute being optimised (``cost`` or ``weeks``) is left out (``excluded`` says
  so) unless ``allow_unknown``; then it counts 0 in the objective, its value shows as ``null``
  and the totals say they are a lower bound.
* **A planned credential** is earned on the as-of date and meets every grade requirement; a
  planned exam reaches its lowest qualifying tier (the smallest ``min_score`` that reads it).
* **Transfer.** Rules at the goal's institution fire on held and planned credentials exactly
  as :func:`pathways.evaluate.transfer` would fire them on the record with the plan added
  (source choice, effective dates, superseded tiers, a credential granted once, a source and
  its grant never both applied). Guaranteed and recommended rules count; discretionary ones
  only with ``allow_discretionary``.
* **Prerequisites** are requirement trees over what is held, planned earlier and granted from
  those; they do not consume credit. Every step comes after the steps its prerequisites use.
  (A composite inside a prerequisite is met by its requirement tree; its credit total and
  limits are not checked there.)
* **Optimal and deterministic.** The plan minimises total credits, cost, or weeks on the
  critical path through the prerequisites (steps without a prerequisite relation run in
  parallel); ties go to the fewest steps, then to the smallest sum of the steps' ranks in id
  order (earlier ids preferred; searched within a fixed deterministic budget), so the same
  question always gets the same plan. Each alternative is the best plan that contains no
  earlier one (a no-good cut), so alternatives are distinct sets of steps, never better than
  the plan.
* **Unreachable** goals say which requirements block them and why (``blocked_by``).
* **Funding.** Each step's cost is paid by the best eligible funding program of the catalog
  (:func:`fund`), respecting per-learner caps; ``out_of_pocket`` is what is left.

:func:`compare` ranks goals by how close the learner is.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from pathways import solver
from pathways.errors import PathwaysError, UnknownIdError
from pathways.evaluate import (
    COLLEGE_LEVELS,
    Credits,
    Held,
    NodeResult,
    _check_mods,
    _Context,
    _context,
    _decision,
    _describe_filter,
    _Fired,
    _goal_builder,
    _goal_version,
    _grant_holding,
    _matches,
    _Mods,
    _nests,
    _options_for,
    _prepare,
    _Prepared,
    _solver_items,
    _TransferResult,
    audit,
)
from pathways.model import Credential, Filter, Funding, LearnerRecord, Requirement, TransferRule

if TYPE_CHECKING:
    from pathways.compile import CompiledCatalog

__all__ = [
    "NON_COLLEGE_KINDS",
    "OPTIMIZE_TARGETS",
    "Alternative",
    "Blocked",
    "Comparison",
    "Excluded",
    "GoalComparison",
    "Plan",
    "PlanSummary",
    "Step",
    "StepFunding",
    "Term",
    "Totals",
    "compare",
    "fund",
    "plan",
]

Optimize = Literal["credits", "cost", "time"]
OPTIMIZE_TARGETS: tuple[str, ...] = get_args(Optimize)
"""What a plan may minimise."""

NON_COLLEGE_KINDS = frozenset(
    {"industry-certification", "license", "exam", "badge", "micro-credential", "apprenticeship"}
)
"""Credential kinds a plan may take from any issuer. Military training and career-tech
programs come only from the learner's own institutions or ``from_institutions``."""

MAX_SOURCE_CHOICES = 64
"""At most this many source sets are considered per transfer rule (in the order
:func:`pathways.evaluate.transfer` prefers them)."""

_ATTRIBUTE = {"cost": "cost", "time": "weeks"}
_SCALE = {"cost": 100, "time": 100}
"""Cost in cents and weeks in hundredths inside the solver (credits use the catalog's unit)."""
TIE_BREAK_BUDGET = 0.5
"""Deterministic time (CP-SAT's units) for preferring earlier ids among equally good plans."""

# --------------------------------------------------------------------------- documents


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepFunding(_Doc):
    """A funding program paying part of one step's cost."""

    program: str
    title: str
    amount: float


class Step(_Doc):
    """One credential to earn. ``cost``/``weeks`` are null when the catalog does not say."""

    credential: str
    title: str
    kind: str
    issuer: str | None
    credits: float
    cost: float | None
    weeks: float | None
    satisfies: list[str]
    """Requirement labels it is applied to (``"… (via RULE)"`` through a transfer rule's
    grant), and ``"prerequisite of ID"`` for the steps whose prerequisites it meets."""
    after: list[str] = []
    """Steps of this plan it must follow (they meet its prerequisites)."""
    score: float | None = None
    """For an exam: the score the plan assumes (its lowest qualifying tier)."""
    in_record: Literal["in_progress", "planned"] | None = None
    """The record already lists it as in progress or planned (it does not count yet)."""
    retake: bool = False
    """The learner holds it, but no attempt counts where the goal reads it (a grade below the
    minimum, a failing score, outside a window): the plan earns it again."""
    funding: list[StepFunding] = []
    out_of_pocket: float | None = None


class Totals(_Doc):
    """Sums over the steps. ``weeks`` is the critical path through the prerequisites."""

    credits: float
    cost: float
    weeks: float
    out_of_pocket: float
    lower_bound: bool
    """Some step has no cost or no weeks: ``unknown`` says which totals are lower bounds."""
    unknown: list[str] = []


class Alternative(_Doc):
    steps: list[Step]
    totals: Totals


class Blocked(_Doc):
    """A requirement no allowed candidate can meet, what it lacks, and why."""

    label: str
    missing: str | None
    reasons: list[str]


class Term(_Doc):
    term: int
    steps: list[str]
    credits: float


class Excluded(_Doc):
    """A credential that could count toward the goal but was not considered, and why."""

    credential: str
    reason: str


class Plan(_Doc):
    goal: str
    title: str
    institution: str | None
    learner: str
    as_of: date
    catalog_version: str
    optimize: Optimize
    status: Literal["complete", "plannable", "unreachable"]
    steps: list[Step]
    totals: Totals | None
    alternatives: list[Alternative]
    blocked_by: list[Blocked]
    terms: list[Term] | None = None
    excluded: list[Excluded] = []
    optimal: bool = True
    """False when the solver's time ran out before it proved the plan optimal (or before it
    found as many alternatives as asked)."""


class PlanSummary(_Doc):
    status: Literal["complete", "plannable", "unreachable"]
    totals: Totals | None
    steps: int


class GoalComparison(_Doc):
    goal: str
    title: str
    status: Literal["complete", "in_progress"]
    credits: Credits
    remaining: float
    """Credits still required (required - applied, at least 0)."""
    plan: PlanSummary


class Comparison(_Doc):
    learner: str
    as_of: date
    catalog_version: str
    optimize: Optimize
    goals: list[GoalComparison]


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True, slots=True)
class _Index:
    by_issuer: Mapping[str, tuple[str, ...]]
    anywhere: tuple[str, ...]
    """Ids with a non-college version (offered to anyone)."""


_INDEXES: list[tuple[CompiledCatalog, _Index]] = []


def _index(catalog: CompiledCatalog) -> _Index:
    """Simple credentials by issuer, and the non-college ones (cached per catalog object)."""
    for known, index in _INDEXES:
        if known is catalog:
            return index
    by_issuer: dict[str, set[str]] = defaultdict(set)
    anywhere: set[str] = set()
    for ident, versions in catalog.versions.items():
        for version in versions:
            if version.composite or version.kind == "transfer-block":
                continue
            if version.kind in NON_COLLEGE_KINDS:
                anywhere.add(ident)
            if version.issuer is not None:
                by_issuer[version.issuer].add(ident)
    index = _Index(
        by_issuer={k: tuple(sorted(v)) for k, v in by_issuer.items()},
        anywhere=tuple(sorted(anywhere)),
    )
    _INDEXES.append((catalog, index))
    del _INDEXES[:-4]
    return index


@dataclass(frozen=True, slots=True)
class _Options:
    optimize: Optimize
    allow_discretionary: bool
    allow_unknown: bool
    from_institutions: tuple[str, ...]


class _Relevance:
    """Every credential id and transfer rule that can count toward a goal (a closure)."""

    def __init__(
        self,
        ctx: _Context,
        rules_here: Sequence[TransferRule],
        universe: Sequence[Held],
        held: set[str],
        goal_day: date,
    ) -> None:
        self.ctx = ctx
        self.goal_day = goal_day
        self.rules_here = {r.id: r for r in rules_here}
        self.universe = universe
        self.held = held
        self.ids: set[str] = set()
        self.rules: set[str] = set()
        self.min_score: dict[str, float] = {}
        self.reads: dict[str, set[_Mods]] = {}
        """Credential id → the modifiers of every requirement path that reads it."""
        self._filters: set[Filter] = set()
        self._electives = False
        self._expanded: set[str] = set()

    def walk(self, req: Requirement, mods: _Mods) -> None:
        mods = mods.add(req)
        if req.has is not None:
            self.has(req.has, mods)
        elif req.from_ is not None:
            self.filter(req.from_, mods)
        else:
            for child in req.children:
                self.walk(child, mods)

    def _score(self, ident: str, mods: _Mods) -> None:
        if mods.min_score is not None:
            known = self.min_score.get(ident)
            if known is None or mods.min_score < known:
                self.min_score[ident] = mods.min_score

    def has(self, ident: str, mods: _Mods) -> None:
        catalog = self.ctx.catalog
        self._score(ident, mods)
        self.reads.setdefault(ident, set()).add(mods)
        if ident in self.ids:
            return
        self.ids.add(ident)
        for substitute in self.ctx.substitutes.get(ident, ()):
            self.has(substitute, mods)
        if ident in catalog.equivalences:
            for member in catalog.equivalences[ident].members:
                for part in member.all:
                    self.has(part, mods)
        elif ident in catalog.versions:
            cred = catalog.credential(ident, on=self.ctx.as_of)
            if cred.composite or catalog.credential(ident, on=self.goal_day).composite:
                # A composite is read in the goal's catalog year, as the audit reads it.
                cred = catalog.credential(ident, on=self.goal_day)
                if ident not in self.held and ident not in self._expanded:
                    self._expanded.add(ident)
                    assert cred.requires is not None
                    self.walk(cred.requires, _Mods())
                    if cred.credits > 0:
                        self.electives()
            elif cred.prerequisites is not None:
                self.walk(cred.prerequisites, _Mods())
            for equivalence in catalog.member_of.get(ident, ()):
                self.has(equivalence, _Mods())
        for rule in catalog.rules_granting.get(ident, ()):
            self.rule(rule.id)

    def rule(self, ident: str) -> None:
        if ident in self.rules or ident not in self.rules_here:
            return
        self.rules.add(ident)
        self.walk(self.rules_here[ident].when, _Mods())

    def filter(self, flt: Filter, mods: _Mods) -> None:
        loose = flt.model_copy(update={"earned_at": None})
        for held in self.universe:
            if _matches(self.ctx, held, loose, None):
                assert held.credential is not None
                self.has(held.credential, mods)
        if loose in self._filters:
            return
        self._filters.add(loose)
        for rule in self.rules_here.values():
            if any(self._grant_could_match(rule, g, loose) for g in rule.grants):
                self.rule(rule.id)

    def _grant_could_match(self, rule: TransferRule, grant: Any, flt: Filter) -> bool:
        if grant.credits == "as_earned":
            # Its subject and level are the source's; block credit never matches an id list.
            return flt.ids is None
        fired = _Fired(rule=rule, sources=(), guarantee="guaranteed", counted=True)
        position = rule.grants.index(grant)
        return _matches(self.ctx, _grant_holding(self.ctx, fired, position, grant), flt, None)

    def electives(self) -> None:
        if self._electives:
            return
        self._electives = True
        for held in self.universe:
            if held.credits > 0 and (
                held.level in COLLEGE_LEVELS or (held.level is None and held.kind == "course")
            ):
                assert held.credential is not None
                self.has(held.credential, _Mods())
        for rule in self.rules_here.values():
            self.rule(rule.id)


@dataclass
class _Alt:
    """One set of sources a rule may fire on, in the order transfer prefers them."""

    sources: tuple[Held, ...]
    cands: tuple[str, ...]
    effective: bool
    earliest: date


@dataclass
class _Rule:
    rule: TransferRule
    counted: bool
    alts: list[_Alt]
    superseded_by: tuple[str, ...] = ()


@dataclass
class _Grant:
    """A transfer grant as a conditional item: rule, source choice, grant position."""

    held: Held
    rule: str
    alt: int
    position: int


@dataclass
class _Space:
    """Everything about one planning question that does not depend on the chosen steps."""

    catalog: CompiledCatalog
    record: LearnerRecord
    ctx: _Context
    prepared: _Prepared
    goal: Credential
    goal_day: date
    institution: str | None
    options: _Options
    allowed: set[str]
    candidates: dict[str, Held]
    excluded: dict[str, str]
    rules: dict[str, _Rule]
    grants: list[_Grant]
    pool: list[Held]
    unit: int
    discretionary: set[str] = field(default_factory=set)
    """Credential ids only discretionary rules would grant (for explanations)."""
    elsewhere: dict[str, str] = field(default_factory=dict)
    """Credential id → its issuer, for those left out as offered at no allowed institution."""
    retakes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Held credential id → the keys of its held attempts, for those a plan may earn again
    (some requirement reads it that no attempt passes: a grade, score, hours or window)."""

    @property
    def valid_ids(self) -> set[str]:
        return {h.credential for h in self.prepared.valid if h.credential}


def _candidate_held(cred: Credential, as_of: date, score: float | None) -> Held:
    return Held(
        key=f"{cred.id}#plan",
        credential=cred.id,
        cred=cred,
        index=None,
        earned=as_of,
        grade="P" if cred.kind == "course" else None,
        score=score,
        hours=cred.hours,
        credits=cred.credits,
        kind=cred.kind,
        subject=cred.subject,
        level=cred.level,
        tags=cred.tags,
        issuer=cred.issuer,
        badge_type=cred.badge_type,
        at=cred.issuer,
    )


def _offer(
    catalog: CompiledCatalog, ident: str, as_of: date, allowed: set[str], held: set[str]
) -> Credential | str:
    """The version of ``ident`` a plan may take, or why it may not."""
    cred = catalog.credential(ident, on=as_of)
    if cred.composite:
        return f"{ident} is a composite credential: it is earned through its requirements"
    if cred.kind == "transfer-block":
        return f"{ident} is a transfer block: it is only granted, never earned directly"
    if cred.effective is not None and not cred.effective.contains(as_of):
        return f"{ident} is not offered on {as_of}"
    if ident in held:
        return f"{ident} is already held"
    if cred.kind not in NON_COLLEGE_KINDS and cred.issuer not in allowed:
        return (
            f"{ident} is offered by {cred.issuer or 'no institution'}, which is neither the "
            "goal's institution nor one of the learner's (add it with --from)"
        )
    return cred


def _universe(catalog: CompiledCatalog, allowed: set[str], as_of: date) -> list[Held]:
    """Every credential a filter may reach, as a would-be planned holding."""
    index = _index(catalog)
    ids = set(index.anywhere)
    for inst in allowed:
        ids.update(index.by_issuer.get(inst, ()))
    found = []
    for ident in sorted(ids):
        cred = catalog.credential(ident, on=as_of)
        if cred.composite or cred.kind == "transfer-block":
            continue
        if cred.kind in NON_COLLEGE_KINDS or cred.issuer in allowed:
            found.append(_candidate_held(cred, as_of, None))
    return found


def _space(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    as_of: date,
    options: _Options,
    *,
    trust: Sequence[str],
    badge_resolver: Any,
) -> _Space:
    goal_cred, goal_day = _goal_version(catalog, goal, record, as_of)
    for inst in options.from_institutions:
        if inst not in catalog.institutions:
            raise UnknownIdError("institution", inst, catalog.institutions)
    ctx = _context(catalog, record, as_of)
    prepared = _prepare(
        catalog, record, as_of, projected=False, trust=trust, badge_resolver=badge_resolver
    )
    institution = goal_cred.issuer if goal_cred.issuer in catalog.institutions else None
    rules_here = catalog.rules_at(institution) if institution is not None else ()
    allowed = {h.at for h in prepared.own if h.at} | set(options.from_institutions)
    allowed |= {i for i in (institution, record.learner.institution) if i}
    for nested in _nests(catalog, goal_cred, goal_day):
        issuer = catalog.credential(nested, on=goal_day).issuer
        if issuer is not None and issuer in catalog.institutions:
            allowed.add(issuer)
    held = {h.credential for h in prepared.valid if h.credential}

    relevance = _Relevance(ctx, rules_here, _universe(catalog, allowed, as_of), held, goal_day)
    relevance.has(goal_cred.id, _Mods())
    retakes = _retakes(prepared, relevance, as_of)

    candidates: dict[str, Held] = {}
    excluded: dict[str, str] = {}
    elsewhere: dict[str, str] = {}
    attribute = _ATTRIBUTE.get(options.optimize)
    for ident in sorted(relevance.ids):
        if ident not in catalog.versions or (ident == goal_cred.id and goal_cred.composite):
            continue
        offered = _offer(catalog, ident, as_of, allowed, held - set(retakes))
        if isinstance(offered, str):
            if ident not in held:
                excluded[ident] = offered
                issuer = catalog.credential(ident, on=as_of).issuer
                if issuer is not None and issuer not in allowed:
                    elsewhere[ident] = issuer
            continue
        if attribute and getattr(offered, attribute) is None and not options.allow_unknown:
            flag = "--allow-unknown"
            excluded[ident] = f"{ident} has no {attribute} in the catalog (use {flag})"
            continue
        candidates[ident] = _candidate_held(offered, as_of, _lowest_tier(ctx, ident, relevance))

    space = _Space(
        catalog=catalog,
        record=record,
        ctx=ctx,
        prepared=prepared,
        goal=goal_cred,
        goal_day=goal_day,
        institution=institution,
        options=options,
        allowed=allowed,
        candidates=candidates,
        excluded=excluded,
        rules={},
        grants=[],
        pool=[],
        unit=catalog.unit,
        elsewhere=elsewhere,
        retakes={k: v for k, v in retakes.items() if k in candidates},
    )
    # A higher tier that fires takes a relevant rule's credit away, relevant or not.
    rules = [
        r for r in rules_here if r.id in relevance.rules or set(r.supersedes) & relevance.rules
    ]
    _fill_rules(space, rules)
    _prune_unachievable(space, rules)
    return space


def _retakes(prepared: _Prepared, relevance: _Relevance, as_of: date) -> dict[str, tuple[str, ...]]:
    """Held credentials worth earning again: some requirement path reads the credential and
    no held attempt passes its modifiers (a D where a C is needed, a failing exam score, a
    course outside a recency window). Credential id → the keys of the held attempts."""
    attempts: dict[str, list[Held]] = {}
    for held in prepared.valid:
        if held.credential and not held.granted:
            attempts.setdefault(held.credential, []).append(held)
    return {
        ident: tuple(h.key for h in tries)
        for ident, tries in attempts.items()
        if any(
            all(_check_mods(h, mods, as_of) is not None for h in tries)
            for mods in relevance.reads.get(ident, ())
        )
    }


def _retake_pairs(space: _Space) -> tuple[tuple[str, str], ...]:
    """A retake and the attempts it repeats: at most one of them counts (the audit's rule
    for repeated courses), so a plan never applies both."""
    return tuple(
        (key, space.candidates[ident].key)
        for ident, keys in space.retakes.items()
        if ident in space.candidates
        for key in keys
    )


def _lowest_tier(ctx: _Context, ident: str, relevance: _Relevance) -> float | None:
    """The smallest ``min_score`` any requirement reading ``ident`` asks (or None)."""
    names = (ident, *ctx.catalog.member_of.get(ident, ()))
    return min((relevance.min_score[n] for n in names if n in relevance.min_score), default=None)


def _fill_rules(space: _Space, rules: Sequence[TransferRule]) -> None:
    """Source choices of every rule over held and candidate holdings, and the grant items."""
    ctx = space.ctx
    institution = space.institution
    sources = [
        h for h in [*space.prepared.valid, *space.candidates.values()] if h.at != institution
    ]
    allow = ("guaranteed", "recommended") + (
        ("discretionary",) if space.options.allow_discretionary else ()
    )
    space.rules = {}
    space.discretionary = set()
    for rule in rules:
        alts = []
        for option in _choices(ctx, rule.when, sources, _Mods()):
            cands = tuple(
                sorted({h.credential for h in option if h.credential and h.key.endswith("#plan")})
            )
            latest = max((h.earned for h in option if h.earned), default=None)
            effective = rule.effective is None or latest is None or rule.effective.contains(latest)
            earliest = min((h.earned or date.min for h in option), default=date.min)
            alts.append(
                _Alt(
                    sources=option,
                    cands=cands,
                    effective=effective,
                    earliest=earliest,
                )
            )
        if not alts:
            continue
        guarantee = space.catalog.policies[rule.policy].guarantee
        space.rules[rule.id] = _Rule(rule=rule, counted=guarantee in allow, alts=alts)
        if guarantee not in allow:
            space.discretionary.update(g.credential for g in rule.grants if g.credential)
    for entry in space.rules.values():
        entry.superseded_by = tuple(
            other.rule.id
            for other in space.rules.values()
            if entry.rule.id in other.rule.supersedes
        )
    held = space.valid_ids
    space.grants = []
    for entry in space.rules.values():
        if not entry.counted:
            continue
        guarantee = space.catalog.policies[entry.rule.policy].guarantee
        for a, alt in enumerate(entry.alts):
            if not alt.effective:
                continue
            fired = _Fired(rule=entry.rule, sources=alt.sources, guarantee=guarantee, counted=True)
            for position, grant in enumerate(entry.rule.grants):
                if grant.credential is not None and grant.credential in held:
                    continue  # a duplicate of what the learner holds
                item = _grant_holding(ctx, fired, position, grant)
                item = replace(item, key=f"{entry.rule.id}>{position}/{a}")
                space.grants.append(_Grant(held=item, rule=entry.rule.id, alt=a, position=position))
    space.pool = sorted(
        [*space.prepared.valid, *space.candidates.values(), *(g.held for g in space.grants)],
        key=lambda h: (h.granted, h.earned or date.min, h.key),
    )
    space.unit = math.lcm(*(h.credits.denominator for h in space.pool), space.catalog.unit)


def _choices(
    ctx: _Context, req: Requirement, pool: Sequence[Held], mods: _Mods
) -> list[tuple[Held, ...]]:
    """Every source set ``req`` (a rule's ``when``) may fire on, in transfer's preference.

    Transfer picks the first of these whose holdings are all present (see
    :func:`pathways.evaluate._when_sources`): earliest-earned options of a ``has``, the first
    met child of an ``any``, the first met children of an ``at_least``, the earliest matching
    holdings of a ``credits``/``count``. The list stops at the first choice made of held
    holdings only (it is always present) and at :data:`MAX_SOURCE_CHOICES`.
    """
    mods = mods.add(req)
    kind = req.kind
    found: list[tuple[Held, ...]]
    if kind == "has":
        assert req.has is not None
        found = [
            option
            for option in _options_for(ctx, req.has, pool)
            if all(_check_mods(h, mods, ctx.as_of) is None for h in option)
        ]
        found.sort(key=lambda o: (max(h.earned or date.min for h in o), [h.key for h in o]))
        return _trim(found)
    if kind in ("all", "any", "at_least"):
        children = [_choices(ctx, child, pool, mods) for child in req.children]
        if kind == "any":
            combos: Iterable[tuple[tuple[Held, ...], ...]] = ((c,) for lst in children for c in lst)
        elif kind == "all":
            combos = itertools.product(*children)
        else:
            combos = (
                combo
                for chosen in itertools.combinations(range(len(children)), req.at_least or 0)
                for combo in itertools.product(*(children[i] for i in chosen))
            )
        found = []
        for combo in itertools.islice(combos, MAX_SOURCE_CHOICES * 4):
            merged: dict[str, Held] = {}
            for part in combo:
                for h in part:
                    merged.setdefault(h.key, h)
            found.append(tuple(merged.values()))
        return _trim(found)
    flt = req.from_ or Filter()
    matching = sorted(
        (
            h
            for h in pool
            if _matches(ctx, h, flt, None) and _check_mods(h, mods, ctx.as_of) is None
        ),
        key=lambda h: (h.earned or date.min, h.key),
    )
    if kind == "count":
        found = [tuple(c) for c in itertools.combinations(matching, req.count or 0)]
        return _trim(found[: MAX_SOURCE_CHOICES * 4])
    need: Fraction = req.credits or Fraction(0)
    found = []

    def grow(prefix: tuple[Held, ...], total: Fraction, start: int) -> None:
        if len(found) >= MAX_SOURCE_CHOICES * 4:
            return
        if total >= need:
            found.append(prefix)
            return
        for i in range(start, len(matching)):
            grow((*prefix, matching[i]), total + matching[i].credits, i + 1)

    grow((), Fraction(0), 0)
    return _trim(found)


def _trim(choices: list[tuple[Held, ...]]) -> list[tuple[Held, ...]]:
    for position, choice in enumerate(choices[:MAX_SOURCE_CHOICES]):
        if not any(h.key.endswith("#plan") for h in choice):
            return choices[: position + 1]
    return choices[:MAX_SOURCE_CHOICES]


def _meets(
    ctx: _Context,
    req: Requirement,
    pool: Sequence[Held],
    self_inst: str | None,
    mods: _Mods | None = None,
    stack: tuple[str, ...] = (),
) -> bool:
    """Whether ``pool`` meets ``req`` without consuming anything (a prerequisite check).

    A composite that is not held is met by its requirement tree (credit total and limits
    are not checked).
    """
    mods = (mods or _Mods()).add(req)
    kind = req.kind
    if kind == "has":
        assert req.has is not None
        for option in _options_for(ctx, req.has, pool):
            if all(_check_mods(h, mods, ctx.as_of) is None for h in option):
                return True
        if req.has in ctx.catalog.versions and req.has not in stack:
            cred = ctx.catalog.credential(req.has, on=ctx.as_of)
            if cred.requires is not None:
                return _meets(ctx, cred.requires, pool, cred.issuer, mods, (*stack, req.has))
        return False
    if kind in ("all", "any", "at_least"):
        met = sum(_meets(ctx, c, pool, self_inst, mods, stack) for c in req.children)
        need = {"all": len(req.children), "any": 1}.get(kind, req.at_least or 0)
        return met >= need
    flt = req.from_ or Filter()
    matching = [
        h
        for h in pool
        if _matches(ctx, h, flt, self_inst)
        and _check_mods(h, mods, ctx.as_of) is None
        and not (kind == "credits" and h.credits <= 0)
    ]
    if req.distinct is not None:
        values = {
            getattr(h, req.distinct.by if req.distinct.by != "earned_at" else "at")
            for h in matching
        }
        if len(values - {None}) < req.distinct.at_least:
            return False
    if kind == "count":
        return len(matching) >= (req.count or 0)
    return sum((h.credits for h in matching), Fraction(0)) >= (req.credits or Fraction(0))


def _prune_unachievable(space: _Space, rules: Sequence[TransferRule]) -> None:
    """Drop candidates whose prerequisites no set of held and candidate credentials meets."""
    while True:
        reachable = space.candidates
        pool = [*space.prepared.valid, *reachable.values(), *(g.held for g in space.grants)]
        dropped = {}
        for ident, held in reachable.items():
            cred = held.cred
            assert cred is not None
            if cred.prerequisites is not None and not _meets(
                space.ctx, cred.prerequisites, pool, cred.issuer
            ):
                label = cred.prerequisites.label or _requirement_text(cred.prerequisites)
                dropped[ident] = f"{ident}'s prerequisites cannot be met ({label})"
        if not dropped:
            return
        space.excluded.update(dropped)
        space.candidates = {k: v for k, v in reachable.items() if k not in dropped}
        _fill_rules(space, rules)


def _requirement_text(req: Requirement) -> str:
    if req.has is not None:
        return req.has
    if req.from_ is not None:
        amount = f"{req.credits} credits" if req.credits is not None else f"{req.count}"
        return f"{amount} of {_describe_filter(req.from_)}"
    joiner = {"all": " and ", "any": " or "}.get(req.kind, ", ")
    inner = joiner.join(_requirement_text(c) for c in req.children)
    return f"{req.at_least} of {inner}" if req.kind == "at_least" else inner


# --------------------------------------------------------------------------- transfer logic


def _present(space: _Space, acquired: set[str]) -> set[str]:
    """Keys of the grant items that exist when the learner holds ``acquired`` too.

    The same choice transfer makes: each rule fires on its first present source set (if the
    rule is effective then), a superseded tier does not fire, and a credential granted by
    several rules goes to the earliest source, then the rule id; never when it is held.
    """
    chosen: dict[str, int] = {}
    for ident, entry in space.rules.items():
        for position, alt in enumerate(entry.alts):
            if set(alt.cands) <= acquired:
                chosen[ident] = position
                break
    fires = {i for i, p in chosen.items() if space.rules[i].alts[p].effective}
    live = {i for i in fires if not set(space.rules[i].superseded_by) & fires}
    present: set[str] = set()
    winners: dict[str, tuple[tuple[date, str, int], str]] = {}
    for grant in space.grants:
        if grant.rule not in live or chosen[grant.rule] != grant.alt:
            continue
        credential = grant.held.credential
        if credential is None:
            present.add(grant.held.key)
            continue
        if credential in acquired:
            continue
        rank = (space.rules[grant.rule].alts[grant.alt].earliest, grant.rule, grant.position)
        if credential not in winners or rank < winners[credential][0]:
            winners[credential] = (rank, grant.held.key)
    return present | {key for _, key in winners.values()}


Lit = Any
"""A CP-SAT literal, or a Python bool for a constant."""


class _Logic:
    """Reified and/or over CP-SAT literals, folding constants and sharing equal terms."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._cache: dict[tuple[int, ...], Lit] = {}

    @staticmethod
    def not_(lit: Lit) -> Lit:
        if isinstance(lit, bool):
            return not lit
        return lit.negated()

    def and_(self, lits: Iterable[Lit]) -> Lit:
        terms = []
        for lit in lits:
            if lit is False:
                return False
            if lit is not True:
                terms.append(lit)
        if not terms:
            return True
        if len(terms) == 1:
            return terms[0]
        key = tuple(sorted({t.index for t in terms}))
        found = self._cache.get(key)
        if found is None:
            found = self.model.new_bool_var("and")
            self.model.add_bool_and(terms).only_enforce_if(found)
            self.model.add_bool_or([t.negated() for t in terms]).only_enforce_if(found.negated())
            self._cache[key] = found
        return found

    def or_(self, lits: Iterable[Lit]) -> Lit:
        return self.not_(self.and_(self.not_(lit) for lit in lits))


def _presence_literals(space: _Space, acquire: Mapping[str, Any], logic: _Logic) -> dict[str, Lit]:
    """The CP-SAT form of :func:`_present`: item key → literal for every grant item."""
    chosen: dict[tuple[str, int], Lit] = {}
    fires: dict[str, Lit] = {}
    for ident, entry in space.rules.items():
        earlier: list[Lit] = []
        effective: list[Lit] = []
        for position, alt in enumerate(entry.alts):
            here = logic.and_(acquire[c] for c in alt.cands)
            pick = logic.and_([here, *(logic.not_(e) for e in earlier)])
            chosen[(ident, position)] = pick
            if alt.effective:
                effective.append(pick)
            earlier.append(here)
        fires[ident] = logic.or_(effective)
    live = {
        ident: logic.and_([fires[ident], *(logic.not_(fires[u]) for u in entry.superseded_by)])
        for ident, entry in space.rules.items()
    }
    presence: dict[str, Lit] = {}
    by_credential: dict[str, list[tuple[tuple[date, str, int], _Grant]]] = defaultdict(list)
    for grant in space.grants:
        base = logic.and_([chosen[(grant.rule, grant.alt)], live[grant.rule]])
        credential = grant.held.credential
        if credential is None:
            presence[grant.held.key] = base
        else:
            rank = (space.rules[grant.rule].alts[grant.alt].earliest, grant.rule, grant.position)
            by_credential[credential].append((rank, grant))
    for credential, entries in by_credential.items():
        entries.sort(key=lambda e: e[0])
        before: list[Lit] = []
        native = logic.not_(acquire[credential]) if credential in acquire else True
        for _, grant in entries:
            base = logic.and_([chosen[(grant.rule, grant.alt)], live[grant.rule]])
            presence[grant.held.key] = logic.and_([base, native, *(logic.not_(b) for b in before)])
            before.append(base)
    return presence


# --------------------------------------------------------------------------- the model


@dataclass
class _Built:
    space: _Space
    builder: Any
    problem: solver.Problem
    goal_nodes: int
    cp: solver.CpAllocation
    acquire: dict[str, Any]
    prereq_roots: dict[str, tuple[int, int, int]]
    behind: dict[str, tuple[str, ...]]
    """Item key → the candidates that must be earned before a prerequisite may read it."""
    primary: Any
    count: Any
    ranks: Any
    """The sum of the steps' ranks in the id order of every candidate (the tie-break)."""


def _weight(space: _Space, held: Held) -> int:
    cred = held.cred
    assert cred is not None
    optimize = space.options.optimize
    if optimize == "credits":
        return math.floor(held.credits * space.unit)
    value = getattr(cred, _ATTRIBUTE[optimize])
    return 0 if value is None else round(value * _SCALE[optimize])


def _build(space: _Space, *, reduce: bool) -> _Built:
    """The plan's CP-SAT model: the goal's allocation over held, candidate and granted items,
    acquisition variables, presence of grants, prerequisites and their order, objectives.

    ``reduce`` drops the candidates no plan needs (:func:`_interchangeable`): the best plan
    is the same, but next-best plans that only swap interchangeable candidates disappear, so
    it is off when alternatives are asked for."""
    ranks = {ident: rank for rank, ident in enumerate(sorted(space.candidates), 1)}
    builder = _goal_builder(
        space.ctx,
        space.record,
        space.goal,
        space.goal_day,
        space.pool,
        space.prepared.valid,
        space.unit,
    )
    goal_nodes, goal_limits = len(builder.nodes), len(builder.limits)
    builder.waive = set()  # waivers name the goal's requirements, not prerequisites
    prereq_roots: dict[str, tuple[int, int, int]] = {}
    for ident, held in sorted(space.candidates.items()):
        cred = held.cred
        assert cred is not None
        if cred.prerequisites is not None:
            low = len(builder.nodes)
            root = builder.requirement(cred.prerequisites, _Mods(), (), True, cred)
            prereq_roots[ident] = (root, low, len(builder.nodes))
    nodes = [
        node if i < goal_nodes else replace(node, total=0, blocked=False)
        for i, node in enumerate(builder.nodes)
    ]
    limits = builder.limits[:goal_limits]
    dropped = _interchangeable(space, nodes, limits) if reduce else set()
    if dropped:
        gone = {space.candidates[k].key for k in dropped}
        nodes = [
            replace(n, options=tuple(o for o in n.options if not gone & set(o))) for n in nodes
        ]
        limits = [replace(lim, items=lim.items - gone) for lim in limits]
        space.candidates = {k: v for k, v in space.candidates.items() if k not in dropped}
        space.pool = [h for h in space.pool if h.key not in gone]
    exclusive = tuple(
        (source.key, grant.held.key)
        for grant in space.grants
        for source in space.rules[grant.rule].alts[grant.alt].sources
    ) + _retake_pairs(space)
    problem = solver.Problem(
        items=_solver_items(space.pool, space.unit),
        nodes=tuple(nodes),
        limits=tuple(limits),
        exclusive=exclusive,
    )
    cp = solver.build_cpsat(problem)
    model = cp.model
    acquire = {k: model.new_bool_var(f"acquire[{k}]") for k in sorted(space.candidates)}
    presence = _presence_literals(space, acquire, _Logic(model))
    behind: dict[str, tuple[str, ...]] = {}
    for ident, held in space.candidates.items():
        presence[held.key] = acquire[ident]
        behind[held.key] = (ident,)
    for grant in space.grants:
        behind[grant.held.key] = space.rules[grant.rule].alts[grant.alt].cands

    by_leaf: dict[int, list[tuple[str, list[tuple[Any, Any]]]]] = defaultdict(list)
    applied: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for (leaf, key), pairs in cp.uses.items():
        by_leaf[leaf].append((key, pairs))
        lit = presence.get(key, True)
        for var, _ in pairs:
            if lit is False:
                model.add(var == 0)
            elif lit is not True:
                model.add_implication(var, lit)
        if lit is not True and not problem.nodes[leaf].overlay:
            applied[key].extend(pairs)
    # An item that may be absent applies nothing unless present: the same capacity as the
    # allocation's, scaled by presence, which keeps the LP relaxation from spreading a
    # fraction of one candidate over several requirements.
    units = {item.key: item.units for item in problem.items}
    for key, pairs in applied.items():
        lit = presence[key]
        if lit is not False and units[key] > 0:
            model.add(sum(amount for _, amount in pairs) <= units[key] * lit)
    model.add(cp.met[0] == 1)

    timed = space.options.optimize == "time"
    weeks = {
        k: round((h.cred.weeks or 0) * _SCALE["time"]) if h.cred else 0
        for k, h in space.candidates.items()
    }
    horizon = sum(weeks.values())
    order = {k: model.new_int_var(0, len(acquire), f"order[{k}]") for k in acquire}
    start = {k: model.new_int_var(0, horizon, f"start[{k}]") for k in acquire} if timed else {}
    for ident, (root, low, high) in prereq_roots.items():
        model.add_implication(acquire[ident], cp.met[root])
        for leaf in range(low, high):
            for key, pairs in by_leaf.get(leaf, ()):
                for before in behind.get(key, ()):
                    for var, _ in pairs:
                        model.add(order[ident] >= order[before] + 1).only_enforce_if(var)
                        if timed:
                            model.add(
                                start[ident] >= start[before] + weeks[before]
                            ).only_enforce_if(var)
    if timed:
        makespan = model.new_int_var(0, horizon, "makespan")
        for ident, var in acquire.items():
            model.add(makespan >= start[ident] + weeks[ident]).only_enforce_if(var)
        primary: Any = makespan
    else:
        primary = sum(_weight(space, space.candidates[k]) * var for k, var in acquire.items())
    return _Built(
        space=space,
        builder=builder,
        problem=problem,
        goal_nodes=goal_nodes,
        cp=cp,
        acquire=acquire,
        prereq_roots=prereq_roots,
        behind=behind,
        primary=primary,
        count=sum(acquire.values()),
        ranks=sum(ranks[k] * var for k, var in acquire.items()),
    )


def _interchangeable(
    space: _Space, nodes: Sequence[solver.Node], limits: Sequence[solver.Limit]
) -> set[str]:
    """Candidates no plan needs: those read by no requirement, and the surplus of groups of
    interchangeable ones.

    Candidates that only ``credits``/``count`` requirements read (no prerequisites, no
    ``has``, no transfer rule's source, nothing granted in their place) are interchangeable
    when they are read by the same requirements, carry the same units, objective weight,
    weeks and limits, and agree on what a ``distinct`` reads. A plan uses at most as many of
    such a group as those requirements can take; the smallest ids are kept, which is the
    plan's own tie-break, so the answer is unchanged.
    """
    key_of = {h.key: k for k, h in space.candidates.items()}
    reads: dict[str, list[int]] = defaultdict(list)
    fixed: set[str] = set()
    for index, node in enumerate(nodes):
        for option in node.options:
            for key in option:
                ident = key_of.get(key)
                if ident is None:
                    continue
                if node.kind == "has":
                    fixed.add(ident)
                else:
                    reads[ident].append(index)
    for entry in space.rules.values():
        for alt in entry.alts:
            fixed.update(alt.cands)
    fixed.update(g.held.credential for g in space.grants if g.held.credential)
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    dropped: set[str] = set()
    for ident, held in space.candidates.items():
        cred = held.cred
        assert cred is not None
        if ident in fixed or cred.prerequisites is not None:
            continue
        leaves = tuple(sorted(set(reads.get(ident, ()))))
        if not leaves:
            dropped.add(ident)
            continue
        reads_distinct = {d[0] for leaf in leaves if (d := nodes[leaf].distinct) is not None}
        distinct = tuple(
            getattr(held, "at" if attr == "earned_at" else attr) for attr in sorted(reads_distinct)
        )
        signature = (
            leaves,
            math.floor(held.credits * space.unit),
            _weight(space, held),
            cred.weeks,
            tuple(i for i, lim in enumerate(limits) if held.key in lim.items),
            distinct,
        )
        groups[signature].append(ident)
    for signature, members in groups.items():
        leaves, units = signature[0], signature[1]
        room = (
            sum(
                nodes[leaf].need if nodes[leaf].kind == "count" else -(-nodes[leaf].need // units)
                for leaf in leaves
            )
            if units
            else sum(nodes[leaf].need for leaf in leaves if nodes[leaf].kind == "count")
        )
        dropped.update(sorted(members)[room:])
    return dropped


@dataclass(frozen=True)
class _Found:
    """A plan's steps and the goal allocation that goes with them ((leaf, item key) used)."""

    steps: frozenset[str]
    uses: set[tuple[int, str]]


class _Search:
    """Staged exact optimisation over one model: the best plan, then the next-best ones."""

    def __init__(self, built: _Built, time_limit: float) -> None:
        import time

        self.built = built
        self.clock = time.perf_counter
        self.deadline = self.clock() + time_limit
        self.optimal = True

    def _run(self, objective: Any, assumptions: list[Any], *, budget: float | None = None) -> Any:
        """Minimise ``objective`` under the cuts and ``assumptions``: the solver with the
        answer, None when infeasible. ``budget`` caps deterministic time (a tie-break: the
        answer found within it counts as final)."""
        from ortools.sat.python import cp_model

        model = self.built.cp.model
        model.minimize(objective)
        model.clear_assumptions()
        model.add_assumptions(assumptions)
        engine = cp_model.CpSolver()
        engine.parameters.num_workers = 1
        engine.parameters.random_seed = 0
        engine.parameters.linearization_level = 2
        engine.parameters.max_time_in_seconds = max(0.05, self.deadline - self.clock())
        if budget is not None:
            engine.parameters.max_deterministic_time = budget
        status = engine.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if budget is not None:
                return None
            raise solver.SolverTimeout("no plan found within the solver's time limit")
        if status != cp_model.OPTIMAL and budget is None:
            self.optimal = False
        model.clear_hints()
        for var in self.built.acquire.values():
            model.add_hint(var, engine.value(var))
        return engine

    def best(self) -> _Found | None:
        """The best plan under the cuts so far, or None when there is none.

        Stage 1 minimises ``primary·(n+1) + steps`` (exactly lexicographic, as steps ≤ n).
        Stage 2 keeps that value and minimises the sum of the steps' ranks in id order
        (earlier ids preferred), within :data:`TIE_BREAK_BUDGET` of deterministic time, so
        the same question always gets the same plan.
        """
        model = self.built.cp.model
        acquire = self.built.acquire
        ids = sorted(acquire)
        objective = self.built.primary * (len(ids) + 1) + self.built.count
        engine = self._run(objective, [])
        if engine is None:
            return None
        held = model.new_bool_var("stage")
        model.add(objective <= int(engine.objective_value)).only_enforce_if(held)
        engine = self._run(self.built.ranks, [held], budget=TIE_BREAK_BUDGET) or engine
        model.clear_assumptions()
        uses = {
            pair
            for pair, pairs in self.built.cp.uses.items()
            if pair[0] < self.built.goal_nodes and any(engine.value(v) for v, _ in pairs)
        }
        return _Found(steps=frozenset(k for k in ids if engine.value(acquire[k])), uses=uses)

    def cut(self, found: _Found) -> None:
        """Forbid ``found``'s steps and every superset of them from now on."""
        model = self.built.cp.model
        model.add(sum(self.built.acquire[k] for k in found.steps) <= len(found.steps) - 1)


# --------------------------------------------------------------------------- reading a plan


@dataclass
class _Schedule:
    order: list[str]
    start: dict[str, float]
    finish: dict[str, float]
    deps: dict[str, list[str]]

    @property
    def weeks(self) -> float:
        return max(self.finish.values(), default=0.0)


def _schedule(space: _Space, steps: frozenset[str], present: set[str]) -> _Schedule:
    """Earliest start of every step: when what is held, finished and granted from those meets
    its prerequisites. ``deps`` keeps, per step, a smallest set of finished steps that does."""
    ctx = space.ctx
    grants = [g for g in space.grants if g.held.key in present]

    def pool(done: set[str]) -> list[Held]:
        return [
            *space.prepared.valid,
            *(space.candidates[k] for k in sorted(done)),
            *(g.held for g in grants if set(space.rules[g.rule].alts[g.alt].cands) <= done),
        ]

    def ready(ident: str, done: set[str]) -> bool:
        cred = space.candidates[ident].cred
        assert cred is not None
        if cred.prerequisites is None:
            return True
        return _meets(ctx, cred.prerequisites, pool(done), cred.issuer)

    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    wave: dict[str, int] = {}
    pending = sorted(steps)
    now = 0.0
    waves = 0
    while pending:
        done = {k for k, end in finish.items() if end <= now}
        starting = [k for k in pending if ready(k, done)]
        if starting:
            for ident in starting:
                start[ident] = now
                finish[ident] = now + (space.candidates[ident].cred.weeks or 0.0)  # type: ignore[union-attr]
                wave[ident] = waves
            waves += 1
            pending = [k for k in pending if k not in start]
            continue
        later = [end for end in finish.values() if end > now]
        if not later:
            # The solver proved an order exists; a prerequisite read differently here (a
            # composite's tree) is scheduled after everything rather than dropped.
            for ident in pending:
                start[ident] = now
                finish[ident] = now + (space.candidates[ident].cred.weeks or 0.0)  # type: ignore[union-attr]
                wave[ident] = waves
            break
        now = min(later)
    order = sorted(steps, key=lambda k: (start[k], wave[k], k))
    deps: dict[str, list[str]] = {}
    for ident in order:
        done = {
            k for k in steps if k != ident and finish[k] <= start[ident] and wave[k] < wave[ident]
        }
        if not ready(ident, set()):
            for other in sorted(done, reverse=True):
                if ready(ident, done - {other}):
                    done.discard(other)
        else:
            done = set()
        deps[ident] = sorted(done, key=order.index)
    return _Schedule(order=order, start=start, finish=finish, deps=deps)


def _satisfies(built: _Built, found: _Found, schedule: _Schedule) -> dict[str, list[str]]:
    """Per step: the labels of the goal's requirements it (or its grant) is applied to, in
    tree order, then the steps whose prerequisites it meets."""
    space = built.space
    own = {space.candidates[k].key: k for k in found.steps}
    grant_of = {g.held.key: g for g in space.grants}
    labels: dict[str, list[str]] = {k: [] for k in found.steps}
    for leaf, key in sorted(found.uses):
        label = built.builder.info[leaf].label
        if key in own:
            labels[own[key]].append(label)
        elif key in grant_of:
            grant = grant_of[key]
            for ident in space.rules[grant.rule].alts[grant.alt].cands:
                labels[ident].append(f"{label} (via {grant.rule})")
    for ident in schedule.order:
        for before in schedule.deps[ident]:
            labels[before].append(f"prerequisite of {ident}")
    return {k: list(dict.fromkeys(v)) for k, v in labels.items()}


def _number(value: float | Fraction) -> float:
    value = float(value)
    return int(value) if value.is_integer() else round(value, 4)


def _route(built: _Built, found: _Found) -> tuple[list[Step], Totals]:
    """The documented steps and totals of one plan."""
    space = built.space
    present = _present(space, set(found.steps))
    schedule = _schedule(space, found.steps, present)
    satisfies = _satisfies(built, found, schedule)
    creds = [space.candidates[k].cred for k in schedule.order]
    pending = {
        h.credential: h.status
        for h in space.record.holdings
        if h.credential is not None and h.status != "earned"
    }
    paid = fund(space.catalog, space.record, [c.id for c in creds if c], space.ctx.as_of)
    documented = []
    unknown: set[str] = set()
    credits = Fraction(0)
    cost = 0.0
    funded = 0.0
    for cred in creds:
        assert cred is not None
        funding = paid.get(cred.id, [])
        amount = sum(f.amount for f in funding)
        credits += cred.credits
        if cred.cost is None:
            unknown.add("cost")
        else:
            cost += cred.cost
            funded += amount
        if cred.weeks is None:
            unknown.add("weeks")
        documented.append(
            Step(
                credential=cred.id,
                title=cred.title,
                kind=cred.kind,
                issuer=cred.issuer,
                credits=_number(cred.credits),
                cost=cred.cost,
                weeks=cred.weeks,
                satisfies=satisfies[cred.id],
                after=schedule.deps[cred.id],
                score=space.candidates[cred.id].score,
                in_record=pending.get(cred.id),
                retake=cred.id in space.retakes,
                funding=funding,
                out_of_pocket=None if cred.cost is None else _number(cred.cost - amount),
            )
        )
    totals = Totals(
        credits=_number(credits),
        cost=_number(cost),
        weeks=_number(schedule.weeks),
        out_of_pocket=_number(cost - funded),
        lower_bound=bool(unknown),
        unknown=sorted(unknown),
    )
    return documented, totals


def _terms(steps: Sequence[Step], limit: float) -> list[Term]:
    """Group the steps into terms of at most ``limit`` credits, each step in a later term than
    the steps it follows. Each term takes the steps that are ready, those heading the longest
    chains of later steps first, then in plan order (a step worth more than ``limit`` takes a
    term alone)."""
    position = {s.credential: i for i, s in enumerate(steps)}
    followers: dict[str, list[str]] = defaultdict(list)
    for step in steps:
        for before in step.after:
            followers[before].append(step.credential)
    chain: dict[str, int] = {}
    for step in reversed(steps):  # a step comes after everything it follows
        chain[step.credential] = 1 + max((chain[f] for f in followers[step.credential]), default=0)
    placed: set[str] = set()
    remaining = list(steps)
    terms: list[Term] = []
    while remaining:
        ready = [s for s in remaining if placed.issuperset(s.after)]
        ready.sort(key=lambda s: (-chain[s.credential], position[s.credential]))
        chosen: list[Step] = []
        load = 0.0
        for step in ready:
            if chosen and load + step.credits > limit:
                continue
            chosen.append(step)
            load += step.credits
        chosen.sort(key=lambda s: position[s.credential])
        placed.update(s.credential for s in chosen)
        remaining = [s for s in remaining if s.credential not in placed]
        terms.append(
            Term(term=len(terms) + 1, steps=[s.credential for s in chosen], credits=_number(load))
        )
    return terms


# --------------------------------------------------------------------------- funding


def _funding_eligible(
    program: Funding, cred: Credential, record: LearnerRecord, as_of: date, catalog: CompiledCatalog
) -> bool:
    """Whether ``program`` pays for ``cred`` for this learner on ``as_of`` (every key given
    must hold; an unknown hours or weeks value fails a maximum on it)."""
    if program.effective is not None and not program.effective.contains(as_of):
        return False
    learners = program.learners
    if learners.state is not None and record.learner.state != learners.state:
        return False
    if learners.status is not None and not set(learners.status) & set(record.learner.status):
        return False
    wanted = program.credentials
    if wanted.kind is not None and cred.kind not in wanted.kind:
        return False
    if wanted.ids is not None and not (
        {cred.id, *catalog.member_of.get(cred.id, ())} & set(wanted.ids)
    ):
        return False
    if wanted.tags is not None and not set(wanted.tags) & set(cred.tags):
        return False
    if wanted.max_hours is not None and (cred.hours is None or cred.hours > wanted.max_hours):
        return False
    if wanted.max_weeks is not None and (cred.weeks is None or cred.weeks > wanted.max_weeks):
        return False
    return wanted.min_credits is None or cred.credits >= wanted.min_credits


def fund(
    catalog: CompiledCatalog, record: LearnerRecord, credentials: Sequence[str], as_of: date
) -> dict[str, list[StepFunding]]:
    """How the catalog's funding programs pay for earning ``credentials`` (with a cost).

    Each credential is paid by at most one program the learner and it are eligible for
    (effective on ``as_of``): ``cost × share`` capped at ``max_per_credential``, and all the
    payments of one program together at most its ``max_per_learner``. The assignment pays
    the most in total (exactly); among equals, earlier credentials and programs first by id.
    Returns credential id → its payments (an empty list when nothing pays).
    """
    offers: list[tuple[str, Funding, int]] = []  # (credential, program, cents)
    for ident in credentials:
        cred = catalog.credential(ident, on=as_of)
        if not cred.cost:
            continue
        for program in sorted(catalog.funding.values(), key=lambda p: p.id):
            if not _funding_eligible(program, cred, record, as_of, catalog):
                continue
            amount = cred.cost * float(program.pays.share if program.pays.share is not None else 1)
            if program.pays.max_per_credential is not None:
                amount = min(amount, program.pays.max_per_credential)
            cents = math.floor(amount * 100 + 1e-6)
            if cents > 0:
                offers.append((ident, program, cents))
    chosen = _assign(offers)
    result: dict[str, list[StepFunding]] = {ident: [] for ident in credentials}
    for (ident, program, _), cents in zip(offers, chosen, strict=True):
        if cents:
            result[ident].append(
                StepFunding(program=program.id, title=program.title, amount=_number(cents / 100))
            )
    return result


def _assign(offers: Sequence[tuple[str, Funding, int]]) -> list[int]:
    """Cents paid by each offer: at most one offer per credential, per-learner caps kept,
    the total as large as possible (CP-SAT when a cap binds, else the best offer each)."""
    capped = any(p.pays.max_per_learner is not None for _, p, _ in offers)
    if not capped:
        best: dict[str, int] = {}
        for position, (ident, _, cents) in enumerate(offers):
            if ident not in best or cents > offers[best[ident]][2]:
                best[ident] = position
        keep = set(best.values())
        return [cents if i in keep else 0 for i, (_, _, cents) in enumerate(offers)]
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    take = [model.new_bool_var(f"take{i}") for i in range(len(offers))]
    pay = [model.new_int_var(0, cents, f"pay{i}") for i, (_, _, cents) in enumerate(offers)]
    for var, amount in zip(take, pay, strict=True):
        model.add(amount == 0).only_enforce_if(var.negated())
    by_credential: dict[str, list[Any]] = defaultdict(list)
    by_program: dict[str, list[Any]] = defaultdict(list)
    for i, (ident, program, _) in enumerate(offers):
        by_credential[ident].append(take[i])
        by_program[program.id].append(pay[i])
    for group in by_credential.values():
        model.add(sum(group) <= 1)
    for _credential, program, _ in offers:
        cap = program.pays.max_per_learner
        if cap is not None:
            model.add(sum(by_program[program.id]) <= math.floor(cap * 100 + 1e-6))
    weight = len(offers) * (len(offers) + 1) // 2 + 1  # above any tie-break penalty
    model.maximize(weight * sum(pay) - sum(i * var for i, var in enumerate(take)))
    engine = cp_model.CpSolver()
    engine.parameters.num_workers = 1
    engine.parameters.random_seed = 0
    engine.solve(model)
    return [int(engine.value(v)) for v in pay]


# --------------------------------------------------------------------------- unreachable


def _blocked(space: _Space, time_limit: float) -> list[Blocked]:
    """Why no plan exists: the audit's allocation with every candidate available, its unmet
    requirements with what they lack, and why no candidate provides that."""
    from pathways.evaluate import _gpa

    present = _present(space, set(space.candidates))
    keep = {h.key for h in space.prepared.valid} | present
    keep |= {h.key for h in space.candidates.values()}
    pool = [h for h in space.pool if h.key in keep]
    builder = _goal_builder(
        space.ctx, space.record, space.goal, space.goal_day, pool, space.prepared.valid, space.unit
    )
    granted = [g.held for g in space.grants if g.held.key in present]
    problem = solver.Problem(
        items=_solver_items(pool, space.unit),
        nodes=tuple(builder.nodes),
        limits=tuple(builder.limits),
        exclusive=tuple(
            (source.key, g.held.key)
            for g in space.grants
            if g.held.key in present
            for source in space.rules[g.rule].alts[g.alt].sources
        )
        + _retake_pairs(space),
    )
    solution = solver.solve(problem, time_limit=time_limit)
    decision = _decision(
        catalog=space.catalog,
        record=space.record,
        goal=space.goal,
        as_of=space.ctx.as_of,
        projected=False,
        institution=space.institution,
        prepared=space.prepared,
        transferred=_TransferResult(fired=[], granted=granted, reasons={}),
        pool=pool,
        builder=builder,
        problem=problem,
        solution=solution,
        unit=space.unit,
        gpa=_gpa(space.prepared.valid),
    )
    if solution.met[0]:
        return [
            Blocked(
                label=space.goal.title,
                missing="no set of steps meets every requirement together",
                reasons=[
                    "every requirement can be met, but not at once by any set of steps the "
                    "transfer rules and prerequisites allow"
                ],
            )
        ]
    blocked: list[Blocked] = []

    def visit(index: int, view: NodeResult) -> None:
        node = problem.nodes[index]
        if solution.met[index]:
            return
        if node.kind == "all" and not builder.info[index].blocked_reason:
            before = len(blocked)
            for child, child_view in zip(node.children, view.children, strict=True):
                visit(child, child_view)
            if len(blocked) > before or not view.missing:
                return
        blocked.append(
            Blocked(
                label=view.label,
                missing=view.missing,
                reasons=_why(space, builder, problem, solution, index),
            )
        )

    visit(0, decision.requirements)
    return blocked


def _why(
    space: _Space,
    builder: Any,
    problem: solver.Problem,
    solution: solver.Solution,
    index: int,
) -> list[str]:
    """Why nothing allowed meets node ``index``: sentences for the unmet leaves below it,
    credentials offered only elsewhere grouped by institution."""
    sentences: list[str] = []
    elsewhere: dict[str, list[str]] = defaultdict(list)
    info = builder.info[index]
    if info.blocked_reason:
        sentences.append(f"a plan cannot change the GPA: it {info.blocked_reason}")
    for limit in problem.limits:
        if limit.scope == index and limit.min_units is not None:
            sentences.append(
                "not enough credit earned at the awarding institution can be planned to meet "
                "its minimum"
            )
    stack = [index]
    while stack:
        at = stack.pop()
        current = problem.nodes[at]
        if solution.met[at] and at != index:
            continue
        if current.kind not in solver.LEAF_KINDS:
            stack.extend(reversed(current.children))
            continue
        for kind, text in _why_leaf(space, builder.info[at], current):
            if kind == "text":
                sentences.append(text)
            else:
                issuer, ident = text.split(" ", 1)
                if ident not in elsewhere[issuer]:
                    elsewhere[issuer].append(ident)
    for issuer, ids in sorted(elsewhere.items(), key=lambda e: (-len(e[1]), e[0])):
        shown = ", ".join(ids[:4]) + (", …" if len(ids) > 4 else "")
        noun = "credential" if len(ids) == 1 else f"{len(ids)} credentials"
        sentences.append(f"{issuer} offers {noun} it needs ({shown}): add --from {issuer}")
    if not sentences and problem.nodes[index].total:
        sentences.append("not enough credit can be planned at the allowed institutions")
    return list(dict.fromkeys(sentences))[:8]


def _why_leaf(space: _Space, info: Any, node: solver.Node) -> list[tuple[str, str]]:
    """(``text``, sentence) or (``elsewhere``, "ISSUER ID") findings for one unmet leaf."""
    if node.elective_of is not None:
        return [("text", "not enough college-level credit can be planned for free electives")]
    if info.target is not None:
        return _why_id(space, info.target)
    flt: Filter = info.flt or Filter()
    what = _describe_filter(flt)
    loose = flt.model_copy(update={"earned_at": None})
    found: list[tuple[str, str]] = []
    index = _index(space.catalog)
    for issuer in sorted(index.by_issuer):
        for ident in index.by_issuer[issuer]:
            if ident in space.candidates or ident in space.valid_ids:
                continue
            cred = space.catalog.credential(ident, on=space.ctx.as_of)
            if not _matches(space.ctx, _candidate_held(cred, space.ctx.as_of, None), loose, None):
                continue
            if ident in space.elsewhere or issuer not in space.allowed:
                found.append(("elsewhere", f"{issuer} {ident}"))
            elif ident in space.excluded:
                found.append(("text", space.excluded[ident]))
    if not found:
        found.append(("text", f"no credential in the catalog is {what}"))
    return found


def _why_id(space: _Space, ident: str) -> list[tuple[str, str]]:
    catalog = space.catalog
    found: list[tuple[str, str]] = []
    if ident in space.elsewhere:
        found.append(("elsewhere", f"{space.elsewhere[ident]} {ident}"))
    elif ident in space.excluded:
        found.append(("text", space.excluded[ident]))
    if ident in space.discretionary:
        found.append(
            (
                "text",
                f"only a discretionary transfer rule grants {ident} (use --allow-discretionary)",
            )
        )
    if ident in catalog.equivalences:
        for member in catalog.equivalences[ident].members:
            for part in member.all:
                if part not in space.candidates:
                    found.extend(_why_id(space, part))
    if ident in space.valid_ids:
        found.append(("text", f"{ident} is held but cannot count here (a grade, score or date)"))
    if not found:
        found.append(("text", f"nothing the learner may earn provides {ident}"))
    return found


# --------------------------------------------------------------------------- entry points


def plan(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    as_of: date | None = None,
    *,
    optimize: str = "credits",
    alternatives: int = 0,
    allow_discretionary: bool = False,
    allow_unknown: bool = False,
    from_institutions: Sequence[str] = (),
    max_credits_per_term: float | None = None,
    trust: Sequence[str] = (),
    badge_resolver: Any = None,
    time_limit: float = 10.0,
) -> Plan:
    """The best set of credentials for ``record`` to earn to complete ``goal`` (module doc).

    ``optimize``: ``credits``, ``cost`` or ``time`` (weeks on the critical path).
    ``alternatives``: how many next-best plans to add, each a distinct set of steps that is
    not a superset of an earlier one. ``max_credits_per_term`` groups the steps into terms.
    ``status`` is ``complete`` when nothing needs earning, ``plannable`` with steps, and
    ``unreachable`` with ``blocked_by`` saying why. Raises
    :class:`~pathways.errors.UnknownIdError` for an unknown goal, institution or credential,
    :class:`~pathways.errors.PathwaysError` for a bad option value, and
    :class:`~pathways.solver.SolverTimeout` when no plan is found within ``time_limit``.
    """
    if optimize not in OPTIMIZE_TARGETS:
        raise PathwaysError(
            f"unknown optimisation target {optimize!r} (choose {', '.join(OPTIMIZE_TARGETS)})"
        )
    if alternatives < 0:
        raise PathwaysError("alternatives must be 0 or more")
    if max_credits_per_term is not None and max_credits_per_term <= 0:
        raise PathwaysError("max_credits_per_term must be positive")
    as_of = as_of or date.today()
    options = _Options(
        optimize=cast(Optimize, optimize),
        allow_discretionary=allow_discretionary,
        allow_unknown=allow_unknown,
        from_institutions=tuple(from_institutions),
    )
    space = _space(
        catalog, record, goal, as_of, options, trust=trust, badge_resolver=badge_resolver
    )
    built = _build(space, reduce=alternatives == 0)
    search = _Search(built, time_limit)
    best = search.best()
    excluded = [Excluded(credential=k, reason=v) for k, v in sorted(space.excluded.items())]
    head = {
        "goal": space.goal.id,
        "title": space.goal.title,
        "institution": space.institution,
        "learner": record.learner.id,
        "as_of": as_of,
        "catalog_version": catalog.version,
        "optimize": options.optimize,
        "excluded": excluded,
    }
    if best is None:
        return Plan(
            **head,
            status="unreachable",
            steps=[],
            totals=None,
            alternatives=[],
            blocked_by=_blocked(space, time_limit),
        )
    routes = [best]
    while best.steps and len(routes) <= alternatives:
        if search.clock() >= search.deadline:
            search.optimal = False  # fewer alternatives than asked: the time ran out
            break
        search.cut(routes[-1])
        try:
            found = search.best()
        except solver.SolverTimeout:
            search.optimal = False
            break
        if found is None:
            break
        routes.append(found)
    steps, totals = _route(built, routes[0])
    others = [_route(built, r) for r in routes[1:]]
    return Plan(
        **head,
        status="plannable" if steps else "complete",
        steps=steps,
        totals=totals,
        alternatives=[Alternative(steps=s, totals=t) for s, t in others],
        blocked_by=[],
        terms=_terms(steps, max_credits_per_term) if max_credits_per_term else None,
        optimal=search.optimal,
    )


def compare(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goals: Sequence[str],
    as_of: date | None = None,
    *,
    optimize: str = "cost",
    allow_discretionary: bool = False,
    allow_unknown: bool = False,
    from_institutions: Sequence[str] = (),
    trust: Sequence[str] = (),
    badge_resolver: Any = None,
    time_limit: float = 10.0,
) -> Comparison:
    """Rank ``goals`` by how close ``record`` is to each.

    Each goal carries the audit's status and credits (applied, required) and the totals of
    its plan (:func:`plan` with the same options). Order: complete goals first, then
    plannable before unreachable, then by the plan's total for ``optimize`` (cost, credits or
    weeks), then by the credits still required, then by id. Raises
    :class:`~pathways.errors.UnknownIdError` for an unknown goal.
    """
    if not goals:
        raise PathwaysError("compare needs at least one goal")
    as_of = as_of or date.today()
    rows = []
    for goal in dict.fromkeys(goals):
        decision = audit(
            catalog,
            record,
            goal,
            as_of,
            include_discretionary=allow_discretionary,
            trust=trust,
            time_limit=time_limit,
            badge_resolver=badge_resolver,
        )
        route = plan(
            catalog,
            record,
            goal,
            as_of,
            optimize=optimize,
            allow_discretionary=allow_discretionary,
            allow_unknown=allow_unknown,
            from_institutions=from_institutions,
            trust=trust,
            badge_resolver=badge_resolver,
            time_limit=time_limit,
        )
        remaining = max(0.0, decision.credits.required - decision.credits.applied)
        rows.append(
            GoalComparison(
                goal=goal,
                title=decision.title,
                status=decision.status,
                credits=decision.credits,
                remaining=_number(remaining),
                plan=PlanSummary(status=route.status, totals=route.totals, steps=len(route.steps)),
            )
        )
    field_name = {"cost": "cost", "credits": "credits", "time": "weeks"}[optimize]

    def rank(row: GoalComparison) -> tuple[Any, ...]:
        totals = row.plan.totals
        return (
            row.status != "complete",
            row.plan.status == "unreachable",
            getattr(totals, field_name) if totals is not None else math.inf,
            row.remaining,
            row.goal,
        )

    return Comparison(
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        optimize=cast(Optimize, optimize),
        goals=sorted(rows, key=rank),
    )
