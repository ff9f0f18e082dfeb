"""Reading a solved plan: ordered steps, totals, terms, funding, and why a goal is blocked."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pathways import solver
from pathways.catalog.model import (
    Credential,
    Filter,
    Funding,
    LearnerRecord,
)
from pathways.evaluate import NodeResult
from pathways.evaluate.expansion import goal_builder, solver_items
from pathways.evaluate.explain import decide
from pathways.evaluate.holdings import Held, grade_point_average
from pathways.evaluate.matching import (
    FilterTest,
    PoolIndex,
    describe_filter,
)
from pathways.evaluate.transfers import TransferResult

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

from pathways.plan.documents import Blocked, Step, StepFunding, Term, Totals
from pathways.plan.encoding import Built, Found, present_grants
from pathways.plan.space import Space, candidate_held, catalog_index, meets, retake_pairs

# --------------------------------------------------------------------------- reading a plan


@dataclass
class Schedule:
    order: list[str]
    start: dict[str, float]
    finish: dict[str, float]
    deps: dict[str, list[str]]

    @property
    def weeks(self) -> float:
        return max(self.finish.values(), default=0.0)


def _schedule(space: Space, steps: frozenset[str], present: set[str]) -> Schedule:
    """Earliest start of every step: when what is held, finished and granted from those meets
    its prerequisites. ``deps`` keeps, per step, a smallest set of finished steps that does."""
    ctx = space.ctx
    grants = [g for g in space.grants if g.held.key in present]

    pools: dict[frozenset[str], tuple[list[Held], PoolIndex]] = {}

    def pool(done: set[str]) -> tuple[list[Held], PoolIndex]:
        """What is held with ``done`` finished, indexed once for every step asking."""
        key = frozenset(done)
        if key not in pools:
            held = [
                *space.prepared.valid,
                *(space.candidates[k] for k in sorted(done)),
                *(g.held for g in grants if set(space.rules[g.rule].alts[g.alt].cands) <= done),
            ]
            pools[key] = (held, PoolIndex.of(ctx, held))
        return pools[key]

    def ready(ident: str, done: set[str]) -> bool:
        cred = space.candidates[ident].cred
        assert cred is not None
        if cred.prerequisites is None:
            return True
        held, index = pool(done)
        return meets(ctx, cred.prerequisites, held, cred.issuer, index=index)

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
    return Schedule(order=order, start=start, finish=finish, deps=deps)


def _rule_name(space: Space, rule_id: str) -> str:
    """A transfer rule as an advisor reads it: its label (``CTIT001 Basic``), else its
    policy's title and its id (``Ohio CLEP equivalencies rule clep.amgov.tier1``)."""
    rule = space.catalog.rules[rule_id]
    if rule.label:
        return rule.label
    policy = space.catalog.policies.get(rule.policy)
    return f"{policy.title if policy else rule.policy} rule {rule_id}"


def _satisfies(built: Built, found: Found, schedule: Schedule) -> dict[str, list[str]]:
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
            through = _rule_name(space, grant.rule)
            for ident in space.rules[grant.rule].alts[grant.alt].cands:
                labels[ident].append(f"{label} (through {through})")
    for ident in schedule.order:
        for before in schedule.deps[ident]:
            labels[before].append(f"prerequisite of {ident}")
    return {k: list(dict.fromkeys(v)) for k, v in labels.items()}


def brought(space: Space, present: set[str], order: Sequence[str]) -> dict[str, Fraction]:
    """The credit each step in ``order`` brings to the goal, given the grant items
    ``present``: a grant that needs some step brings its credit, counted once, at the last of
    those steps in ``order``; a step brings its own credit unless it is the source of a grant
    that is given. This is what a least-credits plan minimises
    (:func:`pathways.plan.encoding.brought_terms`)."""
    credit = {ident: Fraction(0) for ident in order}
    sourced: set[str] = set()
    for grant in space.grants:
        cands = space.rules[grant.rule].alts[grant.alt].cands
        if not cands or grant.held.key not in present:
            continue
        sourced.update(cands)
        last = max(cands, key=order.index)
        credit[last] += grant.held.credits
    for ident in order:
        if ident not in sourced:
            credit[ident] += space.candidates[ident].credits
    return credit


def number(value: float | Fraction) -> float:
    value = float(value)
    return int(value) if value.is_integer() else round(value, 4)


def read_route(built: Built, found: Found, missing: float) -> tuple[list[Step], Totals]:
    """The documented steps and totals of one plan; ``missing`` is the goal's credit still
    missing as the record stands (:attr:`Totals.missing`)."""
    space = built.space
    present = present_grants(space, set(found.steps))
    schedule = _schedule(space, found.steps, present)
    satisfies = _satisfies(built, found, schedule)
    creds = [space.candidates[k].cred for k in schedule.order]
    pending = {
        h.credential: "not_yet_earned" if h.status == "earned" else h.status
        for h in space.record.holdings
        if h.credential is not None
        and (h.status != "earned" or (h.earned is not None and h.earned > space.ctx.as_of))
    }
    paid = fund(space.catalog, space.record, [c.id for c in creds if c], space.ctx.as_of)
    credit = brought(space, present, schedule.order)
    documented = []
    unknown: set[str] = set()
    credits = Fraction(0)
    cost = 0.0
    funded = 0.0
    for cred in creds:
        assert cred is not None
        funding = paid.get(cred.id, [])
        amount = sum(f.amount for f in funding)
        credits += credit[cred.id]
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
                credits=number(credit[cred.id]),
                cost=cred.cost,
                weeks=cred.weeks,
                satisfies=satisfies[cred.id],
                after=schedule.deps[cred.id],
                score=space.candidates[cred.id].score,
                in_record=pending.get(cred.id),
                retake=cred.id in space.retakes,
                funding=funding,
                out_of_pocket=None if cred.cost is None else number(cred.cost - amount),
            )
        )
    totals = Totals(
        credits=number(credits),
        missing=missing,
        cost=number(cost),
        weeks=number(schedule.weeks),
        out_of_pocket=number(cost - funded),
        lower_bound=bool(unknown),
        unknown=sorted(unknown),
    )
    return documented, totals


def terms_of(steps: Sequence[Step], limit: float) -> list[Term]:
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
            Term(term=len(terms) + 1, steps=[s.credential for s in chosen], credits=number(load))
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
    if not program.learners.admits(record.learner):
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
                StepFunding(program=program.id, title=program.title, amount=number(cents / 100))
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
    from pathways.ortools_import import load_cp_model, new_cp_model

    cp_model = load_cp_model()  # without pandas when it can

    model = new_cp_model()
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


def blocked_by(space: Space, time_limit: float) -> list[Blocked]:
    """Why no plan exists: the audit's allocation with every candidate available, its unmet
    requirements with what they lack, and why no candidate provides that."""

    present = present_grants(space, set(space.candidates))
    keep = {h.key for h in space.prepared.valid} | present
    keep |= {h.key for h in space.candidates.values()}
    pool = [h for h in space.pool if h.key in keep]
    builder = goal_builder(
        space.ctx, space.record, space.goal, space.goal_day, pool, space.prepared.graded, space.unit
    )
    granted = [g.held for g in space.grants if g.held.key in present]
    problem = solver.Problem(
        items=solver_items(pool, space.unit),
        nodes=tuple(builder.nodes),
        limits=tuple(builder.limits),
        exclusive=tuple(
            (source.key, g.held.key)
            for g in space.grants
            if g.held.key in present
            for source in space.rules[g.rule].alts[g.alt].sources
        )
        + retake_pairs(space),
    )
    solution = solver.solve(problem, time_limit=time_limit)
    decision = decide(
        catalog=space.catalog,
        record=space.record,
        goal=space.goal,
        as_of=space.ctx.as_of,
        projected=False,
        institution=space.institution,
        prepared=space.prepared,
        transferred=TransferResult(fired=[], granted=granted, reasons={}),
        pool=pool,
        builder=builder,
        problem=problem,
        solution=solution,
        unit=space.unit,
        gpa=grade_point_average(space.prepared.graded),
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
    space: Space,
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


def _why_leaf(space: Space, info: Any, node: solver.Node) -> list[tuple[str, str]]:
    """(``text``, sentence) or (``elsewhere``, "ISSUER ID") findings for one unmet leaf."""
    if node.elective_of is not None:
        return [("text", "not enough college-level credit can be planned for free electives")]
    if info.target is not None:
        return _why_id(space, info.target)
    flt: Filter = info.flt or Filter()
    what = describe_filter(flt, space.catalog.tags)
    loose = FilterTest.of(flt.model_copy(update={"earned_at": None}))
    found: list[tuple[str, str]] = []
    index = catalog_index(space.catalog)
    for issuer in sorted(index.by_issuer):
        for ident in index.by_issuer[issuer]:
            if ident in space.candidates or ident in space.valid_ids:
                continue
            cred = space.catalog.credential(ident, on=space.ctx.as_of)
            if not loose(space.ctx, candidate_held(cred, space.ctx.as_of, None), None):
                continue
            if ident in space.elsewhere or issuer not in space.allowed:
                found.append(("elsewhere", f"{issuer} {ident}"))
            elif ident in space.excluded:
                found.append(("text", space.excluded[ident]))
    if not found:
        found.append(("text", f"no credential in the catalog is {what}"))
    return found


def _why_id(space: Space, ident: str) -> list[tuple[str, str]]:
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
                f"only a recommended or discretionary transfer rule grants {ident} "
                "(use --include-discretionary)",
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
