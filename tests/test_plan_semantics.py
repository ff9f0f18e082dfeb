"""Planning semantics, one rule at a time, on small catalogs (pathways.plan's docstring)."""

from __future__ import annotations

import itertools
import math
import random
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.catalog.compile import CompiledCatalog, compile_catalog
from pathways.catalog.model import Catalog, Holding, LearnerRecord
from pathways.errors import PathwaysError, UnknownIdError
from pathways.evaluate import audit
from pathways.options import Options
from pathways.plan import Plan, compare, fund, plan

AS_OF = date(2026, 6, 1)


def course(ident: str, issuer: str = "uni", **more: Any) -> dict[str, Any]:
    data = {
        "id": ident,
        "title": ident.upper(),
        "kind": "course",
        "issuer": issuer,
        "credits": 3,
        "subject": "GEN",
        "level": "lower",
        "cost": 900,
        "weeks": 15,
    }
    return {**data, **more}


def cert(ident: str, **more: Any) -> dict[str, Any]:
    data = {
        "id": ident,
        "title": ident.upper(),
        "kind": "industry-certification",
        "issuer": "vendor",
        "cost": 300,
        "weeks": 6,
        "hours": 40,
    }
    return {**data, **more}


def goal(requires: dict[str, Any], ident: str = "goal", **more: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "title": ident.title(),
        "kind": "certificate",
        "issuer": "uni",
        "requires": requires,
        **more,
    }


def compiled(
    credentials: list[dict[str, Any]],
    rules: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **sections: Any,
) -> CompiledCatalog:
    data = {
        "institutions": [
            {"id": "uni", "name": "Uni", "kind": "university", "state": "OH"},
            {"id": "cc", "name": "CC", "kind": "community-college", "state": "OH"},
            {"id": "far", "name": "Far", "kind": "university"},
            {"id": "vendor", "name": "Vendor", "kind": "provider"},
            {"id": "board", "name": "Board", "kind": "exam-body"},
            {"id": "navy", "name": "Navy", "kind": "military"},
        ],
        "policies": [
            {"id": "g", "title": "Guaranteed", "guarantee": "guaranteed"},
            {"id": "ace", "title": "ACE", "guarantee": "recommended"},
            {"id": "d", "title": "Discretionary", "guarantee": "discretionary"},
        ],
        "credentials": credentials,
        "transfer_rules": [{"at": ["uni"], **r} for r in rules],
        **sections,
    }
    return compile_catalog(Catalog.model_validate(data), version="plan-semantics")


def learner(*holdings: dict[str, Any] | Holding, **info: Any) -> LearnerRecord:
    return LearnerRecord.model_validate(
        {"learner": {"id": "l-1", **info}, "holdings": list(holdings)}
    )


def steps(document: Plan) -> list[str]:
    return [s.credential for s in document.steps]


# --------------------------------------------------------------------------- basics


def test_plan_complete_goal_needs_no_steps() -> None:
    cat = compiled([course("u1"), goal({"has": "u1"})])
    document = plan(
        cat,
        learner({"credential": "u1", "earned": "2025-05-01", "grade": "A"}),
        "goal",
        Options(as_of=AS_OF),
    )
    assert document.status == "complete"
    assert document.steps == [] and document.alternatives == []
    assert document.totals is not None and document.totals.credits == 0


def test_plan_chooses_cheapest_route_through_a_certification() -> None:
    cat = compiled(
        [course("u1", cost=1200), cert("k1", cost=250), goal({"has": "u1"})],
        [{"id": "k1-u1", "policy": "g", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]}],
    )
    by_cost = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")
    assert steps(by_cost) == ["k1"]
    assert by_cost.steps[0].satisfies == ["U1 (u1) (through Guaranteed rule k1-u1)"]
    assert by_cost.totals is not None and by_cost.totals.cost == 250
    by_credits = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="credits")
    assert steps(by_credits) == ["k1"]  # 0 credits to earn beats the 3-credit course


def test_plan_ties_go_to_fewest_steps() -> None:
    cat = compiled(
        [
            course("u1", cost=600),
            cert("k1", cost=300),
            cert("k2", cost=300),
            goal({"has": "u1"}),
        ],
        [
            {
                "id": "pair",
                "policy": "g",
                "when": {"all": [{"has": "k1"}, {"has": "k2"}]},
                "grants": [{"credential": "u1"}],
            }
        ],
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]


def test_plan_ties_prefer_earlier_ids() -> None:
    cat = compiled(
        [course(c) for c in ("u3", "u1", "u2")] + [goal({"count": 1, "from": {"subject": "GEN"}})]
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]


def test_plan_is_the_same_whatever_the_order_of_holdings() -> None:
    cat = compiled(
        [course(f"u{i}", credits=i % 3 + 1, cost=100 * i) for i in range(1, 7)]
        + [goal({"credits": 7, "from": {"subject": "GEN"}})]
    )
    holdings = [
        {"credential": "u1", "earned": "2025-01-01", "grade": "A"},
        {"credential": "u4", "earned": "2024-01-01", "grade": "B"},
    ]
    first = plan(cat, learner(*holdings), "goal", Options(as_of=AS_OF), optimize="cost")
    shuffled = list(holdings)
    random.Random(4).shuffle(shuffled)
    assert (
        plan(cat, learner(*reversed(shuffled)), "goal", Options(as_of=AS_OF), optimize="cost")
        == first
    )


def test_plan_lists_courses_in_progress_as_steps_and_says_so() -> None:
    cat = compiled([course("u1"), course("u2"), goal({"all": [{"has": "u1"}, {"has": "u2"}]})])
    record = learner({"credential": "u1", "status": "in_progress"})
    document = plan(cat, record, "goal", Options(as_of=AS_OF))
    assert [(s.credential, s.in_record) for s in document.steps] == [
        ("u1", "in_progress"),
        ("u2", None),
    ]


def test_plan_marks_a_step_the_record_dates_after_the_as_of_date() -> None:
    """A holding dated after the as-of date does not count yet; the plan proposes it and says
    the record already lists it (issue 19 point 6)."""
    cat = compiled([course("u1"), course("u2"), goal({"all": [{"has": "u1"}, {"has": "u2"}]})])
    later = AS_OF.replace(year=AS_OF.year + 1).isoformat()
    record = learner({"credential": "u1", "earned": later, "grade": "A"})
    document = plan(cat, record, "goal", Options(as_of=AS_OF))
    assert [(s.credential, s.in_record) for s in document.steps] == [
        ("u1", "not_yet_earned"),
        ("u2", None),
    ]


def test_plan_takes_an_advisors_substitution_into_account() -> None:
    cat = compiled([course("u2", cost=900), course("u5", cost=100), goal({"has": "u2"})])
    record = LearnerRecord.model_validate(
        {
            "learner": {"id": "l-1"},
            "exceptions": [{"substitute": "u5", "for": "u2", "by": "advisor", "reason": "r"}],
        }
    )
    assert steps(plan(cat, record, "goal", Options(as_of=AS_OF), optimize="cost")) == ["u5"]


# --------------------------------------------------------------------------- prerequisites and time


def test_plan_steps_follow_their_prerequisites_and_time_is_the_critical_path() -> None:
    cat = compiled(
        [
            course("u1", weeks=10),
            course("u2", weeks=10, prerequisites={"has": "u1"}),
            course("u3", weeks=4),
            goal({"all": [{"has": "u2"}, {"has": "u3"}]}),
        ]
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="time")
    assert steps(document) == ["u1", "u3", "u2"]
    assert document.steps[2].after == ["u1"]
    assert "prerequisite of u2" in document.steps[0].satisfies
    assert document.totals is not None and document.totals.weeks == 20


def test_plan_prerequisite_met_by_a_held_course_or_a_grant() -> None:
    cat = compiled(
        [
            course("u1"),
            course("u2", prerequisites={"has": "u1"}),
            cert("k1", cost=50),
            goal({"has": "u2"}),
        ],
        [{"id": "k1-u1", "policy": "g", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]}],
    )
    held = learner({"credential": "u1", "earned": "2025-01-01", "grade": "B"})
    assert steps(plan(cat, held, "goal", Options(as_of=AS_OF), optimize="cost")) == ["u2"]
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")
    assert steps(document) == ["k1", "u2"]
    assert document.steps[1].after == ["k1"]


def test_plan_terms_group_steps_after_their_prerequisites() -> None:
    cat = compiled(
        [
            course("u1"),
            course("u2", prerequisites={"has": "u1"}),
            course("u3"),
            course("u4"),
            goal({"all": [{"has": "u2"}, {"has": "u3"}, {"has": "u4"}]}),
        ]
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), max_credits_per_term=6)
    assert document.terms is not None
    assert [t.steps for t in document.terms] == [["u1", "u3"], ["u4", "u2"]]
    assert [t.credits for t in document.terms] == [6, 6]


def test_plan_composite_prerequisite_is_met_through_its_requirements() -> None:
    cat = compiled(
        [
            course("u1"),
            course("u2"),
            {
                "id": "program",
                "title": "Program",
                "kind": "certificate",
                "issuer": "uni",
                "requires": {"all": [{"has": "u1"}, {"has": "u2"}]},
            },
            {
                "id": "license",
                "title": "License",
                "kind": "license",
                "issuer": "board",
                "cost": 200,
                "weeks": 2,
                "prerequisites": {"has": "program"},
            },
            goal({"has": "license"}),
        ]
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="time")
    assert steps(document) == ["u1", "u2", "license"]
    assert document.steps[2].after == ["u1", "u2"]
    assert document.totals is not None and document.totals.weeks == 17


# --------------------------------------------------------------------------- transfer rules


def test_plan_discretionary_credit_only_when_allowed() -> None:
    cat = compiled(
        [course("u1", cost=900), cert("k1", cost=100), goal({"has": "u1"})],
        [{"id": "k1-u1", "policy": "d", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]}],
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]
    allowed = plan(
        cat, learner(), "goal", Options(as_of=AS_OF, include_discretionary=True), optimize="cost"
    )
    assert steps(allowed) == ["k1"]


def test_plan_recommended_credit_counts_only_when_asked() -> None:
    # Plans rely on guaranteed credit unless asked, like an audit (issue 14).
    cat = compiled(
        [course("u1", cost=900), cert("k1", cost=100), goal({"has": "u1"})],
        [{"id": "k1-u1", "policy": "ace", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]}],
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]
    asked = Options(as_of=AS_OF, include_discretionary=True)
    assert steps(plan(cat, learner(), "goal", asked, optimize="cost")) == ["k1"]


def test_plan_exam_reaches_its_lowest_qualifying_tier() -> None:
    exam = {"id": "x1", "title": "Exam", "kind": "exam", "issuer": "board", "cost": 90, "weeks": 1}
    cat = compiled(
        [
            course("u1", subject="HIS", cost=900),
            exam,
            goal({"credits": 6, "from": {"subject": "HIS"}}),
        ],
        [
            {
                "id": "tier1",
                "policy": "g",
                "when": {"has": "x1", "min_score": 50},
                "grants": [{"credits": 3, "subject": "HIS", "level": "lower"}],
            },
            {
                "id": "tier2",
                "policy": "g",
                "when": {"has": "x1", "min_score": 60},
                "grants": [{"credits": 6, "subject": "HIS", "level": "lower"}],
                "supersedes": ["tier1"],
            },
        ],
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")
    # Planned at the lowest tier the exam gives 3 credits, not 6: the course is still needed.
    assert steps(document) == ["u1", "x1"]
    assert "6 credits of HIS (through Guaranteed rule tier1)" in document.steps[1].satisfies
    # A learner who already scored 60 has the higher tier: nothing left to earn.
    scored = learner({"credential": "x1", "earned": "2025-01-01", "score": 61})
    assert plan(cat, scored, "goal", Options(as_of=AS_OF)).status == "complete"


def test_plan_a_higher_tier_that_fires_takes_the_lower_tier_away() -> None:
    exam = {"id": "x1", "title": "Exam", "kind": "exam", "issuer": "board", "cost": 90, "weeks": 1}
    cat = compiled(
        [course("u1", subject="HIS"), exam, goal({"credits": 3, "from": {"subject": "HIS"}})],
        [
            {
                "id": "tier1",
                "policy": "g",
                "when": {"has": "x1", "min_score": 50},
                "grants": [{"credits": 3, "subject": "HIS", "level": "lower"}],
            },
            {
                "id": "tier2",
                "policy": "g",
                "when": {"has": "x1", "min_score": 60},
                "grants": [{"credits": 6, "subject": "ART", "level": "lower"}],
                "supersedes": ["tier1"],
            },
        ],
    )
    scored = learner({"credential": "x1", "earned": "2025-01-01", "score": 65})
    assert audit(cat, scored, "goal", Options(as_of=AS_OF)).status == "in_progress"
    assert steps(plan(cat, scored, "goal", Options(as_of=AS_OF))) == ["u1"]


def test_plan_rule_not_effective_on_the_planned_date_is_not_a_route() -> None:
    cat = compiled(
        [course("u1", cost=900), cert("k1", cost=100), goal({"has": "u1"})],
        [
            {
                "id": "k1-u1",
                "policy": "g",
                "when": {"has": "k1"},
                "grants": [{"credential": "u1"}],
                "effective": {"to": "2025-12-31"},
            }
        ],
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]
    earlier = plan(cat, learner(), "goal", Options(as_of=date(2025, 6, 1)), optimize="cost")
    assert steps(earlier) == ["k1"]


def test_plan_source_and_grant_are_never_both_applied() -> None:
    cat = compiled(
        [
            course("c1", issuer="cc", cost=300),
            course("u1", cost=900),
            course("u2", cost=900),
            goal({"all": [{"has": "u1"}, {"credits": 3, "from": {"issuer": "cc"}}]}),
        ],
        [{"id": "c1-u1", "policy": "g", "when": {"has": "c1"}, "grants": [{"credential": "u1"}]}],
        equivalences=[],
    )
    home = learner(institution="cc")
    document = plan(cat, home, "goal", Options(as_of=AS_OF), optimize="cost")
    # c1 cannot both stand for u1 and be the cc credit: u1 must be taken too.
    assert sorted(steps(document)) == ["c1", "u1"]


# --------------------------------------------------------------------------- candidates


def test_plan_candidates_come_from_allowed_institutions() -> None:
    cat = compiled([course("f1", issuer="far"), goal({"credits": 3, "from": {"subject": "GEN"}})])
    blocked = plan(cat, learner(), "goal", Options(as_of=AS_OF))
    assert blocked.status == "unreachable"
    (item,) = blocked.blocked_by
    assert item.missing == "needs 3 more credits of GEN"
    assert any("add --from far" in r for r in item.reasons)
    widened = plan(cat, learner(), "goal", Options(as_of=AS_OF), from_institutions=["far"])
    assert steps(widened) == ["f1"]


def test_plan_learner_institutions_widen_the_choice() -> None:
    cat = compiled([course("c1", issuer="cc"), goal({"credits": 3, "from": {"subject": "GEN"}})])
    assert plan(cat, learner(), "goal", Options(as_of=AS_OF)).status == "unreachable"
    assert steps(plan(cat, learner(institution="cc"), "goal", Options(as_of=AS_OF))) == ["c1"]
    earned = learner({"credential": "c1", "earned": "2024-01-01", "grade": "F", "at": "cc"})
    assert steps(plan(cat, earned, "goal", Options(as_of=AS_OF))) == [
        "c1"
    ]  # an F earns nothing: retake


def test_plan_military_training_only_from_the_learners_own_service() -> None:
    drill = {
        "id": "drill",
        "title": "Basic Training",
        "kind": "military-training",
        "issuer": "navy",
        "cost": 0,
        "weeks": 8,
    }
    other = {"id": "m2", "title": "Other", "kind": "military-training", "issuer": "navy"}
    cat = compiled(
        [course("u1", cost=900), drill, other, goal({"has": "u1"})],
        [
            {
                "id": "drill-u1",
                "policy": "g",
                "when": {"has": "drill"},
                "grants": [{"credential": "u1"}],
            }
        ],
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")) == ["u1"]
    veteran = learner({"credential": "m2", "earned": "2020-01-01"})
    assert steps(plan(cat, veteran, "goal", Options(as_of=AS_OF), optimize="cost")) == ["drill"]


def test_plan_unknown_attribute_is_left_out_or_a_lower_bound() -> None:
    cat = compiled(
        [
            course("u1", cost=None),
            course("u2", cost=1500),
            goal({"count": 1, "from": {"subject": "GEN"}}),
        ]
    )
    known = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")
    assert steps(known) == ["u2"]
    assert any(e.credential == "u1" and "no cost" in e.reason for e in known.excluded)
    assert known.totals is not None and not known.totals.lower_bound
    unknown = plan(
        cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost", allow_unknown=True
    )
    assert steps(unknown) == ["u1"]
    assert unknown.steps[0].cost is None
    assert unknown.totals is not None and unknown.totals.lower_bound
    assert unknown.totals.unknown == ["cost"]


def test_plan_composites_are_expanded_not_acquired() -> None:
    cat = compiled(
        [
            course("u1"),
            course("u2"),
            {
                "id": "inner",
                "title": "Inner",
                "kind": "certificate",
                "issuer": "uni",
                "requires": {"all": [{"has": "u1"}, {"has": "u2"}]},
            },
            goal({"has": "inner"}),
        ]
    )
    assert steps(plan(cat, learner(), "goal", Options(as_of=AS_OF))) == ["u1", "u2"]


def test_plan_residency_limit_needs_local_credit() -> None:
    cat = compiled(
        [
            course("c1", issuer="cc", cost=100),
            course("c2", issuer="cc", cost=100),
            course("u1", cost=900),
            goal(
                {"credits": 6, "from": {"subject": "GEN"}},
                limits=[{"min_credits": 3, "from": {"earned_at": "self"}}],
            ),
        ]
    )
    document = plan(cat, learner(institution="cc"), "goal", Options(as_of=AS_OF), optimize="cost")
    assert sorted(steps(document)) == ["c1", "u1"]


# --------------------------------------------------------------------------- alternatives


def test_plan_alternatives_are_distinct_and_not_better() -> None:
    cat = compiled(
        [
            course("u1", cost=900),
            cert("k1", cost=200),
            cert("k2", cost=400),
            goal({"has": "u1"}),
        ],
        [
            {"id": "k1-u1", "policy": "g", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]},
            {"id": "k2-u1", "policy": "g", "when": {"has": "k2"}, "grants": [{"credential": "u1"}]},
        ],
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost", alternatives=5)
    routes = [steps(document)] + [[s.credential for s in a.steps] for a in document.alternatives]
    assert routes == [["k1"], ["k2"], ["u1"]]
    costs = [a.totals.cost for a in document.alternatives]
    assert costs == sorted(costs) and costs[0] >= 200


# --------------------------------------------------------------------------- unreachable


def test_plan_retakes_a_course_held_below_the_minimum_grade() -> None:
    cat = compiled([course("u1"), goal({"has": "u1", "min_grade": "C"})])
    d_grade = {"credential": "u1", "earned": "2025-05-01", "grade": "D"}
    document = plan(cat, learner(d_grade), "goal", Options(as_of=AS_OF))
    assert document.status == "plannable" and steps(document) == ["u1"]
    assert document.steps[0].retake
    retaken = learner(d_grade, {"credential": "u1", "earned": "2026-05-01", "grade": "C"})
    assert audit(cat, retaken, "goal", Options(as_of=AS_OF)).status == "complete"
    # a passing attempt is held: nothing to retake
    passed = plan(cat, learner({**d_grade, "grade": "B"}), "goal", Options(as_of=AS_OF))
    assert passed.status == "complete" and passed.steps == []


def test_plan_retakes_a_failed_exam_score() -> None:
    exam = cert("x1", kind="exam", issuer="board", cost=90)
    cat = compiled(
        [course("u1"), exam, goal({"has": "u1"})],
        [{"id": "x1-u1", "policy": "g", "when": {"has": "x1", "min_score": 50},
          "grants": [{"credential": "u1"}]}],
    )  # fmt: skip
    low = {"credential": "x1", "earned": "2025-05-01", "score": 40}
    document = plan(cat, learner(low), "goal", Options(as_of=AS_OF), optimize="cost")
    assert steps(document) == ["x1"] and document.steps[0].retake
    assert document.steps[0].score == 50


def test_plan_never_counts_a_retake_and_the_attempt_it_repeats() -> None:
    # 7 credits: u1 (4 credits) at C or better, and 3 more. The D attempt of u1 may not fill
    # the 3 while its retake fills the named requirement (a repeat counts once).
    cat = compiled(
        [course("u1", credits=4), course("u2"), goal({"has": "u1", "min_grade": "C"}, credits=7)]
    )
    d_grade = {"credential": "u1", "earned": "2025-05-01", "grade": "D"}
    document = plan(cat, learner(d_grade), "goal", Options(as_of=AS_OF))
    assert document.status == "plannable" and steps(document) == ["u1", "u2"]
    done = learner(
        d_grade,
        {"credential": "u1", "earned": "2026-05-01", "grade": "B"},
        {"credential": "u2", "earned": "2026-05-01", "grade": "B"},
    )
    assert audit(cat, done, "goal", Options(as_of=AS_OF)).status == "complete"
    assert (
        audit(cat, learner(d_grade, done.holdings[1]), "goal", Options(as_of=AS_OF)).status
        == "in_progress"
    )


def test_plan_unreachable_names_the_blocking_requirement() -> None:
    cat = compiled(
        [
            course("u1"),
            course("u2", cost=None),
            goal({"all": [{"has": "u1"}, {"label": "Capstone", "has": "u2"}]}),
        ]
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="cost")
    assert document.status == "unreachable" and document.totals is None
    (item,) = document.blocked_by
    assert item.label == "Capstone"
    assert item.reasons == ["u2 has no cost in the catalog (use --allow-unknown)"]


def test_plan_unreachable_by_prerequisites_says_so() -> None:
    cat = compiled(
        [
            course("f1", issuer="far"),
            course("u1", prerequisites={"has": "f1"}),
            goal({"has": "u1"}),
        ]
    )
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF))
    (item,) = document.blocked_by
    assert item.reasons == ["u1's prerequisites cannot be met (f1)"]


def test_plan_gpa_floor_is_explained() -> None:
    cat = compiled([course("u1"), course("u2"), goal({"has": "u2"}, min_gpa=3.0)])
    weak = learner({"credential": "u1", "earned": "2025-01-01", "grade": "D"})
    document = plan(cat, weak, "goal", Options(as_of=AS_OF))
    assert document.status == "unreachable"
    assert "GPA" in (document.blocked_by[0].missing or "")


# --------------------------------------------------------------------------- funding


FUNDING = [
    {
        "id": "techcred",
        "title": "TechCred",
        "pays": {"max_per_credential": 2000},
        "credentials": {"max_hours": 900, "kind": ["industry-certification"]},
        "learners": {"state": "OH", "status": ["employed"]},
    },
    {
        "id": "imap",
        "title": "IMAP",
        "pays": {"max_per_credential": 250, "max_per_learner": 300},
        "credentials": {"kind": ["industry-certification"]},
        "learners": {"state": "OH"},
        "effective": {"from": "2024-01-01"},
    },
]


def test_fund_uses_the_best_eligible_program() -> None:
    cat = compiled([cert("k1", cost=400), cert("k2", cost=300, hours=1200)], funding=FUNDING)
    employed = learner(state="OH", status=["employed"])
    paid = fund(cat, employed, ["k1", "k2"], AS_OF)
    assert [(f.program, f.amount) for f in paid["k1"]] == [("techcred", 400)]
    # k2 is too long for TechCred (1200 hours > 900): IMAP pays up to its cap.
    assert [(f.program, f.amount) for f in paid["k2"]] == [("imap", 250)]


def test_fund_respects_per_learner_caps_and_eligibility() -> None:
    cat = compiled([cert("k1", cost=400), cert("k2", cost=300)], funding=FUNDING)
    resident = learner(state="OH", status=["unemployed"])
    paid = fund(cat, resident, ["k1", "k2"], AS_OF)
    total = sum(f.amount for fs in paid.values() for f in fs)
    assert total == 300  # IMAP: 250 per credential, 300 per learner
    assert all(f.program == "imap" for fs in paid.values() for f in fs)
    assert fund(cat, learner(state="PA"), ["k1"], AS_OF) == {"k1": []}
    assert fund(cat, resident, ["k1"], date(2023, 6, 1)) == {"k1": []}  # IMAP not yet in effect


def test_plan_reports_out_of_pocket_after_funding() -> None:
    cat = compiled(
        [course("u1", cost=900), cert("k1", cost=400), goal({"has": "u1"})],
        [{"id": "k1-u1", "policy": "g", "when": {"has": "k1"}, "grants": [{"credential": "u1"}]}],
        funding=FUNDING,
    )
    document = plan(
        cat, learner(state="OH", status=["employed"]), "goal", Options(as_of=AS_OF), optimize="cost"
    )
    assert steps(document) == ["k1"]
    assert document.steps[0].funding[0].program == "techcred"
    assert document.steps[0].out_of_pocket == 0
    assert document.totals is not None
    assert (document.totals.cost, document.totals.out_of_pocket) == (400, 0)


# --------------------------------------------------------------------------- compare and errors


def test_compare_ranks_complete_then_cheaper_then_unreachable() -> None:
    cat = compiled(
        [
            course("u1", cost=900),
            course("u2", cost=500),
            course("f1", issuer="far"),
            goal({"has": "u1"}, ident="done"),
            goal({"has": "u2"}, ident="cheap"),
            goal({"all": [{"has": "u1"}, {"has": "u2"}]}, ident="dear"),
            goal({"has": "f1"}, ident="away"),
        ]
    )
    held = learner({"credential": "u1", "earned": "2025-01-01", "grade": "A"})
    result = compare(cat, held, ["away", "dear", "cheap", "done"], Options(as_of=AS_OF))
    assert [g.goal for g in result.goals] == ["done", "cheap", "dear", "away"]
    first = result.goals[0]
    assert first.status == "complete" and first.plan.status == "complete"
    assert [g.plan.status for g in result.goals[1:]] == ["plannable", "plannable", "unreachable"]
    decision = audit(cat, held, "dear", Options(as_of=AS_OF))
    assert result.goals[2].credits == decision.credits
    assert result.goals[2].remaining == 3


def test_plan_bad_input_is_a_clear_error() -> None:
    cat = compiled([course("u1"), goal({"has": "u1"})])
    with pytest.raises(UnknownIdError, match="did you mean goal"):
        plan(cat, learner(), "gaol", Options(as_of=AS_OF))
    with pytest.raises(UnknownIdError, match="institution"):
        plan(cat, learner(), "goal", Options(as_of=AS_OF), from_institutions=["nowhere"])
    with pytest.raises(PathwaysError, match="optimisation target"):
        plan(cat, learner(), "goal", Options(as_of=AS_OF), optimize="speed")
    with pytest.raises(PathwaysError, match="at least one goal"):
        compare(cat, learner(), [], Options(as_of=AS_OF))


@st.composite
def funding_cases(draw: st.DrawFn) -> tuple[CompiledCatalog, LearnerRecord, list[str]]:
    creds = [
        cert(f"k{i}", cost=draw(st.integers(0, 12)) * 100, hours=draw(st.sampled_from([40, 950])))
        for i in range(draw(st.integers(1, 4)))
    ]
    programs = []
    for i in range(draw(st.integers(1, 3))):
        pays: dict[str, Any] = {"max_per_credential": draw(st.integers(1, 8)) * 100}
        if draw(st.booleans()):
            pays["max_per_learner"] = draw(st.integers(1, 12)) * 100
        if draw(st.booleans()):
            pays["share"] = "1/2"
        wanted: dict[str, Any] = {}
        if draw(st.booleans()):
            wanted["max_hours"] = 900
        programs.append({"id": f"p{i}", "title": f"P{i}", "pays": pays, "credentials": wanted})
    cat = compiled(creds, funding=programs)
    return cat, learner(state="OH"), [c["id"] for c in creds]


assert settings.default is not None  # the profile in effect: its max_examples doubled below


@settings(max_examples=2 * settings.default.max_examples, deadline=None)
@given(funding_cases())
def test_fund_pays_the_most_any_assignment_can(case: Any) -> None:
    cat, record, ids = case
    paid = fund(cat, record, ids, AS_OF)
    assert all(len(payments) <= 1 for payments in paid.values())
    by_program: dict[str, float] = {}
    for payments in paid.values():
        for payment in payments:
            by_program[payment.program] = by_program.get(payment.program, 0) + payment.amount
    programs = {p.id: p for p in cat.funding.values()}
    for program, amount in by_program.items():
        cap = programs[program].pays.max_per_learner
        assert cap is None or amount <= cap + 1e-9

    def offer(ident: str, program: str) -> float:
        cred, rules = cat.credential(ident), programs[program]
        if rules.credentials.max_hours is not None and (cred.hours or 0) > 900:
            return 0.0
        share = float(rules.pays.share) if rules.pays.share is not None else 1.0
        return min((cred.cost or 0) * share, rules.pays.max_per_credential or math.inf)

    best = 0.0
    for choice in itertools.product([None, *programs], repeat=len(ids)):
        totals: dict[str, float] = {}
        for ident, program in zip(ids, choice, strict=True):
            if program is not None:
                totals[program] = totals.get(program, 0) + offer(ident, program)
        best = max(
            best,
            sum(
                min(total, programs[p].pays.max_per_learner or math.inf)
                for p, total in totals.items()
            ),
        )
    assert abs(sum(by_program.values()) - best) < 0.01


def test_plan_keeps_the_plan_when_time_runs_out_for_alternatives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathways.plan import encoding as planning
    from pathways.solver import SolverTimeout

    cat = compiled([course("u1"), course("u2"), goal({"count": 1, "from": {"subject": "GEN"}})])
    found = planning.Search.best
    calls: list[int] = []

    def first_only(self: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise SolverTimeout("out of time")
        return found(self)

    monkeypatch.setattr(planning.Search, "best", first_only)
    document = plan(cat, learner(), "goal", Options(as_of=AS_OF), alternatives=2)
    assert steps(document) == ["u1"]
    assert document.alternatives == [] and not document.optimal
