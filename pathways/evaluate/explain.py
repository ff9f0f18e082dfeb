"""Reading a solver solution back into an audit :class:`~pathways.evaluate.results.Decision`.

Every requirement gets its status, what was applied to it and what is missing; every own
holding not applied gets exactly one reason code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from pathways import solver
from pathways.catalog.model import (
    Credential,
    Exception_,
    Filter,
    LearnerRecord,
)
from pathways.evaluate.expansion import Builder, required_credits
from pathways.evaluate.holdings import Held, Prepared, badge_unused
from pathways.evaluate.matching import describe_filter
from pathways.evaluate.results import (
    AppliedCredit,
    Credits,
    Decision,
    NodeResult,
    RequirementKind,
    Unused,
    credit_count,
    credit_figure,
    number,
)
from pathways.evaluate.transfers import TransferResult, transfer_line

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog


class _Reading:
    """One solution read against the builder's nodes: per-leaf uses and per-subtree units."""

    def __init__(
        self,
        *,
        record: LearnerRecord,
        goal: Credential,
        pool: Sequence[Held],
        builder: Builder,
        problem: solver.Problem,
        solution: solver.Solution,
        unit: int,
    ) -> None:
        self.goal = goal
        self.builder = builder
        self.problem = problem
        self.solution = solution
        self.unit = unit
        self.held_by_key = {h.key: h for h in pool}
        self.nodes = problem.nodes
        self.uses_by_leaf: dict[int, list[tuple[str, int]]] = {}
        self.applied_keys: set[str] = set()
        for (leaf, key), units in sorted(solution.uses.items()):
            self.uses_by_leaf.setdefault(leaf, []).append((key, units))
            if not self.nodes[leaf].overlay:
                self.applied_keys.add(key)
        self.substitutes = {
            (exc.substitute, exc.for_) for exc in record.exceptions if exc.substitute and exc.for_
        }
        self.parent: list[int | None] = [None] * len(self.nodes)
        for index, node in enumerate(self.nodes):
            for child in node.children:
                self.parent[child] = index
        self.placed = {
            (leaf, exc.held): exc.kind
            for position, leaf in builder.exceptions_used.items()
            if (exc := record.exceptions[position]).held is not None
        }
        self.subtree_units: list[int] = [0] * len(self.nodes)
        for index in reversed(range(len(self.nodes))):
            node = self.nodes[index]
            if node.kind in solver.LEAF_KINDS:
                if not node.overlay:
                    self.subtree_units[index] = sum(u for _, u in self.uses_by_leaf.get(index, []))
            else:
                self.subtree_units[index] = sum(self.subtree_units[c] for c in node.children)

    def still_open(self, index: int) -> bool:
        """Whether requirement ``index`` and every requirement above it are unmet (so a
        holding that fails its modifiers is what keeps it open)."""
        at: int | None = index
        while at is not None:
            if self.solution.met[at] or self.nodes[at].waived:
                return False
            at = self.parent[at]
        return True

    def open_miss(self, key: str) -> tuple[str, str] | None:
        """Why holding ``key`` does not meet a requirement that is still open, or None."""
        for index, (code, sentence) in self.builder.missed_at.get(key, ()):
            if self.still_open(index):
                return code, f"{sentence}, which {self.builder.info[index].label} needs"
        return None

    def credits_of(self, units: int) -> float:
        return number(Fraction(units, self.unit))

    def applied_list(self, leaf: int) -> list[AppliedCredit]:
        info = self.builder.info[leaf]
        result = []
        for key, units in self.uses_by_leaf.get(leaf, []):
            held = self.held_by_key[key]
            sub = None
            if (
                info.target
                and held.credential
                and (held.credential, info.target) in self.substitutes
            ):
                sub = info.target
            result.append(
                AppliedCredit(
                    credential=held.credential,
                    credits=self.credits_of(units),
                    via=held.rule,
                    substitute_for=sub,
                    label=held.label if held.credential is None else None,
                    exception=self.placed.get((leaf, held.credential or "")),
                )
            )
        return result

    def missing(self, index: int) -> str | None:
        """What requirement ``index`` still needs, in words; None when nothing is missing."""
        node = self.nodes[index]
        info = self.builder.info[index]
        solution = self.solution
        if (solution.met[index] and node.elective_of is None) or not solution.active[index]:
            return None  # met, or an alternative the allocation did not take
        if info.blocked_reason:
            return info.blocked_reason
        phrase = info.mods.phrase()
        used = self.uses_by_leaf.get(index, [])
        if node.kind == "has":
            name = self.builder.name(info.target) if info.target else info.label
            return f"needs {name}{phrase}"
        if node.elective_of is not None:
            return self._missing_electives(index)
        if node.kind == "credits":
            have = sum(u for _, u in used)
            rest = self.credits_of(max(0, node.need - have))
            what = describe_filter(info.flt or Filter(), self.builder.ctx.catalog.tags)
            return f"needs {credit_count(rest, 'more credit')} of {what}{phrase}"
        if node.kind == "count":
            left = max(0, node.need - len(used))
            if left == 0 and node.distinct:
                return (
                    f"needs holdings from at least {node.distinct[1]} different {node.distinct[0]}s"
                )
            what = describe_filter(info.flt or Filter(), self.builder.ctx.catalog.tags)
            return f"needs {left} more of {what}{phrase}"
        unmet = [self.builder.info[c].label for c in node.children if not solution.met[c]]
        if node.kind == "any":
            return "needs one of: " + "; ".join(unmet)
        if node.kind == "at_least":
            met_count = sum(solution.met[c] for c in node.children)
            return f"needs {node.need - met_count} more of: " + "; ".join(unmet)
        if node.total and self.subtree_units[index] < node.total and not unmet:
            rest = self.credits_of(node.total - self.subtree_units[index])
            total = self.credits_of(node.total)
            more = credit_count(rest, "more credit")
            return f"needs {more} in all ({credit_figure(total)} required)"
        if not unmet:
            below = self._missing_minimum(index)
            if below is not None:
                return below
        return "needs: " + "; ".join(unmet) if unmet else None

    def _missing_electives(self, index: int) -> str | None:
        node = self.nodes[index]
        parent = node.elective_of
        assert parent is not None
        owner = self.nodes[parent]
        rest = self.credits_of(max(0, owner.total - self.subtree_units[parent]))
        if not rest:
            return None
        total = self.credits_of(owner.total)
        more = credit_count(rest, "more credit")
        text = f"needs {more} toward the {credit_figure(total)} required in all"
        named = self.subtree_units[parent] - self.subtree_units[index]
        if not all(self.solution.met[c] for c in owner.children if c != index):
            kept = min(rest, self.credits_of(max(0, owner.reserve - named)))
            if kept:
                least = credit_figure(kept)
                text += f"; finishing the requirements above brings at least {least} of them"
        return text

    def _missing_minimum(self, index: int) -> str | None:
        """The first minimum-credit limit scoped to ``index`` that is not reached, in words."""
        for limit in self.problem.limits:
            if limit.scope == index and limit.min_units is not None:
                got = sum(
                    u
                    for (leaf, key), u in self.solution.uses.items()
                    if key in limit.items and not self.nodes[leaf].overlay
                )
                if got < limit.min_units:
                    where = self.goal.issuer if index == 0 else "the awarding institution"
                    return (
                        f"needs at least {credit_count(self.credits_of(limit.min_units))} "
                        f"earned at {where} "
                        f"(has {credit_figure(self.credits_of(got))})"
                    )
        return None

    def result(self, index: int, ident: str) -> NodeResult:
        """The requirement tree under ``index`` (whose id is ``ident``) as the decision
        reports it."""
        node = self.nodes[index]
        info = self.builder.info[index]
        children = [self.result(c, f"{ident}/{n}") for n, c in enumerate(node.children)]
        filled = node.elective_of is not None and (
            self.subtree_units[node.elective_of] >= self.nodes[node.elective_of].total
        )
        if filled or (self.solution.met[index] and node.elective_of is None):
            status: Literal["met", "partial", "unmet"] = "met"
        elif (
            self.subtree_units[index] > 0
            or any(c.status != "unmet" for c in children)
            or (self.uses_by_leaf.get(index))
        ):
            status = "partial"
        else:
            status = "unmet"
        return NodeResult(
            label=info.label,
            status=status,
            applied=self.applied_list(index) if node.kind in solver.LEAF_KINDS else [],
            missing=self.missing(index),
            children=children,
            waived=node.waived,
            overlay=node.overlay,
            id=ident,
            kind=self.kind_of(index),
            target=info.composite or info.target,
        )

    def kind_of(self, index: int) -> RequirementKind:
        node = self.nodes[index]
        if self.builder.info[index].composite is not None:
            return "composite"
        if node.elective_of is not None:
            return "electives"
        return node.kind

    def remaining(self, tree: NodeResult) -> list[NodeResult]:
        """The unmet requirements, at the deepest level that says what is missing."""
        remaining: list[NodeResult] = []

        def collect(index: int, view: NodeResult) -> None:
            node = self.nodes[index]
            if self.solution.met[index]:
                return
            if node.kind == "all" and not self.builder.info[index].blocked_reason:
                before = len(remaining)
                for child, child_view in zip(node.children, view.children, strict=True):
                    collect(child, child_view)
                if len(remaining) == before and view.missing:
                    remaining.append(view.model_copy(update={"children": []}))
                return
            remaining.append(view)

        collect(0, tree)
        return remaining

    def applied_rules(self) -> set[str]:
        """The rules whose grants were applied; their sources join :attr:`applied_keys`."""
        rules: set[str] = set()
        for key in sorted(self.applied_keys):
            held = self.held_by_key[key]
            if held.rule is not None:
                rules.add(held.rule)
                self.applied_keys.update(held.sources)
        return rules


def _only_duplicates(transferred: TransferResult) -> dict[str, str]:
    """Own holding key → what it would be granted, for holdings whose every counted rule
    granted only what the record already holds (AP credit beside the course itself)."""
    given: set[str] = set()
    repeated: dict[str, list[str]] = {}
    for f in transferred.fired:
        if f.superseded_by or not f.counted:
            continue
        for h in f.sources:
            if f.grants:
                given.add(h.key)
            elif f.duplicate_grants:
                repeated.setdefault(h.key, []).extend(
                    g.credential or g.label or f.rule.id for g in f.duplicate_grants
                )
    return {key: ", ".join(ids) for key, ids in repeated.items() if key not in given}


def _unused(
    catalog: CompiledCatalog,
    reading: _Reading,
    prepared: Prepared,
    transferred: TransferResult,
) -> list[Unused]:
    """One reason for every own holding the allocation did not apply, in record order."""
    builder = reading.builder
    goal = reading.goal
    limited = _binding_limits(reading.problem, reading.solution)
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
    duplicated = _only_duplicates(transferred)
    for held in prepared.own:
        if held.key in reading.applied_keys:
            continue
        if held.key in prepared.reasons:
            code, sentence = prepared.reasons[held.key]
        elif held.key in limited:
            code, sentence = (
                "cap_exceeded",
                f"a limit on this goal is reached ({limited[held.key]})",
            )
        elif held.key in duplicated:
            code, sentence = (
                "duplicate",
                f"the credit it earns ({duplicated[held.key]}) is already in the record",
            )
        elif (miss := reading.open_miss(held.key)) is not None:
            code, sentence = miss
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
    unused += badge_unused(prepared)
    unused.sort(key=lambda u: u.index or 0)
    return unused + prepared.unmapped


def decide(
    *,
    catalog: CompiledCatalog,
    record: LearnerRecord,
    goal: Credential,
    as_of: date,
    projected: bool,
    institution: str | None,
    prepared: Prepared,
    transferred: TransferResult,
    pool: Sequence[Held],
    builder: Builder,
    problem: solver.Problem,
    solution: solver.Solution,
    unit: int,
    gpa: float | None,
) -> Decision:
    """The audit decision for ``solution`` of ``problem`` (built by ``builder`` over ``pool``)."""
    reading = _Reading(
        record=record,
        goal=goal,
        pool=pool,
        builder=builder,
        problem=problem,
        solution=solution,
        unit=unit,
    )
    tree = reading.result(0, goal.id)
    remaining = reading.remaining(tree)
    applied_rules = reading.applied_rules()
    unused = _unused(catalog, reading, prepared, transferred)
    applied_units = solution.applied_units(problem)
    required = required_credits(catalog, goal, builder.goal_day)
    return Decision(
        goal=goal.id,
        title=goal.title,
        institution=institution,
        learner=record.learner.id,
        as_of=as_of,
        catalog_version=catalog.version,
        status="complete" if solution.met[0] else "in_progress",
        projected=projected,
        credits=Credits(applied=reading.credits_of(applied_units), required=number(required)),
        gpa=round(gpa, 3) if gpa is not None else None,
        requirements=tree,
        transfers=[
            transfer_line(f, catalog, applied=f.rule.id in applied_rules) for f in transferred.fired
        ],
        unused=unused,
        remaining=remaining,
        waived=sorted(builder.waived_used),
        substitutions=[
            {"substitute": exc.substitute, "for": exc.for_, "by": exc.by, "reason": exc.reason}
            for exc in record.exceptions
            if exc.substitute and exc.for_
        ],
        exceptions=[
            _exception_entry(record.exceptions[position])
            for position in sorted(builder.exceptions_used)
        ],
        optimal=solution.optimal,
        catalog_date=builder.goal_day,
    )


def _exception_entry(exc: Exception_) -> dict[str, str]:
    """One applied exception as a decision lists it (see :attr:`Decision.exceptions`)."""
    entry = {"kind": exc.kind}
    if exc.held is not None:
        entry["credential"] = exc.held
        entry["in"] = exc.in_ or ""
    else:
        entry["in"] = exc.change_limit or ""
        if exc.credits is not None:
            entry["credits"] = f"{number(exc.credits):g}"
        if exc.count is not None:
            entry["count"] = str(exc.count)
    return {**entry, "by": exc.by, "reason": exc.reason}


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
