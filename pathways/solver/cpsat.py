"""The general solver: the allocation as an OR-Tools CP-SAT integer program."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pathways.errors import SolverTimeout
from pathways.solver.cpmodel import CpAllocation, build_cpsat
from pathways.solver.problem import (
    OBJECTIVE_BOUND,
    NoAllocation,
    Problem,
    ProblemTooLarge,
    Solution,
    has_electives,
    objective,
    objective_bounds,
    tie_break_bound,
)

SUBSTANCE = 4
"""The objective's first terms (goal met, requirements met, credit in named requirements and
in free electives): what a report says. They are solved to proof; ``optimal`` speaks of them."""

PREFERENCE_BUDGET = 0.1
"""Deterministic-time budget (CP-SAT's units) of each probe of the later terms (fewest split
holdings, then catalog order; see :func:`_prefer`), which only choose among allocations that
report the same. Chosen 2026-12-04 on the bench's 440 audits, for one weighted sum of both
terms: at 0.5, 0.1 and 0.05 every allocation was the same, at 0.02 three had a split more,
and 0.5 cost 0.8-1.3 s per audit where 0.1 cost 0.2 s. Probing the split count one count at a
time (2026-12-05) decides most counts in 0.002-0.05 units."""

PROBE_LIMIT = 8
"""The most split counts :func:`_prefer` probes, from none upwards; past them the report's own
allocation is kept, its later terms unproven. On the bench's 200 audits and the batch's 240
(2026-12-05) the general solver probed at most 3. A record of 1,000 holdings whose report's
allocation divided hundreds of them had every count probed in turn, 0.1 s apiece, for 72 s
under a time limit of 10 s; with this cap the general solver answers it in 2.4 s."""

WHOLE_BUDGET = 0.01
"""Deterministic-time budget (CP-SAT's units) of the first attempt, every term and the
tie-break proven at once; past it the terms are solved stage by stage."""

WHOLE_ITEMS = 18
"""The most holdings a problem with free electives may have for that first attempt. On 176
audit problems of the bundled and generated catalogs (2026-12-04), every one with up to 21
holdings was proven whole, in 35-45 % less time than stage by stage; most with 24 or more were
not, and the failed attempt cost more than it saved. It was 20 until 2026-12-05: of the six
attempts at 19 or 20 holdings left on the bench's 200 audits once the certificate has had its
turn, five took 17-25 ms or stopped unproven, where their stages take 6-12 ms; at 18 those
audits took 2-3 % less time on ``auto`` and forced alike, every reading the same."""

PLAIN_ITEMS = 20
"""A problem without free electives and with at most this many holdings is attempted whole
without the LP (``linearization_level`` 0). Measured 2026-12-05 (AMD EPYC): the bench's 200
audits make 53 such attempts, which took 0.097 s instead of 0.193 s, every one proven as
before. With more holdings, or with electives (6 of the batch's 7 attempts then stopped
unproven), the LP pays for itself."""

BRIEF_PRESOLVE = {"max_presolve_iterations": 1, "cp_model_probing_level": 0, "symmetry_level": 0}
"""CP-SAT's presolve for the report's stages (:func:`_report`): one pass, without probing or
symmetry detection. Those stages are solved to proof, so this changes how long a stage takes,
never the optimum it proves. Their models (about 550 variables on a degree of 40 holdings)
presolve to about 50, and presolve was most of each solve. Measured 2026-12-05 (Intel Xeon),
alternating audit by audit in one process, twice: the bench's 200 audits 5-7 % and the batch's
240 audits 4 % less time on ``auto`` (every allocation the same), 12-14 % less with the
general solver forced (7 of 200 audits then read differently: 2 better in their budgeted
later stages, 5 equal on every term and the tie-break). The budgeted stages keep the full
presolve: with it shortened too, 8 of the batch's tie-breaks changed, 3 for the worse."""

Settler = Callable[[Sequence[int], bool], Solution | None]
"""Given the values of the report's terms, proven best (goal met, requirements met, named and
elective credit), and whether every allocation reaching them is proven to split a holding, an
allocation reaching them that is proven best on the later terms too, or None; its
``tie_break_proven`` says whether its tie-break is proven least as well."""

WHOLE_ITEMS_NAMED = 60
"""The same for a problem without free electives (a certificate's relaxation, a plain
goal): without electives there is no subset sum to prove, and on 62 such components of 21-46
holdings from the bundled and generated audits (2026-12-04) the whole attempt within
:data:`WHOLE_SPAN` brought the mean from 17.4 to 12.8 ms, every answer the same."""

WHOLE_SPAN = 2**53
"""The largest range the whole attempt's one weighted sum may span. CP-SAT proves an optimum
against bounds computed in floating point, exact only below 2**53: on a relaxation of 37
holdings spanning 2**55 the whole attempt came back "optimal" one unit of tie-break short of
the stages' answer. Past it the terms are solved stage by stage."""

TIE_BREAK_BUDGET = 0.05
"""Deterministic-time budget (CP-SAT's own units, not seconds) for the tie-break stage. It was
0.02 until the split count was probed (:func:`_prefer`); the stage then starts from another
allocation, and on the bench's 200 timed audits of the state catalog (2026-12-05) 0.02 left
one tie-break two units behind the general solver's own (proven there at 0.009, reached here
at 0.029), 0.05 none, for 8 % more time on the batch's 240 audits."""

SETTLED_TIE_BREAK_BUDGET = 0.1
"""The tie-break's budget when a certificate settled the later terms and their probes (the
budget of :data:`PREFERENCE_BUDGET` each) were skipped. The search then starts from the
certificate's allocation rather than from where those stages ended: on 440 bundled and
generated audit problems (2026-12-04), 0.02 left two tie-breaks behind the general solver's
own, 0.1 none."""


def objective_stages(problem: Problem, terms: list[Any], first: int = 0) -> list[Any]:
    """The objective terms folded into as few weighted sums as 64-bit integers allow: each
    stage is exactly lexicographic over its terms (weights above the later terms' ranges),
    and the stages are solved in turn. ``terms`` are the objective's terms from number
    ``first`` (0-based) on. Raises :class:`ProblemTooLarge` when one term alone does not
    fit."""
    return fold_stages(problem, terms, objective_bounds(problem)[first : first + len(terms)])


def fold_stages(problem: Problem, terms: list[Any], bounds: Sequence[int]) -> list[Any]:
    """:func:`objective_stages` of ``terms`` whose absolute values are at most ``bounds``."""
    stages: list[Any] = []
    current: Any = 0
    span = 1  # the range of the current stage's weighted sum
    for term, bound in zip(terms, bounds, strict=True):
        width = 2 * bound + 1
        if width > OBJECTIVE_BOUND:
            raise ProblemTooLarge(
                f"the credits involved come to {sum(i.units for i in problem.items)} units "
                "of the smallest fraction used, too many to allocate exactly; use fewer or "
                "coarser credit values"
            )
        if span * width > OBJECTIVE_BOUND:
            stages.append(current)
            current, span = 0, 1
        current = current * width + term
        span *= width
    stages.append(current)
    return stages


def solve_cpsat(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    hint: Solution | None = None,
    settled: Settler | None = None,
    known: Sequence[int] = (),
) -> Solution:
    """Solve ``problem`` exactly with OR-Tools CP-SAT, in stages.

    ``hint``, an allocation of the same problem found another way (a fast path's answer),
    is where the search starts: it changes how soon the optimum is found, never which
    value is optimal. ``settled`` is asked, once the report's terms are proven, for an
    allocation proven best on the later terms too; when it gives one, their budgeted stages
    are skipped and only the tie-break is sought among allocations equal to it on every term,
    starting from it (it itself if that search finds nothing), unless its tie-break is proven
    least too (``tie_break_proven``): then it is the answer. ``known``, the proven optimum of
    the objective's first ``len(known)`` terms (a certificate's bound that some allocation
    reaches), is held from the start: no stage searches below it or proves it again, and
    the optimum is the same. When ``settled`` would give an allocation only once a split is
    known to be unavoidable, one budgeted probe asks CP-SAT whether it is
    (:func:`_settled_split`), and the tie-break is then sought under the budget it has without
    a certificate. When ``known`` covers every term of the report and ``settled`` gives an
    allocation for it, at once or after that probe, the report's stages are not solved: the
    model holds what they would have added (:func:`_hold_report`).

    A problem of at most :data:`WHOLE_ITEMS` holdings (:data:`WHOLE_ITEMS_NAMED` without free
    electives) whose terms and tie-break fit one 64-bit weighted sum is first solved whole,
    under :data:`WHOLE_BUDGET`: proven, that answer is the exact optimum of every term and of
    the tie-break. Otherwise the report's terms are maximised in turn, as few weighted sums as
    fit 64-bit integers (:func:`objective_stages`), each stage keeping the value the previous
    one reached, with ``workers`` search workers; then the later terms are probed
    (:func:`_prefer`) and a last stage minimises the tie-break, each with one worker under a
    deterministic budget, so equal inputs always give equal allocations. Raises
    :class:`SolverTimeout` when no allocation is found within ``time_limit`` seconds (over all
    stages); an allocation some stage could not prove optimal comes back with
    ``optimal=False``.
    """
    from pathways.ortools_import import load_cp_model

    cp_model = load_cp_model()  # without pandas when it can

    built = build_cpsat(problem)
    model, met, active, use_vars = built.model, built.met, built.active, built.uses
    run = _runner(model, time_limit)
    # Each variable once: an option of several items appears under each of them, and a
    # hint naming a variable twice makes CP-SAT reject the model (MODEL_INVALID), which
    # silently skipped the tie-break.
    every = [*met, *active, *(v for pairs in use_vars.values() for v, _ in pairs)]
    variables = list({var.index: var for var in every}.values())

    if hint is not None:
        _warm_start(model, built, hint)
    for term, value in zip(built.terms, known, strict=False):
        model.add(term == value)
    whole = _whole(problem, built, run, workers, variables)
    if whole is not None:
        return _solution(built, whole, True)
    solver: Any = None
    optimal = True
    probe = functools.partial(run, PREFERENCE_BUDGET, 1)
    best: Solution | None = None
    budget = TIE_BREAK_BUDGET
    if settled is not None and len(known) == SUBSTANCE:
        # Every term of the report known: an allocation settled on them needs no report stage.
        best, budget = _settle(problem, built, probe, settled, known, held=False)
    if best is None:
        report = functools.partial(run, None, workers, brief=True)
        solver, optimal = _report(problem, built, report, variables, time_limit)
        if optimal and settled is not None and len(known) < SUBSTANCE:
            reached = [int(solver.value(term)) for term in built.terms[:SUBSTANCE]]
            best, budget = _settle(problem, built, probe, settled, reached, held=True)
    proven = best is not None
    if best is not None and best.tie_break_proven:
        return replace(best, optimal=True, preferences_proven=True)
    if best is not None:
        # Proven best on the later terms too: hold them there.
        later = objective(problem, best.met, best.uses)[SUBSTANCE:]
        for term, value in zip(built.terms[SUBSTANCE:], later, strict=True):
            model.add(term == value)
        _warm_start(model, built, best)
    elif optimal:
        # Within what the report says, the preferred arrangement: sought on one worker under a
        # deterministic budget (proving the fewest split holdings is a subset sum), so the
        # same problem always gets the same answer, in bounded time, whatever the load.
        solver, proven = _prefer(problem, built, probe, variables, solver)
    if built.penalty:
        # The stable tie-break, on one worker under a deterministic budget so the same problem
        # always gets the same answer whatever the machine's load.
        model.minimize(sum(built.penalty))
        engine, status = run(budget, 1)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _solution(built, engine, optimal, proven, proven and status == cp_model.OPTIMAL)
    if best is not None:
        return replace(best, optimal=True, preferences_proven=True)
    return _solution(built, solver, optimal, proven, proven)


def _runner(model: Any, time_limit: float) -> Callable[..., tuple[Any, Any]]:
    """``run(budget, threads, presolve=True, linearization=2, brief=False)``: solve ``model``
    as it stands, on ``threads`` workers, within ``budget`` of deterministic time (None:
    unbounded) and what is left of ``time_limit`` seconds from now, with CP-SAT's
    ``linearization_level``, its presolve shortened when ``brief`` (:data:`BRIEF_PRESOLVE`);
    the solver and its status."""
    import time

    from pathways.ortools_import import load_cp_model

    cp_model = load_cp_model()
    deadline = time.monotonic() + time_limit

    def run(
        budget: float | None,
        threads: int,
        *,
        presolve: bool = True,
        linearization: int = 2,
        brief: bool = False,
    ) -> tuple[Any, Any]:
        engine = cp_model.CpSolver()
        engine.parameters.num_workers = threads
        engine.parameters.random_seed = 0
        engine.parameters.cp_model_presolve = presolve
        for name, value in BRIEF_PRESOLVE.items() if brief else ():
            setattr(engine.parameters, name, value)
        # Linearise the enforced (reified) constraints too: without it the LP bound on
        # "nodes met" is loose and proving the optimum of a ring of overlapping `any` takes
        # seconds.
        engine.parameters.linearization_level = linearization
        engine.parameters.max_time_in_seconds = max(0.05, deadline - time.monotonic())
        if budget is not None:
            engine.parameters.max_deterministic_time = budget
        return engine, engine.solve(model)

    return run


def _report(
    problem: Problem,
    built: CpAllocation,
    run: Callable[[], Any],
    variables: list[Any],
    time_limit: float,
) -> tuple[Any, bool]:
    """Maximise the report's terms (:data:`SUBSTANCE`) stage by stage with ``run``, each stage
    keeping what the previous reached: the solver of the last stage that found an allocation,
    and whether every stage proved its optimum. Raises :class:`NoAllocation` when forced
    placements leave none, :class:`SolverTimeout` when the first stage finds none in time."""
    from pathways.ortools_import import load_cp_model

    cp_model = load_cp_model()
    solver: Any = None
    optimal = True
    for stage in objective_stages(problem, built.terms[:SUBSTANCE]):
        if isinstance(stage, int):
            continue
        built.model.maximize(stage)
        engine, status = run()
        if status == cp_model.INFEASIBLE:
            raise NoAllocation("no allocation honours every placement the exceptions make")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver is None:
                raise SolverTimeout(f"no allocation found within {time_limit:g} s")
            optimal = False  # keep the previous stage's answer, unproven
            break
        solver = engine
        optimal = optimal and status == cp_model.OPTIMAL
        built.model.add(stage >= int(solver.value(stage)))
        hint_answer(built.model, solver, variables)
        if not optimal:
            break
    assert solver is not None, "the first stage holds the root's variable"
    return solver, optimal


def _whole(
    problem: Problem,
    built: CpAllocation,
    run: Callable[..., tuple[Any, Any]],
    workers: int,
    variables: list[Any],
) -> Any:
    """The solver holding the proven optimum of every objective term and the tie-break at
    once, when the problem has at most :data:`WHOLE_ITEMS` holdings (:data:`WHOLE_ITEMS_NAMED`
    without free electives), the terms fit one 64-bit weighted sum and ``run``
    (:func:`_runner`'s) proves it on ``workers`` within :data:`WHOLE_BUDGET`, without presolve
    (and without the LP up to :data:`PLAIN_ITEMS` holdings without electives); else None, with
    the best allocation it found (if any) hinted for the stages. One solve instead of one per
    stage."""
    from pathways.ortools_import import load_cp_model

    electives = has_electives(problem)
    if len(problem.items) > (WHOLE_ITEMS if electives else WHOLE_ITEMS_NAMED):
        return None
    cp_model = load_cp_model()
    bounds = [*objective_bounds(problem), tie_break_bound(problem)]
    if math.prod(2 * bound + 1 for bound in bounds) > WHOLE_SPAN:
        return None
    try:
        stages = fold_stages(problem, [*built.terms, -sum(built.penalty)], bounds)
    except ProblemTooLarge:
        return None  # the stages say so, term by term
    if len(stages) != 1 or isinstance(stages[0], int):
        return None
    built.model.maximize(stages[0])
    plain = not electives and len(problem.items) <= PLAIN_ITEMS
    engine, status = run(WHOLE_BUDGET, workers, presolve=False, linearization=0 if plain else 2)
    if status == cp_model.INFEASIBLE:
        raise NoAllocation("no allocation honours every placement the exceptions make")
    if status == cp_model.OPTIMAL:
        return engine
    if status == cp_model.FEASIBLE:
        hint_answer(built.model, engine, variables)
    return None


def _prefer(
    problem: Problem,
    built: CpAllocation,
    run: Callable[[], Any],
    variables: list[Any],
    solver: Any,
) -> tuple[Any, bool]:
    """The later terms within what the report says, each kept once reached: the fewest split
    holdings, then the best catalog order. The split count is probed from none upwards: with
    at most that many split holdings assumed, the order is maximised with ``run`` (a budgeted
    solve); a probe proven infeasible rules its count out for good, one that neither finds
    an allocation nor rules its count out within its budget passes to the next count (whose
    answer is then not proven), and the first that finds an allocation gives both terms (the
    report's own allocation bounds the count, and at most :data:`PROBE_LIMIT` counts are
    probed). Returns the solver of the allocation kept (``solver`` when no probe finds one)
    and whether both terms are proven.

    Asked as one weighted sum, the same question makes CP-SAT prove that no allocation with
    fewer splits exists while it maximises the order, a subset sum it seldom settles within
    the budget; asked as a yes or no per count, with the count fixed, it usually is."""
    from pathways.ortools_import import load_cp_model

    cp_model = load_cp_model()
    model = built.model
    split = built.terms[SUBSTANCE]
    order = _maximise_order(problem, built)

    def keep(engine: Any, status: Any) -> tuple[Any, bool]:
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return solver, False
        if not isinstance(order, int):
            model.add(order >= int(engine.value(order)))
        hint_answer(model, engine, variables)
        return engine, status == cp_model.OPTIMAL

    if isinstance(split, int):  # no holding can be split: only the order is sought
        return keep(*run())
    above_ruled_out = True
    for count in range(0, max(int(solver.value(split)) - 1, -PROBE_LIMIT), -1):
        engine, status = _probe(model, split, count, run)
        if status == cp_model.INFEASIBLE:
            model.add(split <= count - 1)
            continue
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            above_ruled_out = False
            continue
        model.add(split >= count)
        engine, found = keep(engine, status)
        return engine, found and above_ruled_out
    return solver, False


def _settle(
    problem: Problem,
    built: CpAllocation,
    probe: Callable[[], Any],
    settled: Settler,
    report: Sequence[int],
    *,
    held: bool,
) -> tuple[Solution | None, float]:
    """``settled``'s allocation for the report's terms ``report`` (proven best), asked at once
    or else once ``probe`` proves a split unavoidable (:func:`_settled_split`), and the
    tie-break's budget: a certificate's own allocation is searched from at the larger one
    (:data:`SETTLED_TIE_BREAK_BUDGET`), one settled only after the probe at the general
    solver's (:data:`TIE_BREAK_BUDGET`). ``held``: whether the model holds the report's stages
    at ``report`` already (see :func:`_settled_split`)."""
    best = settled(report, False)
    if best is not None:
        return best, SETTLED_TIE_BREAK_BUDGET
    return _settled_split(problem, built, probe, settled, report, held), TIE_BREAK_BUDGET


def _settled_split(
    problem: Problem,
    built: CpAllocation,
    run: Callable[[], Any],
    settled: Settler,
    report: Sequence[int],
    held: bool,
) -> Solution | None:
    """``settled``'s allocation for ``report`` when it gives one only once every allocation
    reaching the report is known to split a holding, and ``run`` proves that: no allocation
    the model allows splits nothing (the model then keeps it as a constraint). The probe
    maximises the catalog order, as :func:`_prefer`'s first one does: without an objective
    CP-SAT proves it more slowly. Unless ``held`` (the report's stages were solved on this
    model), the model first gets what those stages would have added (:func:`_hold_report`):
    the search after the probe then starts from the same model either way."""
    from pathways.ortools_import import load_cp_model

    split = built.terms[SUBSTANCE]
    found = None if isinstance(split, int) else settled(report, True)
    if found is None:
        return None
    if not held:
        _hold_report(problem, built, report)
    _maximise_order(problem, built)
    _, status = _probe(built.model, split, 0, run)
    if status != load_cp_model().INFEASIBLE:
        return None
    built.model.add(split <= -1)
    return found


def _hold_report(problem: Problem, built: CpAllocation, known: Sequence[int]) -> None:
    """Add what :func:`_report`'s stages add once they reach ``known`` (every term of the
    report, proven best): each stage's weighted sum kept at its value there. The model is then
    the one those stages leave, without solving them."""
    stages = objective_stages(problem, built.terms[:SUBSTANCE])
    values = objective_stages(problem, list(known))
    for stage, value in zip(stages, values, strict=True):
        if not isinstance(stage, int):
            built.model.add(stage >= value)


def _maximise_order(problem: Problem, built: CpAllocation) -> Any:
    """Make the catalog order (the objective's last term) the model's objective to maximise;
    the expression, or an int when no allocation can change it (the objective cleared)."""
    (order,) = objective_stages(problem, built.terms[SUBSTANCE + 1 :], SUBSTANCE + 1)
    if isinstance(order, int):
        built.model.clear_objective()
    else:
        built.model.maximize(order)
    return order


def _probe(model: Any, split: Any, count: int, run: Callable[[], Any]) -> tuple[Any, Any]:
    """``run`` with ``split >= count`` assumed (at most ``-count`` split holdings), the
    assumption dropped after: the solver and its status."""
    probe = model.new_bool_var(f"probe_split_{-count}")
    model.add(split >= count).only_enforce_if(probe)
    model.add_assumptions([probe])
    engine, status = run()
    model.clear_assumptions()
    return engine, status


def _solution(
    built: CpAllocation,
    solver: Any,
    optimal: bool,
    preferences_proven: bool = True,
    tie_break_proven: bool = True,
) -> Solution:
    """The allocation ``solver`` holds, read off ``built``'s variables."""
    uses: dict[tuple[int, str], int] = {}
    for (leaf, key), pairs in built.uses.items():
        if any(solver.value(var) for var, _ in pairs):
            uses[(leaf, key)] = sum(int(solver.value(units)) for _, units in pairs)
    return Solution(
        met=tuple(bool(solver.value(v)) for v in built.met),
        active=tuple(bool(solver.value(v)) for v in built.active),
        uses=uses,
        optimal=optimal,
        preferences_proven=preferences_proven,
        tie_break_proven=tie_break_proven,
    )


def _warm_start(model: Any, built: CpAllocation, hint: Solution) -> None:
    """Hint ``hint``'s allocation: nodes met and active, and every use a single variable
    decides (a leaf's use of an item through one option or one part); each variable once."""
    values: dict[int, tuple[Any, bool]] = {}
    for flags, flagged in ((built.met, hint.met), (built.active, hint.active)):
        for var, value in zip(flags, flagged, strict=True):
            values[var.index] = (var, value)
    for pair, pairs in built.uses.items():
        if len(pairs) == 1:
            var = pairs[0][0]
            used = pair in hint.uses or values.get(var.index, (var, False))[1]
            values[var.index] = (var, used)
    model.clear_hints()
    for var, value in values.values():
        model.add_hint(var, value)


def hint_answer(model: Any, solver: Any, variables: Sequence[Any] | None = None) -> None:
    """Start the next solve of ``model`` from ``solver``'s answer to it: each of ``variables``
    (every variable of the model when None) hinted at its value, in place of any earlier hint.
    The same hint as ``add_hint`` per variable, written to the model in two calls (each
    ``add_hint`` crosses into C++ twice, about two milliseconds per stage on the bundled
    degree)."""
    model.clear_hints()
    solution = list(solver.response_proto.solution)
    if variables is None:
        indices = list(range(len(solution)))
    else:
        indices = [var.index for var in variables]
        if any(index < 0 for index in indices):  # a negated literal: its value is not stored
            for var in variables:
                model.add_hint(var, solver.value(var))
            return
    hint = model.model_proto.solution_hint
    hint.vars.extend(indices)
    hint.values.extend([solution[index] for index in indices])
