"""Matching: which holdings meet a ``has`` or pass a filter, under the modifiers on the path.

Shared by audit, transfer-rule firing and planning, so "what meets a requirement" is
written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pathways.catalog.model import (
    GRADE_POINTS,
    PASS_GRADES,
    Filter,
    LearnerRecord,
    Requirement,
    Tag,
    add_duration,
)
from pathways.evaluate.holdings import Held, judge_day

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog


# --------------------------------------------------------------------------- matching


@dataclass
class Context:
    """What the matching functions need to know about one evaluation."""

    catalog: CompiledCatalog
    as_of: date
    substitutes: Mapping[str, tuple[str, ...]]
    """Credential id → the ids an exception lets stand in for it."""


@dataclass(frozen=True, slots=True)
class Mods:
    """Modifiers accumulated from the root to a leaf."""

    min_grade: str | None = None
    min_score: float | None = None
    min_hours: float | None = None
    windows: tuple[str, ...] = ()

    def add(self, req: Requirement) -> Mods:
        if (
            req.min_grade is None
            and req.min_score is None
            and req.min_hours is None
            and not req.earned_within
        ):
            return self  # nothing to add (most nodes): the same modifiers, no new object
        grade = self.min_grade
        if req.min_grade is not None and (
            grade is None or GRADE_POINTS[req.min_grade] > GRADE_POINTS[grade]
        ):
            grade = req.min_grade
        return Mods(
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


def check_mods(held: Held, mods: Mods, as_of: date) -> tuple[str, str] | None:
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
        day = judge_day(held, as_of)
        if held.earned < add_duration(day, window, sign=-1):
            return ("outside_window", f"earned {held.earned}, not within {window} of {day}")
    return None


def _member_ids(ctx: Context, equivalence: str, on: date | None) -> list[tuple[str, ...]]:
    eq = ctx.catalog.equivalences[equivalence]
    if eq.effective is not None and on is not None and not eq.effective.contains(on):
        return []
    return [
        m.all for m in eq.members if m.effective is None or on is None or m.effective.contains(on)
    ]


@dataclass(frozen=True, slots=True)
class PoolIndex:
    """A pool of holdings indexed once for many :func:`options_for` questions (an audit asks
    one per ``has`` leaf, so scanning the pool each time would cost leaves × holdings)."""

    by_id: Mapping[str, list[Held]]
    """Credential id → its holdings, in pool order."""
    by_equivalence: Mapping[str, list[Held]]
    """Equivalence id → holdings of its members (alone or in a sequence), in pool order."""
    codes: tuple[Held, ...]
    """Holdings of an equivalence itself (a code deemed held), in pool order."""

    @classmethod
    def of(cls, ctx: Context, pool: Sequence[Held]) -> PoolIndex:
        """The index of ``pool``."""
        by_id: dict[str, list[Held]] = {}
        by_equivalence: dict[str, list[Held]] = {}
        member_of = ctx.catalog.member_of
        for held in pool:
            if held.credential is None:
                continue
            by_id.setdefault(held.credential, []).append(held)
            for equivalence in member_of.get(held.credential, ()):
                by_equivalence.setdefault(equivalence, []).append(held)
        equivalences = ctx.catalog.equivalences
        codes = tuple(h for h in pool if h.credential in equivalences)
        return cls(by_id=by_id, by_equivalence=by_equivalence, codes=codes)


def options_for(
    ctx: Context, target: str, pool: Sequence[Held] | PoolIndex
) -> list[tuple[Held, ...]]:
    """Every set of holdings that together count as holding ``target``.

    See ``has`` in ``docs/semantics.md#requirements``. ``pool`` may be given indexed
    (:class:`PoolIndex`) when many targets are asked about the same pool.
    """
    index = pool if isinstance(pool, PoolIndex) else PoolIndex.of(ctx, pool)
    by_id = index.by_id
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
        for held in index.by_equivalence.get(target, ()):
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
        for held in index.by_equivalence.get(equivalence, ()):
            if held.credential == target:
                continue
            singles = _member_ids(ctx, equivalence, held.earned)
            if (held.credential,) in singles and (target,) in _member_ids(ctx, equivalence, None):
                add((held,))
    for held in index.codes:
        # A granted equivalence (an OAN code deemed held) meets its members too.
        if held.credential in ctx.catalog.member_of.get(target, ()):
            add((held,))
    return options


_SINGLE_KEYS = ("kind", "subject", "level", "issuer", "via", "badge_type")
"""The filter keys a holding's attribute of the same name must be one of."""


@dataclass(frozen=True, slots=True)
class FilterTest:
    """Whether a holding passes every key of a filter (``docs/semantics.md#requirements``),
    the filter read once for the many holdings a requirement asks about: each key's accepted
    values as a set, the keys it does not give left out."""

    ids: frozenset[str] | None
    single: tuple[tuple[str, frozenset[str | None]], ...]
    tags: frozenset[str] | None
    earned_at: tuple[str, ...] | None

    @classmethod
    def of(cls, flt: Filter) -> FilterTest:
        """The test of ``flt``."""
        single = tuple(
            (name, frozenset(values))
            for name in _SINGLE_KEYS
            if (values := getattr(flt, name)) is not None
        )
        return cls(
            ids=None if flt.ids is None else frozenset(flt.ids),
            single=single,
            tags=None if flt.tags is None else frozenset(flt.tags),
            earned_at=flt.earned_at,
        )

    def __call__(self, ctx: Context, held: Held, self_inst: str | None) -> bool:
        """Whether ``held`` passes (``self_inst``: the institution ``self`` stands for)."""
        ids = self.ids
        if (
            ids is not None
            and held.credential not in ids
            and ids.isdisjoint(ctx.catalog.member_of.get(held.credential or "", ()))
        ):
            return False
        for name, wanted in self.single:
            if getattr(held, name) not in wanted:
                return False
        if self.tags is not None and self.tags.isdisjoint(held.tags):
            return False
        if self.earned_at is not None:
            local = not held.granted and self_inst is not None and held.at == self_inst
            ok = False
            for place in self.earned_at:
                if place == "self":
                    ok = ok or local
                elif place == "other":
                    ok = ok or not local
                else:
                    ok = ok or (held.at == place and not held.granted)
            if not ok:
                return False
        return True


@dataclass(frozen=True, slots=True)
class FilterIndex:
    """Holdings indexed once for many :class:`FilterTest` questions (planning asks one per
    filter of a goal's tree, of hundreds of holdings each time): :meth:`passing` gives what
    testing every holding in order would, testing only those the filter's narrowest key
    admits."""

    held: tuple[Held, ...]
    by_value: Mapping[str, Mapping[str | None, tuple[int, ...]]]
    """Attribute of :data:`_SINGLE_KEYS` → its value → positions of the holdings with it."""
    by_id: Mapping[str, tuple[int, ...]]
    """Credential id, or an equivalence it is a member of → positions of its holdings."""

    @classmethod
    def of(cls, ctx: Context, held: Sequence[Held]) -> FilterIndex:
        """The index of ``held``."""
        by_value: dict[str, dict[str | None, list[int]]] = {name: {} for name in _SINGLE_KEYS}
        by_id: dict[str, list[int]] = {}
        member_of = ctx.catalog.member_of
        for position, one in enumerate(held):
            for name, values in by_value.items():
                values.setdefault(getattr(one, name), []).append(position)
            ident = one.credential or ""
            for key in dict.fromkeys((ident, *member_of.get(ident, ()))):
                by_id.setdefault(key, []).append(position)
        return cls(
            held=tuple(held),
            by_value={
                name: {value: tuple(at) for value, at in values.items()}
                for name, values in by_value.items()
            },
            by_id={key: tuple(at) for key, at in by_id.items()},
        )

    def passing(self, ctx: Context, test: FilterTest, self_inst: str | None) -> list[Held]:
        """The holdings that pass ``test``, in index order."""
        narrowest: list[tuple[int, ...]] | None = None
        if test.ids is not None:
            narrowest = [self.by_id.get(ident, ()) for ident in test.ids]
        for name, wanted in test.single:
            found = [self.by_value[name].get(value, ()) for value in wanted]
            if narrowest is None or sum(map(len, found)) < sum(map(len, narrowest)):
                narrowest = found
        positions = (
            range(len(self.held))
            if narrowest is None
            else sorted({at for group in narrowest for at in group})
        )
        return [self.held[at] for at in positions if test(ctx, self.held[at], self_inst)]


def describe_filter(flt: Filter, tags: Mapping[str, Tag] | None = None) -> str:
    """``flt`` in words ("ITNT/IT lower-level", "OT36 Arts & Humanities"): a tag by its
    title in ``tags`` (the catalog's), else as "tagged ID"."""
    parts = []
    if flt.subject:
        parts.append("/".join(flt.subject))
    if flt.level:
        parts.append("/".join(flt.level) + "-level")
    if flt.kind:
        parts.append("/".join(flt.kind))
    if flt.tags:
        known = tags or {}
        parts.append(" or ".join(known[t].title if t in known else f"tagged {t}" for t in flt.tags))
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


def evaluation_context(catalog: CompiledCatalog, record: LearnerRecord, as_of: date) -> Context:
    substitutes: dict[str, list[str]] = {}
    for exc in record.exceptions:
        if exc.substitute is not None and exc.for_ is not None:
            substitutes.setdefault(exc.for_, []).append(exc.substitute)
    return Context(
        catalog=catalog,
        as_of=as_of,
        substitutes={k: tuple(v) for k, v in substitutes.items()},
    )
