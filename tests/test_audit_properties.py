"""Properties the audit promises, checked by hypothesis on random small catalogs and records.

* the order of holdings does not change the result;
* without caps, adding a holding never lowers the credit applied nor un-completes a goal;
* no credit is double-counted (an independent recount of the returned Decision);
* the CP-SAT path agrees with exhaustive enumeration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pathways import solver
from pathways.catalog.compile import compile_catalog
from pathways.catalog.model import Catalog, LearnerRecord
from pathways.evaluate import Decision, NodeResult, audit
from pathways.options import Options

AS_OF = date(2026, 6, 1)
COURSES = [f"c{i}" for i in range(6)]
SUBJECTS = ["A", "B"]


@st.composite
def requirement(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        form = draw(st.sampled_from(["has", "has", "credits", "count"]))
        if form == "has":
            req: dict[str, Any] = {"has": draw(st.sampled_from([*COURSES, "eq"]))}
        elif form == "credits":
            req = {
                "credits": draw(st.integers(1, 4)),
                "from": {"subject": draw(st.sampled_from(SUBJECTS))},
            }
            if draw(st.booleans()):
                req["split"] = True
        else:
            req = {
                "count": draw(st.integers(1, 2)),
                "from": {"subject": draw(st.sampled_from(SUBJECTS))},
            }
        if draw(st.integers(0, 4)) == 0:
            req["min_grade"] = "C"
        return req
    form = draw(st.sampled_from(["all", "any", "at_least"]))
    children = draw(st.lists(requirement(depth + 1), min_size=1, max_size=3))
    if form == "at_least":
        return {"at_least": draw(st.integers(1, len(children))), "of": children}
    return {form: children}


@st.composite
def instances(draw: st.DrawFn) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    credentials = [
        {
            "id": c,
            "title": c.upper(),
            "kind": "course",
            "issuer": "cc",
            "credits": draw(st.integers(1, 3)),
            "subject": draw(st.sampled_from(SUBJECTS)),
            "level": "lower",
        }
        for c in COURSES
    ]
    credentials.append(
        {
            "id": "goal",
            "title": "Goal",
            "kind": "certificate",
            "issuer": "cc",
            "requires": draw(requirement()),
        }
    )
    catalog = Catalog.model_validate(
        {
            "institutions": [{"id": "cc", "name": "CC", "kind": "community-college"}],
            "credentials": credentials,
            "equivalences": [{"id": "eq", "title": "EQ", "credits": 3, "members": ["c4", "c5"]}],
        }
    )
    compiled = compile_catalog(catalog, version="test")
    holding = st.fixed_dictionaries(
        {
            "credential": st.sampled_from(COURSES),
            "earned": st.sampled_from(["2024-01-10", "2025-01-10"]),
            "grade": st.sampled_from(["A", "B", "C", "D", "P"]),
        }
    )
    holdings = draw(st.lists(holding, max_size=5))
    extra = draw(st.lists(holding, min_size=1, max_size=2))
    return compiled, holdings, extra


def rec(holdings: list[dict[str, Any]]) -> LearnerRecord:
    return LearnerRecord.model_validate({"learner": {"id": "l"}, "holdings": holdings})


def applied_multiset(node: NodeResult) -> Counter[tuple[str | None, float]]:
    found: Counter[tuple[str | None, float]] = Counter()
    if not node.overlay:
        for item in node.applied:
            found[(item.credential, item.credits)] += 1
    for child in node.children:
        found += applied_multiset(child)
    return found


def recount(decision: Decision, compiled: Any, record: LearnerRecord) -> None:
    """No holding gives more credit than it carries, and the totals agree."""
    used: defaultdict[str | None, float] = defaultdict(float)
    for (credential, credits), times in applied_multiset(decision.requirements).items():
        used[credential] += credits * times
    held: defaultdict[str | None, float] = defaultdict(float)
    for h in record.holdings:
        held[h.credential] = max(
            held[h.credential], float(compiled.credential(h.credential).credits)
        )
    for credential, amount in used.items():
        assert amount <= held[credential] + 1e-9, (
            f"{credential} counted {amount} > {held[credential]}"
        )
    assert abs(sum(used.values()) - decision.credits.applied) < 1e-9


PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(instances(), st.randoms(use_true_random=False))
def test_audit_order_of_holdings_does_not_matter(instance: Any, random: Any) -> None:
    compiled, holdings, _ = instance
    first = audit(compiled, rec(holdings), "goal", Options(as_of=AS_OF))
    shuffled = list(holdings)
    random.shuffle(shuffled)
    second = audit(compiled, rec(shuffled), "goal", Options(as_of=AS_OF))
    assert first.status == second.status
    assert first.credits == second.credits
    assert applied_multiset(first.requirements) == applied_multiset(second.requirements)
    assert Counter((u.credential, u.reason_code) for u in first.unused) == Counter(
        (u.credential, u.reason_code) for u in second.unused
    )


@PROFILE
@given(instances())
def test_audit_monotone_without_caps(instance: Any) -> None:
    compiled, holdings, extra = instance
    note(f"goal: {compiled.credential('goal').requires!r}")
    note(f"holdings: {holdings} + {extra}")
    before = audit(compiled, rec(holdings), "goal", Options(as_of=AS_OF))
    after = audit(compiled, rec(holdings + extra), "goal", Options(as_of=AS_OF))
    # Monotone in the registrar's order: the goal met, then the named requirements met.
    # (Credit may drop when a requirement is newly met: credit counts only on the path that
    # meets it, and a newly met requirement outranks any amount of partial credit.)
    assert registrar_order(after) >= registrar_order(before)


def registrar_order(decision: Decision) -> tuple[int, int]:
    """The first two terms of the allocation's objective, read back from a decision."""

    def met(node: NodeResult) -> int:
        own = int(node.status == "met" and node.kind != "electives")
        return own + sum(met(child) for child in node.children)

    return int(decision.status == "complete"), met(decision.requirements)


@PROFILE
@given(instances())
def test_audit_never_double_counts(instance: Any) -> None:
    compiled, holdings, _ = instance
    record = rec(holdings)
    decision = audit(compiled, record, "goal", Options(as_of=AS_OF))
    recount(decision, compiled, record)
    accounted = {u.index for u in decision.unused}
    applied = {c for c, _ in applied_multiset(decision.requirements)}
    for index, holding in enumerate(record.holdings):
        assert index in accounted or holding.credential in applied


@PROFILE
@given(instances())
def test_audit_cpsat_agrees_with_exhaustive(instance: Any) -> None:
    compiled, holdings, _ = instance
    record = rec(holdings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "solve", lambda problem, **_: solver.solve_exhaustive(problem))
        exhaustive = audit(compiled, record, "goal", Options(as_of=AS_OF))
    cpsat = audit(compiled, record, "goal", Options(as_of=AS_OF, solver="cpsat"))
    assert cpsat.status == exhaustive.status
    assert cpsat.credits == exhaustive.credits
