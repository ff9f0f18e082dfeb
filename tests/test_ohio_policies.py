"""One scenario per statewide policy on the bundled catalog, with the right scope: OT36 course
credit, OAN/TAG equivalence (sequences included), CLEP cut scores at every public
institution, AP aligned courses, CTAG with the WebXam test and the 3-year window, ITAG,
MTAG, apprenticeship and the One-Year Option."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.catalog.model import LearnerRecord
from pathways.evaluate import Statement, TransferLine, audit, transfer
from pathways.evaluate.lookup import lookup
from pathways.options import Options

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def ohio() -> CompiledCatalog:
    return load_catalog(DEFAULT_CATALOG)


def _record(*holdings: dict[str, Any]) -> LearnerRecord:
    return LearnerRecord.model_validate({"learner": {"id": "s"}, "holdings": list(holdings)})


def _line(statement: Statement, rule: str) -> TransferLine:
    return next(t for t in statement.transfers if t.rule == rule)


def _public(ohio: CompiledCatalog) -> set[str]:
    return {
        i.id
        for i in ohio.institutions.values()
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("community-college", "university")
        and not (i.closed and i.closed <= AS_OF)
    }


def test_clep_cut_score_counts_at_every_public_institution(ohio: CompiledCatalog) -> None:
    result = lookup(ohio, "clep.american-literature", score=53, as_of=AS_OF)
    granted = {r.institution for r in result.routes if r.status == "granted"}
    assert granted == _public(ohio)
    route = next(r for r in result.routes if r.institution == "sinclair")
    assert route.policy == "ohio.clep" and route.rule == "clep.american-literature.53"
    assert route.credits == 3 and route.citation and "ohio.edu" in route.citation
    below = lookup(ohio, "clep.american-literature", score=52, as_of=AS_OF)
    assert below.routes == []


def test_clep_statewide_rule_leaves_an_institution_its_own_tiers(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "clep.biology", "earned": "2026-06-01", "score": 57})
    at_ohio_u = transfer(ohio, record, "ohio-u", Options(as_of=AS_OF))
    assert _line(at_ohio_u, "clep.biology.tier2.ohio-u").status == "granted"
    assert all(t.rule != "clep.biology.50" for t in at_ohio_u.transfers)
    at_lorain = transfer(ohio, record, "lorain", Options(as_of=AS_OF))
    assert _line(at_lorain, "clep.biology.50").granted[0].credits == 3


def test_clep_higher_band_supersedes_the_lower(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "clep.german", "earned": "2026-06-01", "score": 70})
    statement = transfer(ohio, record, "sinclair", Options(as_of=AS_OF))
    assert _line(statement, "clep.german.59").status == "superseded"
    assert _line(statement, "clep.german.67").status == "granted"
    assert statement.credits == 12


def test_ap_three_earns_the_aligned_course(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "ap.english-language", "earned": "2025-07-08", "score": 3})
    statement = transfer(ohio, record, "ysu", Options(as_of=AS_OF))
    line = _line(statement, "ap.english-language.ohio")
    assert line.policy == "ohio.ap" and line.granted[0].credential == "ohio.oan.tme001"
    assert statement.credits == 3
    # Deemed to hold TME001, the learner meets a requirement for the receiving member course.
    assert ohio.rules["ap.english-language.ohio"].grants[0].tags == ("ot36-eng",)
    two = _record({"credential": "ap.english-language", "earned": "2025-07-08", "score": 2})
    assert transfer(ohio, two, "ysu", Options(as_of=AS_OF)).credits == 0


def test_ctag_needs_the_webxam_and_the_three_year_window(ohio: CompiledCatalog) -> None:
    evidence = {"credential": "ohio.cte.ctbu010", "earned": "2025-05-21", "at": "sample-ctc"}
    webxam = {"credential": "webxam.ctbu010", "earned": "2025-05-09"}
    statement = transfer(ohio, _record(evidence, webxam), "sinclair", Options(as_of=AS_OF))
    line = _line(statement, "ctag.ctbu010.statewide")
    assert line.policy == "ohio.ctag" and line.granted[0].credential == "ohio.ctan.ctbu010"
    assert statement.credits == 3
    without = transfer(ohio, _record(evidence), "sinclair", Options(as_of=AS_OF))
    assert without.credits == 0
    late = transfer(ohio, _record(evidence, webxam), "sinclair", Options(as_of=date(2028, 6, 1)))
    assert late.credits == 0
    assert {u.reason_code for u in late.unused} >= {"outside_window"}
    at_wright_state = transfer(
        ohio, _record(evidence, webxam), "wright-state", Options(as_of=AS_OF)
    )
    assert _line(at_wright_state, "ctag.ctbu010.wright-state").granted[0].credential == (
        "wright-state.acc-2010"
    )


def test_tag_sequence_counts_only_together(ohio: CompiledCatalog) -> None:
    members = [m.all for m in ohio.equivalences["ohio.tag.oah005"].members]
    assert members == [("tri-c.art-2020", "tri-c.art-2030")]
    assert ohio.equivalences["ohio.tag.oah005"].policy == "ohio.tag"


def test_ot36_course_counts_as_area_credit_with_its_source(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "lorain.engl-161", "earned": "2025-05-09", "grade": "B"})
    statement = transfer(ohio, record, "wright-state", Options(as_of=AS_OF))
    line = _line(statement, "ot36.lorain.engl-161")
    assert line.guarantee == "guaranteed" and line.policy == "ohio.ot36-guarantee"
    assert (
        line.citation
        == "http://catalog.lorainccc.edu/academic-information/transfer-module-requirements"
    )
    assert statement.credits == 3
    result = audit(ohio, record, "ohio.ot36", Options(as_of=AS_OF))
    english = next(c for c in result.requirements.children if c.label.startswith("English"))
    assert english.status == "met"


def test_itag_lpn_statewide_minimum_and_local_mapping(ohio: CompiledCatalog) -> None:
    record = _record(
        {"credential": "ncsbn.nclex-pn", "earned": "2024-06-01"},
        {"credential": "ohio-bon.lpn-license", "earned": "2024-07-01"},
    )
    assert (
        _line(transfer(ohio, record, "kent-state", Options(as_of=AS_OF)), "itag.lpn.ohio").status
        == "granted"
    )
    tri_c = transfer(ohio, record, "tri-c", Options(as_of=AS_OF))
    assert _line(tri_c, "itag.lpn.tri-c").status == "granted"
    assert _line(tri_c, "itag.lpn.ohio").status == "superseded"


def test_mtag_nuclear_power_school_at_ohio_state(ohio: CompiledCatalog) -> None:
    credential = ohio.rules["mtag.navy-nps.osu"].when.has
    assert credential is not None
    record = _record({"credential": credential, "earned": "2020-03-01"})
    line = _line(transfer(ohio, record, "osu", Options(as_of=AS_OF)), "mtag.navy-nps.osu")
    assert line.policy == "ohio.mtag" and line.guarantee == "guaranteed"


def test_apprenticeship_pathway_only_at_participating_colleges(ohio: CompiledCatalog) -> None:
    record = _record(
        {"credential": "smwia-smacna.sheet-metal-apprenticeship", "earned": "2025-06-01"}
    )
    for college in ("tri-c", "columbus-state", "owens"):
        statement = transfer(ohio, record, college, Options(as_of=AS_OF))
        assert _line(statement, "apprenticeship.sheet-metal").granted[0].credits == 36
    assert transfer(ohio, record, "sinclair", Options(as_of=AS_OF)).credits == 0
    before = _record(
        {"credential": "smwia-smacna.sheet-metal-apprenticeship", "earned": "2014-06-01"}
    )
    early = transfer(ohio, before, "tri-c", Options(as_of=AS_OF))
    assert early.credits == 0 and early.unused[0].reason_code == "not_effective"


def test_one_year_option_counts_toward_the_ats_only(ohio: CompiledCatalog) -> None:
    rule = ohio.rules["oyo.900-hours"]
    assert rule.policy == "ohio.one-year-option" and set(rule.counts_toward or ()) == {
        "tri-c.ats",
        "cotc.ats",
    }
    assert rule.grants[0].credits == 30


def test_sample_tri_c_to_ysu_counts_every_guarantee_once(ohio: CompiledCatalog) -> None:
    from pathways.catalog.load import load_record

    record = load_record(DEFAULT_CATALOG.parent / "learners" / "tri-c-to-ysu.yaml")
    statement = transfer(ohio, record, "ysu", Options(as_of=AS_OF))
    assert _line(statement, "ohio.oan.tme001").granted[0].credential == "ysu.engl-1550"
    assert _line(statement, "ot36.tri-c.eng-1010").status == "superseded"
    assert _line(statement, "clep.american-literature.53").status == "granted"
    assert statement.credits == 12  # 3 (TME001) + 3 + 3 (OT36 art history) + 3 (CLEP)
    reasons = {u.credential: u.reason_code for u in statement.unused}
    assert reasons == {"tri-c.math-1521": "below_min_grade", "tri-c.psy-1010": "in_progress"}


def test_ap_institution_guide_replaces_the_statewide_rule_there(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "ap.calculus-ab", "earned": "2025-07-08", "score": 4})
    at_osu = transfer(ohio, record, "osu", Options(as_of=AS_OF))
    assert [t.rule for t in at_osu.transfers] == ["ap.calculus-ab.3.osu"]
    assert at_osu.transfers[0].granted[0].credential == "osu.math-1151"
    assert at_osu.credits == 5
    at_sinclair = transfer(ohio, record, "sinclair", Options(as_of=AS_OF))
    assert [t.rule for t in at_sinclair.transfers] == ["ap.calculus-ab.ohio"]
    assert at_sinclair.credits == 4


def _table_exams(name: str, *, statewide: bool) -> set[str]:
    """The exams of a statewide source table (with a statewide row, or with only own rows)."""
    import csv

    path = DEFAULT_CATALOG / "sources" / name
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with_statewide = {r["exam"] for r in rows if not r.get("at")}
    return with_statewide if statewide else {r["exam"] for r in rows} - with_statewide


def test_every_tabled_ap_exam_earns_credit_for_a_three_at_every_public_institution(
    ohio: CompiledCatalog,
) -> None:
    exams = _table_exams("statewide-ap.csv", statewide=True)
    assert len(exams) >= 17
    for exam in sorted(exams):
        result = lookup(ohio, exam, score=3, as_of=AS_OF)
        granted = {r.institution for r in result.routes if r.status == "granted"}
        assert granted == _public(ohio), exam
        assert all(r.policy == "ohio.ap" and r.credits > 0 for r in result.routes), exam
        assert lookup(ohio, exam, score=2, as_of=AS_OF).routes == [], exam


def test_ap_institution_course_replaces_the_statewide_floor(ohio: CompiledCatalog) -> None:
    assert _table_exams("statewide-ap.csv", statewide=False) == set()
    routes = lookup(ohio, "ap.microeconomics", score=4, as_of=AS_OF).routes
    at_osu = [r for r in routes if r.institution == "osu"]
    assert [r.rule for r in at_osu] == ["ap.microeconomics.3.osu"]
    assert at_osu[0].becomes[0].credential == "osu.econ-2001"
    at_akron = [r for r in routes if r.institution == "akron"]
    assert [(r.rule, r.credits) for r in at_akron] == [("ap.microeconomics.ohio", 3)]


def test_ap_statewide_floor_and_an_institution_higher_band(ohio: CompiledCatalog) -> None:
    five = _record({"credential": "ap.chemistry", "earned": "2025-07-08", "score": 5})
    at_wright_state = transfer(ohio, five, "wright-state", Options(as_of=AS_OF))
    assert _line(at_wright_state, "ap.chemistry.3.wright-state").status == "superseded"
    assert _line(at_wright_state, "ap.chemistry.5.wright-state").status == "granted"
    assert at_wright_state.credits == 10
    at_lorain = transfer(ohio, five, "lorain", Options(as_of=AS_OF))
    line = _line(at_lorain, "ap.chemistry.ohio")
    assert line.granted[0].credits == 4 and at_lorain.credits == 4
    assert ohio.rules["ap.chemistry.ohio"].grants[0].tags == ("ot36-ns",)
    three = _record({"credential": "ap.chemistry", "earned": "2025-07-08", "score": 3})
    at_ohio_u = transfer(ohio, three, "ohio-u", Options(as_of=AS_OF))
    assert _line(at_ohio_u, "ap.chemistry.3.ohio-u").granted[0].credential == "ohio-u.chem-1210"
    assert all(t.rule != "ap.chemistry.ohio" for t in at_ohio_u.transfers)


def test_ap_biology_is_natural_science_area_credit_from_the_table(ohio: CompiledCatalog) -> None:
    rule = ohio.rules["ap.biology.ohio"]
    assert rule.policy == "ohio.ap" and rule.grants[0].tags == ("ot36-ns",)
    assert rule.source and "wright.edu" in rule.source
    record = _record({"credential": "ap.biology", "earned": "2025-07-08", "score": 4})
    assert transfer(ohio, record, "kent-state", Options(as_of=AS_OF)).credits == 8
    assert transfer(ohio, record, "ysu", Options(as_of=AS_OF)).credits == 4
