"""The candidate space of a plan: what the learner could still earn that could count.

:func:`build_space` gathers candidates (with retakes), the transfer rules that can fire on
them with their source choices, and the goal's solver nodes over held and candidate items.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from pathways.catalog.grammar import Folder, Visitor, fold
from pathways.catalog.model import (
    Credential,
    Filter,
    FundingLearners,
    LearnerInfo,
    LearnerRecord,
    Requirement,
    Tag,
    TransferRule,
)
from pathways.errors import UnknownIdError
from pathways.evaluate.expansion import goal_version, nested_composites
from pathways.evaluate.holdings import Held, Prepared, native_at, own_credit_in_goals, prepare
from pathways.evaluate.matching import (
    Context,
    FilterIndex,
    FilterTest,
    Mods,
    PoolIndex,
    check_mods,
    describe_filter,
    evaluation_context,
    options_for,
)
from pathways.evaluate.results import COLLEGE_LEVELS, credit_count
from pathways.evaluate.transfers import (
    Fired,
    by_earned,
    grant_holding,
    held_cover,
    readers,
    superseding,
    when_choices,
)

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.options import Options

from pathways.plan.documents import (
    MAX_SOURCE_CHOICES,
    NON_COLLEGE_KINDS,
    OPTIMIZED_ATTRIBUTE,
    Optimize,
)

# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True, slots=True)
class _Index:
    by_issuer: Mapping[str, tuple[str, ...]]
    anywhere: tuple[str, ...]
    """Ids with a non-college version (offered to anyone)."""


_INDEXES: list[tuple[CompiledCatalog, _Index]] = []


def catalog_index(catalog: CompiledCatalog) -> _Index:
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
class SearchOptions:
    optimize: Optimize
    include_discretionary: bool
    allow_unknown: bool
    from_institutions: tuple[str, ...]


class _Relevance(Visitor[Mods, None]):
    """Every credential id and transfer rule that can count toward a goal (a closure); a
    :class:`~pathways.catalog.grammar.Visitor` of requirements with the modifiers of the path
    to each."""

    def __init__(
        self,
        ctx: Context,
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
        self.reads: dict[str, set[Mods]] = {}
        """Credential id → the modifiers of every requirement path that reads it."""
        self._filters: set[Filter] = set()
        self._electives = False
        self._expanded: set[str] = set()
        self._index = FilterIndex.of(ctx, universe)
        self._grant_index: tuple[FilterIndex, dict[str, str], frozenset[str]] | None = None
        self._rule_order = {ident: position for position, ident in enumerate(self.rules_here)}

    def walk(self, req: Requirement, mods: Mods) -> None:
        self.visit(req, mods.add(req))

    def has(self, req: Requirement, target: str, context: Mods) -> None:
        self.credential(target, context)

    def group(self, req: Requirement, context: Mods) -> None:
        for child in req.children:
            self.walk(child, context)

    def filtered(self, req: Requirement, context: Mods) -> None:
        self.filter(req.from_ or Filter(), context)

    def _score(self, ident: str, mods: Mods) -> None:
        if mods.min_score is not None:
            known = self.min_score.get(ident)
            if known is None or mods.min_score < known:
                self.min_score[ident] = mods.min_score

    def credential(self, ident: str, mods: Mods) -> None:
        catalog = self.ctx.catalog
        self._score(ident, mods)
        self.reads.setdefault(ident, set()).add(mods)
        if ident in self.ids:
            return
        self.ids.add(ident)
        for substitute in self.ctx.substitutes.get(ident, ()):
            self.credential(substitute, mods)
        if ident in catalog.equivalences:
            for member in catalog.equivalences[ident].members:
                for part in member.all:
                    self.credential(part, mods)
        elif ident in catalog.versions:
            cred = catalog.credential(ident, on=self.ctx.as_of)
            if cred.composite or catalog.credential(ident, on=self.goal_day).composite:
                # A composite is read in the goal's catalog year, as the audit reads it.
                cred = catalog.credential(ident, on=self.goal_day)
                if ident not in self.held and ident not in self._expanded:
                    self._expanded.add(ident)
                    assert cred.requires is not None
                    self.walk(cred.requires, Mods())
                    if cred.credits > 0:
                        self.electives()
            elif cred.prerequisites is not None:
                self.walk(cred.prerequisites, Mods())
            for equivalence in catalog.member_of.get(ident, ()):
                self.credential(equivalence, Mods())
        for rule in catalog.rules_granting.get(ident, ()):
            self.rule(rule.id)

    def rule(self, ident: str) -> None:
        if ident in self.rules or ident not in self.rules_here:
            return
        self.rules.add(ident)
        self.walk(self.rules_here[ident].when, Mods())

    def filter(self, flt: Filter, mods: Mods) -> None:
        loose = flt.model_copy(update={"earned_at": None})
        test = FilterTest.of(loose)
        for held in self._index.passing(self.ctx, test, None):
            assert held.credential is not None
            self.credential(held.credential, mods)
        if loose in self._filters:
            return
        self._filters.add(loose)
        grants, owners, as_earned = self._grants()
        matched = {owners[held.key] for held in grants.passing(self.ctx, test, None)}
        if test.ids is None:  # a grant "as earned" takes its source's subject and level
            matched |= as_earned
        for ident in sorted(matched, key=self._rule_order.__getitem__):
            self.rule(ident)  # in the rules' order; one already relevant is passed over

    def _grants(self) -> tuple[FilterIndex, dict[str, str], frozenset[str]]:
        """The holdings the rules here would grant, indexed, with the rule giving each (by
        holding key), and the rules with a grant "as earned" (which never matches an id
        list); built on the first filter."""
        if self._grant_index is None:
            given: list[Held] = []
            owners: dict[str, str] = {}
            as_earned: set[str] = set()
            for rule in self.rules_here.values():
                fired = Fired(rule=rule, sources=(), guarantee="guaranteed", counted=True)
                for position, grant in enumerate(rule.grants):
                    if grant.credits == "as_earned":
                        as_earned.add(rule.id)
                        continue
                    held = grant_holding(self.ctx, fired, position, grant)
                    given.append(held)
                    owners[held.key] = rule.id
            self._grant_index = (FilterIndex.of(self.ctx, given), owners, frozenset(as_earned))
        return self._grant_index

    def electives(self) -> None:
        if self._electives:
            return
        self._electives = True
        for held in self.universe:
            if held.credits > 0 and (
                held.level in COLLEGE_LEVELS or (held.level is None and held.kind == "course")
            ):
                assert held.credential is not None
                self.credential(held.credential, Mods())
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
class GrantItem:
    """A transfer grant as a conditional item: rule, source choice, grant position."""

    held: Held
    rule: str
    alt: int
    position: int


@dataclass
class Space:
    """Everything about one planning question that does not depend on the chosen steps."""

    catalog: CompiledCatalog
    record: LearnerRecord
    ctx: Context
    prepared: Prepared
    goal: Credential
    goal_day: date
    institution: str | None
    options: SearchOptions
    allowed: set[str]
    candidates: dict[str, Held]
    excluded: dict[str, str]
    rules: dict[str, _Rule]
    grants: list[GrantItem]
    pool: list[Held]
    unit: int
    discretionary: set[str] = field(default_factory=set)
    """Credential ids only rules not counted (recommended or discretionary, without
    ``include_discretionary``) would grant (for explanations)."""
    elsewhere: dict[str, str] = field(default_factory=dict)
    """Credential id → its issuer, for those left out as offered at no allowed institution."""
    retakes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Held credential id → the keys of its held attempts, for those a plan may earn again
    (some requirement reads it that no attempt passes: a grade, score, hours or window)."""

    @property
    def valid_ids(self) -> set[str]:
        return {h.credential for h in self.prepared.valid if h.credential}


def candidate_held(cred: Credential, as_of: date, score: float | None) -> Held:
    """A plan's candidate: ``cred`` as if earned on ``as_of`` at its issuer (a course with a
    passing grade, an exam with ``score``); its key ends in ``#plan``."""
    return Held.of(
        cred,
        key=f"{cred.id}#plan",
        index=None,
        earned=as_of,
        grade="P" if cred.kind == "course" else None,
        score=score,
        hours=cred.hours,
        credits=cred.credits,
        at=cred.issuer,
    )


def _offer(
    catalog: CompiledCatalog,
    ident: str,
    as_of: date,
    allowed: set[str],
    held: set[str],
    learner: LearnerInfo,
) -> Credential | str:
    """The version of ``ident`` a plan may take, or why it may not."""
    cred = catalog.credential(ident, on=as_of)
    if cred.eligible is not None and not cred.eligible.learners.admits(learner):
        return f"{ident} is only for {_who(cred.eligible.learners)}; the record rules it out"
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


_STATUS_WORDS = {
    "employed": "employed learners",
    "unemployed": "unemployed learners",
    "underemployed": "underemployed learners",
    "low_income": "low-income learners",
    "high_school_student": "high-school students",
    "veteran": "veterans",
}


def _who(learners: FundingLearners) -> str:
    """A learner filter in words ("high-school students or veterans in OH")."""
    words = " or ".join(_STATUS_WORDS[s] for s in learners.status or ()) or "learners"
    return words + (f" in {learners.state}" if learners.state else "")


def _universe(catalog: CompiledCatalog, allowed: set[str], as_of: date) -> list[Held]:
    """Every credential a filter may reach, as a would-be planned holding."""
    index = catalog_index(catalog)
    ids = set(index.anywhere)
    for inst in allowed:
        ids.update(index.by_issuer.get(inst, ()))
    found = []
    for ident in sorted(ids):
        cred = catalog.credential(ident, on=as_of)
        if cred.composite or cred.kind == "transfer-block":
            continue
        if cred.kind in NON_COLLEGE_KINDS or cred.issuer in allowed:
            found.append(candidate_held(cred, as_of, None))
    return found


def build_space(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    as_of: date,
    options: SearchOptions,
    *,
    evaluation: Options,
) -> Space:
    goal_cred, goal_day = goal_version(catalog, goal, record, as_of)
    for inst in options.from_institutions:
        if inst not in catalog.institutions:
            raise UnknownIdError("institution", inst, catalog.institutions)
    ctx = evaluation_context(catalog, record, as_of)
    prepared = prepare(
        catalog,
        record,
        as_of,
        projected=False,
        options=evaluation,
    )
    institution = goal_cred.issuer if goal_cred.issuer in catalog.institutions else None
    rules_here = catalog.rules_at(institution) if institution is not None else ()
    allowed = {h.at for h in prepared.own if h.at} | set(options.from_institutions)
    allowed |= {i for i in (institution, record.learner.institution) if i}
    for nested in nested_composites(catalog, goal_cred, goal_day):
        issuer = catalog.credential(nested, on=goal_day).issuer
        if issuer is not None and issuer in catalog.institutions:
            allowed.add(issuer)
    held = {h.credential for h in prepared.valid if h.credential}

    relevance = _Relevance(ctx, rules_here, _universe(catalog, allowed, as_of), held, goal_day)
    relevance.credential(goal_cred.id, Mods())
    retakes = _retakes(prepared, relevance, as_of)

    candidates: dict[str, Held] = {}
    excluded: dict[str, str] = {}
    elsewhere: dict[str, str] = {}
    attribute = OPTIMIZED_ATTRIBUTE.get(options.optimize)
    for ident in sorted(relevance.ids):
        if ident not in catalog.versions or (ident == goal_cred.id and goal_cred.composite):
            continue
        offered = _offer(catalog, ident, as_of, allowed, held - set(retakes), record.learner)
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
        candidates[ident] = candidate_held(offered, as_of, _lowest_tier(ctx, ident, relevance))

    space = Space(
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
    chosen = {r.id for r in rules}  # by id: comparing rule models field by field is slow
    rules += _earning_rules(space, {r.id for r in rules_here} - chosen)
    _fill_rules(space, rules)
    _prune_unachievable(space, rules)
    return space


def _retakes(prepared: Prepared, relevance: _Relevance, as_of: date) -> dict[str, tuple[str, ...]]:
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
            all(check_mods(h, mods, as_of) is not None for h in tries)
            for mods in relevance.reads.get(ident, ())
        )
    }


def retake_pairs(space: Space) -> tuple[tuple[str, str], ...]:
    """A retake and the attempts it repeats: at most one of them counts (the audit's rule
    for repeated courses), so a plan never applies both."""
    return tuple(
        (key, space.candidates[ident].key)
        for ident, keys in space.retakes.items()
        if ident in space.candidates
        for key in keys
    )


def _lowest_tier(ctx: Context, ident: str, relevance: _Relevance) -> float | None:
    """The smallest ``min_score`` any requirement reading ``ident`` asks (or None)."""
    names = (ident, *ctx.catalog.member_of.get(ident, ()))
    return min((relevance.min_score[n] for n in names if n in relevance.min_score), default=None)


def _earning_rules(space: Space, others: set[str]) -> list[TransferRule]:
    """The rules of ids in ``others`` (rules at the goal's institution none of whose grants
    can count toward the goal) that a candidate can be a source of: a step still earns what
    they grant, which a least-credits plan counts, so they join the model (their grants meet
    no requirement)."""
    if not others or space.institution is None:
        return []
    ctx = space.ctx
    sources = [
        h for h in [*space.prepared.valid, *space.candidates.values()] if h.at != space.institution
    ]
    index = PoolIndex.of(ctx, sources)
    filters = FilterIndex.of(ctx, by_earned(sources))
    return [
        rule
        for rule in readers(ctx, space.institution, index, others)
        if any(
            any(h.key.endswith("#plan") for h in option)
            for option in _source_choices(ctx, rule.when, sources, index, filters)
        )
    ]


def _fill_rules(space: Space, rules: Sequence[TransferRule]) -> None:
    """Source choices of every rule over held and candidate holdings, and the grant items."""
    ctx = space.ctx
    institution = space.institution
    sources = [
        h
        for h in [*space.prepared.valid, *space.candidates.values()]
        if not native_at(h, institution)
    ]
    allow = ("guaranteed",) + (
        ("recommended", "discretionary") if space.options.include_discretionary else ()
    )
    space.rules = {}
    space.discretionary = set()
    index = PoolIndex.of(ctx, sources)
    filters = FilterIndex.of(ctx, by_earned(sources))
    for rule in rules:
        alts = []
        for option in _source_choices(ctx, rule.when, sources, index, filters):
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
    above = superseding(entry.rule for entry in space.rules.values())
    for entry in space.rules.values():
        entry.superseded_by = above[entry.rule.id]
    held = held_cover(space.catalog, space.valid_ids)
    space.grants = []
    for entry in space.rules.values():
        if not entry.counted:
            continue
        guarantee = space.catalog.policies[entry.rule.policy].guarantee
        for a, alt in enumerate(entry.alts):
            if not alt.effective:
                continue
            fired = Fired(rule=entry.rule, sources=alt.sources, guarantee=guarantee, counted=True)
            for position, grant in enumerate(entry.rule.grants):
                if grant.credential is not None and grant.credential in held:
                    continue  # a duplicate of what the learner holds
                item = grant_holding(ctx, fired, position, grant)
                item = replace(item, key=f"{entry.rule.id}>{position}/{a}")
                space.grants.append(
                    GrantItem(held=item, rule=entry.rule.id, alt=a, position=position)
                )
    space.pool = sorted(
        [
            own_credit_in_goals(space.catalog, h)
            for h in (*space.prepared.valid, *space.candidates.values())
        ]
        + [g.held for g in space.grants],
        key=lambda h: (h.granted, h.earned or date.min, h.key),
    )
    space.unit = math.lcm(*(h.credits.denominator for h in space.pool), space.catalog.unit)


def _source_choices(
    ctx: Context, when: Requirement, pool: Sequence[Held], index: PoolIndex, filters: FilterIndex
) -> list[tuple[Held, ...]]:
    """Every source set a rule's ``when`` may fire on over held and candidate holdings, in
    transfer's preference (:func:`~pathways.evaluate.transfers.when_choices`), ending at the
    first set made of held holdings only (transfer would always pick it) or at
    :data:`MAX_SOURCE_CHOICES`. ``index`` and ``filters`` are ``pool`` indexed, as
    :func:`~pathways.evaluate.transfers.when_choices` takes them."""
    return when_choices(
        ctx,
        when,
        pool,
        Mods(),
        limit=MAX_SOURCE_CHOICES,
        enough=lambda choice: not any(h.key.endswith("#plan") for h in choice),
        index=index,
        filters=filters,
    )


def meets(
    ctx: Context,
    req: Requirement,
    pool: Sequence[Held],
    self_inst: str | None,
    mods: Mods | None = None,
    stack: tuple[str, ...] = (),
    index: PoolIndex | None = None,
) -> bool:
    """Whether ``pool`` meets ``req`` without consuming anything (a prerequisite check).

    A composite that is not held is met by its requirement tree (credit total and limits
    are not checked). ``index``, when given, is ``pool`` indexed, for a caller asking about
    many requirements of one pool.
    """
    return _Meets(ctx, pool, index).visit(req, ((mods or Mods()).add(req), self_inst, stack))


_MeetsAt = tuple[Mods, str | None, tuple[str, ...]]
"""The modifiers of the path to a requirement (its own included), the issuer whose tree it
is, and the composites being expanded around it."""


class _Meets(Visitor[_MeetsAt, bool]):
    """:func:`meets`, one method per requirement form."""

    def __init__(self, ctx: Context, pool: Sequence[Held], index: PoolIndex | None) -> None:
        self.ctx, self.pool, self.index = ctx, pool, index

    def _child(self, req: Requirement, at: _MeetsAt) -> bool:
        mods, self_inst, stack = at
        return self.visit(req, (mods.add(req), self_inst, stack))

    def has(self, req: Requirement, target: str, context: _MeetsAt) -> bool:
        ctx, (mods, _, stack) = self.ctx, context
        if self.index is None:
            self.index = PoolIndex.of(ctx, self.pool)
        for option in options_for(ctx, target, self.index):
            if all(check_mods(h, mods, ctx.as_of) is None for h in option):
                return True
        if target in ctx.catalog.versions and target not in stack:
            cred = ctx.catalog.credential(target, on=ctx.as_of)
            if cred.requires is not None:
                return self._child(cred.requires, (mods, cred.issuer, (*stack, target)))
        return False

    def group(self, req: Requirement, context: _MeetsAt) -> bool:
        met = sum(self._child(c, context) for c in req.children)
        need = {"all": len(req.children), "any": 1}.get(req.kind, req.at_least or 0)
        return met >= need

    def filtered(self, req: Requirement, context: _MeetsAt) -> bool:
        ctx, (mods, self_inst, _) = self.ctx, context
        kind = req.kind
        test = FilterTest.of(req.from_ or Filter())
        matching = [
            h
            for h in self.pool
            if test(ctx, h, self_inst)
            and check_mods(h, mods, ctx.as_of) is None
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


def _prune_unachievable(space: Space, rules: Sequence[TransferRule]) -> None:
    """Drop candidates whose prerequisites no set of held and candidate credentials meets."""
    while True:
        reachable = space.candidates
        pool = [*space.prepared.valid, *reachable.values(), *(g.held for g in space.grants)]
        index = PoolIndex.of(space.ctx, pool)
        dropped = {}
        for ident, held in reachable.items():
            cred = held.cred
            assert cred is not None
            if cred.prerequisites is not None and not meets(
                space.ctx, cred.prerequisites, pool, cred.issuer, index=index
            ):
                label = cred.prerequisites.label or _requirement_text(
                    cred.prerequisites, space.catalog.tags
                )
                dropped[ident] = f"{ident}'s prerequisites cannot be met ({label})"
        if not dropped:
            return
        space.excluded.update(dropped)
        space.candidates = {k: v for k, v in reachable.items() if k not in dropped}
        _fill_rules(space, rules)


def _requirement_text(req: Requirement, tags: Mapping[str, Tag]) -> str:
    """``req`` in a few words, for the reason a candidate is dropped."""
    return fold(req, _Words(tags))


class _Words(Folder[str]):
    """:func:`_requirement_text`, one method per requirement form."""

    def __init__(self, tags: Mapping[str, Tag]) -> None:
        self.tags = tags

    def has(self, req: Requirement, target: str) -> str:
        return target

    def group(self, req: Requirement, children: Sequence[str]) -> str:
        inner = {"all": " and ", "any": " or "}.get(req.kind, ", ").join(children)
        return f"{req.at_least} of {inner}" if req.kind == "at_least" else inner

    def filtered(self, req: Requirement) -> str:
        amount = credit_count(req.credits) if req.credits is not None else f"{req.count}"
        return f"{amount} of {describe_filter(req.from_ or Filter(), self.tags)}"
