"""Expansion of a goal into the exact solver's problem, remembering what every node means.

:class:`Builder` walks a goal's requirement tree (nested composites inlined), computes each
leaf's eligible holdings and records why the others fail, and emits
:class:`pathways.solver.Node` values with limits; :func:`goal_builder` sets one up for a goal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, cast

from pathways import solver
from pathways.catalog.grammar import Folder, Visitor, fold, walk
from pathways.catalog.model import (
    Credential,
    Exception_,
    Filter,
    LearnerRecord,
    Requirement,
)
from pathways.errors import LocatedError, RecordError, UnknownIdError, suggest
from pathways.evaluate.holdings import Held, grade_point_average
from pathways.evaluate.matching import (
    Context,
    FilterTest,
    Mods,
    PoolIndex,
    check_mods,
    describe_filter,
    options_for,
)
from pathways.evaluate.results import COLLEGE_LEVELS, credit_count

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog


# --------------------------------------------------------------------------- audit


@dataclass
class NodeInfo:
    label: str
    req: Requirement | None
    mods: Mods
    composite: str | None = None
    """For a composite's wrapper node: the composite's id."""
    flt: Filter | None = None
    blocked_reason: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a requirement sits as :class:`Builder` expands it: the modifiers of the path to
    it, the composites being expanded around it, whether it is an overlay, and the credential
    whose tree it belongs to."""

    mods: Mods
    stack: tuple[str, ...]
    overlay: bool
    owner: Credential


class Builder(Visitor[Place, int]):
    """Expands a goal into a :class:`solver.Problem`, remembering what every node means (a
    :class:`~pathways.catalog.grammar.Visitor`: one method per requirement form)."""

    def __init__(
        self,
        ctx: Context,
        pool: Sequence[Held],
        *,
        goal: Credential,
        goal_day: date,
        gpa: Callable[[Credential], float | None],
        waive: Iterable[str],
        allowed_for: Mapping[str, bool],
        unit: int,
        exceptions: Sequence[Exception_] = (),
    ) -> None:
        self.ctx = ctx
        self.pool = pool
        self.index = PoolIndex.of(ctx, pool)
        self.goal = goal
        self.gpa = gpa
        self.waive = {w.strip().casefold() for w in waive}
        self.waived_used: set[str] = set()
        self.allowed_for = allowed_for
        self.unit = unit
        self.nodes: list[solver.Node] = []
        self.info: list[NodeInfo] = []
        self.limits: list[solver.Limit] = []
        self.misses: dict[str, tuple[str, str]] = {}
        """Key → the first (reason code, sentence) a holding failed a node's modifiers for."""
        self.missed_at: dict[str, list[tuple[int, tuple[str, str]]]] = {}
        """Key → every (node, (reason code, sentence)) whose modifiers it failed."""
        self.eligible_anywhere: set[str] = set()
        self.goal_day = goal_day
        self.exceptions = [
            (i, e) for i, e in enumerate(exceptions) if e.kind not in ("waive", "substitute")
        ]
        self.exceptions_used: dict[int, int] = {}
        """Exception position in the record → the node it applies to."""

    def units(self, credits: Fraction) -> int:
        value = credits * self.unit
        return math.floor(value)

    def _reserve(self, info: NodeInfo) -> int:
        self.nodes.append(solver.Node(kind="all"))
        self.info.append(info)
        return len(self.nodes) - 1

    def _waived(self, label: str) -> bool:
        if label.strip().casefold() in self.waive:
            self.waived_used.add(label)
            return True
        return False

    def composite(self, cred: Credential, mods: Mods, stack: tuple[str, ...], overlay: bool) -> int:
        """A wrapper node for a composite: its tree, its free electives, limits and GPA."""
        label = cred.title
        index = self._reserve(
            NodeInfo(label=label, req=cred.requires, mods=mods, composite=cred.id)
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
            reserve=self.units(tree_need(self.ctx.catalog, cred, self.goal_day, stack))
            if total
            else 0,
        )
        for limit in cred.limits:
            test = FilterTest.of(limit.from_)
            keys = frozenset(h.key for h in self.pool if test(self.ctx, h, cred.issuer))
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
        index = self._reserve(NodeInfo(label="Free electives", req=None, mods=Mods()))
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
        mods: Mods,
        stack: tuple[str, ...],
        overlay: bool,
        owner: Credential,
    ) -> int:
        """Add the nodes of ``req`` (read with the modifiers ``mods`` of the path to it, inside
        the composites ``stack``, as an overlay if ``overlay``, for ``owner``); return its
        node."""
        place = Place(mods.add(req), stack, overlay or req.shares, owner)
        return self.visit(req, place)

    def has(self, req: Requirement, target: str, context: Place) -> int:
        catalog = self.ctx.catalog
        if target in catalog.versions:
            cred = catalog.credential(target, on=self.goal_day)
            held = self.index.by_id.get(target)
            if cred.composite and not held and target not in context.stack:
                return self.composite(cred, context.mods, context.stack, context.overlay)
        return self.has_leaf(req, target, context.mods, context.overlay)

    def group(self, req: Requirement, context: Place) -> int:
        kind = req.kind
        label = req.label or {"all": "All of", "any": "One of"}.get(kind, f"{req.at_least} of")
        index = self._reserve(NodeInfo(label=label, req=req, mods=context.mods))
        children = tuple(
            self.requirement(child, context.mods, context.stack, context.overlay, context.owner)
            for child in req.children
        )
        self.nodes[index] = solver.Node(
            kind=cast(solver.NodeKind, kind),
            need=req.at_least or 0,
            children=children,
            overlay=context.overlay,
            waived=self._waived(req.label or ""),
        )
        return index

    def filtered(self, req: Requirement, context: Place) -> int:
        kind = req.kind
        catalog = self.ctx.catalog
        flt = req.from_ or Filter()
        what = describe_filter(flt, catalog.tags)
        if kind == "credits":
            assert req.credits is not None
            default = f"{credit_count(req.credits)} of {what}"
        else:
            default = f"{req.count} of {what}"
        label = req.label or default
        index = self._reserve(NodeInfo(label=label, req=req, mods=context.mods, flt=flt))
        test = FilterTest.of(flt)
        options = [
            (candidate.key,)
            for candidate in self.pool
            if test(self.ctx, candidate, context.owner.issuer)
            and not (kind == "credits" and candidate.credits <= 0)
            and self._eligible(candidate, context.mods, index)
        ]
        distinct = (req.distinct.by, req.distinct.at_least) if req.distinct else None
        need = (
            math.ceil((req.credits or Fraction(0)) * self.unit)
            if kind == "credits"
            else (req.count or 0)
        )
        self.nodes[index] = self._excepted(
            index,
            label,
            solver.Node(
                kind=cast(solver.NodeKind, kind),
                need=need,
                options=tuple(options),
                overlay=context.overlay,
                waived=self._waived(label),
                distinct=distinct,
                split=req.split,
            ),
        )
        return index

    def _excepted(self, index: int, label: str, node: solver.Node) -> solver.Node:
        """``node`` (a leaf labelled ``label``) with the record's ``also_allow``,
        ``apply_here`` and ``change_limit`` exceptions that name it applied."""
        wanted = label.strip().casefold()
        options = list(node.options)
        forced = list(node.forced)
        need = node.need
        for position, exc in self.exceptions:
            name = exc.in_ if exc.held is not None else exc.change_limit
            if name is None or name.strip().casefold() != wanted:
                continue
            if exc.kind == "change_limit" and node.kind == "has":
                continue  # a `has` needs one holding: nothing to change
            self.exceptions_used[position] = index
            if exc.kind == "change_limit":
                if node.kind == "credits" and exc.credits is not None:
                    need = math.ceil(exc.credits * self.unit)
                elif node.kind != "credits" and exc.count is not None:
                    need = exc.count
                continue
            held = [h for h in self.pool if h.credential == exc.held and not h.granted]
            if node.kind == "credits":
                held = [h for h in held if h.credits > 0]
            for h in held[:1]:
                self.eligible_anywhere.add(h.key)
                if (h.key,) not in options:
                    options.append((h.key,))
                if exc.kind == "apply_here":
                    forced.append(h.key)
        if (
            need == node.need
            and len(options) == len(node.options)
            and len(forced) == len(node.forced)
        ):
            return node  # no exception names it (the usual case)
        return replace(node, options=tuple(options), forced=tuple(forced), need=need)

    def check_exceptions(self, goal: str) -> None:
        """Raise a :class:`RecordError` naming every ``also_allow``, ``apply_here`` or
        ``change_limit`` exception whose requirement label is not a requirement of ``goal``
        that takes holdings (with the closest labels); ``waive`` stays lenient, since one
        record may waive requirements of several goals."""
        labels = {info.label: node for info, node in zip(self.info, self.nodes, strict=True)}
        leaves = [label for label, node in labels.items() if node.kind in solver.LEAF_KINDS]
        errors = []
        for position, exc in self.exceptions:
            if position in self.exceptions_used:
                continue
            name = exc.in_ if exc.held is not None else exc.change_limit
            field = "in" if exc.held is not None else "change_limit"
            close = suggest(name or "", leaves, n=2)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            what = "a group" if name in labels else "no requirement"
            errors.append(
                LocatedError(
                    "record",
                    None,
                    None,
                    f"exceptions.{position}.{field}",
                    f"{name!r} is {what} of {goal} (an exception names a requirement that "
                    f"takes holdings: has, credits or count){hint}",
                )
            )
        if errors:
            raise RecordError(errors)

    def side_tree(self, req: Requirement, owner: Credential) -> int:
        """Add ``req`` (a candidate's prerequisites) as an overlay tree outside the goal: it
        reads holdings without using them up, and from now on the record's waivers, which
        name the goal's requirements, apply to no new node. Returns the tree's root."""
        self.waive = set()
        return self.requirement(req, Mods(), (), True, owner)

    def name(self, target: str) -> str:
        """A credential or equivalence as a report names it: "Title (id)"."""
        catalog = self.ctx.catalog
        if target in catalog.versions:
            return f"{catalog.credential(target, on=self.goal_day).title} ({target})"
        if target in catalog.equivalences:
            return f"{catalog.equivalences[target].title} ({target})"
        return target

    def has_leaf(self, req: Requirement, target: str, mods: Mods, overlay: bool) -> int:
        label = req.label or self.name(target)
        index = self._reserve(NodeInfo(label=label, req=req, mods=mods, target=target))
        options = []
        for option in options_for(self.ctx, target, self.index):
            if all(self._eligible(h, mods, index) for h in option):
                options.append(tuple(h.key for h in option))
        self.nodes[index] = self._excepted(
            index,
            label,
            solver.Node(
                kind="has",
                need=1,
                options=tuple(options),
                overlay=overlay,
                waived=self._waived(label),
            ),
        )
        return index

    def _eligible(self, held: Held, mods: Mods, node: int) -> bool:
        if not self.allowed_for.get(held.key, True):
            why = (
                "not_applicable",
                f"{held.rule} grants credit toward {', '.join(held.counts_toward or ())} only",
            )
            for key in (held.key, *held.sources):
                self.misses.setdefault(key, why)
            return False
        failure = check_mods(held, mods, self.ctx.as_of)
        if failure is not None:
            for key in (held.key, *held.sources):
                self.misses.setdefault(key, failure)
                self.missed_at.setdefault(key, []).append((node, failure))
            return False
        self.eligible_anywhere.add(held.key)
        return True


def required_credits(
    catalog: CompiledCatalog, cred: Credential, day: date | None, stack: tuple[str, ...] = ()
) -> Fraction:
    """The least credit a composite's tree needs: declared credits, else its cheapest tree."""
    return max(cred.credits, tree_need(catalog, cred, day, stack))


def tree_need(
    catalog: CompiledCatalog, cred: Credential, day: date | None, stack: tuple[str, ...] = ()
) -> Fraction:
    """The credit the cheapest way through a composite's named requirements takes (nested
    composites at their own :func:`required_credits`; a ``count`` or zero-credit code adds
    nothing)."""

    return fold(cred.requires, _Need(catalog, cred, day, stack)) if cred.requires else Fraction(0)


class _Need(Folder[Fraction]):
    """The least credit a requirement takes (see :func:`tree_need`)."""

    def __init__(
        self, catalog: CompiledCatalog, cred: Credential, day: date | None, stack: tuple[str, ...]
    ) -> None:
        self.catalog, self.cred, self.day, self.stack = catalog, cred, day, stack

    def skip(self, req: Requirement) -> Fraction | None:
        return Fraction(0) if req.shares else None  # an overlay reads credit others use

    def has(self, req: Requirement, target: str) -> Fraction:
        catalog = self.catalog
        if target in catalog.versions:
            inner = catalog.credential(target, on=self.day)
            if inner.composite and inner.id not in self.stack:
                return required_credits(catalog, inner, self.day, (*self.stack, self.cred.id))
            return inner.credits
        if target in catalog.equivalences:
            return catalog.equivalences[target].credits
        return Fraction(0)

    def group(self, req: Requirement, children: Sequence[Fraction]) -> Fraction:
        if req.kind == "all":
            return sum(children, Fraction(0))
        if req.kind == "any":
            return min(children, default=Fraction(0))
        return sum(sorted(children)[: req.at_least or 0], Fraction(0))

    def filtered(self, req: Requirement) -> Fraction:
        return (req.credits or Fraction(0)) if req.kind == "credits" else Fraction(0)


def goal_version(
    catalog: CompiledCatalog, goal: str, record: LearnerRecord, as_of: date
) -> tuple[Credential, date]:
    if goal not in catalog.versions:
        raise UnknownIdError("goal", goal, catalog.versions)
    year = record.learner.catalog_year
    day = date(year, 7, 1) if year else as_of
    return catalog.credential(goal, on=day), day


def nested_composites(catalog: CompiledCatalog, goal: Credential, day: date) -> set[str]:
    """The goal and every composite its tree nests (through ``has``)."""
    found = {goal.id}
    todo = [goal]
    while todo:
        cred = todo.pop()
        for req in walk(cred.requires):
            if req.has and req.has in catalog.versions and req.has not in found:
                inner = catalog.credential(req.has, on=day)
                if inner.composite:
                    found.add(inner.id)
                    todo.append(inner)
    return found


def goal_builder(
    ctx: Context,
    record: LearnerRecord,
    goal: Credential,
    goal_day: date,
    pool: Sequence[Held],
    graded: Sequence[Held],
    unit: int,
) -> Builder:
    """A builder holding ``goal``'s tree (node 0) over ``pool``; GPA from the ``graded`` own
    holdings (:attr:`Prepared.graded`). A caller may add more trees to it before reading
    ``nodes`` and ``limits``."""
    nests = nested_composites(ctx.catalog, goal, goal_day)
    allowed_for = {
        h.key: h.counts_toward is None or bool(set(h.counts_toward) & nests) for h in pool
    }
    averages: dict[str | None, float | None] = {}  # scope → GPA, read when a minimum asks

    def gpa_for(cred: Credential) -> float | None:
        scope = None if cred.gpa_scope == "all" else cred.issuer
        if scope not in averages:
            averages[scope] = grade_point_average(graded, scope)
        return averages[scope]

    builder = Builder(
        ctx,
        pool,
        goal=goal,
        goal_day=goal_day,
        gpa=gpa_for,
        waive=[e.waive for e in record.exceptions if e.waive],
        allowed_for=allowed_for,
        unit=unit,
        exceptions=record.exceptions,
    )
    if goal.composite:
        builder.composite(goal, Mods(), (), False)
    else:
        builder.has_leaf(Requirement(has=goal.id), goal.id, Mods(), False)
    builder.check_exceptions(goal.id)
    return builder


def solver_items(pool: Sequence[Held], unit: int) -> tuple[solver.Item, ...]:
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
