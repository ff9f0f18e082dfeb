"""Issue 14: answers a registrar would sign (duplicates, guarantees, native credit, who may
earn what, exceptions), each on a small catalog and on the bundled sample it was seen on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from test_audit_semantics import AS_OF, catalog_with, course, goal, record, unused_codes

from pathways.evaluate import audit, transfer
from pathways.options import Options

AP_RULE = {
    "id": "ap-eng",
    "policy": "clep",
    "when": {"has": "cb.clep-amgov"},
    "grants": [{"credential": "oan.tme001"}],
}


# --------------------------------------------------------------------------- duplicates


def test_a_grant_of_an_equivalent_of_a_held_course_is_a_duplicate(tmp_path: Path) -> None:
    # The exam grants the First Writing Course equivalence; the learner holds a member of it
    # (the college's own Composition I): the credit counts once.
    cat = catalog_with(
        tmp_path,
        transfer_rules=[AP_RULE],
        credentials=[goal("g", {"credits": 6, "from": {}}, credits=6)],
    )
    rec = record(
        course("cc.eng-101"), {"credential": "cb.clep-amgov", "earned": "2024-01-01", "score": 60}
    )
    statement = transfer(cat, rec, "uni", Options(as_of=AS_OF))
    (line,) = [t for t in statement.transfers if t.rule == "ap-eng"]
    assert [g.status for g in line.granted] == ["duplicate"]
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.credits.applied == 3
    assert unused_codes(decision)["cb.clep-amgov"] == "duplicate"


def test_two_grants_of_one_credit_under_different_ids_count_once(tmp_path: Path) -> None:
    # One rule grants the equivalence, another a member of it: the earlier-earned source wins.
    member_rule = {
        "id": "secplus-eng",
        "policy": "clep",
        "when": {"has": "comptia.secplus"},
        "grants": [{"credential": "uni.eng-110"}],
    }
    cat = catalog_with(
        tmp_path,
        transfer_rules=[AP_RULE, member_rule],
        credentials=[goal("g", {"credits": 6, "from": {}}, credits=6)],
    )
    rec = record(
        {"credential": "cb.clep-amgov", "earned": "2024-01-01", "score": 60},
        {"credential": "comptia.secplus", "earned": "2025-01-01"},
    )
    statement = transfer(cat, rec, "cc", Options(as_of=AS_OF))
    status = {t.rule: [g.status for g in t.granted] for t in statement.transfers}
    assert status == {"ap-eng": ["granted"], "secplus-eng": ["duplicate"]}
    assert statement.credits == 3
    assert audit(cat, rec, "g", Options(as_of=AS_OF)).credits.applied == 3


def test_same_day_grants_without_a_held_member_still_count(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, transfer_rules=[AP_RULE])
    rec = record({"credential": "cb.clep-amgov", "earned": "2024-01-01", "score": 60})
    statement = transfer(cat, rec, "uni", Options(as_of=date(2026, 6, 1)))
    assert statement.credits == 3
