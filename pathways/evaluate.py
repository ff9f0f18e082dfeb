"""Transfer and audit: what a learner's holdings are worth at an institution and toward a goal.

Both are pure functions of (compiled catalog, learner record, goal or institution, as-of date,
options) and return pydantic documents whose ``model_dump(mode="json")`` is the JSON contract
of DESIGN §6 (the CLI's ``--json`` and the API's body):

* :func:`transfer` → :class:`Statement`: which transfer rules fire at an institution, what
  each grants, under which policy, guarantee and citation, and why the rest does not count;
* :func:`audit` → :class:`Decision`: the goal's requirement tree with what is applied where
  (an exact allocation by :mod:`pathways.solver`), what remains, and a reason for every
  holding that is not applied.

The steps, each a function below: prepare the holdings (dates, grades, repeats, badges) →
fire transfer rules at the goal's institution → expand the goal into a solver problem
(nested composites inlined, eligibility and its reasons computed up front) → solve → read
the answer back into a Decision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from pathways import solver
from pathways.errors import UnknownIdError
from pathways.model import (
    GRADE_POINTS,
    NO_CREDIT_GRADES,
    PASS_GRADES,
    Credential,
    Filter,
    Grant,
    Holding,
    LearnerRecord,
    Requirement,
    TransferRule,
    add_duration,
)

if TYPE_CHECKING:
    from pathways.compile import CompiledCatalog

__all__ = [
    "REASON_CODES",
    "AppliedCredit",
    "Decision",
    "GrantedCredit",
    "NodeResult",
    "Statement",
    "TransferLine",
    "Unused",
    "audit",
    "transfer",
]

ReasonCode = Literal[
    "expired", "outside_window", "not_effective", "in_progress", "below_min_grade",
    "below_min_score", "cap_exceeded", "not_applicable", "duplicate", "superseded", "native",
    "unverified", "revoked", "not_needed",
]  # fmt: skip
REASON_CODES: tuple[str, ...] = ReasonCode.__args__  # type: ignore[attr-defined]
"""Every reason code an unused holding may carry (DESIGN §5)."""

COLLEGE_LEVELS = frozenset({"lower", "upper", "graduate"})

# --------------------------------------------------------------------------- documents


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True, populate_by_name=True)


class GrantedCredit(_Doc):
    credential: str | None
    credits: float
    label: str | None = None
    status: Literal["granted", "duplicate"] = "granted"


class TransferLine(_Doc):
    """One transfer rule that fired: its sources, what it grants, and on what authority."""

    rule: str
    policy: str
    guarantee: Literal["guaranteed", "recommended", "discretionary"]
    citation: str | None
    from_: list[str] = Field(alias="from")
    granted: list[GrantedCredit]
    label: str | None = None
    status: Literal["granted", "possible", "superseded"] = "granted"
    """``possible``: recommended/discretionary credit not counted; ``superseded``: a higher
    tier fired instead."""
    counts_toward: list[str] | None = None
    applied: bool | None = None
    """In an audit: whether any of its grants was applied to the goal."""


class Unused(_Doc):
    credential: str | None
    reason_code: ReasonCode
    reason: str
    index: int | None = None
    """Position of the holding in the learner record."""


class AppliedCredit(_Doc):
    credential: str | None
    credits: float
    via: str | None = None
    """The transfer rule that granted it, if any."""
    substitute_for: str | None = None
    label: str | None = None


class NodeResult(_Doc):
    label: str
    status: Literal["met", "partial", "unmet"]
    applied: list[AppliedCredit] = []
    missing: str | None = None
    children: list[NodeResult] = []
    waived: bool = False
    overlay: bool = False


class Credits(_Doc):
    applied: float
    required: float


class Statement(_Doc):
    institution: str
    learner: str
    as_of: date
    catalog_version: str
    credits: float
    possible: float
    transfers: list[TransferLine]
    unused: list[Unused]


class Decision(_Doc):
    goal: str
    title: str
    institution: str | None
    learner: str
    as_of: date
    catalog_version: str
    status: Literal["complete", "in_progress"]
    projected: bool
    credits: Credits
    gpa: float | None
    requirements: NodeResult
    transfers: list[TransferLine]
    unused: list[Unused]
    remaining: list[NodeResult]
    waived: list[str]
    substitutions: list[dict[str, str]] = []
    optimal: bool = True


# --------------------------------------------------------------------------- holdings


@dataclass(frozen=True, slots=True)
class Held:
    """A holding as the evaluator sees it: the learner's own, or granted by a transfer rule."""

    key: str
    credential: str | None
    cred: Credential | None
    index: int | None
    earned: date | None
    grade: str | None
    score: float | None
    hours: float | None
    credits: Fraction
    kind: str
    subject: str | None
    level: str | None
    tags: tuple[str, ...]
    issuer: str | None
    badge_type: str | None
    at: str | None
    claimed: date | None = None
    via: str | None = None
    rule: str | None = None
    sources: tuple[str, ...] = ()
    counts_toward: tuple[str, ...] | None = None
    label: str | None = None

    @property
    def granted(self) -> bool:
        return self.rule is not None

    @property
    def name(self) -> str:
        return self.credential or self.label or "block credit"


@dataclass
class _Prepared:
    valid: list[Held]
    reasons: dict[str, tuple[str, str]]
    """Key → (reason code, sentence) for own holdings that cannot meet anything."""
    own: list[Held]
    badges: list[tuple[int, str, str]] = field(default_factory=list)


def _grade_points(grade: str | None) -> float:
    if grade is None:
        return -1.0
    if grade in PASS_GRADES:
        return 2.0
    return GRADE_POINTS.get(grade, -1.0)


def _judge_day(held: Held, as_of: date) -> date:
    return held.claimed or as_of


def _prepare(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    as_of: date,
    *,
    projected: bool,
    trust: Sequence[str],
    badge_resolver: Any = None,
) -> _Prepared:
    """Resolve every holding to a :class:`Held` and find those that cannot meet anything."""
    own: list[Held] = []
    reasons: dict[str, tuple[str, str]] = {}
    badges: list[tuple[int, str, str]] = []
    entries: list[tuple[int, Holding]] = []
    for index, holding in enumerate(record.holdings):
        if holding.badge is not None:
            verified = _verify_badge(catalog, record, holding, as_of, trust, badge_resolver)
            if isinstance(verified, list):
                entries.extend((index, found) for found in verified)
            else:
                code, sentence = verified
                key = f"badge#{index}"
                badges.append((index, code, sentence))
                reasons[key] = (code, sentence)
            continue
        entries.append((index, holding))

    held_ids = {h.credential for _, h in entries if h.credential}
    components = {
        ident: _components(catalog, ident)
        for ident in held_ids
        if ident in catalog.versions and catalog.credential(ident).composite
    }
    for index, holding in entries:
        ident = holding.credential
        assert ident is not None
        if ident not in catalog.versions:
            raise UnknownIdError("credential", ident, catalog.versions)
        earned = holding.earned or (as_of if holding.status != "earned" else None)
        cred = catalog.credential(ident, on=earned)
        credits = holding.credits if holding.credits is not None else cred.credits
        if cred.composite and holding.credits is None:
            # An awarded composite's credit lives in its components: when the record holds
            # some of them too, the composite carries only the rest, so nothing counts twice
            # and adding a component never lowers the total.
            inside = sum(
                (catalog.credential(c).credits for c in components[ident] & held_ids),
                Fraction(0),
            )
            credits = max(Fraction(0), credits - inside)
        if holding.grade in NO_CREDIT_GRADES:
            credits = Fraction(0)
        held = Held(
            key="",
            credential=ident,
            cred=cred,
            index=index,
            earned=earned,
            grade=holding.grade,
            score=holding.score,
            hours=holding.hours if holding.hours is not None else cred.hours,
            credits=credits,
            kind=cred.kind,
            subject=cred.subject,
            level=cred.level,
            tags=cred.tags,
            issuer=cred.issuer,
            badge_type=cred.badge_type,
            at=holding.at or cred.issuer,
            claimed=holding.claimed,
        )
        own.append(held)

    # A stable order that does not depend on the record's order: by credential, date, grade.
    own.sort(
        key=lambda h: (
            h.credential or "",
            h.earned or date.min,
            -_grade_points(h.grade),
            h.score or 0,
            h.at or "",
            h.index or 0,
        )
    )
    seen: dict[str, int] = {}
    keyed = []
    for held in own:
        base = held.credential or "block"
        seen[base] = seen.get(base, 0) + 1
        keyed.append(replace(held, key=f"{base}#{seen[base]}"))
    own = keyed

    valid: list[Held] = []
    for held in own:
        problem = _invalidity(catalog, held, record, as_of, projected=projected)
        if problem is not None:
            reasons[held.key] = problem
        else:
            valid.append(held)

    # Repeated courses: the best attempt counts, once.
    best: dict[str, Held] = {}
    for held in valid:
        if held.kind != "course" or held.credential is None:
            continue
        other = best.get(held.credential)
        if other is None or _attempt_rank(held) > _attempt_rank(other):
            best[held.credential] = held
    kept = []
    for held in valid:
        winner = best.get(held.credential or "")
        if held.kind == "course" and winner is not None and winner.key != held.key:
            reasons[held.key] = (
                "duplicate",
                f"{held.credential} was repeated; the attempt of {winner.earned} counts",
            )
        else:
            kept.append(held)
    return _Prepared(valid=kept, reasons=reasons, own=own, badges=badges)


def _components(catalog: CompiledCatalog, ident: str) -> set[str]:
    """Every credential id a composite's tree names, through nested composites."""
    found: set[str] = set()
    todo = [ident]
    while todo:
        for version in catalog.versions.get(todo.pop(), ()):
            stack = [version.requires] if version.requires else []
            while stack:
                req = stack.pop()
                stack.extend(req.children)
                named = [req.has] if req.has else list(req.from_.ids or ()) if req.from_ else []
                for other in named:
                    if other in found:
                        continue
                    found.add(other)
                    todo.append(other)
                    if other in catalog.equivalences:
                        for member in catalog.equivalences[other].members:
                            found.update(member.all)
    return found


def _attempt_rank(held: Held) -> tuple[float, date]:
    return (_grade_points(held.grade), held.earned or date.min)


def _invalidity(
    catalog: CompiledCatalog,
    held: Held,
    record: LearnerRecord,
    as_of: date,
    *,
    projected: bool,
) -> tuple[str, str] | None:
    """Why a holding can meet nothing at all (DESIGN §5 "What meets a requirement"), or None."""
    holding = record.holdings[held.index or 0]
    if holding.status != "earned" and not projected:
        return ("in_progress", f"{held.credential} is {holding.status.replace('_', ' ')}")
    if held.grade in NO_CREDIT_GRADES:
        return ("below_min_grade", f"grade {held.grade} earns no credit")
    cred = held.cred
    assert cred is not None
    if held.earned is not None and cred.effective and not cred.effective.contains(held.earned):
        return (
            "not_effective",
            f"{held.credential} was not in effect on {held.earned} (the date it was earned)",
        )
    if cred.valid_for and held.earned is not None:
        day = _judge_day(held, as_of)
        lapse = add_duration(held.earned, cred.valid_for)
        if lapse < day:
            return ("expired", f"{held.credential} expired on {lapse} (valid for {cred.valid_for})")
    return None


def _verify_badge(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    holding: Holding,
    as_of: date,
    trust: Sequence[str],
    resolver: Any,
) -> list[Holding] | tuple[str, str]:
    """Verify an Open Badges / CLR holding: the holdings it proves, or (reason code, sentence)."""
    try:
        from pathways.interop import verify_badge
    except ImportError:
        return ("unverified", "badge verification is not available in this installation")
    assert holding.badge is not None
    result = verify_badge(
        holding.badge,
        catalog=catalog,
        as_of=as_of,
        resolver=resolver,
        trust=tuple(trust),
        identity=record.learner.identity,
    )
    found = result.holdings() if result.verified else []  # a CLR carries several
    if found:
        if holding.status != "earned":
            found = [h.model_copy(update={"status": holding.status}) for h in found]
        return found
    code = "revoked" if result.reason_code == "revoked" else "unverified"
    return (code, f"badge not counted: {result.reason_code}: {result.reason}")


# --------------------------------------------------------------------------- matching


@dataclass
class _Context:
    """What the matching functions need to know about one evaluation."""

    catalog: CompiledCatalog
    as_of: date
    substitutes: Mapping[str, tuple[str, ...]]
    """Credential id → the ids an exception lets stand in for it."""


@dataclass(frozen=True, slots=True)
class _Mods:
    """Modifiers accumulated from the root to a leaf."""

    min_grade: str | None = None
    min_score: float | None = None
    min_hours: float | None = None
    windows: tuple[str, ...] = ()

    def add(self, req: Requirement) -> _Mods:
        grade = self.min_grade
        if req.min_grade is not None and (
            grade is None or GRADE_POINTS[req.min_grade] > GRADE_POINTS[grade]
        ):
            grade = req.min_grade
        return _Mods(
            min_grade=grade,
            min_score=max(filter(None, (self.min_score, req.min_score)), default=None),
            min_hours=max(filter(None, (self.min_hours, req.min_hours)), default=None),
            windows=self.windows + ((req.earned_within,) if req.earned_within else ()),
        )

    def phrase(self) -> str:
        parts = []
        if self.min_grade:
            parts.append(f" at grade {self.min_grade} or better")
        if self.min_score is not None:
            parts.append(f" with a score of at least {self.min_score:g}")
        if self.windows:
            parts.append(f" earned within {', '.join(self.windows)}")
        return "".join(parts)


def _check_mods(held: Held, mods: _Mods, as_of: date) -> tuple[str, str] | None:
    """Why ``held`` fails the modifiers on its path, or None when it passes them."""
    if mods.min_grade is not None and not held.granted and held.kind == "course":
        if held.grade is None:
            return ("below_min_grade", f"{held.name} has no grade; {mods.min_grade} is needed")
        if held.grade not in PASS_GRADES and (
            GRADE_POINTS.get(held.grade, -1.0) < GRADE_POINTS[mods.min_grade]
        ):
            return ("below_min_grade", f"grade {held.grade} is below {mods.min_grade}")
    if (
        mods.min_score is not None
        and not held.granted
        and (held.score is None or held.score < mods.min_score)
    ):
        got = "no score" if held.score is None else f"score {held.score:g}"
        return ("below_min_score", f"{got} is below {mods.min_score:g}")
    if (
        mods.min_hours is not None
        and not held.granted
        and (held.hours is None or held.hours < mods.min_hours)
    ):
        return ("not_applicable", f"{held.hours or 0:g} hours is below {mods.min_hours:g}")
    for window in mods.windows:
        if held.earned is None:
            continue
        day = _judge_day(held, as_of)
        if held.earned < add_duration(day, window, sign=-1):
            return ("outside_window", f"earned {held.earned}, not within {window} of {day}")
    return None


def _member_ids(ctx: _Context, equivalence: str, on: date | None) -> list[tuple[str, ...]]:
    eq = ctx.catalog.equivalences[equivalence]
    if eq.effective is not None and on is not None and not eq.effective.contains(on):
        return []
    return [
        m.all for m in eq.members if m.effective is None or on is None or m.effective.contains(on)
    ]


def _options_for(ctx: _Context, target: str, pool: Sequence[Held]) -> list[tuple[Held, ...]]:
    """Every set of holdings that together count as holding ``target`` (DESIGN §3 ``has``)."""
    by_id: dict[str, list[Held]] = {}
    for held in pool:
        if held.credential is not None:
            by_id.setdefault(held.credential, []).append(held)
    options: list[tuple[Held, ...]] = []

    def add(option: tuple[Held, ...]) -> None:
        keys = {h.key for h in option}
        if all({h.key for h in o} != keys for o in options):
            options.append(option)

    accepted = (target, *ctx.substitutes.get(target, ()))
    for ident in accepted:
        for held in by_id.get(ident, ()):
            add((held,))
    if target in ctx.catalog.equivalences:
        for held in pool:
            if held.credential is None:
                continue
            for members in _member_ids(ctx, target, held.earned):
                if members == (held.credential,):
                    add((held,))
        # Sequences: every part held, each on a day its membership was in effect.
        for member in ctx.catalog.equivalences[target].members:
            if len(member.all) > 1 and all(p in by_id for p in member.all):
                parts = tuple(by_id[p][0] for p in member.all)
                if member.effective is None or all(
                    p.earned is None or member.effective.contains(p.earned) for p in parts
                ):
                    add(parts)
    # The other direction: target and a held course are members of one equivalence.
    for equivalence in ctx.catalog.member_of.get(target, ()):
        for held in pool:
            if held.credential is None or held.credential == target:
                continue
            if equivalence in ctx.catalog.member_of.get(held.credential, ()):
                singles = _member_ids(ctx, equivalence, held.earned)
                if (held.credential,) in singles and (target,) in _member_ids(
                    ctx, equivalence, None
                ):
                    add((held,))
    for held in pool:
        # A granted equivalence (an OAN code deemed held) meets its members too.
        if (
            held.credential in ctx.catalog.equivalences
            and held.credential in ctx.catalog.member_of.get(target, ())
        ):
            add((held,))
    return options


def _matches(ctx: _Context, held: Held, flt: Filter, self_inst: str | None) -> bool:
    """Whether ``held`` passes every key of the filter (DESIGN §3 FILTER)."""
    if flt.ids is not None:
        ids = set(flt.ids)
        if held.credential not in ids and not (
            ids & set(ctx.catalog.member_of.get(held.credential or "", ()))
        ):
            return False
    single: tuple[tuple[tuple[str, ...] | None, str | None], ...] = (
        (flt.kind, held.kind),
        (flt.subject, held.subject),
        (flt.level, held.level),
        (flt.issuer, held.issuer),
        (flt.via, held.via),
        (flt.badge_type, held.badge_type),
    )
    if any(wanted is not None and value not in wanted for wanted, value in single):
        return False
    if flt.tags is not None and not set(flt.tags) & set(held.tags):
        return False
    if flt.earned_at is not None:
        local = not held.granted and self_inst is not None and held.at == self_inst
        ok = False
        for place in flt.earned_at:
            if place == "self":
                ok = ok or local
            elif place == "other":
                ok = ok or not local
            else:
                ok = ok or (held.at == place and not held.granted)
        if not ok:
            return False
    return True


def _describe_filter(flt: Filter) -> str:
    parts = []
    if flt.subject:
        parts.append("/".join(flt.subject))
    if flt.level:
        parts.append("/".join(flt.level) + "-level")
    if flt.kind:
        parts.append("/".join(flt.kind))
    if flt.tags:
        parts.append("tagged " + "/".join(flt.tags))
    if flt.ids:
        parts.append("from " + ", ".join(flt.ids))
    if flt.issuer:
        parts.append("issued by " + "/".join(flt.issuer))
    if flt.via:
        parts.append("via " + "/".join(flt.via))
    if flt.earned_at:
        places = ["this institution" if p == "self" else p for p in flt.earned_at]
        parts.append("earned at " + "/".join(places))
    if flt.badge_type:
        parts.append("/".join(flt.badge_type) + " badges")
    return " ".join(parts) if parts else "any kind"


# --------------------------------------------------------------------------- transfer


@dataclass
class _Fired:
    rule: TransferRule
    sources: tuple[Held, ...]
    guarantee: str
    counted: bool
    superseded_by: str | None = None
    grants: list[Held] = field(default_factory=list)
    duplicate_grants: list[Held] = field(default_factory=list)


@dataclass
class _TransferResult:
    fired: list[_Fired]
    granted: list[Held]
    reasons: dict[str, tuple[str, str]]
    """Reasons for own holdings that a rule looked at but did not fire on."""


def _when_sources(
    ctx: _Context,
    req: Requirement,
    pool: Sequence[Held],
    mods: _Mods,
    misses: dict[str, tuple[str, str]],
) -> tuple[Held, ...] | None:
    """The holdings that meet a rule's ``when`` (non-consuming), or None when it is not met."""
    mods = mods.add(req)
    kind = req.kind
    if kind == "has":
        assert req.has is not None
        found = []
        for option in _options_for(ctx, req.has, pool):
            failure = next((f for h in option if (f := _check_mods(h, mods, ctx.as_of))), None)
            if failure is None:
                found.append(option)
            else:
                for h in option:
                    misses.setdefault(h.key, failure)
        if not found:
            return None
        found.sort(key=lambda o: (max(h.earned or date.min for h in o), [h.key for h in o]))
        return found[0]
    if kind in ("all", "any", "at_least"):
        results = [_when_sources(ctx, child, pool, mods, misses) for child in req.children]
        met = [r for r in results if r is not None]
        need = {"all": len(req.children), "any": 1}.get(kind, req.at_least or 0)
        if len(met) < need:
            return None
        chosen = met if kind == "all" else met[:need]
        return tuple(h for r in chosen for h in r)
    flt = req.from_ or Filter()
    matching = []
    for held in sorted(pool, key=lambda h: (h.earned or date.min, h.key)):
        if not _matches(ctx, held, flt, None):
            continue
        failure = _check_mods(held, mods, ctx.as_of)
        if failure is not None:
            misses.setdefault(held.key, failure)
        else:
            matching.append(held)
    if kind == "count":
        return tuple(matching[: req.count]) if len(matching) >= (req.count or 0) else None
    need_credits = req.credits or Fraction(0)
    taken: list[Held] = []
    total = Fraction(0)
    for held in matching:
        if total >= need_credits:
            break
        taken.append(held)
        total += held.credits
    return tuple(taken) if total >= need_credits else None


def _fire_rules(
    ctx: _Context,
    prepared: _Prepared,
    institution: str,
    *,
    include_discretionary: bool,
) -> _TransferResult:
    """Fire every rule that applies at ``institution`` on the valid own holdings."""
    catalog = ctx.catalog
    reasons: dict[str, tuple[str, str]] = {}
    fired: list[_Fired] = []
    pool = [h for h in prepared.valid if h.at != institution]
    for rule in sorted(catalog.rules_at(institution), key=lambda r: r.id):
        misses: dict[str, tuple[str, str]] = {}
        sources = _when_sources(ctx, rule.when, pool, _Mods(), misses)
        if sources is None:
            for key, why in misses.items():
                reasons.setdefault(key, why)
            continue
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
        fired.append(_Fired(rule=rule, sources=sources, guarantee=guarantee, counted=counted))

    firing = {f.rule.id: f for f in fired}
    for f in fired:
        for lower in f.rule.supersedes:
            if lower in firing and firing[lower].superseded_by is None:
                firing[lower].superseded_by = f.rule.id

    # Grants: every live rule's, then each credential granted once (earliest source, rule id).
    native = {h.credential for h in prepared.valid}
    candidates: list[tuple[tuple[date, str], _Fired, Held]] = []
    for f in fired:
        if f.superseded_by is not None:
            continue
        earliest = min((h.earned or date.min for h in f.sources), default=date.min)
        for position, grant in enumerate(f.rule.grants):
            held = _grant_holding(ctx, f, position, grant)
            candidates.append(((earliest, f.rule.id), f, held))
    candidates.sort(key=lambda c: c[0])
    granted_ids: set[str] = set()
    granted: list[Held] = []
    for _, f, held in candidates:
        if held.credential is not None and (
            held.credential in granted_ids or held.credential in native
        ):
            f.duplicate_grants.append(held)
            continue
        f.grants.append(held)
        if f.counted:
            if held.credential is not None:
                granted_ids.add(held.credential)
            granted.append(held)
    return _TransferResult(fired=fired, granted=granted, reasons=reasons)


def _grant_holding(ctx: _Context, fired: _Fired, position: int, grant: Grant) -> Held:
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


def _number(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 4)


def _line(fired: _Fired, catalog: CompiledCatalog, applied: bool | None = None) -> TransferLine:
    policy = catalog.policies[fired.rule.policy]
    status: Literal["granted", "possible", "superseded"] = "granted"
    if fired.superseded_by is not None:
        status = "superseded"
    elif fired.guarantee != "guaranteed":
        status = "possible"
    grants = [
        GrantedCredit(credential=h.credential, credits=_number(h.credits), label=h.label)
        for h in fired.grants
    ] + [
        GrantedCredit(
            credential=h.credential, credits=_number(h.credits), label=h.label, status="duplicate"
        )
        for h in fired.duplicate_grants
    ]
    if fired.superseded_by is not None:
        grants = [
            GrantedCredit(
                credential=g.credential,
                credits=_number(
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


def _context(catalog: CompiledCatalog, record: LearnerRecord, as_of: date) -> _Context:
    substitutes: dict[str, list[str]] = {}
    for exc in record.exceptions:
        if exc.substitute is not None and exc.for_ is not None:
            substitutes.setdefault(exc.for_, []).append(exc.substitute)
    return _Context(
        catalog=catalog,
        as_of=as_of,
        substitutes={k: tuple(v) for k, v in substitutes.items()},
    )


def transfer(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    institution: str,
    as_of: date | None = None,
    *,
    include_discretionary: bool = False,
    trust: Sequence[str] = (),
    badge_resolver: Any = None,
) -> Statement:
    """The transfer statement of ``record`` at ``institution`` on ``as_of`` (default: today).

    ``credits`` totals the guaranteed credit granted; ``possible`` the recommended and
    discretionary credit (counted in ``credits`` too when ``include_discretionary``).
    Every own holding that no rule fired on is in ``unused`` with a reason; courses earned
    at the institution itself are ``native``. Raises :class:`UnknownIdError` for an unknown
    institution or credential.
    """
    as_of = as_of or date.today()
    if institution not in catalog.institutions:
        raise UnknownIdError("institution", institution, catalog.institutions)
    ctx = _context(catalog, record, as_of)
    prepared = _prepare(
        catalog, record, as_of, projected=False, trust=trust, badge_resolver=badge_resolver
    )
    result = _fire_rules(ctx, prepared, institution, include_discretionary=include_discretionary)
    credits = Fraction(0)
    possible = Fraction(0)
    used_sources: dict[str, str] = {}
    superseded: dict[str, str] = {}
    for f in result.fired:
        amount = sum((h.credits for h in f.grants), Fraction(0))
        if f.superseded_by is not None:
            for h in f.sources:
                superseded.setdefault(h.key, f.superseded_by)
            continue
        if f.guarantee == "guaranteed":
            credits += amount
        else:
            possible += amount
            if include_discretionary:
                credits += amount
        for h in f.sources:
            used_sources.setdefault(h.key, f.rule.id)
    unused = []
    for held in prepared.own:
        if held.key in used_sources:
            continue
        unused.append(
            _unused_for_transfer(catalog, held, institution, prepared, result, superseded)
        )
    unused += _badge_unused(prepared)
    statement = Statement(
        institution=institution,
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        credits=_number(credits),
        possible=_number(possible),
        transfers=[_line(f, catalog) for f in result.fired],
        unused=sorted(unused, key=lambda u: u.index or 0),
    )
    from pathways.equivalence_credit import add_equivalence_credit

    return add_equivalence_credit(
        catalog, record, statement, include_discretionary=include_discretionary
    )


def _unused_for_transfer(
    catalog: CompiledCatalog,
    held: Held,
    institution: str,
    prepared: _Prepared,
    result: _TransferResult,
    superseded: Mapping[str, str],
) -> Unused:
    if held.key in prepared.reasons:
        code, sentence = prepared.reasons[held.key]
    elif held.at == institution:
        code, sentence = "native", f"earned at {institution} itself; it needs no transfer"
    elif held.key in superseded:
        code, sentence = "superseded", f"a higher tier ({superseded[held.key]}) fired instead"
    elif held.key in result.reasons:
        code, sentence = result.reasons[held.key]
    else:
        code = "not_applicable"
        sentence = f"no transfer rule at {institution} applies to it" + _still_counts(
            catalog, held, institution
        )
    return Unused(credential=held.credential, reason_code=code, reason=sentence, index=held.index)


def _still_counts(catalog: CompiledCatalog, held: Held, institution: str) -> str:
    """How a holding no rule converts may still count at ``institution`` (a clause, or "")."""
    if held.credential is None:
        return ""
    for code in catalog.member_of.get(held.credential, ()):
        local = sorted(
            course
            for member in catalog.equivalences[code].members
            for course in member.all
            if course in catalog.versions and catalog.versions[course][-1].issuer == institution
        )
        if local:
            return f"; through {code} it counts as {', '.join(local)} in an audit"
    if held.kind == "course":
        return f"; its own credit may still meet {institution}'s requirements (audit a goal)"
    return ""


def _badge_unused(prepared: _Prepared) -> list[Unused]:
    return [
        Unused(credential=None, reason_code=code, reason=sentence, index=index)
        for index, code, sentence in prepared.badges
    ]


# --------------------------------------------------------------------------- audit


@dataclass
class _NodeInfo:
    label: str
    req: Requirement | None
    mods: _Mods
    composite: str | None = None
    """For a composite's wrapper node: the composite's id."""
    flt: Filter | None = None
    blocked_reason: str | None = None
    target: str | None = None


class _Builder:
    """Expands a goal into a :class:`solver.Problem`, remembering what every node means."""

    def __init__(
        self,
        ctx: _Context,
        pool: Sequence[Held],
        *,
        goal: Credential,
        goal_day: date,
        gpa: Callable[[Credential], float | None],
        waive: Iterable[str],
        allowed_for: Mapping[str, bool],
        unit: int,
    ) -> None:
        self.ctx = ctx
        self.pool = pool
        self.goal = goal
        self.gpa = gpa
        self.waive = {w.strip().casefold() for w in waive}
        self.waived_used: set[str] = set()
        self.allowed_for = allowed_for
        self.unit = unit
        self.nodes: list[solver.Node] = []
        self.info: list[_NodeInfo] = []
        self.limits: list[solver.Limit] = []
        self.misses: dict[str, tuple[str, str]] = {}
        self.eligible_anywhere: set[str] = set()
        self.goal_day = goal_day

    def units(self, credits: Fraction) -> int:
        value = credits * self.unit
        return math.floor(value)

    def _reserve(self, info: _NodeInfo) -> int:
        self.nodes.append(solver.Node(kind="all"))
        self.info.append(info)
        return len(self.nodes) - 1

    def _waived(self, label: str) -> bool:
        if label.strip().casefold() in self.waive:
            self.waived_used.add(label)
            return True
        return False

    def composite(
        self, cred: Credential, mods: _Mods, stack: tuple[str, ...], overlay: bool
    ) -> int:
        """A wrapper node for a composite: its tree, its free electives, limits and GPA."""
        label = cred.title
        index = self._reserve(
            _NodeInfo(label=label, req=cred.requires, mods=mods, composite=cred.id)
        )
        requires = cred.requires
        assert requires is not None
        inner = (*stack, cred.id)
        if requires.kind == "all" and requires.label is None and not requires.shares:
            # An unlabelled top-level `all` reads as the composite itself: no extra level.
            inner_mods = mods.add(requires)
            children = [
                self.requirement(child, inner_mods, inner, overlay, cred)
                for child in requires.children
            ]
        else:
            children = [self.requirement(requires, mods, inner, overlay, cred)]
        total = self.units(cred.credits)
        if total > 0:
            children.append(self.elective(cred, index, total, overlay))
        blocked_reason = None
        if cred.min_gpa is not None:
            gpa = self.gpa(cred)
            if gpa is not None and gpa + 1e-9 < cred.min_gpa:
                blocked_reason = (
                    f"needs a GPA of at least {cred.min_gpa:.2f} (the record's is {gpa:.2f})"
                )
        self.info[index].blocked_reason = blocked_reason
        self.nodes[index] = solver.Node(
            kind="all",
            children=tuple(children),
            overlay=overlay,
            waived=self._waived(label),
            blocked=blocked_reason is not None,
            total=total,
            reserve=self.units(_tree_need(self.ctx.catalog, cred, self.goal_day, stack))
            if total
            else 0,
        )
        for limit in cred.limits:
            keys = frozenset(
                h.key for h in self.pool if _matches(self.ctx, h, limit.from_, cred.issuer)
            )
            if limit.max_credits is not None:
                self.limits.append(
                    solver.Limit(index, keys, max_units=self.units(limit.max_credits))
                )
            elif limit.max_share is not None:
                cap = math.floor(limit.max_share * cred.credits * self.unit)
                self.limits.append(solver.Limit(index, keys, max_units=cap))
            elif limit.min_credits is not None:
                need = math.ceil(limit.min_credits * self.unit)
                self.limits.append(solver.Limit(index, keys, min_units=need))
        return index

    def elective(self, cred: Credential, parent: int, total: int, overlay: bool) -> int:
        index = self._reserve(_NodeInfo(label="Free electives", req=None, mods=_Mods()))
        options = tuple(
            (h.key,)
            for h in self.pool
            if h.credits > 0
            and (
                h.level in COLLEGE_LEVELS
                or (h.level is None and h.kind in ("course", "transfer-block"))
            )
            and self.allowed_for.get(h.key, True)
        )
        for (key,) in options:
            self.eligible_anywhere.add(key)
        self.nodes[index] = solver.Node(
            kind="credits", need=total, options=options, overlay=overlay, elective_of=parent
        )
        return index

    def requirement(
        self,
        req: Requirement,
        mods: _Mods,
        stack: tuple[str, ...],
        overlay: bool,
        owner: Credential,
    ) -> int:
        mods = mods.add(req)
        overlay = overlay or req.shares
        kind = req.kind
        catalog = self.ctx.catalog
        if kind == "has":
            assert req.has is not None
            target = req.has
            if target in catalog.versions:
                cred = catalog.credential(target, on=self.goal_day)
                held = [h for h in self.pool if h.credential == target]
                if cred.composite and not held and target not in stack:
                    return self.composite(cred, mods, stack, overlay)
            return self.has_leaf(req, target, mods, overlay)
        if kind in ("all", "any", "at_least"):
            label = (
                req.label
                or {
                    "all": "All of",
                    "any": "One of",
                    "at_least": f"{req.at_least} of",
                }[kind]
            )
            index = self._reserve(_NodeInfo(label=label, req=req, mods=mods))
            children = tuple(
                self.requirement(child, mods, stack, overlay, owner) for child in req.children
            )
            self.nodes[index] = solver.Node(
                kind=cast(solver.NodeKind, kind),
                need=req.at_least or 0,
                children=children,
                overlay=overlay,
                waived=self._waived(req.label or ""),
            )
            return index
        flt = req.from_ or Filter()
        if kind == "credits":
            assert req.credits is not None
            default = f"{_number(req.credits)} credits of {_describe_filter(flt)}"
        else:
            default = f"{req.count} of {_describe_filter(flt)}"
        label = req.label or default
        index = self._reserve(_NodeInfo(label=label, req=req, mods=mods, flt=flt))
        options = [
            (candidate.key,)
            for candidate in self.pool
            if _matches(self.ctx, candidate, flt, owner.issuer)
            and not (kind == "credits" and candidate.credits <= 0)
            and self._eligible(candidate, mods)
        ]
        distinct = (req.distinct.by, req.distinct.at_least) if req.distinct else None
        need = (
            math.ceil((req.credits or Fraction(0)) * self.unit)
            if kind == "credits"
            else (req.count or 0)
        )
        self.nodes[index] = solver.Node(
            kind=cast(solver.NodeKind, kind),
            need=need,
            options=tuple(options),
            overlay=overlay,
            waived=self._waived(label),
            distinct=distinct,
        )
        return index

    def has_leaf(self, req: Requirement, target: str, mods: _Mods, overlay: bool) -> int:
        catalog = self.ctx.catalog
        if target in catalog.versions:
            title = catalog.credential(target, on=self.goal_day).title
        elif target in catalog.equivalences:
            title = catalog.equivalences[target].title
        else:
            title = target
        label = req.label or f"{title} ({target})"
        index = self._reserve(_NodeInfo(label=label, req=req, mods=mods, target=target))
        options = []
        for option in _options_for(self.ctx, target, self.pool):
            if all(self._eligible(h, mods) for h in option):
                options.append(tuple(h.key for h in option))
        self.nodes[index] = solver.Node(
            kind="has", need=1, options=tuple(options), overlay=overlay, waived=self._waived(label)
        )
        return index

    def _eligible(self, held: Held, mods: _Mods) -> bool:
        if not self.allowed_for.get(held.key, True):
            why = (
                "not_applicable",
                f"{held.rule} grants credit toward {', '.join(held.counts_toward or ())} only",
            )
            for key in (held.key, *held.sources):
                self.misses.setdefault(key, why)
            return False
        failure = _check_mods(held, mods, self.ctx.as_of)
        if failure is not None:
            for key in (held.key, *held.sources):
                self.misses.setdefault(key, failure)
            return False
        self.eligible_anywhere.add(held.key)
        return True


def _gpa(held: Iterable[Held], scope_inst: str | None = None) -> float | None:
    points = Fraction(0)
    hours = Fraction(0)
    for h in held:
        if h.granted or h.kind != "course" or h.grade not in GRADE_POINTS:
            continue
        if scope_inst is not None and h.at != scope_inst:
            continue
        weight = h.cred.credits if h.cred is not None else h.credits
        points += Fraction(str(GRADE_POINTS[h.grade])) * weight
        hours += weight
    return float(points / hours) if hours else None


def _required(
    catalog: CompiledCatalog, cred: Credential, day: date | None, stack: tuple[str, ...] = ()
) -> Fraction:
    """The least credit a composite's tree needs: declared credits, else its cheapest tree."""
    return max(cred.credits, _tree_need(catalog, cred, day, stack))


def _tree_need(
    catalog: CompiledCatalog, cred: Credential, day: date | None, stack: tuple[str, ...] = ()
) -> Fraction:
    """The credit the cheapest way through a composite's named requirements takes (nested
    composites at their own :func:`_required`; a ``count`` or zero-credit code adds nothing)."""

    def need(req: Requirement) -> Fraction:
        kind = req.kind
        if req.shares:
            return Fraction(0)  # an overlay reads credit that other requirements use
        if kind == "has":
            assert req.has is not None
            if req.has in catalog.versions:
                target = catalog.credential(req.has, on=day)
                if target.composite and target.id not in stack:
                    return _required(catalog, target, day, (*stack, cred.id))
                return target.credits
            if req.has in catalog.equivalences:
                return catalog.equivalences[req.has].credits
            return Fraction(0)
        if kind == "all":
            return sum((need(c) for c in req.children), Fraction(0))
        if kind == "any":
            return min((need(c) for c in req.children), default=Fraction(0))
        if kind == "at_least":
            values = sorted(need(c) for c in req.children)
            return sum(values[: req.at_least or 0], Fraction(0))
        if kind == "credits":
            return Fraction(0) if req.shares else (req.credits or Fraction(0))
        return Fraction(0)

    return need(cred.requires) if cred.requires is not None else Fraction(0)


def _goal_version(
    catalog: CompiledCatalog, goal: str, record: LearnerRecord, as_of: date
) -> tuple[Credential, date]:
    if goal not in catalog.versions:
        raise UnknownIdError("goal", goal, catalog.versions)
    year = record.learner.catalog_year
    day = date(year, 7, 1) if year else as_of
    return catalog.credential(goal, on=day), day


def _nests(catalog: CompiledCatalog, goal: Credential, day: date) -> set[str]:
    """The goal and every composite its tree nests (through ``has``)."""
    found = {goal.id}
    todo = [goal]
    while todo:
        cred = todo.pop()
        if cred.requires is None:
            continue
        stack = [cred.requires]
        while stack:
            req = stack.pop()
            stack.extend(req.children)
            if req.has and req.has in catalog.versions and req.has not in found:
                inner = catalog.credential(req.has, on=day)
                if inner.composite:
                    found.add(inner.id)
                    todo.append(inner)
    return found


def audit(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: str,
    as_of: date | None = None,
    *,
    projected: bool = False,
    include_discretionary: bool = False,
    trust: Sequence[str] = (),
    time_limit: float = 10.0,
    badge_resolver: Any = None,
) -> Decision:
    """Audit ``record`` against ``goal`` on ``as_of`` (default: today).

    Transfer rules fire first at the goal's issuing institution; then an exact allocation
    meets the goal whenever any allocation can, and otherwise applies the most credit.
    Every own holding is applied somewhere or listed in ``unused`` with a reason code.
    Raises :class:`UnknownIdError` for an unknown goal or credential, and
    :class:`solver.SolverTimeout` when no allocation is found within ``time_limit``.
    """
    as_of = as_of or date.today()
    goal_cred, goal_day = _goal_version(catalog, goal, record, as_of)
    ctx = _context(catalog, record, as_of)
    prepared = _prepare(
        catalog, record, as_of, projected=projected, trust=trust, badge_resolver=badge_resolver
    )
    institution = goal_cred.issuer if goal_cred.issuer in catalog.institutions else None
    if institution is not None:
        transferred = _fire_rules(
            ctx, prepared, institution, include_discretionary=include_discretionary
        )
    else:
        transferred = _TransferResult(fired=[], granted=[], reasons={})
    pool = sorted(
        [*prepared.valid, *transferred.granted],
        key=lambda h: (h.granted, h.earned or date.min, h.key),
    )
    unit = math.lcm(*(h.credits.denominator for h in pool), catalog.unit)
    builder = _goal_builder(ctx, record, goal_cred, goal_day, pool, prepared.valid, unit)
    problem = solver.Problem(
        items=_solver_items(pool, unit),
        nodes=tuple(builder.nodes),
        limits=tuple(builder.limits),
        exclusive=tuple((source, h.key) for h in transferred.granted for source in h.sources),
    )
    gpa_all = _gpa(prepared.valid)
    solution = solver.solve(problem, time_limit=time_limit)
    return _decision(
        catalog=catalog,
        record=record,
        goal=goal_cred,
        as_of=as_of,
        projected=projected,
        institution=institution,
        prepared=prepared,
        transferred=transferred,
        pool=pool,
        builder=builder,
        problem=problem,
        solution=solution,
        unit=unit,
        gpa=gpa_all,
    )


def _goal_builder(
    ctx: _Context,
    record: LearnerRecord,
    goal: Credential,
    goal_day: date,
    pool: Sequence[Held],
    valid: Sequence[Held],
    unit: int,
) -> _Builder:
    """A builder holding ``goal``'s tree (node 0) over ``pool``; GPA from the ``valid`` own
    holdings. A caller may add more trees to it before reading ``nodes`` and ``limits``."""
    nests = _nests(ctx.catalog, goal, goal_day)
    allowed_for = {
        h.key: h.counts_toward is None or bool(set(h.counts_toward) & nests) for h in pool
    }
    gpa_all = _gpa(valid)

    def gpa_for(cred: Credential) -> float | None:
        return gpa_all if cred.gpa_scope == "all" else _gpa(valid, cred.issuer)

    builder = _Builder(
        ctx,
        pool,
        goal=goal,
        goal_day=goal_day,
        gpa=gpa_for,
        waive=[e.waive for e in record.exceptions if e.waive],
        allowed_for=allowed_for,
        unit=unit,
    )
    if goal.composite:
        builder.composite(goal, _Mods(), (), False)
    else:
        builder.has_leaf(Requirement(has=goal.id), goal.id, _Mods(), False)
    return builder


def _solver_items(pool: Sequence[Held], unit: int) -> tuple[solver.Item, ...]:
    """The solver's items for ``pool`` (in its order): own holdings rank before grants."""
    return tuple(
        solver.Item(
            key=h.key,
            units=math.floor(h.credits * unit),
            rank=position + (len(pool) if h.granted else 0),
            attrs={
                "subject": h.subject or "",
                "issuer": h.issuer or "",
                "kind": h.kind,
                "level": h.level or "",
                "earned_at": h.at or "",
            },
        )
        for position, h in enumerate(pool)
    )


def _decision(
    *,
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: Credential,
    as_of: date,
    projected: bool,
    institution: str | None,
    prepared: _Prepared,
    transferred: _TransferResult,
    pool: Sequence[Held],
    builder: _Builder,
    problem: solver.Problem,
    solution: solver.Solution,
    unit: int,
    gpa: float | None,
) -> Decision:
    held_by_key = {h.key: h for h in pool}
    nodes = problem.nodes
    uses_by_leaf: dict[int, list[tuple[str, int]]] = {}
    applied_keys: set[str] = set()
    for (leaf, key), units in sorted(solution.uses.items()):
        uses_by_leaf.setdefault(leaf, []).append((key, units))
        if not nodes[leaf].overlay:
            applied_keys.add(key)
    substitutes = {
        (exc.substitute, exc.for_) for exc in record.exceptions if exc.substitute and exc.for_
    }

    def credits_of(units: int) -> float:
        return _number(Fraction(units, unit))

    def applied_list(leaf: int) -> list[AppliedCredit]:
        info = builder.info[leaf]
        result = []
        for key, units in uses_by_leaf.get(leaf, []):
            held = held_by_key[key]
            sub = None
            if info.target and held.credential and (held.credential, info.target) in substitutes:
                sub = info.target
            result.append(
                AppliedCredit(
                    credential=held.credential,
                    credits=credits_of(units),
                    via=held.rule,
                    substitute_for=sub,
                    label=held.label if held.credential is None else None,
                )
            )
        return result

    subtree_units: list[int] = [0] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.kind in solver.LEAF_KINDS:
            if not node.overlay:
                subtree_units[index] = sum(u for _, u in uses_by_leaf.get(index, []))
        else:
            subtree_units[index] = sum(subtree_units[c] for c in node.children)

    def missing(index: int) -> str | None:
        node = nodes[index]
        info = builder.info[index]
        if (solution.met[index] and node.elective_of is None) or not solution.active[index]:
            return None  # met, or an alternative the allocation did not take
        if info.blocked_reason:
            return info.blocked_reason
        phrase = info.mods.phrase()
        used = uses_by_leaf.get(index, [])
        if node.kind == "has":
            return f"needs {info.label}{phrase}"
        if node.elective_of is not None:
            parent = node.elective_of
            owner = nodes[parent]
            rest = credits_of(max(0, owner.total - subtree_units[parent]))
            if not rest:
                return None
            total = credits_of(owner.total)
            text = f"needs {rest:g} more credits toward the {total:g} required in all"
            named = subtree_units[parent] - subtree_units[index]
            if not all(solution.met[c] for c in owner.children if c != index):
                kept = min(rest, credits_of(max(0, owner.reserve - named)))
                if kept:
                    text += f" ({kept:g} of them kept for the requirements above)"
            return text
        if node.kind == "credits":
            have = sum(u for _, u in used)
            rest = credits_of(max(0, node.need - have))
            what = _describe_filter(info.flt or Filter())
            return f"needs {rest:g} more credits of {what}{phrase}"
        if node.kind == "count":
            rest = max(0, node.need - len(used))
            if rest == 0 and node.distinct:
                return (
                    f"needs holdings from at least {node.distinct[1]} different {node.distinct[0]}s"
                )
            return f"needs {rest} more of {_describe_filter(info.flt or Filter())}{phrase}"
        unmet = [builder.info[c].label for c in node.children if not solution.met[c]]
        if node.kind == "any":
            return "needs one of: " + "; ".join(unmet)
        if node.kind == "at_least":
            met_count = sum(solution.met[c] for c in node.children)
            return f"needs {node.need - met_count} more of: " + "; ".join(unmet)
        if node.total and subtree_units[index] < node.total and not unmet:
            rest = credits_of(node.total - subtree_units[index])
            return f"needs {rest:g} more credits in all ({credits_of(node.total):g} required)"
        for limit in problem.limits:
            if limit.scope == index and limit.min_units is not None:
                got = sum(
                    u
                    for (leaf, key), u in solution.uses.items()
                    if key in limit.items and not nodes[leaf].overlay
                )
                if got < limit.min_units and not unmet:
                    return (
                        f"needs at least {credits_of(limit.min_units):g} credits "
                        f"earned at {goal.issuer if index == 0 else 'the awarding institution'} "
                        f"(has {credits_of(got):g})"
                    )
        return "needs: " + "; ".join(unmet) if unmet else None

    def result(index: int) -> NodeResult:
        node = nodes[index]
        info = builder.info[index]
        children = [result(c) for c in node.children]
        filled = node.elective_of is not None and (
            subtree_units[node.elective_of] >= nodes[node.elective_of].total
        )
        if filled or (solution.met[index] and node.elective_of is None):
            status: Literal["met", "partial", "unmet"] = "met"
        elif (
            subtree_units[index] > 0
            or any(c.status != "unmet" for c in children)
            or (uses_by_leaf.get(index))
        ):
            status = "partial"
        else:
            status = "unmet"
        return NodeResult(
            label=info.label,
            status=status,
            applied=applied_list(index) if node.kind in solver.LEAF_KINDS else [],
            missing=missing(index),
            children=children,
            waived=node.waived,
            overlay=node.overlay,
        )

    tree = result(0)

    remaining: list[NodeResult] = []

    def collect(index: int, view: NodeResult) -> None:
        node = nodes[index]
        if solution.met[index]:
            return
        if node.kind == "all" and not builder.info[index].blocked_reason:
            before = len(remaining)
            for child, child_view in zip(node.children, view.children, strict=True):
                collect(child, child_view)
            if len(remaining) == before and view.missing:
                remaining.append(view.model_copy(update={"children": []}))
            return
        remaining.append(view)

    collect(0, tree)

    # Sources whose grants were applied count as applied through that rule.
    applied_rules: set[str] = set()
    for key in sorted(applied_keys):
        held = held_by_key[key]
        if held.rule is not None:
            applied_rules.add(held.rule)
            applied_keys.update(held.sources)

    limited = _binding_limits(problem, solution)
    unused: list[Unused] = []
    live_sources = {h.key for f in transferred.fired if not f.superseded_by for h in f.sources}
    superseded = {
        h.key: f.superseded_by
        for f in transferred.fired
        if f.superseded_by
        for h in f.sources
        if h.key not in live_sources
    }
    not_counted = {h.key: f.rule.id for f in transferred.fired if not f.counted for h in f.sources}
    for held in prepared.own:
        if held.key in applied_keys:
            continue
        if held.key in prepared.reasons:
            code, sentence = prepared.reasons[held.key]
        elif held.key in limited:
            code, sentence = (
                "cap_exceeded",
                f"a limit on this goal is reached ({limited[held.key]})",
            )
        elif held.key in builder.eligible_anywhere or any(
            held.key in h.sources for h in transferred.granted if h.key in builder.eligible_anywhere
        ):
            code, sentence = "not_needed", "the requirements it could meet are met without it"
        elif held.key in superseded:
            code, sentence = "superseded", f"a higher tier ({superseded[held.key]}) fired instead"
        elif held.key in builder.misses:
            code, sentence = builder.misses[held.key]
        elif held.key in transferred.reasons:
            code, sentence = transferred.reasons[held.key]
        elif held.key in not_counted:
            code, sentence = (
                "not_applicable",
                f"{not_counted[held.key]} is {_guarantee_of(catalog, not_counted[held.key])} "
                "credit; it counts only with --include-discretionary",
            )
        else:
            code, sentence = "not_applicable", f"it counts toward no requirement of {goal.id}"
        unused.append(
            Unused(credential=held.credential, reason_code=code, reason=sentence, index=held.index)
        )
    unused += _badge_unused(prepared)
    unused.sort(key=lambda u: u.index or 0)

    applied_units = solution.applied_units(problem)
    required = _required(catalog, goal, builder.goal_day)
    return Decision(
        goal=goal.id,
        title=goal.title,
        institution=institution,
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        status="complete" if solution.met[0] else "in_progress",
        projected=projected,
        credits=Credits(applied=credits_of(applied_units), required=_number(required)),
        gpa=round(gpa, 3) if gpa is not None else None,
        requirements=tree,
        transfers=[
            _line(f, catalog, applied=f.rule.id in applied_rules) for f in transferred.fired
        ],
        unused=unused,
        remaining=remaining,
        waived=sorted(builder.waived_used),
        substitutions=[
            {"substitute": exc.substitute, "for": exc.for_, "by": exc.by, "reason": exc.reason}
            for exc in record.exceptions
            if exc.substitute and exc.for_
        ],
        optimal=solution.optimal,
    )


def _guarantee_of(catalog: CompiledCatalog, rule: str) -> str:
    return catalog.policies[catalog.rules[rule].policy].guarantee


def _binding_limits(problem: solver.Problem, solution: solver.Solution) -> dict[str, str]:
    """Items covered by a max limit that is used up: they are unused for that cap."""
    result: dict[str, str] = {}
    for limit in problem.limits:
        if limit.max_units is None:
            continue
        got = sum(
            u
            for (leaf, key), u in solution.uses.items()
            if key in limit.items and not problem.nodes[leaf].overlay
        )
        if got >= limit.max_units:
            for key in limit.items:
                result.setdefault(key, "at most its share of credit from that source")
    return result
