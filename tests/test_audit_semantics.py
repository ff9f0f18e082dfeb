"""Transfer and audit semantics (docs/semantics.md), one construct at a time, on small catalogs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog
from pathways.catalog.model import LearnerRecord
from pathways.errors import UnknownIdError
from pathways.evaluate import Decision, audit, transfer
from pathways.options import Options

AS_OF = date(2026, 6, 1)

BASE: dict[str, Any] = {
    "institutions": [
        {
            "id": "cc",
            "name": "Community College",
            "kind": "community-college",
            "control": "public",
            "state": "OH",
        },
        {
            "id": "uni",
            "name": "State University",
            "kind": "university",
            "control": "public",
            "state": "OH",
        },
        {
            "id": "priv",
            "name": "Private College",
            "kind": "university",
            "control": "private",
            "state": "OH",
        },
        {"id": "comptia", "name": "CompTIA", "kind": "provider"},
        {"id": "cb", "name": "College Board", "kind": "exam-body"},
    ],
    "policies": [
        {
            "id": "itag",
            "title": "ITAG",
            "guarantee": "guaranteed",
            "scope": {"state": "OH", "control": "public"},
            "source": "https://example.org/itag",
        },
        {
            "id": "ace",
            "title": "ACE",
            "guarantee": "recommended",
            "source": "https://example.org/ace",
        },
        {
            "id": "clep",
            "title": "CLEP",
            "guarantee": "guaranteed",
            "scope": {"state": "OH", "control": "public"},
            "source": "https://example.org/clep",
        },
    ],
    "credentials": [
        *[
            {
                "id": f"cc.it-{n}",
                "title": f"IT {n}",
                "kind": "course",
                "issuer": "cc",
                "credits": 3,
                "subject": "ITNT",
                "level": "lower",
            }
            for n in (101, 102, 103, 104, 105)
        ],
        {
            "id": "cc.eng-101",
            "title": "Composition I",
            "kind": "course",
            "issuer": "cc",
            "credits": 3,
            "subject": "ENG",
            "level": "lower",
        },
        {
            "id": "uni.eng-110",
            "title": "First-Year Writing",
            "kind": "course",
            "issuer": "uni",
            "credits": 3,
            "subject": "ENG",
            "level": "lower",
        },
        {
            "id": "uni.hist-101",
            "title": "History",
            "kind": "course",
            "issuer": "uni",
            "credits": 3,
            "subject": "HIST",
            "level": "lower",
        },
        {
            "id": "uni.soc-101",
            "title": "Sociology",
            "kind": "course",
            "issuer": "uni",
            "credits": 3,
            "subject": "SOC",
            "level": "lower",
        },
        {
            "id": "uni.psy-101",
            "title": "Psychology",
            "kind": "course",
            "issuer": "uni",
            "credits": 4,
            "subject": "PSY",
            "level": "lower",
        },
        {
            "id": "comptia.secplus",
            "title": "Security+",
            "kind": "industry-certification",
            "issuer": "comptia",
            "valid_for": "P3Y",
        },
        {
            "id": "cb.clep-amgov",
            "title": "CLEP American Government",
            "kind": "exam",
            "issuer": "cb",
        },
        {"id": "cc.lpn", "title": "LPN license", "kind": "license", "issuer": "cc"},
    ],
    "equivalences": [
        {
            "id": "oan.tme001",
            "title": "First Writing Course",
            "credits": 3,
            "members": ["cc.eng-101", "uni.eng-110"],
        },
    ],
    "transfer_rules": [],
}


def catalog_with(tmp_path: Path, **extra: list[dict[str, Any]]) -> CompiledCatalog:
    data = {key: list(value) for key, value in BASE.items()}
    for key, values in extra.items():
        data.setdefault(key, [])
        data[key] = data[key] + list(values)
    folder = tmp_path / "catalog"
    folder.mkdir(exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_catalog(folder, cache=False)


def record(*holdings: dict[str, Any], **learner: Any) -> LearnerRecord:
    exceptions = learner.pop("exceptions", [])
    return LearnerRecord.model_validate(
        {"learner": {"id": "l-1", **learner}, "holdings": list(holdings), "exceptions": exceptions}
    )


def course(ident: str, grade: str = "B", earned: str = "2025-05-01", **more: Any) -> dict[str, Any]:
    return {"credential": ident, "earned": earned, "grade": grade, **more}


def goal(ident: str, requires: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "title": ident.upper(),
        "kind": "certificate",
        "issuer": "cc",
        "requires": requires,
        **more,
    }


def unused_codes(decision: Decision) -> dict[str | None, str]:
    return {u.credential: u.reason_code for u in decision.unused}


# --------------------------------------------------------------------------- allocation


def test_audit_greedy_trap_is_met(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"label": "A", "any": [{"has": "cc.it-101"}, {"has": "cc.it-102"}]},
                        {"label": "B", "all": [{"has": "cc.it-101"}, {"has": "cc.it-103"}]},
                    ]
                },
            )
        ],
    )
    rec = record(course("cc.it-101"), course("cc.it-102"), course("cc.it-103"))
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    a = decision.requirements.children[0]
    assert a.label == "A"
    assert [x.credential for c in a.children for x in c.applied] == ["cc.it-102"]


def test_audit_no_double_counting_within_goal(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"has": "cc.it-101"},
                        {"credits": 3, "from": {"subject": "ITNT"}},
                    ]
                },
            )
        ],
    )
    decision = audit(cat, record(course("cc.it-101")), "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    assert decision.credits.applied == 3


def test_audit_split_credit_across_credit_requirements(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"credits": 2, "from": {"subject": "PSY"}, "split": True},
                        {"credits": 2, "from": {"level": "lower"}, "split": True},
                    ]
                },
            )
        ],
    )
    decision = audit(cat, record(course("uni.psy-101")), "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.credits.applied == 4


def test_audit_whole_holdings_without_split(tmp_path: Path) -> None:
    # Without `split` the 4-credit course goes whole to the first requirement (its surplus
    # counts there) and the second stays unmet: a registrar does not cut a course in two.
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"credits": 2, "from": {"subject": "PSY"}, "label": "Psychology"},
                        {"credits": 2, "from": {"level": "lower"}, "label": "Lower division"},
                    ]
                },
            )
        ],
    )
    decision = audit(cat, record(course("uni.psy-101")), "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    psychology, lower = decision.requirements.children
    assert [(a.credits, a.credential) for a in psychology.applied] == [(4, "uni.psy-101")]
    assert (psychology.status, lower.status) == ("met", "unmet")
    assert decision.credits.applied == 4


def test_audit_shares_overlay_reads_without_using(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"has": "cc.it-101"},
                        {"label": "Writing intensive", "shares": True, "has": "cc.it-101"},
                    ]
                },
            )
        ],
    )
    decision = audit(cat, record(course("cc.it-101")), "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.credits.applied == 3
    assert decision.requirements.children[1].overlay


def test_audit_distinct_needs_two_subjects(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "credits": 6,
                    "from": {"ids": ["uni.hist-101", "uni.soc-101", "cc.it-101", "cc.it-102"]},
                    "distinct": {"by": "subject", "at_least": 2},
                },
            )
        ],
    )
    one_subject = record(course("cc.it-101"), course("cc.it-102"))
    assert audit(cat, one_subject, "g", Options(as_of=AS_OF)).status == "in_progress"
    two = record(course("uni.hist-101"), course("cc.it-102"))
    assert audit(cat, two, "g", Options(as_of=AS_OF)).status == "complete"


def test_audit_nested_composite_is_met_by_its_requirements(tmp_path: Path) -> None:
    inner = goal("inner", {"all": [{"has": "cc.it-101"}, {"has": "cc.it-102"}]})
    outer = goal("outer", {"all": [{"has": "inner"}, {"has": "cc.it-103"}]}, kind="associate")
    cat = catalog_with(tmp_path, credentials=[inner, outer])
    rec = record(course("cc.it-101"), course("cc.it-102"), course("cc.it-103"))
    decision = audit(cat, rec, "outer", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.credits.required == 9
    held_awarded = record({"credential": "inner", "earned": "2025-01-01"}, course("cc.it-103"))
    assert audit(cat, held_awarded, "outer", Options(as_of=AS_OF)).status == "complete"


def test_audit_equivalence_both_directions(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[
            goal("by-member", {"has": "cc.eng-101"}),
            goal("by-code", {"has": "oan.tme001"}),
        ],
    )
    rec = record(course("uni.eng-110"))
    assert audit(cat, rec, "by-member", Options(as_of=AS_OF)).status == "complete"
    assert audit(cat, rec, "by-code", Options(as_of=AS_OF)).status == "complete"


def test_audit_sequence_member_counts_only_together(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        equivalences=[
            {
                "id": "oan.seq",
                "title": "Sequence",
                "credits": 6,
                "members": [{"all": ["cc.it-104", "cc.it-105"]}],
            }
        ],
        credentials=[goal("g", {"has": "oan.seq"})],
    )
    assert (
        audit(cat, record(course("cc.it-104")), "g", Options(as_of=AS_OF)).status == "in_progress"
    )
    both = record(course("cc.it-104"), course("cc.it-105"))
    assert audit(cat, both, "g", Options(as_of=AS_OF)).status == "complete"


def test_audit_max_credits_limit_on_policy(tmp_path: Path) -> None:
    rules = [
        {
            "id": f"r{n}",
            "policy": "ace",
            "when": {"has": "comptia.secplus"},
            "grants": [{"credits": 3, "subject": "ITNT", "level": "lower", "label": f"block {n}"}],
        }
        for n in (1, 2)
    ]
    g = goal(
        "g",
        {"credits": 6, "from": {"subject": "ITNT"}},
        credits=6,
        limits=[{"max_credits": 3, "from": {"via": ["ace"]}}],
    )
    cat = catalog_with(tmp_path, transfer_rules=rules, credentials=[g])
    rec = record({"credential": "comptia.secplus", "earned": "2025-01-01"})
    plain = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert plain.credits.applied == 0  # recommended credit does not count by default
    generous = audit(cat, rec, "g", Options(as_of=AS_OF, include_discretionary=True))
    assert generous.credits.applied == 3
    assert generous.status == "in_progress"


def test_audit_max_share_cap(tmp_path: Path) -> None:
    rule = {
        "id": "clep-block",
        "policy": "clep",
        "when": {"has": "cb.clep-amgov"},
        "grants": [{"credits": 6, "subject": "HIST", "level": "lower"}],
    }
    g = goal(
        "g",
        {"credits": 9, "from": {"level": "lower"}, "split": True},
        credits=9,
        limits=[{"max_share": "1/3", "from": {"via": "clep"}}],
    )
    cat = catalog_with(tmp_path, transfer_rules=[rule], credentials=[g])
    rec = record(
        {"credential": "cb.clep-amgov", "earned": "2025-01-01", "score": 60},
        course("cc.it-101"),
        course("cc.it-102"),
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.credits.applied == 9  # 3 of the 6 CLEP credits fit under the cap
    assert decision.status == "complete"
    # Without `split` a cap does not cut the block: it fits whole or not at all.
    whole = goal(
        "g",
        {"credits": 9, "from": {"level": "lower"}},
        credits=9,
        limits=[{"max_share": "1/3", "from": {"via": "clep"}}],
    )
    (tmp_path / "whole").mkdir()
    cat = catalog_with(tmp_path / "whole", transfer_rules=[rule], credentials=[whole])
    assert audit(cat, rec, "g", Options(as_of=AS_OF)).status == "in_progress"


def test_audit_residency_min_credits(tmp_path: Path) -> None:
    g = goal(
        "g",
        {"credits": 6, "from": {"level": "lower"}},
        credits=6,
        limits=[{"min_credits": 3, "from": {"earned_at": "self"}}],
    )
    cat = catalog_with(tmp_path, credentials=[g])
    elsewhere = record(course("uni.hist-101", at="uni"), course("uni.soc-101", at="uni"))
    decision = audit(cat, elsewhere, "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    assert "earned at cc" in (decision.requirements.missing or "")
    mixed = record(course("uni.hist-101"), course("cc.it-101"))
    assert audit(cat, mixed, "g", Options(as_of=AS_OF)).status == "complete"


def test_audit_min_gpa_blocks_completion(tmp_path: Path) -> None:
    g = goal("g", {"has": "cc.it-101"}, min_gpa=2.5)
    cat = catalog_with(tmp_path, credentials=[g])
    low = record(course("cc.it-101", grade="C"), course("cc.it-102", grade="D"))
    decision = audit(cat, low, "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    assert decision.gpa == 1.5
    assert "GPA" in (decision.requirements.missing or "")
    high = record(course("cc.it-101", grade="A"), course("cc.it-102", grade="B"))
    assert audit(cat, high, "g", Options(as_of=AS_OF)).status == "complete"


def test_audit_counts_toward_restricts_goal(tmp_path: Path) -> None:
    rule = {
        "id": "oyo",
        "policy": "itag",
        "when": {"has": "cc.lpn"},
        "grants": [{"credits": 6, "subject": "NURS", "level": "lower"}],
        "counts_toward": ["ats"],
        "at": ["uni"],
    }
    ats = {
        "id": "ats",
        "title": "ATS",
        "kind": "associate",
        "issuer": "uni",
        "requires": {"credits": 6, "from": {"level": "lower"}},
    }
    other = {
        "id": "aas",
        "title": "AAS",
        "kind": "associate",
        "issuer": "uni",
        "requires": {"credits": 6, "from": {"level": "lower"}},
    }
    cat = catalog_with(tmp_path, transfer_rules=[rule], credentials=[ats, other])
    rec = record({"credential": "cc.lpn", "earned": "2024-01-01"})
    assert audit(cat, rec, "ats", Options(as_of=AS_OF)).status == "complete"
    blocked = audit(cat, rec, "aas", Options(as_of=AS_OF))
    assert blocked.status == "in_progress"
    assert unused_codes(blocked)["cc.lpn"] == "not_applicable"


def test_audit_waiver_and_substitution_are_shown(tmp_path: Path) -> None:
    g = goal(
        "g",
        {
            "all": [
                {"label": "Writing", "has": "cc.eng-101"},
                {"label": "Networking", "has": "cc.it-101"},
            ]
        },
    )
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(
        course("cc.it-102"),
        exceptions=[
            {"waive": "Writing", "by": "registrar", "reason": "prior degree"},
            {"substitute": "cc.it-102", "for": "cc.it-101", "by": "advisor", "reason": "same"},
        ],
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.waived == ["Writing"]
    networking = decision.requirements.children[1]
    assert networking.applied[0].substitute_for == "cc.it-101"
    assert decision.substitutions[0]["by"] == "advisor"


def test_audit_in_progress_counts_only_when_projected(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("g", {"has": "cc.it-101"})])
    rec = record({"credential": "cc.it-101", "status": "in_progress"})
    now = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert now.status == "in_progress"
    assert unused_codes(now)["cc.it-101"] == "in_progress"
    projected = audit(cat, rec, "g", Options(as_of=AS_OF, projected=True))
    assert projected.status == "complete"
    assert projected.projected


def test_audit_grades_repeats_and_no_credit(tmp_path: Path) -> None:
    g = goal(
        "g",
        {
            "all": [
                {"has": "cc.it-101", "min_grade": "C"},
                {"has": "cc.it-102", "min_grade": "C"},
                {"has": "cc.it-103"},
            ]
        },
    )
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(
        course("cc.it-101", grade="D", earned="2024-01-01"),
        course("cc.it-101", grade="B", earned="2025-01-01"),
        course("cc.it-102", grade="P"),
        course("cc.it-103", grade="W"),
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    codes = [(u.credential, u.reason_code) for u in decision.unused]
    assert ("cc.it-101", "duplicate") in codes
    assert ("cc.it-103", "below_min_grade") in codes
    assert decision.status == "in_progress"
    assert decision.gpa == 3.0  # the D attempt is a duplicate; P and W never enter a GPA


def test_audit_min_grade_failure_is_explained(tmp_path: Path) -> None:
    cat = catalog_with(
        tmp_path,
        credentials=[goal("g", {"credits": 3, "from": {"subject": "ITNT"}, "min_grade": "C"})],
    )
    decision = audit(cat, record(course("cc.it-101", grade="D")), "g", Options(as_of=AS_OF))
    assert unused_codes(decision)["cc.it-101"] == "below_min_grade"
    assert decision.requirements.children[0].missing == (
        "needs 3 more credits of ITNT at grade C or better"
    )


def test_audit_credits_required_is_least_tree_need(tmp_path: Path) -> None:
    g = goal(
        "g",
        {
            "all": [
                {"any": [{"has": "cc.it-101"}, {"has": "uni.psy-101"}]},
                {
                    "at_least": 2,
                    "of": [{"has": "uni.psy-101"}, {"has": "cc.it-102"}, {"has": "cc.it-103"}],
                },
            ]
        },
    )
    cat = catalog_with(tmp_path, credentials=[g])
    assert audit(cat, record(), "g", Options(as_of=AS_OF)).credits.required == 9


def test_audit_free_electives_fill_only_to_total(tmp_path: Path) -> None:
    g = goal("g", {"has": "cc.it-101"}, credits=6)
    cat = catalog_with(tmp_path, credentials=[g])
    rec = record(course("cc.it-101"), course("cc.it-102"), course("cc.it-103"))
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.credits.applied == 6
    assert unused_codes(decision) == {"cc.it-103": "not_needed"}


def test_audit_free_electives_leave_room_for_a_missing_required_course(tmp_path: Path) -> None:
    # 6 credits named (it-101, it-102) in a 9-credit certificate: with it-102 missing, the
    # electives may not fill the whole 9, or "9 of 9, in progress" would hide the gap.
    g = goal("g", {"all": ["cc.it-101", "cc.it-102"]}, credits=9)
    cat = catalog_with(tmp_path, credentials=[g])
    partial = record(course("cc.it-101"), course("cc.it-103"), course("uni.hist-101"))
    decision = audit(cat, partial, "g", Options(as_of=AS_OF))
    assert decision.status == "in_progress"
    assert decision.credits.applied == 6  # it-101, plus 3 of electives: 9 − 6 reserved
    electives = decision.requirements.children[-1]
    assert electives.label == "Free electives"
    assert electives.missing == (
        "needs 3 more credits toward the 9 required in all; finishing the requirements above"
        " brings at least 3 of them"
    )
    whole = record(course("cc.it-101"), course("cc.it-102"), course("cc.it-103"))
    assert audit(cat, whole, "g", Options(as_of=AS_OF)).credits.applied == 9


def test_audit_unknown_goal_suggests(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("cyber.cert", {"has": "cc.it-101"})])
    with pytest.raises(UnknownIdError, match=re.escape("did you mean cyber.cert")):
        audit(cat, record(), "cyber.cer", Options(as_of=AS_OF))


def test_audit_unknown_credential_in_record(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path, credentials=[goal("g", {"has": "cc.it-101"})])
    with pytest.raises(
        UnknownIdError, match=re.escape("unknown credential 'cc.it-10'; did you mean")
    ):
        audit(cat, record(course("cc.it-10")), "g", Options(as_of=AS_OF))


# --------------------------------------------------------------------------- transfer


def test_transfer_all_or_none_grants(tmp_path: Path) -> None:
    rule = {
        "id": "lpn",
        "policy": "itag",
        "when": {"has": "cc.lpn"},
        "grants": [{"credential": "uni.hist-101"}, {"credential": "uni.soc-101"}],
    }
    cat = catalog_with(tmp_path, transfer_rules=[rule])
    statement = transfer(
        cat, record({"credential": "cc.lpn", "earned": "2024-01-01"}), "uni", Options(as_of=AS_OF)
    )
    assert statement.credits == 6
    assert [g.credential for g in statement.transfers[0].granted] == ["uni.hist-101", "uni.soc-101"]


def test_transfer_credit_granted_once(tmp_path: Path) -> None:
    rules = [
        {
            "id": "a-rule",
            "policy": "itag",
            "when": {"has": "comptia.secplus"},
            "grants": [{"credential": "uni.hist-101"}],
        },
        {
            "id": "b-rule",
            "policy": "itag",
            "when": {"has": "cc.lpn"},
            "grants": [{"credential": "uni.hist-101"}],
        },
    ]
    cat = catalog_with(tmp_path, transfer_rules=rules)
    rec = record(
        {"credential": "comptia.secplus", "earned": "2025-01-01"},
        {"credential": "cc.lpn", "earned": "2024-01-01"},
    )
    statement = transfer(cat, rec, "uni", Options(as_of=AS_OF))
    assert statement.credits == 3
    by_rule = {line.rule: line.granted[0].status for line in statement.transfers}
    assert by_rule == {"b-rule": "granted", "a-rule": "duplicate"}  # earliest source wins


def test_transfer_supersedes_lower_tier(tmp_path: Path) -> None:
    rules = [
        {
            "id": "clep.tier1",
            "policy": "clep",
            "when": {"has": "cb.clep-amgov", "min_score": 50},
            "grants": [{"credits": 3, "subject": "POLS", "level": "lower"}],
        },
        {
            "id": "clep.tier2",
            "policy": "clep",
            "when": {"has": "cb.clep-amgov", "min_score": 60},
            "grants": [{"credits": 6, "subject": "POLS", "level": "lower"}],
            "supersedes": ["clep.tier1"],
        },
    ]
    cat = catalog_with(tmp_path, transfer_rules=rules)
    high = transfer(
        cat,
        record({"credential": "cb.clep-amgov", "earned": "2025-01-01", "score": 65}),
        "uni",
        Options(as_of=AS_OF),
    )
    assert high.credits == 6
    assert {line.rule: line.status for line in high.transfers} == {
        "clep.tier1": "superseded",
        "clep.tier2": "granted",
    }
    low = transfer(
        cat,
        record({"credential": "cb.clep-amgov", "earned": "2025-01-01", "score": 55}),
        "uni",
        Options(as_of=AS_OF),
    )
    assert low.credits == 3
    none = transfer(
        cat,
        record({"credential": "cb.clep-amgov", "earned": "2025-01-01", "score": 40}),
        "uni",
        Options(as_of=AS_OF),
    )
    assert none.credits == 0
    assert none.unused[0].reason_code == "below_min_score"


def test_transfer_effective_judged_on_earned_date(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "policy": "itag",
        "when": {"has": "comptia.secplus"},
        "grants": [{"credential": "cc.it-101"}],
        "effective": {"from": "2024-07-01"},
    }
    cat = catalog_with(tmp_path, transfer_rules=[rule])
    before = transfer(
        cat,
        record({"credential": "comptia.secplus", "earned": "2024-03-01"}),
        "cc",
        Options(as_of=AS_OF),
    )
    assert before.credits == 0
    assert before.unused[0].reason_code == "not_effective"
    after = transfer(
        cat,
        record({"credential": "comptia.secplus", "earned": "2024-09-01"}),
        "cc",
        Options(as_of=AS_OF),
    )
    assert after.credits == 3


def test_transfer_recency_and_expiry(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "policy": "itag",
        "when": {"has": "comptia.secplus", "earned_within": "P2Y"},
        "grants": [{"credential": "cc.it-101"}],
    }
    cat = catalog_with(tmp_path, transfer_rules=[rule])
    old = transfer(
        cat,
        record({"credential": "comptia.secplus", "earned": "2023-09-01"}),
        "cc",
        Options(as_of=AS_OF),
    )
    assert old.unused[0].reason_code == "outside_window"
    expired = transfer(
        cat,
        record({"credential": "comptia.secplus", "earned": "2022-01-01"}),
        "cc",
        Options(as_of=AS_OF),
    )
    assert expired.unused[0].reason_code == "expired"
    claimed = transfer(
        cat,
        record({"credential": "comptia.secplus", "earned": "2022-01-01", "claimed": "2023-06-01"}),
        "cc",
        Options(as_of=AS_OF),
    )
    assert claimed.credits == 3  # credit already posted does not lapse


def test_transfer_min_grade_in_when(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "policy": "itag",
        "when": {"has": "uni.hist-101", "min_grade": "C"},
        "grants": [{"credential": "cc.it-101"}],
    }
    cat = catalog_with(tmp_path, transfer_rules=[rule])
    low = transfer(
        cat, record(course("uni.hist-101", grade="D", at="uni")), "cc", Options(as_of=AS_OF)
    )
    assert low.credits == 0 and low.unused[0].reason_code == "below_min_grade"
    ok = transfer(
        cat, record(course("uni.hist-101", grade="C", at="uni")), "cc", Options(as_of=AS_OF)
    )
    assert ok.credits == 3


def test_transfer_scope_and_at(tmp_path: Path) -> None:
    rules = [
        {
            "id": "scoped",
            "policy": "itag",
            "when": {"has": "comptia.secplus"},
            "grants": [{"credits": 3, "subject": "ITNT", "level": "lower"}],
        },
        {
            "id": "only-cc",
            "policy": "ace",
            "when": {"has": "comptia.secplus"},
            "grants": [{"credits": 2, "subject": "ITNT", "level": "lower"}],
            "at": ["cc"],
        },
    ]
    cat = catalog_with(tmp_path, transfer_rules=rules)
    rec = record({"credential": "comptia.secplus", "earned": "2025-01-01"})
    at_cc = transfer(cat, rec, "cc", Options(as_of=AS_OF))
    assert (at_cc.credits, at_cc.possible) == (3, 2)
    at_private = transfer(cat, rec, "priv", Options(as_of=AS_OF))
    assert at_private.transfers == []
    assert at_private.unused[0].reason_code == "not_applicable"


def test_transfer_native_courses_are_marked(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path)
    statement = transfer(cat, record(course("cc.it-101", at="cc")), "cc", Options(as_of=AS_OF))
    assert statement.unused[0].reason_code == "native"


def test_transfer_unknown_institution_suggests(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path)
    with pytest.raises(UnknownIdError, match="did you mean uni"):
        transfer(cat, record(), "unii", Options(as_of=AS_OF))


def test_audit_source_and_grant_never_both_applied(tmp_path: Path) -> None:
    rule = {
        "id": "r",
        "policy": "itag",
        "when": {"has": "uni.psy-101"},
        "grants": [{"credits": "as_earned"}],
        "at": ["cc"],
    }
    g = goal("g", {"credits": 8, "from": {"level": "lower"}})
    cat = catalog_with(tmp_path, transfer_rules=[rule], credentials=[g])
    decision = audit(cat, record(course("uni.psy-101", at="uni")), "g", Options(as_of=AS_OF))
    assert decision.credits.applied == 4  # not 8: the course and its transfer are one credit


def test_audit_awarded_composite_and_its_component_count_once(tmp_path: Path) -> None:
    inner = goal("inner", {"all": [{"has": "cc.it-101"}, {"has": "cc.it-102"}]}, credits=6)
    outer = goal("outer", {"all": [{"has": "inner"}]}, kind="associate", credits=9)
    cat = catalog_with(tmp_path, credentials=[inner, outer])
    awarded = record({"credential": "inner", "earned": "2025-01-01"}, course("cc.it-103"))
    alone = audit(cat, awarded, "outer", Options(as_of=AS_OF))
    assert alone.status == "complete" and alone.credits.applied == 9
    both = record(
        {"credential": "inner", "earned": "2025-01-01"}, course("cc.it-103"), course("cc.it-101")
    )
    decision = audit(cat, both, "outer", Options(as_of=AS_OF))
    assert decision.status == "complete"
    assert decision.credits.applied == 9  # 3 from the award, 3 from its course, 3 elective


def test_transfer_statement_says_how_an_unconverted_course_still_counts(tmp_path: Path) -> None:
    cat = catalog_with(tmp_path)
    statement = transfer(
        cat, record(course("uni.eng-110"), course("uni.hist-101")), "cc", Options(as_of=AS_OF)
    )
    reasons = {u.credential: (u.reason_code, u.reason) for u in statement.unused}
    assert reasons["uni.eng-110"] == (
        "not_applicable",
        "no transfer rule at cc applies to it; through oan.tme001 it counts as cc.eng-101 in an"
        " audit",
    )
    assert reasons["uni.hist-101"][1].endswith(
        "its own credit may still meet cc's requirements (audit a goal)"
    )


def test_rules_skipped_for_a_pool_never_fire_on_it_nor_record_a_miss() -> None:
    # fire_rules (and the planner) skip a rule whose `when` names no id a holding of the pool
    # bears (`readers`, through the catalog's index of rules by the ids they read); for every
    # bundled learner at every institution, each skipped rule finds no source set and records
    # no reason, so transfer reads exactly as before.
    from pathways.catalog.load import DEFAULT_CATALOG, load_record
    from pathways.evaluate.holdings import native_at, prepare
    from pathways.evaluate.matching import Mods, PoolIndex, evaluation_context
    from pathways.evaluate.transfers import readers, when_choices

    catalog = load_catalog(DEFAULT_CATALOG)
    skipped = kept = 0
    for path in sorted((DEFAULT_CATALOG.parent / "learners").glob("*.yaml")):
        record = load_record(path)
        ctx = evaluation_context(catalog, record, AS_OF)
        prepared = prepare(catalog, record, AS_OF, projected=False, options=Options())
        for institution in catalog.institutions:
            pool = [h for h in prepared.valid if not native_at(h, institution)]
            index = PoolIndex.of(ctx, pool)
            rules = catalog.rules_at(institution)
            read = {rule.id for rule in readers(ctx, institution, index)}
            kept += len(read)
            # The index gives exactly the rules whose sources are unknown or meet the pool's.
            borne = set(index.by_id) | set(index.by_equivalence)
            for target, substitutes in ctx.substitutes.items():
                if any(s in index.by_id for s in substitutes):
                    borne.add(target)
            named = [catalog.rule_sources(rule.id) for rule in rules]
            assert read == {
                rule.id
                for rule, ids in zip(rules, named, strict=True)
                if ids is None or not ids.isdisjoint(borne)
            }
            for rule in rules:
                if rule.id in read:
                    continue
                skipped += 1
                misses: dict[str, tuple[str, str]] = {}
                found = when_choices(ctx, rule.when, pool, Mods(), misses=misses, index=index)
                assert found == [] and misses == {}, (path.name, institution, rule.id)
    assert skipped > 10 * kept  # the check ran on many rules, most of them skipped


def test_an_auditor_prepares_a_record_once_and_fires_rules_once_per_institution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three goals at two institutions, as a batch or a comparison asks them: the decisions
    # are the ones audit gives goal by goal, from one preparation of the record and one
    # firing of the transfer rules at each institution.
    import pathways.evaluate.core as core
    from pathways.catalog.load import DEFAULT_CATALOG, load_record
    from pathways.evaluate import Auditor

    catalog = load_catalog(DEFAULT_CATALOG)
    learner = load_record(DEFAULT_CATALOG.parent / "learners" / "ladder-accounting.yaml")
    goals = ["tri-c.cert.accounting", "wright-state.bsb.accountancy", "tri-c.aa.business-ogtp"]
    options = Options(as_of=date(2026, 12, 1))
    alone = [audit(catalog, learner, goal, options).model_dump(mode="json") for goal in goals]
    calls: list[str] = []
    for name in ("prepare", "fire_rules"):
        real = getattr(core, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(core, name, counted)
    auditor = Auditor(catalog, learner, options)
    together = [auditor.audit(goal).model_dump(mode="json") for goal in goals]
    assert together == alone
    assert calls.count("prepare") == 1
    assert calls.count("fire_rules") == 2
