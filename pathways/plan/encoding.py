"""The plan as a CP-SAT model: acquisition, transfer firing and the allocation, then search.

Transfer rules are encoded with the ordered alternatives :mod:`pathways.evaluate.transfers`
defines; :class:`Search` finds the best plan and the next-best distinct ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from pathways import solver
from pathways.evaluate.expansion import goal_builder, solver_items
from pathways.evaluate.holdings import Held
from pathways.evaluate.transfers import (
    Bools,
    GrantOption,
    RuleAlternatives,
    credit_class,
    grant_presence,
)
from pathways.plan.documents import OBJECTIVE_SCALE, OPTIMIZED_ATTRIBUTE, TIE_BREAK_BUDGET
from pathways.plan.space import Space, retake_pairs

# --------------------------------------------------------------------------- transfer logic


def _rules(space: Space) -> dict[str, RuleAlternatives]:
    return {
        ident: RuleAlternatives(
            effective=[alt.effective for alt in entry.alts], superseded_by=entry.superseded_by
        )
        for ident, entry in space.rules.items()
    }


def _grant_options(space: Space) -> list[GrantOption]:
    return [
        GrantOption(
            key=grant.held.key,
            rule=grant.rule,
            alt=grant.alt,
            position=grant.position,
            credential=grant.held.credential,
            earliest=space.rules[grant.rule].alts[grant.alt].earliest,
            same_as=credit_class(space.catalog, grant.held.credential)
            if grant.held.credential
            else None,
        )
        for grant in space.grants
    ]


def present_grants(space: Space, acquired: set[str]) -> set[str]:
    """Keys of the grant items that exist when the learner holds ``acquired`` too: the choice
    of :func:`pathways.evaluate.transfers.grant_presence`, evaluated."""
    presence = grant_presence(
        _rules(space),
        _grant_options(space),
        Bools(),
        available=lambda rule, alt: set(space.rules[rule].alts[alt].cands) <= acquired,
        held=lambda credential: credential in acquired,
    )
    return {key for key, given in presence.items() if given}


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


def _presence_literals(space: Space, acquire: Mapping[str, Any], logic: _Logic) -> dict[str, Lit]:
    """The CP-SAT form of :func:`present_grants`: item key → literal for every grant item."""
    return grant_presence(
        _rules(space),
        _grant_options(space),
        logic,
        available=lambda rule, alt: logic.and_(
            acquire[c] for c in space.rules[rule].alts[alt].cands
        ),
        held=lambda credential: acquire.get(credential, False),
    )


# --------------------------------------------------------------------------- the model


@dataclass
class Built:
    space: Space
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


def brought_terms(
    space: Space, acquire: Mapping[str, Any], presence: Mapping[str, Any], logic: Any
) -> list[tuple[Fraction, Any]]:
    """The credit the steps bring to the goal, as (credits, literal) terms (the rule of
    :func:`pathways.plan.reading.brought`): a grant that needs a step brings its credit,
    once however many steps it needs; a step brings its own credit unless it is the source
    of a grant that is given (an exam's credit is its grant's, a course's transfer credit
    counts once)."""
    terms: list[tuple[Fraction, Any]] = []
    sourcing: dict[str, list[Any]] = defaultdict(list)
    for grant in space.grants:
        cands = space.rules[grant.rule].alts[grant.alt].cands
        if not cands:
            continue
        lit = presence[grant.held.key]
        terms.append((grant.held.credits, lit))
        for ident in cands:
            sourcing[ident].append(lit)
    for ident, var in sorted(acquire.items()):
        own = space.candidates[ident].credits
        if own:
            # A given grant implies its sources are acquired, so "acquired and sourcing no
            # given grant" is acquired less sourcing one: linear terms, a tighter relaxation.
            terms.append((own, var))
            if sourcing[ident]:
                terms.append((-own, logic.or_(sourcing[ident])))
    return terms


def _weight(space: Space, held: Held) -> int:
    cred = held.cred
    assert cred is not None
    optimize = space.options.optimize
    if optimize == "credits":
        return math.floor(held.credits * space.unit)
    value = getattr(cred, OPTIMIZED_ATTRIBUTE[optimize])
    return 0 if value is None else round(value * OBJECTIVE_SCALE[optimize])


def _tie_to_presence(
    model: Any, cp: solver.CpAllocation, problem: solver.Problem, presence: dict[str, Any]
) -> dict[int, list[tuple[str, list[tuple[Any, Any]]]]]:
    """Every use of an item that may be absent implies its presence; returns the uses by leaf."""
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
    return by_leaf


def _order_and_objective(
    space: Space,
    model: Any,
    cp: solver.CpAllocation,
    acquire: dict[str, Any],
    prereq_roots: dict[str, tuple[int, int, int]],
    by_leaf: dict[int, list[tuple[str, list[tuple[Any, Any]]]]],
    behind: dict[str, tuple[str, ...]],
    brought: Any,
) -> Any:
    """Steps come after what their prerequisites read; returns the primary objective (the
    critical path's weeks when optimising time, the units of credit the steps bring
    (``brought``) when optimising credits, else the summed cost of the steps)."""
    timed = space.options.optimize == "time"
    weeks = {
        k: round((h.cred.weeks or 0) * OBJECTIVE_SCALE["time"]) if h.cred else 0
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
        return makespan
    if space.options.optimize == "credits":
        return brought
    return sum(_weight(space, space.candidates[k]) * var for k, var in acquire.items())


def build_model(space: Space, *, reduce: bool) -> Built:
    """The plan's CP-SAT model: the goal's allocation over held, candidate and granted items,
    acquisition variables, presence of grants, prerequisites and their order, objectives.

    ``reduce`` drops the candidates no plan needs (:func:`_interchangeable`): the best plan
    is the same, but next-best plans that only swap interchangeable candidates disappear, so
    it is off when alternatives are asked for."""
    ranks = {ident: rank for rank, ident in enumerate(sorted(space.candidates), 1)}
    builder = goal_builder(
        space.ctx,
        space.record,
        space.goal,
        space.goal_day,
        space.pool,
        space.prepared.graded,
        space.unit,
    )
    goal_nodes, goal_limits = len(builder.nodes), len(builder.limits)
    prereq_roots: dict[str, tuple[int, int, int]] = {}
    for ident, held in sorted(space.candidates.items()):
        cred = held.cred
        assert cred is not None
        if cred.prerequisites is not None:
            low = len(builder.nodes)
            root = builder.side_tree(cred.prerequisites, cred)
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
    ) + retake_pairs(space)
    problem = solver.Problem(
        items=solver_items(space.pool, space.unit),
        nodes=tuple(nodes),
        limits=tuple(limits),
        exclusive=exclusive,
    )
    cp = solver.build_cpsat(problem, terms=False)
    model = cp.model
    acquire = {k: model.new_bool_var(f"acquire[{k}]") for k in sorted(space.candidates)}
    logic = _Logic(model)
    presence = _presence_literals(space, acquire, logic)
    credit_terms = brought_terms(space, acquire, presence, logic)
    behind: dict[str, tuple[str, ...]] = {}
    for ident, held in space.candidates.items():
        presence[held.key] = acquire[ident]
        behind[held.key] = (ident,)
    for grant in space.grants:
        behind[grant.held.key] = space.rules[grant.rule].alts[grant.alt].cands

    by_leaf = _tie_to_presence(model, cp, problem, presence)
    model.add(cp.met[0] == 1)

    brought = sum(math.floor(c * space.unit) * lit for c, lit in credit_terms)
    least = credit_floor(space, problem, goal_nodes)
    if least > 0:
        # Redundant, whatever the plan optimises: it spares CP-SAT proving it.
        model.add(brought >= least)
    primary = _order_and_objective(
        space, model, cp, acquire, prereq_roots, by_leaf, behind, brought
    )
    return Built(
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


def credit_floor(space: Space, problem: solver.Problem, goal_nodes: int) -> int:
    """A lower bound, in units, of the credit any plan brings (:func:`brought_terms`): the
    goal's root total less all that the items a plan may apply without bringing them could
    apply.

    Met, the root applies its total across its non-overlay leaves, each unit of an item at most
    once. A unit of a grant that needs a step is brought when applied (the grant is then given
    and counts its credit), and so is a unit of a candidate that is acquired when applied:
    it counts its own credit unless a grant it sources is given, and then, when each grant it
    sources needs it alone and grants at least its units, that grant counts them instead (the
    grant itself is not applied beside its source). Every other item a goal leaf may take is
    assumed to apply all its units unbrought: a holding, a grant whose sources are all held,
    a candidate sourcing a grant of other steps too or of fewer units. A candidate's own credit
    that is not a whole number of units may count one unit less once a grant it sources is
    given. The bound is redundant to the model, so the plans it admits, and the best among
    them, are the same, whatever the plan optimises; it spares CP-SAT proving it. On Wright
    State's BSB in Accountancy from an empty record (2026-12-05) it halved both searches of
    the least-credits plan and took the least-time plan from 888 to 101 ms and the
    least-cost plan from 1,305 to 923 ms, each the same plan."""
    root = problem.nodes[0]
    if root.total <= 0 or root.waived:
        return 0
    unit = space.unit
    units = {item.key: item.units for item in problem.items}
    paid = {
        grant.held.key for grant in space.grants if space.rules[grant.rule].alts[grant.alt].cands
    }
    sources: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    for grant in space.grants:
        cands = space.rules[grant.rule].alts[grant.alt].cands
        for ident in cands:
            sources[ident].append((cands, units[grant.held.key]))
    for ident, held in space.candidates.items():
        if all(cands == (ident,) and given >= units[held.key] for cands, given in sources[ident]):
            paid.add(held.key)
    slack = sum(1 for ident in sources if (space.candidates[ident].credits * unit).denominator != 1)
    takeable = {
        key
        for node in problem.nodes[:goal_nodes]
        if node.kind in solver.LEAF_KINDS and not node.overlay
        for option in node.options
        for key in option
    }
    return root.total - sum(units[key] for key in takeable - paid) - slack


def _interchangeable(
    space: Space, nodes: Sequence[solver.Node], limits: Sequence[solver.Limit]
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
class Found:
    """A plan's steps and the goal allocation that goes with them ((leaf, item key) used)."""

    steps: frozenset[str]
    uses: set[tuple[int, str]]


WHOLE_CANDIDATES = 100
"""Plans over at most this many candidates first try both stages of :meth:`Search.best` in
one solve. On the bundled plans (2026-12-04) that took 3-35 % off every plan of 50-85
candidates, each the same plan; Wright State's BSB from an empty record (115 candidates) was
not proven within the budget and took 1.5 times as long with the attempt."""

WHOLE_BUDGET = 0.1
"""Deterministic time (CP-SAT's units) of that attempt; past it the stages run in turn. It was
0.2. On the 312 plans of the bundled composites (26 goals, 4 records, 3 objectives;
2026-12-05, AMD EPYC) most attempts that succeed take under 0.02 units, a few up to 0.18, and
a failed one costs its whole budget: at 0.1 the 312 plans took 26.1 s instead of 28.7-29.2 s,
every plan the same (at 0.05, 26.6-26.8 s)."""


PLAN_PROBING_LEVEL = 0
"""CP-SAT's ``cp_model_probing_level`` for plans (its default is 2). Measured 2026-12-05 (AMD
EPYC, 2 cores): Wright State's BSB in Accountancy from an empty record spent 0.16 of its
0.38 s in the two solves' presolve probing; without it the plan took 0.30 s, and the bench's
40 plans on the state catalog 19.3 s instead of 26.9 s, each the same plan or, once, one of
smaller rank sum (its tie-break had stopped at the budget before)."""


class Search:
    """Staged exact optimisation over one model: the best plan, then the next-best ones."""

    def __init__(self, built: Built, time_limit: float) -> None:
        import time

        self.built = built
        self.clock = time.perf_counter
        self.deadline = self.clock() + time_limit
        self.optimal = True

    def _run(
        self,
        objective: Any,
        assumptions: list[Any],
        *,
        budget: float | None = None,
        proven: bool = False,
    ) -> Any:
        """Minimise ``objective`` under the cuts and ``assumptions``: the solver with the
        answer, None when infeasible. ``budget`` caps deterministic time (a tie-break: the
        answer found within it counts as final); with ``proven``, an answer not proven
        optimal within it is None too."""
        from pathways.ortools_import import load_cp_model

        cp_model = load_cp_model()  # without pandas when it can

        model = self.built.cp.model
        model.minimize(objective)
        model.clear_assumptions()
        model.add_assumptions(assumptions)
        engine = cp_model.CpSolver()
        engine.parameters.num_workers = 1
        engine.parameters.random_seed = 0
        engine.parameters.linearization_level = 2
        # Presolve probing costs more than it saves on plans (PLAN_PROBING_LEVEL).
        engine.parameters.cp_model_probing_level = PLAN_PROBING_LEVEL
        engine.parameters.max_time_in_seconds = max(0.05, self.deadline - self.clock())
        if budget is not None:
            engine.parameters.max_deterministic_time = budget
        status = engine.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or (
            proven and status != cp_model.OPTIMAL
        ):
            if budget is not None:
                return None
            raise solver.SolverTimeout("no plan found within the solver's time limit")
        if status != cp_model.OPTIMAL and budget is None:
            self.optimal = False
        # The next solve starts from this answer, every variable of it: on the BSB from an
        # empty record the rank stage found its first plan 30 ms sooner than from the steps
        # alone (measured 2026-12-05).
        solver.hint_answer(model, engine)
        return engine

    def best(self) -> Found | None:
        """The best plan under the cuts so far, or None when there is none.

        Stage 1 minimises ``primary·(n+1) + steps`` (exactly lexicographic, as steps ≤ n).
        Stage 2 keeps that value and minimises the sum of the steps' ranks in id order
        (earlier ids preferred), within :data:`TIE_BREAK_BUDGET` of deterministic time, so
        the same question always gets the same plan. Over at most :data:`WHOLE_CANDIDATES`
        candidates both are first tried as one weighted sum (the stage-1 value times one more
        than the largest rank sum, plus the rank sum), kept only when proven optimal within
        :data:`WHOLE_BUDGET`: then it is the plan the two stages would give at best.
        """
        model = self.built.cp.model
        acquire = self.built.acquire
        ids = sorted(acquire)
        objective = self.built.primary * (len(ids) + 1) + self.built.count
        engine = None
        if len(ids) <= WHOLE_CANDIDATES:
            # Both stages at once (ranks sum to at most n(n+1)/2), accepted only if proven.
            whole = objective * (len(ids) * (len(ids) + 1) // 2 + 1) + self.built.ranks
            engine = self._run(whole, [], budget=WHOLE_BUDGET, proven=True)
        if engine is None:
            engine = self._run(objective, [])
            if engine is None:
                return None
            held = model.new_bool_var("stage")
            model.add(objective <= int(engine.objective_value)).only_enforce_if(held)
            engine = self._run(self.built.ranks, [held], budget=TIE_BREAK_BUDGET) or engine
        model.clear_assumptions()
        cp = self.built.cp
        pooled = {leaf for pool in cp.pooled for leaf in pool}
        uses = {
            pair
            for pair, pairs in cp.uses.items()
            if pair[0] < self.built.goal_nodes
            and pair[0] not in pooled
            and any(engine.value(v) for v, _ in pairs)
        } | solver.pooled_uses(cp, engine.value)
        return Found(steps=frozenset(k for k in ids if engine.value(acquire[k])), uses=uses)

    def cut(self, found: Found) -> None:
        """Forbid ``found``'s steps and every superset of them from now on."""
        model = self.built.cp.model
        model.add(sum(self.built.acquire[k] for k in found.steps) <= len(found.steps) - 1)
