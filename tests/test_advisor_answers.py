"""Answers an advisor can take at their word (issue 19, items 4-6): a grade too low for a
requirement still open is said so, an F weighs in the GPA, and nothing dated after the as-of
day counts as earned, in any entry point."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from api_support import LEARNERS, memory_app, sample_record
from fastapi.testclient import TestClient
from test_audit_semantics import catalog_with, course, goal, record, unused_codes
from typer.testing import CliRunner

from pathways.batch import run_batch
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_record
from pathways.catalog.model import Holding, LearnerRecord
from pathways.cli import app as cli
from pathways.evaluate import audit, transfer
from pathways.interop import BadgeResult, verify_badge
from pathways.interop.clr import export_clr
from pathways.interop.signing import SigningKey
from pathways.options import Options
from pathways.plan import compare, plan

AS_OF = date(2026, 6, 1)


# --------------------------------------------------------------------------- item 4


def test_a_grade_below_an_open_requirement_is_below_min_grade_not_not_needed(
    tmp_path: Path,
) -> None:
    # The C- course could fill free electives, which are full up to the share the missing
    # course leaves them; the requirement that needs a C is what keeps the goal open.
    g = goal("g", {"all": [{"label": "Networking", "has": "cc.it-101", "min_grade": "C"}]})
    g["credits"] = 6
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(course("cc.it-101", grade="C-", earned="2025-06-01"), course("cc.it-102"))
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    (it101,) = [u for u in decision.unused if u.credential == "cc.it-101"]
    assert it101.reason_code == "below_min_grade"
    assert "C- is below C" in it101.reason and "Networking" in it101.reason


def test_a_low_grade_stays_not_needed_once_its_requirement_is_met(tmp_path: Path) -> None:
    g = goal("g", {"all": [{"has": "oan.tme001", "min_grade": "C"}]}, credits=3)
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(course("cc.eng-101", grade="D"), course("uni.eng-110", grade="B"))
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert unused_codes(decision)["cc.eng-101"] == "not_needed"


def test_a_low_grade_in_a_credits_requirement_still_open(tmp_path: Path) -> None:
    g = goal(
        "g",
        {
            "all": [
                {"label": "IT core", "credits": 6, "from": {"subject": "ITNT"}, "min_grade": "C"},
                {"label": "Any", "credits": 3, "from": {"level": "lower"}},
            ]
        },
    )
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(
        course("cc.it-101", grade="D", earned="2025-06-01"),
        course("cc.it-102", grade="A"),
        course("uni.hist-101"),
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    assert unused_codes(decision)["cc.it-101"] == "below_min_grade"


# --------------------------------------------------------------------------- item 5


@pytest.mark.parametrize(
    ("grades", "gpa"),
    [
        (["A", "F"], 2.0),  # 12 + 0 quality points over 6 attempted credits
        (["A", "D"], 2.5),
        (["A", "P", "CR", "W", "I", "NC"], 4.0),
        (["F"], 0.0),
    ],
)
def test_gpa_counts_f_as_zero_and_leaves_pass_and_withdrawals_out(
    tmp_path: Path, grades: list[str], gpa: float
) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("g", {"has": "cc.it-105"})])
    ids = ["cc.it-101", "cc.it-102", "cc.it-103", "cc.it-104", "cc.eng-101", "uni.hist-101"]
    rec = record(*(course(i, grade=gr) for i, gr in zip(ids, grades, strict=False)))
    assert audit(cat, rec, "g", Options(as_of=AS_OF)).gpa == gpa


def test_an_f_lowers_the_gpa_below_a_d(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("g", {"has": "cc.it-105"})])
    base = [course("cc.it-101", grade="A"), course("cc.it-102", grade="B")]
    with_f = audit(cat, record(*base, course("cc.it-103", grade="F")), "g", Options(as_of=AS_OF))
    with_d = audit(cat, record(*base, course("cc.it-103", grade="D")), "g", Options(as_of=AS_OF))
    assert with_f.gpa is not None and with_d.gpa is not None
    assert with_f.gpa < with_d.gpa
    assert (with_f.gpa, with_d.gpa) == (2.333, 2.667)


def test_a_repeated_f_enters_once_and_a_passed_repeat_replaces_it(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("g", {"has": "cc.it-105"})])
    twice = record(
        course("cc.it-101", grade="A"),
        course("cc.it-102", grade="F", earned="2024-01-01"),
        course("cc.it-102", grade="F", earned="2025-01-01"),
    )
    assert audit(cat, twice, "g", Options(as_of=AS_OF)).gpa == 2.0
    passed = record(
        course("cc.it-101", grade="A"),
        course("cc.it-102", grade="F", earned="2024-01-01"),
        course("cc.it-102", grade="C", earned="2025-01-01"),
    )
    assert audit(cat, passed, "g", Options(as_of=AS_OF)).gpa == 3.0


def test_an_f_can_block_a_min_gpa(tmp_path: Path) -> None:
    g = goal("g", {"has": "cc.it-101"}, min_gpa=2.0)
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(course("cc.it-101", grade="C"), course("cc.it-102", grade="F"))
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.gpa == 1.0
    assert decision.status == "in_progress"
    assert "GPA" in (decision.requirements.missing or "")


# --------------------------------------------------------------------------- item 7


def _exam_or_course(tmp_path: Path, grant: int) -> Any:
    tmp_path.mkdir(exist_ok=True)
    clep = {
        "id": "clep.amgov",
        "policy": "clep",
        "when": {"has": "cb.clep-amgov", "min_score": 50},
        "grants": [{"credits": grant, "subject": "POLS", "level": "lower"}],
        "at": ["cc"],
    }
    pols = {
        "id": "cc.pols-101",
        "title": "American Government",
        "kind": "course",
        "issuer": "cc",
        "credits": 3,
        "subject": "POLS",
        "level": "lower",
    }
    g = goal("g", {"all": [{"has": "cc.it-101"}, {"credits": 3, "from": {"subject": "POLS"}}]})
    return catalog_with(tmp_path, credentials=[pols, g], transfer_rules=[clep])


def test_an_exam_step_costs_the_credit_it_is_granted(tmp_path: Path) -> None:
    rec = record(course("cc.it-101"))
    options = Options(as_of=AS_OF)
    six = plan(_exam_or_course(tmp_path / "six", 6), rec, "g", options)
    assert [(s.credential, s.credits) for s in six.steps] == [("cc.pols-101", 3)]
    three = plan(_exam_or_course(tmp_path / "three", 3), rec, "g", options)
    # Equal credit: fewer steps tie, then the smaller id (cb… before cc…).
    assert [(s.credential, s.credits) for s in three.steps] == [("cb.clep-amgov", 3)]
    assert three.totals is not None and six.totals is not None
    assert (three.totals.credits, three.totals.missing) == (3, 3)
    assert (six.totals.credits, six.totals.missing) == (3, 3)


def test_a_plan_says_credit_earned_against_credit_missing(tmp_path: Path) -> None:
    cat = _exam_or_course(tmp_path, 6)
    rec = record({"credential": "cc.it-101", "status": "in_progress"})
    document = plan(cat, rec, "g", Options(as_of=AS_OF))
    assert document.totals is not None
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert document.totals.missing == decision.credits.required - decision.credits.applied == 6
    assert document.totals.credits == sum(s.credits for s in document.steps) == 6
    path = tmp_path / "rec.json"
    path.write_text(rec.model_dump_json(by_alias=True))
    args = ["plan", str(path), "--goal", "g", "--catalog", str(tmp_path / "catalog")]
    result = CliRunner().invoke(cli, [*args, "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "6 credits to earn (the goal still needs 6 now)" in result.output


# --------------------------------------------------------------------------- item 8


def _exported_and_read_back(
    catalog: CompiledCatalog, record: LearnerRecord
) -> tuple[dict[str, Any], BadgeResult]:
    """``record`` exported as a CLR signed by a new registrar key, and that CLR verified with
    the registrar trusted (asserted verified): (the CLR, the verification)."""
    registrar = SigningKey.generate()
    created = datetime(2026, 5, 1, tzinfo=UTC)
    clr = export_clr(record, catalog=catalog, as_of=AS_OF, key=registrar, created=created)
    result = verify_badge(
        clr, catalog=catalog, as_of=AS_OF, trust=[registrar.issuer],
        identity=record.learner.identity,
    )  # fmt: skip
    assert result.verified, result.reason
    return clr, result


def test_a_pathways_clr_export_imports_back_to_the_same_credentials() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    record = load_record(LEARNERS / "ladder-accounting.yaml", catalog)
    clr, result = _exported_and_read_back(catalog, record)
    earned = sorted(h.credential for h in record.holdings if h.status == "earned" and h.credential)
    assert len(result.nested) == len(earned) > 1
    assert [inner.reason_code for inner in result.nested] == [None] * len(earned)
    assert sorted(h.credential or "" for h in result.holdings()) == earned
    # Without trust in the exporter the same achievements map, but do not count.
    untrusted = verify_badge(clr, catalog=catalog, as_of=AS_OF, identity=record.learner.identity)
    assert {inner.reason_code for inner in untrusted.nested} == {"untrusted_issuer"}


def test_a_clr_round_trip_keeps_grades_so_min_grade_requirements_still_hold() -> None:
    """The export states each grade (and score) as a CLR 2.0 ``result``; the import reads it
    back, so an audit of the re-imported holdings matches the record's own."""
    catalog = load_catalog(DEFAULT_CATALOG)
    record = load_record(LEARNERS / "ladder-accounting.yaml", catalog)
    exam = {"credential": "ap.psychology", "earned": "2024-07-10", "score": 4}
    holdings = (*record.holdings, Holding.model_validate(exam))
    record = record.model_copy(update={"holdings": holdings})
    _, result = _exported_and_read_back(catalog, record)
    back = sorted((h.credential, h.grade, h.score) for h in result.holdings() if h.credential)
    assert back == sorted(
        (h.credential, h.grade, h.score)
        for h in record.holdings
        if h.status == "earned" and h.credential
    )
    assert ("tri-c.math-1410", "C", None) in back and ("ap.psychology", None, 4.0) in back
    again = record.model_copy(update={"holdings": tuple(result.holdings())})
    for goal_id in ("tri-c.cert.accounting", "tri-c.aa.business-ogtp"):
        before = audit(catalog, record, goal_id, Options(as_of=AS_OF))
        after = audit(catalog, again, goal_id, Options(as_of=AS_OF))
        same = (before.status, before.credits, before.gpa)
        assert (after.status, after.credits, after.gpa) == same
        assert "below_min_grade" not in {u.reason_code for u in after.unused}


# --------------------------------------------------------------------------- item 6

FUTURE = "2027-05-08"


def _future_catalog(tmp_path: Path) -> Any:
    rule = {
        "id": "itag.secplus",
        "policy": "itag",
        "when": {"has": "comptia.secplus"},
        "grants": [{"credential": "cc.it-105"}],
        "at": ["cc"],
    }
    return catalog_with(
        tmp_path,
        credentials=[goal("g", {"all": [{"has": "cc.it-101"}, {"has": "cc.it-105"}]})],
        transfer_rules=[rule],
    )


def _future_record() -> Any:
    return record(
        course("cc.it-101", earned=FUTURE),
        {"credential": "comptia.secplus", "earned": FUTURE},
    )


def test_a_holding_dated_after_the_as_of_day_is_not_yet_earned(tmp_path: Path) -> None:
    cat = _future_catalog(tmp_path)
    decision = audit(cat, _future_record(), "g", Options(as_of=date(2025, 1, 1)))
    assert decision.status == "in_progress"
    assert decision.credits.applied == 0
    assert unused_codes(decision) == {
        "cc.it-101": "not_yet_earned",
        "comptia.secplus": "not_yet_earned",
    }
    assert decision.transfers == []
    later = audit(cat, _future_record(), "g", Options(as_of=date(2027, 6, 1)))
    assert later.status == "complete"
    projected = audit(cat, _future_record(), "g", Options(as_of=date(2025, 1, 1), projected=True))
    assert projected.status == "in_progress"  # recorded as earned: not yet, projected or not
    expected = _future_record().model_copy(
        update={"holdings": tuple(h.model_copy(update={"status": "in_progress"}) for h in
                                  _future_record().holdings)}
    )  # fmt: skip
    counted = audit(cat, expected, "g", Options(as_of=date(2025, 1, 1), projected=True))
    assert counted.status == "complete"  # in progress, expected on that day: projected


def test_transfer_plan_compare_and_batch_read_the_as_of_day(tmp_path: Path) -> None:
    cat = _future_catalog(tmp_path)
    options = Options(as_of=date(2025, 1, 1))
    statement = transfer(cat, _future_record(), "cc", options)
    assert statement.credits == 0
    assert {u.credential: u.reason_code for u in statement.unused}["comptia.secplus"] == (
        "not_yet_earned"
    )
    route = plan(cat, _future_record(), "g", options)
    assert {s.credential for s in route.steps} >= {"cc.it-101"}
    (row,) = compare(cat, _future_record(), ["g"], options).goals
    assert row.status == "in_progress"
    awarded_later = _future_record().model_copy(
        update={
            "holdings": (
                *_future_record().holdings,
                *record({"credential": "g", "earned": FUTURE}).holdings,
            )
        }
    )
    (batched,) = run_batch(cat, [awarded_later], ["g"], options, within=0).rows
    assert (batched.status, batched.holds_goal, batched.finding) == ("in_progress", False, "none")


def test_the_api_and_the_cli_say_not_yet_earned() -> None:
    body = {
        "record": sample_record("cyber-security-plus.yaml"),
        "goal": "tri-c.cert.cybersecurity",
        "as_of": "2025-01-01",
    }
    app, _ = memory_app()
    with TestClient(app) as client:
        audited = client.post("/v1/audit", json=body)
        body.pop("goal")
        transferred = client.post("/v1/transfer", json={**body, "institution": "tri-c"})
    assert audited.status_code == 200 and transferred.status_code == 200
    later = {"comptia.security-plus", "tri-c.itnt-1300", "tri-c.math-1410", "tri-c.itnt-2310"}
    for reply in (audited, transferred):
        codes = {u["credential"]: u["reason_code"] for u in reply.json()["unused"]}
        assert {c for c, code in codes.items() if code == "not_yet_earned"} >= later
    assert transferred.json()["credits"] == 0
    sample = str(LEARNERS / "cyber-security-plus.yaml")
    args = ["audit", sample, "--goal", "tri-c.cert.cybersecurity", "--as-of", "2025-01-01"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "not_yet_earned" in result.output and "2025-03-14" in result.output


def test_a_local_course_dated_later_does_not_make_equivalence_credit_a_duplicate() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    record_ = load_record(LEARNERS / "tri-c-to-ysu.yaml", catalog)
    later = record({"credential": "ysu.engl-1550", "earned": "2027-05-08", "grade": "A"})
    both = record_.model_copy(update={"holdings": (*record_.holdings, *later.holdings)})
    statement = transfer(catalog, both, "ysu", Options(as_of=date(2026, 6, 1)))
    (line,) = [t for t in statement.transfers if t.rule == "ohio.oan.tme001"]
    assert [g.status for g in line.granted] == ["granted"]
    assert {u.credential: u.reason_code for u in statement.unused}["ysu.engl-1550"] == (
        "not_yet_earned"
    )
    now = transfer(catalog, both, "ysu", Options(as_of=date(2027, 6, 1)))
    (line,) = [t for t in now.transfers if t.rule == "ohio.oan.tme001"]
    assert [g.status for g in line.granted] == ["duplicate"]
