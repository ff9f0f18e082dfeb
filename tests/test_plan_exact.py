"""Plans are exact: hypothesis compares them with brute force on small random instances.

The reference knows nothing of the planner's model. It lists every credential a plan may take
(the rules of :mod:`pathways.plan`'s docstring, restated here), tries every subset of them —
feasible when the audit of the record with the subset added (earned on the as-of date) says
``complete`` and every step's prerequisites can be met in some order — and keeps the best by
credits, cost or weeks on the critical path (an independent earliest-start schedule). A
step's credits are its own, or, when it is a source of a transfer line that gives a grant,
that line's granted credit (counted once per line): an exam is not free.

A held credential earned again is one credential earned again, never a second copy: the audit
keeps the best attempt of a repeated course itself, and for any other kind (a certification,
an exam) the reference lets the new attempt replace the held ones. Without that, a goal that
names a held certification in two requirements was "met" by earning it a second time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from datetime import date
from functools import cache
from typing import Any

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from pathways.catalog.compile import CompiledCatalog, compile_catalog
from pathways.catalog.model import Catalog, LearnerRecord, Requirement
from pathways.evaluate import audit, transfer
from pathways.evaluate.holdings import prepare
from pathways.options import Options
from pathways.plan import NON_COLLEGE_KINDS, Plan, plan
from pathways.plan.encoding import build_model, credit_floor
from pathways.plan.space import SearchOptions, build_space

AS_OF = date(2026, 6, 1)
COURSES = ["c0", "c1", "c2", "c3", "c4"]
CERTS = ["k0", "k1"]
EXAM = "e0"
assert settings.default is not None  # the profile in effect: its max_examples doubled below
PROFILE = settings(
    max_examples=2 * settings.default.max_examples,  # a plan takes milliseconds here
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --------------------------------------------------------------------------- instances


@st.composite
def goal_tree(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        form = draw(st.sampled_from(["has", "has", "has", "credits", "count"]))
        if form == "has":
            leaf: dict[str, Any] = {"has": draw(st.sampled_from([*COURSES, *CERTS, "eq"]))}
        elif form == "credits":
            subject = draw(st.sampled_from(["A", "B"]))
            leaf = {"credits": draw(st.integers(1, 5)), "from": {"subject": subject}}
        else:
            subject = draw(st.sampled_from(["A", "B"]))
            leaf = {"count": draw(st.integers(1, 2)), "from": {"subject": subject}}
        modifier = draw(st.integers(0, 7))
        if modifier == 0:
            leaf["min_grade"] = "C"
        elif modifier == 1:
            leaf["shares"] = True
        return leaf
    form = draw(st.sampled_from(["all", "all", "any", "at_least"]))
    children = draw(st.lists(goal_tree(depth + 1), min_size=1, max_size=3))
    if form == "at_least":
        return {"at_least": draw(st.integers(1, len(children))), "of": children}
    return {form: children}


@st.composite
def prerequisite(draw: st.DrawFn, before: list[str]) -> dict[str, Any] | None:
    if not before or draw(st.integers(0, 2)) > 0:
        return None
    picks = draw(st.lists(st.sampled_from(before), min_size=1, max_size=2, unique=True))
    if len(picks) == 1:
        return {"has": picks[0]}
    return {draw(st.sampled_from(["all", "any"])): [{"has": p} for p in picks]}


def _credentials(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The courses, certifications, exam and goal of an instance (drawn in this order)."""

    def maybe(value: float) -> float | None:
        return None if draw(st.integers(0, 6)) == 0 else value

    credentials: list[dict[str, Any]] = []
    for position, ident in enumerate(COURSES):
        cred: dict[str, Any] = {
            "id": ident,
            "title": ident.upper(),
            "kind": "course",
            "issuer": draw(st.sampled_from(["uni", "uni", "cc", "far"])),
            "credits": draw(st.integers(1, 3)),
            "subject": draw(st.sampled_from(["A", "B"])),
            "level": "lower",
            "cost": maybe(draw(st.integers(0, 9)) * 100),
            "weeks": maybe(draw(st.integers(1, 4))),
        }
        prereq = draw(prerequisite(COURSES[:position] + (["k0"] if position else [])))
        if prereq is not None:
            cred["prerequisites"] = prereq
        credentials.append(cred)
    for position, ident in enumerate(CERTS):
        cred = {
            "id": ident,
            "title": ident.upper(),
            "kind": "industry-certification",
            "issuer": "vendor",
            "cost": maybe(draw(st.integers(0, 5)) * 100),
            "weeks": maybe(draw(st.integers(1, 3))),
        }
        if position and draw(st.booleans()):
            cred["prerequisites"] = {"has": "k0"}
        credentials.append(cred)
    credentials.append(
        {
            "id": EXAM,
            "title": "Exam",
            "kind": "exam",
            "issuer": "board",
            "cost": maybe(draw(st.integers(0, 2)) * 100),
            "weeks": maybe(1),
        }
    )
    goal: dict[str, Any] = {
        "id": "goal",
        "title": "Goal",
        "kind": "certificate",
        "issuer": "uni",
        "requires": draw(goal_tree()),
    }
    if draw(st.integers(0, 3)) == 0:
        goal["credits"] = draw(st.integers(3, 8))
    if draw(st.integers(0, 3)) == 0:
        goal["limits"] = [{"max_credits": 2, "from": {"via": ["g"]}}]
    credentials.append(goal)
    if draw(st.integers(0, 3)) == 0:
        credentials[len(COURSES)]["valid_for"] = "P1Y"  # k0 lapses
    return credentials


def _rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The transfer rules of an instance: each candidate rule in or out."""
    rules: list[dict[str, Any]] = []
    candidates_rules = [
        {"id": "ra", "policy": "g", "when": {"has": "k0"}, "grants": [{"credential": "c0"}]},
        {
            "id": "rb",
            "policy": "g",
            "when": {"all": [{"has": "k0"}, {"has": "k1"}]},
            "grants": [{"credits": 3, "subject": "A", "level": "lower"}],
        },
        {
            "id": "rc",
            "policy": "g",
            "when": {"has": EXAM, "min_score": 50},
            "grants": [{"credits": 2, "subject": "B", "level": "lower"}],
        },
        {
            "id": "rd",
            "policy": "g",
            "when": {"has": EXAM, "min_score": 60},
            "grants": [{"credits": 4, "subject": "B", "level": "lower"}],
            "supersedes": ["rc"],
        },
        {"id": "re", "policy": "g", "when": {"has": "c4"}, "grants": [{"credential": "c1"}]},
        {"id": "rf", "policy": "d", "when": {"has": "k1"}, "grants": [{"credential": "c2"}]},
    ]
    for rule in candidates_rules:
        if draw(st.booleans()):
            rules.append({**rule, "at": ["uni"]})
    if rules and draw(st.integers(0, 3)) == 0:
        rules[0]["effective"] = {"to": "2025-12-31"}  # fires on older holdings only
    if not any(r["id"] == "rc" for r in rules):
        rules = [{k: v for k, v in r.items() if k != "supersedes"} for r in rules]
    return rules


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    credentials = _credentials(draw)
    rules = _rules(draw)
    catalog = {
        "institutions": [
            {"id": "uni", "name": "Uni", "kind": "university", "state": "OH"},
            {"id": "cc", "name": "CC", "kind": "community-college", "state": "OH"},
            {"id": "far", "name": "Far", "kind": "university"},
            {"id": "vendor", "name": "Vendor", "kind": "provider"},
            {"id": "board", "name": "Board", "kind": "exam-body"},
        ],
        "policies": [
            {"id": "g", "title": "G", "guarantee": "guaranteed"},
            {"id": "d", "title": "D", "guarantee": "discretionary"},
        ],
        "credentials": credentials,
        "transfer_rules": rules,
    }
    members = ["c3"] if draw(st.booleans()) else ["c3", "c4"]
    catalog["equivalences"] = [{"id": "eq", "title": "EQ", "credits": 3, "members": members}]
    holding: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
        [
            {"credential": "c0", "earned": "2025-01-10", "grade": "A"},
            {"credential": "c1", "earned": "2024-05-10", "grade": "B", "at": "cc"},
            {"credential": "c2", "earned": "2024-05-10", "grade": "D"},
            {"credential": "c3", "earned": "2025-01-10", "grade": "F"},
            {"credential": "c4", "earned": "2025-01-10", "grade": "P"},
            {"credential": "k0", "earned": "2025-03-01"},
            {"credential": EXAM, "earned": "2025-03-01", "score": 55},
        ]
    )
    holdings = draw(st.lists(holding, max_size=3, unique_by=lambda h: h["credential"]))
    learner: dict[str, Any] = {"id": "l"}
    if draw(st.booleans()):
        learner["institution"] = "cc"
    return {
        "catalog": catalog,
        "record": {"learner": learner, "holdings": holdings},
        "optimize": draw(st.sampled_from(["credits", "cost", "time"])),
        "allow_discretionary": draw(st.booleans()),
        "allow_unknown": draw(st.booleans()),
        "from": draw(st.sampled_from([[], ["far"]])),
    }


# --------------------------------------------------------------------------- reference


class Reference:
    """Brute force over every subset of what a plan may take."""

    def __init__(self, instance: dict[str, Any]) -> None:
        self.catalog: CompiledCatalog = compile_catalog(
            Catalog.model_validate(instance["catalog"]), version="plan-test"
        )
        self.record = LearnerRecord.model_validate(instance["record"])
        self.optimize: str = instance["optimize"]
        self.discretionary: bool = instance["allow_discretionary"]
        self.unknown: bool = instance["allow_unknown"]
        self.sources: list[str] = instance["from"]
        # A planned exam reaches its lowest qualifying tier.
        tiers = [
            rule["when"]["min_score"]
            for rule in instance["catalog"]["transfer_rules"]
            if rule["when"].get("has") == EXAM
        ]
        self.scores = {EXAM: float(min(tiers))} if tiers else {}
        prepared = prepare(self.catalog, self.record, AS_OF, projected=False, options=Options())
        valid = {h.credential for h in prepared.valid if h.credential}
        allowed = {"uni", *self.sources}
        allowed |= {
            h.at or self.catalog.credential(h.credential).issuer
            for h in self.record.holdings
            if h.credential
        }
        if self.record.learner.institution:
            allowed.add(self.record.learner.institution)
        attribute = {"cost": "cost", "time": "weeks"}.get(self.optimize)
        self.candidates: list[str] = []
        for ident in sorted(self.catalog.versions):
            cred = self.catalog.credential(ident)
            if cred.composite:
                continue  # held ones too: a retake; the audit counts the best attempt
            if cred.kind not in NON_COLLEGE_KINDS and cred.issuer not in allowed:
                continue
            if attribute and getattr(cred, attribute) is None and not self.unknown:
                continue
            self.candidates.append(ident)
        self.valid = valid

    def holdings(self, steps: Iterable[str]) -> LearnerRecord:
        """The record with ``steps`` earned on the as-of date; a non-course step replaces the
        learner's attempts of the same credential (a renewal or a retaken exam)."""
        extra = []
        renewed = set()
        for ident in sorted(steps):
            cred = self.catalog.credential(ident)
            holding: dict[str, Any] = {"credential": ident, "earned": AS_OF.isoformat()}
            if cred.kind == "course":
                holding["grade"] = "P"
            else:
                renewed.add(ident)
            if ident in self.scores:
                holding["score"] = self.scores[ident]
            extra.append(holding)
        data = self.record.model_dump(mode="json", by_alias=True, exclude_none=True)
        kept = [h for h in data["holdings"] if h.get("credential") not in renewed]
        data["holdings"] = kept + extra
        return LearnerRecord.model_validate(data)

    @cache  # noqa: B019 - one reference per example
    def given(
        self, done: frozenset[str]
    ) -> tuple[tuple[frozenset[str], float, frozenset[str | None]], ...]:
        """Per transfer line that counts with ``done`` earned: its sources and the credit
        of the grants it gives, and the credentials granted (``granted``)."""
        statement = transfer(
            self.catalog,
            self.holdings(done),
            "uni",
            Options(as_of=AS_OF, include_discretionary=self.discretionary),
        )
        return tuple(
            (
                frozenset(line.from_),
                sum(g.credits for g in line.granted if g.status == "granted"),
                frozenset(g.credential for g in line.granted if g.status == "granted"),
            )
            for line in statement.transfers
            if line.status == "granted" or (line.status == "possible" and self.discretionary)
            if any(g.status == "granted" for g in line.granted)
        )

    def granted(self, done: frozenset[str]) -> frozenset[str]:
        return frozenset(c for _, _, ids in self.given(done) for c in ids if c is not None)

    def brought(self, steps: frozenset[str]) -> float:
        """The credit ``steps`` bring: the grants of the lines a step is a source of (once
        per line), and the own credit of every step that is the source of none."""
        total = 0.0
        sourced: set[str] = set()
        for sources, credits, _ in self.given(steps):
            if sources & steps:
                sourced |= sources & steps
                total += credits
        return total + float(sum(self.catalog.credential(k).credits for k in steps - sourced))

    def met(self, req: Requirement, have: AbstractSet[str]) -> bool:
        if req.has is not None:
            return req.has in have
        results = [self.met(child, have) for child in req.children]
        return all(results) if req.all is not None else any(results)

    def schedule(self, steps: frozenset[str]) -> float | None:
        """Weeks on the critical path (earliest starts), or None when no order works."""
        finish: dict[str, float] = {}
        now = 0.0
        pending = set(steps)
        while pending:
            done = frozenset(k for k, end in finish.items() if end <= now)
            have = self.valid | done | self.granted(done)
            ready = {
                k
                for k in pending
                if (p := self.catalog.credential(k).prerequisites) is None or self.met(p, have)
            }
            if ready:
                for k in ready:
                    finish[k] = now + (self.catalog.credential(k).weeks or 0)
                pending -= ready
                continue
            later = [end for end in finish.values() if end > now]
            if not later:
                return None
            now = min(later)
        return max(finish.values(), default=0.0)

    def complete(self, steps: frozenset[str]) -> bool:
        decision = audit(
            self.catalog,
            self.holdings(steps),
            "goal",
            Options(as_of=AS_OF, include_discretionary=self.discretionary),
        )
        return decision.status == "complete"

    def value(self, steps: frozenset[str], weeks: float) -> float:
        if self.optimize == "time":
            return weeks
        if self.optimize == "credits":
            return self.brought(steps)
        return float(sum(self.catalog.credential(k).cost or 0 for k in steps))

    def ranked(self) -> list[tuple[float, int, frozenset[str]]]:
        """Every subset whose prerequisites can be ordered, best first (not yet audited)."""
        found = []
        for size in range(len(self.candidates) + 1):
            for combo in itertools.combinations(self.candidates, size):
                steps = frozenset(combo)
                weeks = self.schedule(steps)
                if weeks is not None:
                    found.append((self.value(steps, weeks), size, steps))
        found.sort(key=lambda entry: (entry[0], entry[1]))
        return found

    def best(
        self, ranked: list[tuple[float, int, frozenset[str]]], avoid: list[frozenset[str]]
    ) -> tuple[float, int, list[frozenset[str]]] | None:
        """The best value and least size among feasible subsets containing none of ``avoid``,
        and every subset that reaches both."""
        best: tuple[float, int] | None = None
        ties: list[frozenset[str]] = []
        for value, size, steps in ranked:
            if best is not None and (value, size) != best:
                break
            if any(steps >= a for a in avoid) or not self.complete(steps):
                continue
            best = (value, size)
            ties.append(steps)
        return None if best is None else (best[0], best[1], ties)


def objective(document: Plan, optimize: str) -> float:
    assert document.totals is not None
    return {
        "credits": document.totals.credits,
        "cost": document.totals.cost,
        "time": document.totals.weeks,
    }[optimize]


# --------------------------------------------------------------------------- properties

# Issue 19: a goal reading a held, ungraded certification in two requirements. One holding
# meets one requirement; earning k0 a second time is no route (the plan says unreachable).
HELD_TWICE: dict[str, Any] = {
    "catalog": {
        "institutions": [
            {"id": "uni", "name": "Uni", "kind": "university", "state": "OH"},
            {"id": "vendor", "name": "Vendor", "kind": "provider"},
        ],
        "policies": [{"id": "g", "title": "G", "guarantee": "guaranteed"}],
        "credentials": [
            {
                "id": "c3",
                "title": "C3",
                "kind": "course",
                "issuer": "uni",
                "credits": 1,
                "subject": "B",
                "level": "lower",
                "cost": 800,
                "weeks": 2,
            },
            {
                "id": "k0",
                "title": "K0",
                "kind": "industry-certification",
                "issuer": "vendor",
                "cost": 200,
                "weeks": 3,
            },
            {
                "id": "goal",
                "title": "Goal",
                "kind": "certificate",
                "issuer": "uni",
                "requires": {
                    "all": [
                        {"has": "k0", "min_grade": "C"},
                        {"any": [{"has": "c3"}, {"has": "k0", "min_grade": "C"}]},
                        {"has": "k0", "min_grade": "C"},
                    ]
                },
            },
        ],
        "transfer_rules": [],
        "equivalences": [],
    },
    "record": {"learner": {"id": "l"}, "holdings": [{"credential": "k0", "earned": "2025-03-01"}]},
    "optimize": "time",
    "allow_discretionary": False,
    "allow_unknown": True,
    "from": [],
}


@PROFILE
@example(HELD_TWICE)
@given(instances())
def test_plan_matches_brute_force(instance: dict[str, Any]) -> None:
    ref = Reference(instance)
    note(f"instance {json.dumps(instance)}")
    note(f"candidates {ref.candidates}")
    document = plan(
        ref.catalog,
        ref.record,
        "goal",
        Options(as_of=AS_OF, include_discretionary=instance["allow_discretionary"]),
        optimize=instance["optimize"],
        alternatives=1,
        allow_unknown=instance["allow_unknown"],
        from_institutions=instance["from"],
    )
    note(document.model_dump_json(indent=1, exclude={"excluded"}))
    alone = plan(
        ref.catalog,
        ref.record,
        "goal",
        Options(as_of=AS_OF, include_discretionary=instance["allow_discretionary"]),
        optimize=instance["optimize"],
        allow_unknown=instance["allow_unknown"],
        from_institutions=instance["from"],
    )
    assert [s.credential for s in alone.steps] == [s.credential for s in document.steps]
    ranked = ref.ranked()
    best = ref.best(ranked, [])
    if best is None:
        assert document.status == "unreachable"
        assert document.blocked_by
        return
    value, size, ties = best
    assert document.status == ("complete" if size == 0 else "plannable")
    steps = frozenset(s.credential for s in document.steps)
    assert steps in ties, f"plan {sorted(steps)} is not among the best {ties}"
    assert abs(objective(document, instance["optimize"]) - value) < 1e-6

    # Steps come after the steps they follow, and those meet their prerequisites.
    seen: set[str] = set()
    for step in document.steps:
        assert set(step.after) <= seen
        prereq = ref.catalog.credential(step.credential).prerequisites
        if prereq is not None:
            have = ref.valid | frozenset(step.after)
            assert ref.met(prereq, have | ref.granted(frozenset(step.after)))
        seen.add(step.credential)

    # The alternative is the best plan that does not contain the first.
    second = ref.best(ranked, [steps]) if steps else None
    if second is None:
        assert document.alternatives == []
    else:
        (alternative,) = document.alternatives
        other = frozenset(s.credential for s in alternative.steps)
        assert other != steps and not other >= steps
        assert other in second[2]
        shown = {"credits": "credits", "cost": "cost", "time": "weeks"}[instance["optimize"]]
        assert getattr(alternative.totals, shown) >= getattr(document.totals, shown)


@PROFILE
@given(instances())
def test_credit_floor_never_passes_the_best_plan(instance: dict[str, Any]) -> None:
    """The credit every plan is held to bring (:func:`credit_floor`) is at most what the brute
    force's least-credits plan brings: no plan brings less, so the bound cuts no plan off,
    whatever the plan optimises."""
    instance = {**instance, "optimize": "credits"}
    ref = Reference(instance)
    note(f"instance {json.dumps(instance)}")
    options = Options(as_of=AS_OF, include_discretionary=instance["allow_discretionary"])
    search = SearchOptions(
        optimize="credits",
        include_discretionary=instance["allow_discretionary"],
        allow_unknown=instance["allow_unknown"],
        from_institutions=tuple(instance["from"]),
    )
    built = build_model(
        build_space(ref.catalog, ref.record, "goal", AS_OF, search, evaluation=options), reduce=True
    )
    floor = credit_floor(built.space, built.problem, built.goal_nodes)
    best = ref.best(ref.ranked(), [])
    note(f"floor {floor} units of 1/{built.space.unit}; best {best}")
    if best is not None:
        assert floor <= best[0] * built.space.unit + 1e-9
