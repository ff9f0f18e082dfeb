"""Plans on the bundled Ohio catalog and sample learners, checked against the audit.

A plan is only useful if doing it completes the goal: each scenario adds the plan's steps to
the record (earned on the as-of date, a pass grade, an exam at the score the plan assumes)
and audits the goal, counting recommended credit as the plan does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog, load_record
from pathways.catalog.model import LearnerRecord
from pathways.evaluate import audit
from pathways.options import Options
from pathways.plan import Plan, Step, compare, plan
from pathways.plan.encoding import build_model, credit_floor
from pathways.plan.space import SearchOptions, build_space

REPO = Path(__file__).resolve().parent.parent
LEARNERS = REPO / "data" / "learners"
AS_OF = date(2026, 6, 1)
BACHELOR = "wright-state.bsb.accountancy"


@pytest.fixture(scope="module")
def ohio() -> CompiledCatalog:
    return load_catalog()


def with_steps(record: LearnerRecord, steps: list[Step]) -> LearnerRecord:
    data = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    for step in steps:
        holding: dict[str, object] = {"credential": step.credential, "earned": AS_OF.isoformat()}
        if step.kind == "course":
            holding["grade"] = "P"
        if step.score is not None:
            holding["score"] = step.score
        data["holdings"].append(holding)
    return LearnerRecord.model_validate(data)


def assert_completes(catalog: CompiledCatalog, record: LearnerRecord, document: Plan) -> None:
    after = audit(
        catalog,
        with_steps(record, document.steps),
        document.goal,
        Options(as_of=AS_OF, include_discretionary=True),
    )
    assert after.status == "complete", [n.missing for n in after.remaining]


def assert_ordered(document: Plan) -> None:
    seen: set[str] = set()
    for step in document.steps:
        assert set(step.after) <= seen, step.credential
        seen.add(step.credential)


def test_plan_transfer_student_to_bachelor(ohio: CompiledCatalog) -> None:
    record = load_record(LEARNERS / "ot36-transfer-wsu.yaml")
    document = plan(ohio, record, BACHELOR, Options(as_of=AS_OF), optimize="credits")
    assert document.status == "plannable" and document.optimal
    names = [s.credential for s in document.steps]
    # The courses still in progress or planned are steps; the accountancy chain is in order.
    for needed in ("wright-state.acc-4010", "wright-state.law-3000", "wright-state.mgt-4900"):
        assert needed in names
    assert names.index("wright-state.acc-2010") < names.index("wright-state.acc-2020")
    assert names.index("wright-state.acc-2020") < names.index("wright-state.acc-3040")
    assert all(step.satisfies for step in document.steps)
    assert document.totals is not None and document.totals.credits == 33
    assert_ordered(document)
    assert_completes(ohio, record, document)


def test_plan_bachelor_from_an_empty_record_goes_through_tri_c(ohio: CompiledCatalog) -> None:
    # The bachelor's tree names Tri-C's OGTP associate degree, so Tri-C's courses count as
    # the goal's own even for a learner who has never been there.
    record = LearnerRecord.model_validate({"learner": {"id": "new", "state": "OH"}})
    document = plan(ohio, record, BACHELOR, Options(as_of=AS_OF), optimize="cost")
    assert document.status == "plannable"
    assert any(s.issuer == "tri-c" for s in document.steps)
    assert_ordered(document)
    assert_completes(ohio, record, document)


def test_least_credit_plans_start_from_the_total(ohio: CompiledCatalog) -> None:
    """From an empty record nothing is applied without being brought, so a least-credits plan
    is held to bring at least the bachelor's 120 credits, and brings exactly that."""
    empty = LearnerRecord.model_validate({"learner": {"id": "new", "state": "OH"}})
    search = SearchOptions(
        optimize="credits", include_discretionary=False, allow_unknown=False, from_institutions=()
    )
    space = build_space(ohio, empty, BACHELOR, AS_OF, search, evaluation=Options(as_of=AS_OF))
    built = build_model(space, reduce=True)
    assert credit_floor(built.space, built.problem, built.goal_nodes) == 120 * space.unit
    document = plan(ohio, empty, BACHELOR, Options(as_of=AS_OF), optimize="credits")
    assert document.totals is not None and document.totals.credits == 120


def test_plan_lpn_to_associate_in_nursing(ohio: CompiledCatalog) -> None:
    record = load_record(LEARNERS / "lpn-to-rn.yaml")
    document = plan(ohio, record, "tri-c.aas.nursing", Options(as_of=AS_OF), optimize="time")
    assert document.status == "plannable"
    assert "tri-c.nurs-2300" in [s.credential for s in document.steps]
    assert_ordered(document)
    assert_completes(ohio, record, document)


def test_plan_funding_lowers_out_of_pocket(ohio: CompiledCatalog) -> None:
    record = load_record(LEARNERS / "cyber-security-plus.yaml")
    document = plan(ohio, record, "tri-c.aas.cybersecurity", Options(as_of=AS_OF), optimize="cost")
    assert document.totals is not None
    funded = [s for s in document.steps if s.funding]
    assert funded, "an Ohio learner's certification should be funded"
    for step in funded:
        assert step.funding[0].program.startswith("ohio.")
        assert step.cost is not None and step.out_of_pocket == step.cost - step.funding[0].amount
    assert document.totals.out_of_pocket < document.totals.cost
    assert_completes(ohio, record, document)


def test_plan_unreachable_bundled_goal_points_to_other_institutions(ohio: CompiledCatalog) -> None:
    record = load_record(LEARNERS / "microbachelors-tesu.yaml")
    document = plan(ohio, record, "tesu.ba.liberal-studies", Options(as_of=AS_OF))
    assert document.status == "unreachable"
    reasons = [r for item in document.blocked_by for r in item.reasons]
    assert any("add --from" in r for r in reasons)
    widened = plan(
        ohio,
        record,
        "tesu.ba.liberal-studies",
        Options(as_of=AS_OF),
        from_institutions=["wright-state"],
    )
    assert widened.status == "plannable"
    assert_completes(ohio, record, widened)


def test_compare_bundled_goals(ohio: CompiledCatalog) -> None:
    record = load_record(LEARNERS / "ot36-transfer-wsu.yaml")
    result = compare(ohio, record, [BACHELOR, "tri-c.aa.business-ogtp"], Options(as_of=AS_OF))
    assert [g.goal for g in result.goals] == ["tri-c.aa.business-ogtp", BACHELOR]
    assert result.goals[0].status == "complete"
    assert result.goals[1].status == "in_progress"
    assert result.goals[1].plan.totals is not None
