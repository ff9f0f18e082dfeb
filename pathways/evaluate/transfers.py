"""Transfer semantics, in one place: which rules fire, which tier wins, what each grants.

:func:`fire_rules` applies every rule of an institution to a pool of holdings: a rule fires
when its ``when`` tree is met by holdings not native there (:func:`native_at`: credit earned
elsewhere, or a non-credit holding earned there), on a day the rule was in effect;
a higher tier supersedes the rules it names; each credential is granted once (earliest
source, then rule id), and a grant of what the learner already holds (the credential, or
another single member of its equivalence: :func:`duplicates_of`) is a duplicate; only
guaranteed credit counts unless ``include_discretionary``. Audit and plan both use it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from pathways.catalog.grammar import Visitor
from pathways.catalog.model import (
    Filter,
    Grant,
    Requirement,
    TransferRule,
)
from pathways.evaluate.holdings import Held, Prepared, native_at
from pathways.evaluate.matching import (
    Context,
    FilterIndex,
    FilterTest,
    Mods,
    PoolIndex,
    check_mods,
    options_for,
)
from pathways.evaluate.results import GrantedCredit, TransferLine, number

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog


# --------------------------------------------------------------------------- transfer


@dataclass
class Fired:
    rule: TransferRule
    sources: tuple[Held, ...]
    guarantee: str
    counted: bool
    superseded_by: str | None = None
    grants: list[Held] = field(default_factory=list)
    duplicate_grants: list[Held] = field(default_factory=list)


@dataclass
class TransferResult:
    fired: list[Fired]
    granted: list[Held]
    reasons: dict[str, tuple[str, str]]
    """Reasons for own holdings that a rule looked at but did not fire on."""


def when_choices(
    ctx: Context,
    req: Requirement,
    pool: Sequence[Held],
    mods: Mods,
    *,
    limit: int = 1,
    enough: Callable[[tuple[Held, ...]], bool] | None = None,
    misses: dict[str, tuple[str, str]] | None = None,
    index: PoolIndex | None = None,
    filters: FilterIndex | None = None,
) -> list[tuple[Held, ...]]:
    """The source sets in ``pool`` that meet ``req`` (a rule's ``when``), best first: the one
    place that says which holdings a rule fires on.

    Transfer fires a rule on the first set (``limit=1``); the planner asks for more. The order
    is: of a ``has``, its options by latest earned date, then keys; of an ``all``, every
    child's choices combined in order; of an ``any``, each child's choices, first child first;
    of an ``at_least: k``, the first ``k`` met children; of a ``credits``/``count`` leaf, the
    earliest-earned matching holdings that reach it. A holding appears once in a set. The list
    holds at most ``limit`` sets and ends after the first set for which ``enough`` holds.
    A holding that fails a grade, score or date modifier is recorded in ``misses`` (first
    reason kept); empty means the rule does not fire on ``pool``. ``index``, when given, is
    ``pool`` indexed (:class:`PoolIndex`), and ``filters`` is :func:`by_earned` of ``pool``
    indexed (:class:`FilterIndex`), for a caller asking many questions of one pool.
    """
    return _Choices(ctx, pool, limit, enough, misses, index, filters).visit(req, mods.add(req))


def by_earned(pool: Iterable[Held]) -> list[Held]:
    """``pool`` in the order a filter's matches are tried: earliest earned first, then key."""
    return sorted(pool, key=lambda h: (h.earned or date.min, h.key))


Choices = list[tuple[Held, ...]]


@dataclass
class _Choices(Visitor[Mods, Choices]):
    """:func:`when_choices`, one method per requirement form; the context is the modifiers
    of the path to the requirement (its own included)."""

    ctx: Context
    pool: Sequence[Held]
    limit: int
    enough: Callable[[tuple[Held, ...]], bool] | None
    misses: dict[str, tuple[str, str]] | None
    index: PoolIndex | None
    """``pool`` indexed, made by the first group that needs it (a leaf alone scans)."""
    filters: FilterIndex | None
    """:func:`by_earned` of ``pool`` indexed, when the caller gave it."""

    @property
    def wide(self) -> int:
        """How many sets a node enumerates before cutting to ``limit``."""
        return self.limit * 4

    def has(self, req: Requirement, target: str, context: Mods) -> Choices:
        found = []
        for option in options_for(
            self.ctx, target, self.pool if self.index is None else self.index
        ):
            failure = next(
                (f for h in option if (f := check_mods(h, context, self.ctx.as_of))), None
            )
            if failure is None:
                found.append(option)
            elif self.misses is not None:
                for h in option:
                    self.misses.setdefault(h.key, failure)
        found.sort(key=lambda o: (max(h.earned or date.min for h in o), [h.key for h in o]))
        return _cut(found, self.limit, self.enough)

    def group(self, req: Requirement, context: Mods) -> Choices:
        kind = req.kind
        if self.index is None:
            self.index = PoolIndex.of(self.ctx, self.pool)
        children = [self.visit(child, context.add(child)) for child in req.children]
        combos: Iterable[tuple[tuple[Held, ...], ...]]
        if kind == "any":
            combos = ((c,) for lst in children for c in lst)
        elif kind == "all":
            combos = itertools.product(*children)
        else:
            combos = (
                combo
                for chosen in itertools.combinations(range(len(children)), req.at_least or 0)
                for combo in itertools.product(*(children[i] for i in chosen))
            )
        found = [
            tuple({h.key: h for part in combo for h in part}.values())
            for combo in itertools.islice(combos, self.wide)
        ]
        return _cut(found, self.limit, self.enough)

    def filtered(self, req: Requirement, context: Mods) -> Choices:
        flt = req.from_ or Filter()
        matching = []
        test = FilterTest.of(flt)
        passing = (
            self.filters.passing(self.ctx, test, None)
            if self.filters is not None
            else [h for h in by_earned(self.pool) if test(self.ctx, h, None)]
        )
        for held in passing:
            failure = check_mods(held, context, self.ctx.as_of)
            if failure is None:
                matching.append(held)
            elif self.misses is not None:
                self.misses.setdefault(held.key, failure)
        if req.kind == "count":
            count = req.count or 0
            found = list(itertools.islice(itertools.combinations(matching, count), self.wide))
            return _cut(found, self.limit, self.enough)
        return _cut(
            _credit_sets(matching, req.credits or Fraction(0), self.wide), self.limit, self.enough
        )


def _credit_sets(matching: list[Held], need: Fraction, wide: int) -> Choices:
    """Up to ``wide`` sets of ``matching`` (in order) whose credit first reaches ``need``."""
    found: Choices = []
    rest = [Fraction(0)] * (len(matching) + 1)  # credit of matching[i:], to prune dead ends
    for i in reversed(range(len(matching))):
        rest[i] = rest[i + 1] + matching[i].credits

    def grow(prefix: tuple[Held, ...], total: Fraction, start: int) -> None:
        if len(found) >= wide:
            return
        if total >= need:
            found.append(prefix)
            return
        if total + rest[start] < need:
            return
        for i in range(start, len(matching)):
            grow((*prefix, matching[i]), total + matching[i].credits, i + 1)

    grow((), Fraction(0), 0)
    return found


def _cut(
    found: list[tuple[Held, ...]],
    limit: int,
    enough: Callable[[tuple[Held, ...]], bool] | None,
) -> list[tuple[Held, ...]]:
    """The first ``limit`` sets, ending after the first one ``enough`` accepts."""
    if enough is not None:
        for position, choice in enumerate(found[:limit]):
            if enough(choice):
                return found[: position + 1]
    return found[:limit]


def fire_rules(
    ctx: Context,
    prepared: Prepared,
    institution: str,
    *,
    include_discretionary: bool,
) -> TransferResult:
    """Fire every rule that applies at ``institution`` on the valid own holdings."""
    catalog = ctx.catalog
    reasons: dict[str, tuple[str, str]] = {}
    fired: list[Fired] = []
    pool = [h for h in prepared.valid if not native_at(h, institution)]
    index = PoolIndex.of(ctx, pool)
    for rule in readers(ctx, institution, index):
        misses: dict[str, tuple[str, str]] = {}
        choices = when_choices(ctx, rule.when, pool, Mods(), misses=misses, index=index)
        if not choices:
            for key, why in misses.items():
                reasons.setdefault(key, why)
            continue
        sources = choices[0]
        latest = max((h.earned for h in sources if h.earned), default=None)
        if (
            rule.effective is not None
            and latest is not None
            and not rule.effective.contains(latest)
        ):
            for h in sources:
                reasons.setdefault(
                    h.key,
                    (
                        "not_effective",
                        f"rule {rule.id} was not in effect on {latest}, when its source was earned",
                    ),
                )
            continue
        guarantee = catalog.policies[rule.policy].guarantee
        counted = guarantee == "guaranteed" or include_discretionary
        fired.append(Fired(rule=rule, sources=sources, guarantee=guarantee, counted=counted))

    above = superseding(f.rule for f in fired)
    for f in fired:
        f.superseded_by = next(iter(above[f.rule.id]), None)
    native = held_cover(catalog, (h.credential for h in prepared.valid if h.credential))
    granted = _give(ctx, fired, above, native)
    return TransferResult(fired=fired, granted=granted, reasons=reasons)


def readers(
    ctx: Context, institution: str, index: PoolIndex, among: Container[str] | None = None
) -> list[TransferRule]:
    """The rules at ``institution`` (of ids in ``among``, when given), in id order, whose
    ``when`` may read a holding of the indexed pool; :func:`when_choices` finds nothing and
    records no miss for the others (most of an institution's rules, for most learners), so a
    caller may skip them. A rule is kept when
    :meth:`~pathways.catalog.compile.CompiledCatalog.rule_sources` is None or meets the
    pool's ids: each holding's credential, the equivalences it is a member of, and every id
    a holding substitutes for."""
    borne = set(index.by_id) | set(index.by_equivalence)
    for target, substitutes in ctx.substitutes.items():
        if any(s in index.by_id for s in substitutes):
            borne.add(target)
    rules = ctx.catalog.rules_at(institution)
    found = ctx.catalog.rule_readers(institution)
    positions = set(found.anyone)
    for ident in borne:
        positions.update(found.by_id.get(ident, ()))
    kept = (rules[position] for position in sorted(positions))
    return [rule for rule in kept if among is None or rule.id in among]


def _give(
    ctx: Context,
    fired: Sequence[Fired],
    above: Mapping[str, tuple[str, ...]],
    native: set[str],
) -> list[Held]:
    """Fill each fired rule's ``grants`` and ``duplicate_grants``; return the counted grants
    in :func:`grant_rank` order. Which counted grant is given is :func:`grant_presence`'s
    choice; a grant that does not count is listed unless the learner holds it natively or
    a counted grant of it ranks first."""
    ranked: list[tuple[tuple[date, str, int], Fired, Held]] = []
    options: list[GrantOption] = []
    for f in fired:
        if f.superseded_by is not None:
            continue
        earliest = min((h.earned or date.min for h in f.sources), default=date.min)
        for position, grant in enumerate(f.rule.grants):
            held = grant_holding(ctx, f, position, grant)
            ranked.append((grant_rank(earliest, f.rule.id, position), f, held))
            if f.counted:
                same = credit_class(ctx.catalog, held.credential) if held.credential else None
                options.append(
                    GrantOption(held.key, f.rule.id, 0, position, held.credential, earliest, same)
                )
    given = grant_presence(
        {
            f.rule.id: RuleAlternatives(effective=[True], superseded_by=above[f.rule.id])
            for f in fired
        },
        options,
        Bools(),
        available=lambda _rule, _alt: True,
        held=lambda credential: credential in native,
    )
    ranked.sort(key=lambda entry: entry[0])
    granted_ids: set[str] = set()
    granted: list[Held] = []
    for _, f, held in ranked:
        if f.counted:
            listed = given[held.key]
        else:
            listed = held.credential is None or not (
                credit_class(ctx.catalog, held.credential) in granted_ids
                or held.credential in native
            )
        if not listed:
            f.duplicate_grants.append(held)
            continue
        f.grants.append(held)
        if f.counted:
            if held.credential is not None:
                granted_ids.add(credit_class(ctx.catalog, held.credential))
            granted.append(held)
    return granted


def duplicates_of(catalog: CompiledCatalog, ident: str) -> frozenset[str]:
    """The ids that give the same credit as ``ident``: itself, the equivalences it is a
    member of on its own (not as part of a sequence), and their other single members; for an
    equivalence, itself and its single members. A grant of any of them to a learner who holds
    ``ident`` (or was granted it) is a ``duplicate``. One step through equivalences, so the
    relation is symmetric."""
    found = {ident}
    codes = [ident] if ident in catalog.equivalences else []
    codes += [
        code
        for code in catalog.member_of.get(ident, ())
        if any(member.all == (ident,) for member in catalog.equivalences[code].members)
    ]
    for code in codes:
        found.add(code)
        found.update(m.all[0] for m in catalog.equivalences[code].members if len(m.all) == 1)
    return frozenset(found)


def credit_class(catalog: CompiledCatalog, ident: str) -> str:
    """One id standing for every id of :func:`duplicates_of` (the smallest), so grants of
    the same credit under different ids are given once."""
    return min(duplicates_of(catalog, ident))


def held_cover(catalog: CompiledCatalog, held: Iterable[str]) -> set[str]:
    """Every id a grant of which duplicates something in ``held``."""
    cover: set[str] = set()
    for ident in held:
        cover |= duplicates_of(catalog, ident)
    return cover


def grant_holding(ctx: Context, fired: Fired, position: int, grant: Grant) -> Held:
    """The holding a rule's grant gives: grade CR, the rule's policy, the source's provenance."""
    rule = fired.rule
    sources = fired.sources
    first = sources[0] if sources else None
    earned = max((h.earned for h in sources if h.earned), default=None)
    held = Held(
        key=f"{rule.id}>{position}",
        credential=None,
        cred=None,
        index=None,
        earned=earned,
        grade="CR",
        score=None,
        hours=None,
        credits=Fraction(0),
        kind="transfer-block",
        subject=None,
        level=None,
        tags=grant.tags,
        issuer=None,
        badge_type=None,
        at=first.at if first else None,
        via=rule.policy,
        rule=rule.id,
        sources=tuple(h.key for h in sources),
        counts_toward=rule.counts_toward,
        label=grant.label,
    )
    ident = grant.credential
    if ident is not None and ident in ctx.catalog.equivalences:
        eq = ctx.catalog.equivalences[ident]
        return replace(
            held, credential=ident, credits=eq.credits, kind="course", subject=eq.subject,
            level=eq.level, label=grant.label or eq.title,
        )  # fmt: skip
    if ident is not None:
        cred = ctx.catalog.credential(ident, on=earned)
        return replace(
            held, credential=ident, cred=cred, credits=cred.credits, kind=cred.kind,
            subject=cred.subject, level=cred.level, tags=cred.tags, issuer=cred.issuer,
        )  # fmt: skip
    if grant.credits == "as_earned":
        return replace(
            held,
            credits=sum((h.credits for h in sources), Fraction(0)),
            subject=first.subject if first else None,
            level=first.level if first else None,
            label=grant.label or f"{rule.id} block credit",
        )
    return replace(
        held, credits=grant.credits or Fraction(0), subject=grant.subject, level=grant.level,
        label=grant.label or f"{rule.id} block credit",
    )  # fmt: skip


def transfer_line(
    fired: Fired, catalog: CompiledCatalog, applied: bool | None = None
) -> TransferLine:
    policy = catalog.policies[fired.rule.policy]
    status: Literal["granted", "possible", "superseded"] = "granted"
    if fired.superseded_by is not None:
        status = "superseded"
    elif fired.guarantee != "guaranteed":
        status = "possible"
    grants = [
        GrantedCredit(credential=h.credential, credits=number(h.credits), label=h.label)
        for h in fired.grants
    ] + [
        GrantedCredit(
            credential=h.credential, credits=number(h.credits), label=h.label, status="duplicate"
        )
        for h in fired.duplicate_grants
    ]
    if fired.superseded_by is not None:
        grants = [
            GrantedCredit(
                credential=g.credential,
                credits=number(
                    catalog.credential(g.credential).credits
                    if g.credential and g.credential in catalog.versions
                    else (g.credits if isinstance(g.credits, Fraction) else Fraction(0))
                ),
                label=g.label,
            )
            for g in fired.rule.grants
        ]
    return TransferLine(
        rule=fired.rule.id,
        policy=fired.rule.policy,
        guarantee=fired.guarantee,
        citation=fired.rule.source or policy.source,
        from_=sorted({h.credential or h.name for h in fired.sources}),
        granted=grants,
        label=fired.rule.label,
        status=status,
        counts_toward=list(fired.rule.counts_toward) if fired.rule.counts_toward else None,
        applied=applied,
    )


# --------------------------------------------------------------------------- the choice, abstractly

Lit = TypeVar("Lit")


class Logic(Protocol[Lit]):
    """Boolean connectives over some kind of truth value (Python bools, solver literals…)."""

    def and_(self, lits: Iterable[Lit]) -> Lit: ...

    def or_(self, lits: Iterable[Lit]) -> Lit: ...

    def not_(self, lit: Lit) -> Lit: ...


class Bools:
    """:class:`Logic` over Python bools: evaluates the choice for one known situation."""

    def and_(self, lits: Iterable[bool]) -> bool:
        return all(lits)

    def or_(self, lits: Iterable[bool]) -> bool:
        return any(lits)

    def not_(self, lit: bool) -> bool:
        return not lit


@dataclass(frozen=True, slots=True)
class RuleAlternatives:
    """One rule as the choice sees it: for each of its source sets, in transfer's order of
    preference, whether the rule was in effect for it; and the rules that supersede it."""

    effective: Sequence[bool]
    superseded_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GrantOption:
    """One grant a rule gives when it fires on its ``alt``-th source set."""

    key: str
    rule: str
    alt: int
    position: int
    credential: str | None
    earliest: date
    """The earliest earned day among the source set's holdings (the first tie-break)."""
    same_as: str | None = None
    """The credit class (:func:`credit_class`) of ``credential``: grants of one class are
    given once; ``None`` reads as ``credential`` itself."""


def grant_rank(earliest: date, rule: str, position: int) -> tuple[date, str, int]:
    """Which of several grants of one credential wins: earliest source, then rule id, then
    the grant's position in the rule."""
    return (earliest, rule, position)


def superseding(rules: Iterable[TransferRule]) -> dict[str, tuple[str, ...]]:
    """Rule id → the ids among ``rules`` that supersede it (a higher tier replaces it)."""
    listed = list(rules)
    return {
        rule.id: tuple(other.id for other in listed if rule.id in other.supersedes)
        for rule in listed
    }


def grant_presence(
    rules: Mapping[str, RuleAlternatives],
    grants: Sequence[GrantOption],
    logic: Logic[Lit],
    *,
    available: Callable[[str, int], Lit],
    held: Callable[[str], Lit],
) -> dict[str, Lit]:
    """Grant key → whether the grant is given, in ``logic``'s terms.

    The rules of transfer (``docs/semantics.md#transfer``), written once: a rule fires on its
    first source set that is ``available(rule, position)``, if it was in effect for that
    set; a rule does not fire when a rule superseding it fires; a credential (or credit class,
    ``same_as``) is granted once, by :func:`grant_rank`, and never when ``held`` (the learner
    holds it, or the same credit, natively). Block credit (no credential) is given whenever
    its rule fires on that set.
    """
    chosen: dict[tuple[str, int], Lit] = {}
    fires: dict[str, Lit] = {}
    for ident, entry in rules.items():
        earlier: list[Lit] = []
        effective: list[Lit] = []
        for position in range(len(entry.effective)):
            here = available(ident, position)
            pick = logic.and_([here, *(logic.not_(e) for e in earlier)])
            chosen[(ident, position)] = pick
            if entry.effective[position]:
                effective.append(pick)
            earlier.append(here)
        fires[ident] = logic.or_(effective)
    live = {
        ident: logic.and_([fires[ident], *(logic.not_(fires[u]) for u in entry.superseded_by)])
        for ident, entry in rules.items()
    }
    presence: dict[str, Lit] = {}
    by_credential: dict[str, list[tuple[tuple[date, str, int], GrantOption]]] = {}
    for grant in grants:
        base = logic.and_([chosen[(grant.rule, grant.alt)], live[grant.rule]])
        if grant.credential is None:
            presence[grant.key] = base
        else:
            rank = grant_rank(grant.earliest, grant.rule, grant.position)
            same = grant.same_as or grant.credential
            by_credential.setdefault(same, []).append((rank, grant))
    for entries in by_credential.values():
        entries.sort(key=lambda e: e[0])
        before: list[Lit] = []
        for _, grant in entries:
            assert grant.credential is not None
            native = logic.not_(held(grant.credential))
            base = logic.and_([chosen[(grant.rule, grant.alt)], live[grant.rule]])
            presence[grant.key] = logic.and_([base, native, *(logic.not_(b) for b in before)])
            before.append(base)
    return presence
