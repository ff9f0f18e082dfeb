"""Issue 14: answers a registrar would sign (duplicates, guarantees, native credit, who may
earn what, exceptions), each on a small catalog and on the bundled sample it was seen on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from test_audit_semantics import AS_OF, catalog_with, course, goal, record, unused_codes

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.model import LearnerRecord
from pathways.evaluate import Decision, NodeResult, audit, transfer
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


# --------------------------------------------------------------------------- guarantees

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from pathways.cli import app

    result = CliRunner().invoke(app, [*args, "--as-of", "2026-12-04"])
    assert result.exit_code == 0, result.output
    return result.output


def test_microbachelors_tesu_totals_never_call_possible_credit_guaranteed() -> None:
    # Bundled sample: all 21 credits are recommended (ACE) or discretionary (TESU's edX
    # credit election); the flag does not make them guaranteed.
    learner = str(REPO / "data/learners/microbachelors-tesu.yaml")
    for flag in ((), ("--include-discretionary",)):
        output = _cli("transfer", learner, "--to", "tesu", *flag)
        assert "0 credits guaranteed, 21 more possible" in output


def test_microbachelors_own_credit_reaches_tesu_only_through_its_rule() -> None:
    from pathways.catalog.load import load_catalog, load_record

    catalog = load_catalog(REPO / "data/ohio")
    record = load_record(REPO / "data/learners/microbachelors-tesu.yaml", catalog)
    day = date(2026, 12, 4)
    plain = audit(catalog, record, "tesu.ba.liberal-studies", Options(as_of=day))
    assert plain.credits.applied == 12  # the four Tri-C courses only
    assert unused_codes(plain)["edx.microbachelors.cs-fundamentals"] == "not_applicable"
    asked = audit(
        catalog, record, "tesu.ba.liberal-studies", Options(as_of=day, include_discretionary=True)
    )
    assert asked.credits.applied == 33  # + 9 through the credit election, + 12 ACE
    vias = {a.via for node in _walk(asked.requirements) for a in node.applied}
    assert "tesu.edx-credit.microbachelors" in vias


def _walk(node: NodeResult) -> Iterator[NodeResult]:
    yield node
    for child in node.children:
        yield from _walk(child)


# --------------------------------------------------------------------------- native


def test_own_badge_fires_its_own_institutions_rule_and_a_local_course_is_native(
    tmp_path: Path,
) -> None:
    # The college's own badge is not native: its prior-learning rule fires on it.
    badge = {"id": "cc.badge.it", "title": "IT badge", "kind": "badge", "issuer": "cc"}
    rule = {
        "id": "cc.pla.badge",
        "policy": "clep",
        "when": {"has": "cc.badge.it"},
        "grants": [{"credential": "cc.it-101"}],
        "at": ["cc"],
    }
    cat = catalog_with(
        tmp_path,
        transfer_rules=[rule],
        credentials=[badge, goal("g", {"all": [{"has": "cc.it-101"}, {"has": "cc.it-102"}]})],
    )
    rec = record(
        {"credential": "cc.badge.it", "earned": "2025-01-01"}, course("cc.it-102", at="cc")
    )
    statement = transfer(cat, rec, "cc", Options(as_of=AS_OF))
    assert [t.rule for t in statement.transfers] == ["cc.pla.badge"]
    assert statement.credits == 3
    assert unused_codes_of(statement) == {"cc.it-102": "native"}
    assert audit(cat, rec, "g", Options(as_of=AS_OF)).status == "complete"


def unused_codes_of(statement) -> dict[str | None, str]:  # type: ignore[no-untyped-def]
    return {u.credential: u.reason_code for u in statement.unused}


# --------------------------------------------------------------------------- who may earn it


def test_plan_for_the_veteran_never_proposes_an_ap_exam() -> None:
    # Bundled sample: an adult Navy veteran; AP exams are for high-school students, and the
    # plan relies on guaranteed credit only (no ACE-recommended certificates).
    from pathways.catalog.load import load_catalog, load_record
    from pathways.plan import plan

    catalog = load_catalog(REPO / "data/ohio")
    record = load_record(REPO / "data/learners/veteran-navy.yaml", catalog)
    assert "veteran" in record.learner.status
    document = plan(catalog, record, "osu.aa", Options(as_of=date(2026, 12, 4)))
    chosen = [step.credential for step in document.steps]
    assert chosen and not [c for c in chosen if c.startswith("ap.")]
    assert not [s for step in document.steps for s in step.satisfies if "via ace." in s]
    ruled_out = {e.credential: e.reason for e in document.excluded}
    assert "only for high-school students" in ruled_out["ap.us-history"]


def test_eligible_rules_plans_not_audits(tmp_path: Path) -> None:
    ap = {
        "id": "cb.ap-hist",
        "title": "AP History",
        "kind": "exam",
        "issuer": "cb",
        "cost": 99,
        "eligible": {"learners": {"status": ["high_school_student"]}},
    }
    rule = {
        "id": "ap-hist",
        "policy": "clep",
        "when": {"has": "cb.ap-hist", "min_score": 3},
        "grants": [{"credential": "uni.hist-101"}],
    }
    g = {**goal("g", {"has": "uni.hist-101"}), "issuer": "uni"}
    cat = catalog_with(tmp_path, transfer_rules=[rule], credentials=[ap, g])
    from pathways.plan import plan

    # A plan offers the exam to a high-school student only.
    student = record(status=["high_school_student"])
    adult = record(status=["veteran", "employed"])
    cheap: dict[str, Any] = {"optimize": "credits"}
    assert [s.credential for s in plan(cat, student, "g", Options(as_of=AS_OF), **cheap).steps] == [
        "cb.ap-hist"
    ]
    assert [s.credential for s in plan(cat, adult, "g", Options(as_of=AS_OF), **cheap).steps] == [
        "uni.hist-101"
    ]
    # An audit still counts a score the adult holds.
    held = record(
        {"credential": "cb.ap-hist", "earned": "2019-05-01", "score": 4}, status=["veteran"]
    )
    assert audit(cat, held, "g", Options(as_of=AS_OF)).status == "complete"


# --------------------------------------------------------------------------- never a silent guess


def _thousand(tmp_path: Path) -> tuple[CompiledCatalog, LearnerRecord]:
    """A goal of 1,000 one-credit requirements and a record meeting it (a declared total
    may not pass 1,000 credits)."""
    courses: list[dict[str, Any]] = [
        {
            "id": f"uni.c{i:04d}",
            "title": f"Course {i}",
            "kind": "course",
            "issuer": "uni",
            "credits": 1,
            "subject": f"S{i % 500:03d}",
            "level": "lower",
        }
        for i in range(1000)
    ]
    requires = {
        "all": [
            {"label": f"Block {i}", "credits": 1, "from": {"subject": f"S{i % 500:03d}"}}
            for i in range(1000)
        ]
    }
    big = {**goal("big", requires, credits=1000), "issuer": "uni"}
    cat = catalog_with(tmp_path, credentials=[*courses, big])
    rec = record(*(course(c["id"]) for c in courses))
    return cat, rec


def test_a_thousand_requirement_answer_not_proven_says_so_everywhere(
    tmp_path: Path, monkeypatch: object
) -> None:
    # The solver's time running out is simulated (tests never depend on the clock): the real
    # answer, marked unproven as solve_cpsat marks one whose stage hit its time limit.
    from dataclasses import replace

    import pytest
    from rich.console import Console

    from api.catalogs import dry_run_status
    from pathways import solver
    from pathways.batch.run import Job, audit_chunk
    from pathways.evaluate import Auditor
    from pathways.present.report import render_decision

    cat, rec = _thousand(tmp_path)
    proven = audit(cat, rec, "big", Options(as_of=AS_OF))
    assert proven.status == "complete" and proven.optimal
    assert proven.credits.applied == 1000

    real = solver.solve
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(
        solver, "solve", lambda problem, **kw: replace(real(problem, **kw), optimal=False)
    )
    decision = audit(cat, rec, "big", Options(as_of=AS_OF))
    assert not decision.optimal
    assert decision.status_label() == "complete (not proven)"
    console = Console(width=200, record=True)
    console.print(render_decision(decision))
    text = console.export_text()
    assert "complete (not proven)" in text.splitlines()[1]
    assert "time ran out" in text
    # A batch row (the worker's own function: the pool's processes do not see the patch).
    (row,), _ = audit_chunk(cat, [(0, rec)], Job(("big",), 6.0, Options(as_of=AS_OF)))
    assert (row.status, row.finding) == ("complete (not proven)", "completed_not_awarded")
    # A stored record's audit, as the registrar's catalog dry run reports it.
    status, reason = dry_run_status(Auditor(cat, rec, Options(as_of=AS_OF, time_limit=10.0)), "big")
    assert status == "complete (not proven)" and reason and "time ran out" in reason


def test_the_page_shows_not_proven_beside_the_status() -> None:
    script = (REPO / "api/static/js/results.js").read_text(encoding="utf-8")
    pill = script.index('id: "status-pill"')
    unproven = script.index('id: "status-unproven"')
    assert 0 < unproven - pill < 400  # the next element of the status line
    assert 'decision.optimal === false\n        ? h("span", { class: "pill unproven"' in script


# --------------------------------------------------------------------------- the bundled samples


def _bundled(learner: str, goal_id: str) -> Decision:
    from pathways.catalog.load import load_catalog, load_record

    catalog = load_catalog(REPO / "data/ohio")
    record = load_record(REPO / "data/learners" / learner, catalog)
    return audit(catalog, record, goal_id, Options(as_of=date(2026, 12, 4)))


def _by_label(decision: Decision) -> dict[str, NodeResult]:
    return {node.label: node for node in _walk(decision.requirements)}


def test_veteran_navy_osu_aa_reads_as_a_registrar_would() -> None:
    # Seen: "Mathematics needs 3 more" with MATH 1150 in OT36 electives, Political Science in
    # electives, Physics 1200 split 1 + 4 across two requirements.
    nodes = _by_label(_bundled("veteran-navy.yaml", "osu.aa"))
    math = nodes["Mathematics, Statistics & Logic"]
    assert math.status == "met"
    assert [(a.credential, a.credits) for a in math.applied] == [("osu.math-1150", 5)]
    sbs = nodes["Social & Behavioral Sciences"]
    assert [a.credential for a in sbs.applied] == ["osu.polisci-1100"]
    assert sbs.missing is not None and "3 more credits" in sbs.missing
    physics = [
        (node.label, a.credits)
        for node in nodes.values()
        for a in node.applied
        if a.credential == "osu.physics-1200" and not node.overlay
    ]
    assert physics == [("Natural Sciences credit", 5)]  # whole, in one requirement


def test_one_year_option_tri_c_ats_fills_general_education_first() -> None:
    # Seen: "General education needs 15 more" while 12 general-education credits sat under
    # non-technical studies, which the catalog lists after it.
    nodes = _by_label(_bundled("one-year-option.yaml", "tri-c.ats"))
    general, other = nodes["General education"], nodes["Non-technical studies"]
    assert sum(a.credits for a in general.applied) == 12
    assert general.missing is not None and "3 more credits" in general.missing
    assert other.applied == []


def test_ladder_accounting_econ_counts_for_ot36_and_the_ogtp() -> None:
    # Seen: ECON-2010 (B-) could not count for both OT36 and the pathway, which the OGTP
    # intends; the pathway's OT36 courses now share (shares: true in the catalog).
    nodes = _by_label(_bundled("ladder-accounting.yaml", "tri-c.aa.business-ogtp"))
    sbs = nodes["Social & Behavioral Sciences"]
    assert "tri-c.econ-2010" in [a.credential for a in sbs.applied]
    macro = nodes["Principles of Macroeconomics (tri-c.econ-2010)"]
    assert macro.status == "met" and macro.overlay


# --------------------------------------------------------------------------- exceptions


def _two_blocks(tmp_path: Path) -> CompiledCatalog:
    return catalog_with(
        tmp_path,
        credentials=[
            goal(
                "g",
                {
                    "all": [
                        {"label": "Writing", "credits": 3, "from": {"subject": "ENG"}},
                        {"label": "Social science", "credits": 6, "from": {"subject": "SOC"}},
                    ]
                },
            )
        ],
    )


def _exc(**fields: object) -> dict[str, object]:
    return {**fields, "by": "registrar", "reason": "petition 42"}


def test_also_allow_apply_here_and_change_limit_are_applied_and_shown(tmp_path: Path) -> None:
    from rich.console import Console

    from pathways.present.report import render_decision

    cat = _two_blocks(tmp_path)
    holdings = (course("uni.hist-101"), course("uni.soc-101"), course("cc.eng-101"))
    plain = audit(cat, record(*holdings), "g", Options(as_of=AS_OF))
    assert plain.status == "in_progress"  # History matches neither block
    rec = record(
        *holdings,
        exceptions=[
            _exc(also_allow="uni.hist-101", **{"in": "Social science"}),
            _exc(change_limit="Writing", credits=2),
        ],
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    assert decision.status == "complete"
    social = _by_label(decision)["Social science"]
    assert {(a.credential, a.exception) for a in social.applied} == {
        ("uni.hist-101", "also_allow"),
        ("uni.soc-101", None),
    }
    assert [e["kind"] for e in decision.exceptions] == ["also_allow", "change_limit"]
    console = Console(width=200, record=True)
    console.print(render_decision(decision))
    text = console.export_text()
    assert "Also allowed: uni.hist-101 may count in Social science by registrar" in text
    assert "Changed limit: Writing needs 2 credits by registrar (petition 42)" in text
    assert "uni.hist-101 3 cr (also allow by exception)" in text


def test_apply_here_places_the_holding_and_the_allocation_works_around_it(
    tmp_path: Path,
) -> None:
    # Composition could fill Writing; the registrar places it in Social science instead.
    cat = _two_blocks(tmp_path)
    rec = record(
        course("cc.eng-101"),
        course("uni.soc-101"),
        exceptions=[_exc(apply_here="cc.eng-101", **{"in": "Social science"})],
    )
    decision = audit(cat, rec, "g", Options(as_of=AS_OF))
    nodes = _by_label(decision)
    assert {(a.credential, a.exception) for a in nodes["Social science"].applied} == {
        ("cc.eng-101", "apply_here"),
        ("uni.soc-101", None),
    }
    assert nodes["Writing"].status == "unmet"


def test_exceptions_naming_what_does_not_exist_are_located_errors(tmp_path: Path) -> None:
    import pytest

    from pathways.catalog.load import parse_record
    from pathways.errors import RecordError

    with pytest.raises(RecordError) as caught:
        parse_record(
            "learner: {id: l-1}\n"
            "holdings:\n"
            "  - {credential: uni.soc-101, earned: 2025-05-01, grade: B}\n"
            "exceptions:\n"
            "  - {also_allow: uni.soc-102, in: Writing, by: registrar, reason: why}\n"
        )
    (error,) = caught.value.errors
    assert (error.line, error.path) == (5, "exceptions.0.also_allow")
    assert "did you mean 'uni.soc-101'" in error.message
    cat = _two_blocks(tmp_path)
    rec = record(
        course("uni.soc-101"),
        exceptions=[_exc(change_limit="Social sciences", count=1)],
    )
    with pytest.raises(RecordError) as caught:
        audit(cat, rec, "g", Options(as_of=AS_OF))
    (error,) = caught.value.errors
    assert error.path == "exceptions.0.change_limit"
    assert "did you mean 'Social science'" in error.message


def test_one_flag_name_in_every_command_and_the_old_plan_flag_still_accepted() -> None:
    from typer.testing import CliRunner

    from pathways.cli import app

    runner = CliRunner()
    for command in ("audit", "transfer", "plan", "compare", "batch"):
        shown = runner.invoke(app, [command, "--help"], terminal_width=200).output
        assert "--include-discretionary" in shown, command
        assert "--allow-discretionary" not in shown, command
    learner = str(REPO / "data/learners/veteran-navy.yaml")
    old = runner.invoke(
        app, ["plan", learner, "--goal", "osu.aa", "--allow-discretionary", "--json"]
    )
    assert old.exit_code == 0, old.output
