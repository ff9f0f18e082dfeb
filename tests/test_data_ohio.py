"""The bundled Ohio catalog (data/ohio) and the sample learners (data/learners).

Three groups: the catalog loads and compiles; spot checks that the facts of
``reference/ohio-transfer-facts.md`` are in it as the issue asks; and scenarios that audit each
sample learner against the goal its file names and check the answer means what the file says.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_record
from pathways.catalog.model import LearnerRecord, Requirement, TransferRule
from pathways.evaluate import Decision, NodeResult, Statement, TransferLine, audit, transfer
from pathways.options import Options

LEARNERS = Path(__file__).resolve().parent.parent / "data" / "learners"
LEARNER_FILES = sorted(LEARNERS.glob("*.yaml"))
AS_OF = date(2026, 11, 1)
OT36_TAGS = {"ot36-eng", "ot36-math", "ot36-ns", "ot36-sbs", "ot36-ah"}


@pytest.fixture(scope="module")
def ohio() -> CompiledCatalog:
    return load_catalog(DEFAULT_CATALOG, cache=False)


def walk(req: Requirement | None) -> Iterator[Requirement]:
    """Every node of a requirement tree, root first."""
    if req is None:
        return
    yield req
    for child in req.children:
        yield from walk(child)


def has_targets(req: Requirement | None) -> set[str]:
    return {node.has for node in walk(req) if node.has is not None}


def rule(ohio: CompiledCatalog, ident: str) -> TransferRule:
    return ohio.rules[ident]


def block_credits(r: TransferRule) -> list[Fraction]:
    """The credits each grant of ``r`` gives (every grant here gives a number of credits)."""
    credits = [g.credits for g in r.grants if isinstance(g.credits, Fraction)]
    assert len(credits) == len(r.grants), r.id
    return credits


def learner(name: str) -> LearnerRecord:
    return load_record(LEARNERS / name)


def node(tree: NodeResult, label: str) -> NodeResult:
    """The first node of a decision tree whose label is ``label``."""
    if tree.label == label:
        return tree
    for child in tree.children:
        try:
            return node(child, label)
        except LookupError:
            continue
    raise LookupError(label)


def line(result: Decision | Statement, rule_id: str) -> TransferLine:
    return next(t for t in result.transfers if t.rule == rule_id)


def reasons(result: Decision | Statement) -> dict[str | None, str]:
    return {u.credential: u.reason_code for u in result.unused}


# --------------------------------------------------------------------------- the catalog


def test_bundled_catalog_loads_and_compiles(ohio: CompiledCatalog) -> None:
    cat = ohio.catalog
    assert len(cat.institutions) >= 40
    assert len(cat.credentials) >= 200
    assert len(cat.transfer_rules) >= 60
    assert ohio.version
    assert set(ohio.topo_order) >= set(ohio.versions)


def test_ids_are_unique_across_sections(ohio: CompiledCatalog) -> None:
    cat = ohio.catalog
    ids = (
        [
            x.id
            for section in (cat.institutions, cat.policies, cat.equivalences, cat.transfer_rules)
            for x in section
        ]
        + sorted({c.id for c in cat.credentials})
        + [f.id for f in cat.funding]
    )
    assert len(ids) == len(set(ids))


def test_ot36_area_minimums_with_lab_and_two_disciplines(ohio: CompiledCatalog) -> None:
    ot36 = ohio.credential("ohio.ot36")
    assert ot36.requires is not None
    areas = {child.label: child for child in ot36.requires.children}
    credit = {
        label: req.credits
        for label, req in areas.items()
        if req.kind == "credits" and req.credits is not None
    }
    assert credit == {
        "English Composition / Oral Communication": 3,
        "Mathematics, Statistics & Logic": 3,
        "Social & Behavioral Sciences": 6,
        "Arts & Humanities": 6,
        "OT36 electives": 12,
    }
    for label in ("Social & Behavioral Sciences", "Arts & Humanities"):
        distinct = areas[label].distinct
        assert distinct is not None
        assert (distinct.by, distinct.at_least) == ("subject", 2)
    science = {child.label: child for child in areas["Natural Sciences"].children}
    assert science["Natural Sciences credit"].credits == 6
    lab = science["Natural Sciences lab course"]
    assert lab.from_ is not None
    assert (lab.kind, lab.count, lab.shares, lab.from_.tags) == ("count", 1, True, ("lab",))
    total = sum(credit.values()) + science["Natural Sciences credit"].credits
    assert total == 36


def test_lab_tag_only_on_natural_science_courses(ohio: CompiledCatalog) -> None:
    labs = [c for c in ohio.catalog.credentials if "lab" in c.tags]
    assert len(labs) >= 5
    assert all("ot36-ns" in c.tags for c in labs)


def test_at_least_twenty_statewide_codes_with_named_members(ohio: CompiledCatalog) -> None:
    codes = [
        e
        for e in ohio.catalog.equivalences
        if e.id.startswith(("ohio.oan.", "ohio.tag.", "ohio.ctan."))
    ]
    assert len(codes) >= 20
    members = {e.id: [m.all for m in e.members] for e in codes}
    # Generated from data/ohio/sources: every course any table lists under the code.
    assert ("tri-c.eng-1010",) in members["ohio.oan.tme001"]
    assert ("tri-c.art-2020", "tri-c.art-2030") in members["ohio.tag.oah005"]
    assert members["ohio.ctan.ctbu010"] == [("wright-state.acc-2010",)]
    assert members["ohio.tag.oah047"] == []  # listed, but no table names a member
    obu010 = next(e for e in codes if e.id == "ohio.tag.obu010")
    assert obu010.members[0].all == ("edison.acc-121s",)
    assert obu010.members[0].effective is not None
    assert obu010.members[0].effective.from_ == date(2017, 5, 1)  # SM2017


def test_expired_ctan_ended_in_the_past(ohio: CompiledCatalog) -> None:
    ctit008 = ohio.equivalences["ohio.ctan.ctit008"]
    assert ctit008.effective is not None and ctit008.effective.to is not None
    assert ctit008.effective.to < date.today()


def test_ctag_it_rules_grant_three_credits_each(ohio: CompiledCatalog) -> None:
    for code in ("ctit001", "ctit002", "ctit003"):
        r = rule(ohio, f"ctag.{code}")
        assert r.policy == "ohio.ctag"
        assert [g.credits for g in r.grants] == [3]
        assert code in r.grants[0].tags
    # The program route must be claimed within three years of completion.
    windows = [n.earned_within for n in walk(rule(ohio, "ctag.ctit001").when) if n.earned_within]
    assert windows == ["P3Y"]


def test_wright_state_ctan_table_grants_member_courses(ohio: CompiledCatalog) -> None:
    table = [
        r
        for r in ohio.catalog.transfer_rules
        if r.policy == "ohio.ctag" and r.at == ("wright-state",)
    ]
    assert len(table) == 13
    for r in table:
        granted = {g.credential for g in r.grants}
        code = r.id.split(".")[1]
        members = {i for m in ohio.equivalences[f"ohio.ctan.{code}"].members for i in m.all}
        assert granted == members, r.id


def test_lpn_itag_grants_five_courses_at_once(ohio: CompiledCatalog) -> None:
    tri_c = rule(ohio, "itag.lpn.tri-c")
    courses = [g.credential for g in tri_c.grants if g.credential is not None]
    assert len(courses) == len(tri_c.grants) == 5
    assert sum(ohio.credential(c).credits for c in courses) == 15
    assert tri_c.supersedes == ("itag.lpn.ohio",)
    assert [g.credits for g in rule(ohio, "itag.lpn.ohio").grants] == [10]


def test_itag_mappings_at_tri_c_and_ohio_u(ohio: CompiledCatalog) -> None:
    grants = {
        r.id: [g.credential for g in r.grants]
        for r in ohio.catalog.transfer_rules
        if r.policy == "ohio.itag"
    }
    assert grants["itag.security-plus.tri-c"] == ["tri-c.itnt-2370"]
    assert grants["itag.servsafe.tri-c"] == ["tri-c.hosp-1020"]
    assert grants["itag.mos-excel.ohio-u"] == ["ohio-u.ctch-1804"]
    # Either CAD credential earns ET 1100 once: two rules grant the same course.
    assert grants["itag.cad-autodesk.ohio-u"] == grants["itag.cad-solidworks.ohio-u"]
    assert grants["itag.cad-autodesk.ohio-u"] == ["ohio-u.et-1100"]


def test_clep_tiers_supersede_lower_cut_scores(ohio: CompiledCatalog) -> None:
    tiered = [r for r in ohio.catalog.transfer_rules if r.policy == "ohio.clep" and r.supersedes]
    assert len(tiered) >= 5
    for higher in tiered:
        for lower_id in higher.supersedes:
            lower = rule(ohio, lower_id)
            assert higher.when.has == lower.when.has, higher.id
            assert higher.when.min_score is not None and lower.when.min_score is not None
            assert higher.when.min_score > lower.when.min_score, higher.id


def test_ap_credit_needs_a_score_of_three(ohio: CompiledCatalog) -> None:
    ap = [r for r in ohio.catalog.transfer_rules if r.policy == "ohio.ap"]
    assert len(ap) >= 5
    assert {r.when.min_score for r in ap} <= {3, 4, 5}
    # At every place (statewide, or one institution's own guide) an exam's lowest band is 3.
    lowest: dict[tuple[str | None, tuple[str, ...] | None], float] = {}
    for r in ap:
        key = (r.when.has, r.at)
        lowest[key] = min(lowest.get(key, 5), r.when.min_score or 0)
    assert set(lowest.values()) == {3}
    # Statewide: every public institution has a rule for every exam (its own, where it
    # publishes an AP guide, else the statewide one).
    public = {
        i.id
        for i in ohio.catalog.institutions
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("community-college", "university")
    }
    for exam in {r.when.has for r in ap}:
        covered: set[str] = set()
        for r in ap:
            if r.when.has == exam:
                covered |= set(r.at) if r.at is not None else public
        assert covered >= public, exam


def test_one_year_option_counts_toward_ats_only(ohio: CompiledCatalog) -> None:
    oyo = [r for r in ohio.catalog.transfer_rules if r.policy == "ohio.one-year-option"]
    assert {sum(block_credits(r)) for r in oyo} == {20, 30}
    for r in oyo:
        assert r.counts_toward
        for goal in r.counts_toward:
            assert "Technical Study" in ohio.credential(goal).title


def test_mtag_example(ohio: CompiledCatalog) -> None:
    r = rule(ohio, "mtag.navy-nps.osu")
    assert r.policy == "ohio.mtag"
    assert [g.credential for g in r.grants] == ["osu.physics-1200", "osu.physics-1201"]


def test_credit_caps_seventy_percent_and_two_thirds(ohio: CompiledCatalog) -> None:
    northwest = ohio.credential("northwest-state.aa").limits
    zane = ohio.credential("zane-state.aas").limits
    assert [(lim.max_share, lim.from_.via) for lim in northwest if lim.max_share] == [
        (Fraction(7, 10), ("ohio.clep", "ohio.ap"))
    ]
    shares = [lim for lim in zane if lim.max_share]
    assert [lim.max_share for lim in shares] == [Fraction(2, 3)]
    assert shares[0].from_.via is not None
    assert {"ohio.ap", "ohio.clep", "ohio.itag", "ohio.ctag"} <= set(shares[0].from_.via)


def test_admission_guarantee_is_a_composite(ohio: CompiledCatalog) -> None:
    guarantee = ohio.credential("ohio.admission-guarantee")
    assert guarantee.composite
    assert guarantee.min_gpa == 2.0 and guarantee.gpa_scope == "all"
    assert has_targets(guarantee.requires) == {"ohio.ot36"}
    degree = next(n for n in walk(guarantee.requires) if n.kind == "count")
    assert degree.from_ is not None
    assert degree.from_.kind == ("associate",)
    public_oh = {
        i.id
        for i in ohio.catalog.institutions
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("community-college", "university")
    }
    assert degree.from_.issuer is not None
    assert set(degree.from_.issuer) == public_oh


def test_ladder_badge_certificate_associate_bachelor(ohio: CompiledCatalog) -> None:
    ladder = [
        "tri-c.badge.accounting-foundations",
        "tri-c.cert.accounting",
        "tri-c.aa.business-ogtp",
        "wright-state.bsb.accountancy",
    ]
    kinds = [ohio.credential(c).kind for c in ladder]
    assert kinds == ["badge", "certificate", "associate", "bachelor"]
    for lower, upper in itertools.pairwise(ladder):
        assert lower in has_targets(ohio.credential(upper).requires), upper
    assert "Guaranteed Transfer Pathway" in ohio.credential("tri-c.aa.business-ogtp").title


def test_micro_credentials_and_micro_degrees(ohio: CompiledCatalog) -> None:
    micro = {c.id for c in ohio.catalog.credentials if c.kind == "micro-credential"}
    assert {c for c in micro if c.startswith("miami-u.")}
    assert {c for c in micro if c.startswith("wright-state.")}
    wright = [ohio.credential(c) for c in micro if c.startswith("wright-state.")]
    assert all(
        c.credits <= 12 and c.requires is not None and 1 <= len(c.requires.children) <= 4
        for c in wright
    )
    mm = rule(ohio, "micromasters.scm.mit")
    mb = rule(ohio, "tesu.edx-credit.microbachelors")
    assert mm.when.has is not None and mb.when.has is not None
    assert ohio.credential(mm.when.has).kind == "micro-degree"
    assert ohio.credential(mb.when.has).kind == "micro-degree"
    assert ohio.policies[mm.policy].guarantee == "discretionary"


def test_google_and_comptia_credit_is_not_guaranteed(ohio: CompiledCatalog) -> None:
    def guarantees(prefix: str) -> set[str]:
        return {
            ohio.policies[r.policy].guarantee
            for r in ohio.catalog.transfer_rules
            if any(h.startswith(prefix) for h in has_targets(r.when))
            and not r.policy.startswith("ohio.")
        }

    assert guarantees("google.") == {"recommended"}
    assert guarantees("comptia.") == {"discretionary"}


def test_every_transfer_rule_cites_its_source(ohio: CompiledCatalog) -> None:
    for r in ohio.catalog.transfer_rules:
        assert r.source and re.match(r"https?://", r.source), r.id
    for p in ohio.catalog.policies:
        assert p.source and re.match(r"https?://", p.source), p.id


def test_unverified_facts_are_marked(ohio: CompiledCatalog) -> None:
    notes = " ".join(
        x.note or "" for section in (ohio.catalog.policies, ohio.catalog.funding) for x in section
    )
    # The CLEP "+12%" raise and TechCred's "$180,000 a year" come from a forum and a vendor.
    assert notes.count("UNVERIFIED") >= 2


def test_funding_programs_with_eligibility_and_caps(ohio: CompiledCatalog) -> None:
    techcred = ohio.funding["ohio.techcred"]
    assert techcred.pays.max_per_credential == 2000
    assert (techcred.credentials.max_hours, techcred.credentials.max_weeks) == (900, 52)
    assert techcred.learners.status == ("employed",) and techcred.learners.state == "OH"
    imap = [f for f in ohio.catalog.funding if f.id.startswith("ohio.imap")]
    assert {f.pays.max_per_credential for f in imap} == {3000}
    assert {"low_income", "unemployed"} <= {s for f in imap for s in f.learners.status or ()}
    assert all(f.source and f.source.startswith("https://") for f in ohio.catalog.funding)


def test_badge_issuing_institutions_publish_https_issuers(ohio: CompiledCatalog) -> None:
    issuers = {c.issuer for c in ohio.catalog.credentials if c.kind == "badge"}
    for inst in ohio.catalog.institutions:
        if inst.id in issuers and inst.id != "demo-issuer":
            assert inst.badge_issuers, inst.id
            assert all(i.startswith("https://") for i in inst.badge_issuers), inst.id


def _generated_ids() -> set[str]:
    """Credential ids of the files generated from data/ohio/sources (no planning figures)."""
    ids: set[str] = set()
    for path in (DEFAULT_CATALOG / "generated").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        ids.update(entry["id"] for entry in data.get("credentials", []))
    return ids


def test_planning_figures_on_courses(ohio: CompiledCatalog) -> None:
    generated = _generated_ids()
    courses = [
        c
        for c in ohio.catalog.credentials
        if c.kind == "course" and c.credits > 0 and c.id not in generated
    ]
    priced = [c for c in courses if c.cost is not None and c.weeks]
    assert len(priced) >= 0.9 * len(courses)
    assert all(c.subject and c.level for c in courses)


def test_residency_limits_can_be_met_with_local_courses(ohio: CompiledCatalog) -> None:
    local: dict[str, Fraction] = {}
    for c in ohio.catalog.credentials:
        if c.kind == "course" and c.issuer:
            local[c.issuer] = local.get(c.issuer, Fraction(0)) + c.credits
    checked = 0
    for cred in ohio.catalog.credentials:
        for lim in cred.limits:
            if lim.min_credits is not None and lim.from_.earned_at == ("self",):
                assert cred.issuer is not None
                assert local.get(cred.issuer, Fraction(0)) >= lim.min_credits, cred.id
                checked += 1
    assert checked >= 10


# --------------------------------------------------------------------------- sample learners


def test_at_least_eight_sample_learners() -> None:
    assert len(LEARNER_FILES) >= 8


@pytest.mark.parametrize("path", LEARNER_FILES, ids=lambda p: p.stem)
def test_sample_learner_loads_and_names_real_ids(ohio: CompiledCatalog, path: Path) -> None:
    record = load_record(path)
    for holding in record.holdings:
        assert holding.credential in ohio.versions, holding.credential
        if holding.at is not None:
            assert holding.at in ohio.institutions
    for exc in record.exceptions:
        for ident in (exc.substitute, exc.for_):
            assert ident is None or ident in ohio.versions
    text = path.read_text()
    assert text.startswith("# What this learner shows:")
    goals = re.findall(r"--goal ([a-z0-9._-]+)", text)
    places = re.findall(r"--to ([a-z0-9._-]+)", text)
    assert goals or places
    assert all(g in ohio.versions for g in goals)
    assert all(p in ohio.institutions for p in places)


def test_transfer_student_record_is_benchmark_sized() -> None:
    assert len(learner("ot36-transfer-wsu.yaml").holdings) >= 35


# --------------------------------------------------------------------------- scenarios


def test_scenario_security_plus_earns_itnt_credit_at_tri_c(ohio: CompiledCatalog) -> None:
    result = audit(
        ohio, learner("cyber-security-plus.yaml"), "tri-c.cert.cybersecurity", Options(as_of=AS_OF)
    )
    assert result.status == "complete"
    itag = line(result, "itag.security-plus.tri-c")
    assert itag.guarantee == "guaranteed" and itag.applied
    assert [(g.credential, g.credits) for g in itag.granted] == [("tri-c.itnt-2370", 3)]
    assert reasons(result)["tri-c.itnt-2350"] == "in_progress"


def test_scenario_lpn_receives_all_five_courses(ohio: CompiledCatalog) -> None:
    record = learner("lpn-to-rn.yaml")
    result = audit(ohio, record, "tri-c.aas.nursing", Options(as_of=AS_OF))
    tri_c = line(result, "itag.lpn.tri-c")
    assert len(tri_c.granted) == 5 and sum(g.credits for g in tri_c.granted) == 15
    assert line(result, "itag.lpn.ohio").status == "superseded"
    first_year = node(
        result.requirements, "First-year nursing (the Practical Nursing ITAG awards all five)"
    )
    assert first_year.status == "met"
    assert result.status == "in_progress"
    elsewhere = transfer(ohio, record, "ohio-u", Options(as_of=AS_OF))
    statewide = next(t for t in elsewhere.transfers if t.rule == "itag.lpn.ohio")
    # The statewide minimum where no local mapping exists (her Tri-C OT36 courses add more).
    assert sum(g.credits for g in statewide.granted) == 10


def test_scenario_career_tech_it_graduate_gets_ctit_credit(ohio: CompiledCatalog) -> None:
    record = learner("ctag-it-highschool.yaml")
    statement = transfer(ohio, record, "tri-c", Options(as_of=AS_OF))
    assert statement.credits == 9
    assert {t.rule for t in statement.transfers} == {"ctag.ctit001", "ctag.ctit002", "ctag.ctit003"}
    result = audit(ohio, record, "tri-c.cert.cybersecurity", Options(as_of=AS_OF))
    assert node(result.requirements, "Cybersecurity technical electives").status == "met"
    assert result.status == "in_progress"  # Network Security still to come


def test_scenario_ctag_completes_wright_state_microcredential(ohio: CompiledCatalog) -> None:
    record = learner("ctag-business-wsu.yaml")
    result = audit(ohio, record, "wright-state.mc.accounting-foundations", Options(as_of=AS_OF))
    assert result.status == "complete"
    statement = transfer(ohio, record, "wright-state", Options(as_of=AS_OF))
    assert statement.credits == 9


def test_scenario_veteran_mtag_and_clep_tier(ohio: CompiledCatalog) -> None:
    result = audit(ohio, learner("veteran-navy.yaml"), "osu.aa", Options(as_of=AS_OF))
    assert line(result, "mtag.navy-nps.osu").applied
    assert line(result, "clep.amgov.tier1").status == "superseded"
    assert line(result, "clep.amgov.tier2.osu").status == "granted"
    assert node(result.requirements, "Natural Sciences").status == "met"
    assert result.status == "in_progress"


def test_scenario_ap_and_clep_credit_at_ohio_u(ohio: CompiledCatalog) -> None:
    result = audit(ohio, learner("ap-clep.yaml"), "ohio-u.aa", Options(as_of=AS_OF))
    why = reasons(result)
    assert why["ap.calculus-ab"] == "below_min_score"
    assert line(result, "clep.biology.tier1.ohio-u").status == "superseded"
    assert line(result, "clep.amgov.tier2.ohio-u").applied
    assert line(result, "ap.english-language.3.ohio-u").applied  # its own AP guide: ENG 1510
    assert node(result.requirements, "Arts & Humanities").status == "met"


def test_scenario_one_year_option_applies_to_the_ats_only(ohio: CompiledCatalog) -> None:
    record = learner("one-year-option.yaml")
    ats = audit(ohio, record, "tri-c.ats", Options(as_of=AS_OF))
    assert line(ats, "oyo.900-hours").applied
    assert line(ats, "oyo.600-hours").status == "superseded"
    assert node(ats.requirements, "Technical concentration").status == "met"
    aa = audit(ohio, record, "tri-c.aa", Options(as_of=AS_OF))
    assert not line(aa, "oyo.900-hours").applied
    applied_via = [a.via for n in _nodes(aa.requirements) for a in n.applied if a.via is not None]
    assert "oyo.900-hours" not in applied_via


def _nodes(tree: NodeResult) -> Iterator[NodeResult]:
    yield tree
    for child in tree.children:
        yield from _nodes(child)


def test_scenario_ot36_transfer_student_toward_bachelors(ohio: CompiledCatalog) -> None:
    record = learner("ot36-transfer-wsu.yaml")
    result = audit(ohio, record, "wright-state.bsb.accountancy", Options(as_of=AS_OF))
    lower = node(
        result.requirements,
        "Lower division (Business OGTP associate degree, or OT36 and accounting foundations)",
    )
    assert lower.status == "met"
    assert result.status == "in_progress"
    why = reasons(result)
    assert why["tri-c.math-1521"] == "below_min_grade"  # the withdrawn attempt
    assert why["clep.college-mathematics"] == "below_min_score"
    assert line(result, "ace.google.project-management").status == "possible"
    assert "Upper-division electives" in {n.label for n in result.remaining}


def test_scenario_admission_guarantee(ohio: CompiledCatalog) -> None:
    result = audit(
        ohio,
        learner("aa-graduate-admission.yaml"),
        "ohio.admission-guarantee",
        Options(as_of=AS_OF),
    )
    assert result.status == "complete"
    assert result.gpa is not None and 2.0 <= result.gpa < 2.5
    assert reasons(result)["tri-c.math-1521"] == "below_min_grade"  # the F, retaken


def test_scenario_badge_certificate_associate_ladder(ohio: CompiledCatalog) -> None:
    record = learner("ladder-accounting.yaml")
    cert = audit(ohio, record, "tri-c.cert.accounting", Options(as_of=AS_OF))
    assert cert.status == "complete"
    badge = node(cert.requirements, "Accounting Foundations (Tri-C digital badge)")
    assert badge.status == "met"
    assert (
        audit(ohio, record, "tri-c.aa.business-ogtp", Options(as_of=AS_OF)).status == "in_progress"
    )


def test_scenario_micromasters_route_is_discretionary(ohio: CompiledCatalog) -> None:
    record = learner("micromasters-scm.yaml")
    assert audit(ohio, record, "mitx.micromasters.scm", Options(as_of=AS_OF)).status == "complete"
    label = "Online semester (MicroMasters credential; admission required)"
    strict = audit(ohio, record, "mit.scm.blended-masters", Options(as_of=AS_OF))
    assert line(strict, "micromasters.scm.mit").status == "possible"
    assert node(strict.requirements, label).status == "unmet"
    asked = audit(
        ohio, record, "mit.scm.blended-masters", Options(as_of=AS_OF, include_discretionary=True)
    )
    assert node(asked.requirements, label).status == "met"


def test_scenario_microbachelors_and_google_credit_are_possible_only(ohio: CompiledCatalog) -> None:
    record = learner("microbachelors-tesu.yaml")
    statement = transfer(ohio, record, "tesu", Options(as_of=AS_OF))
    assert statement.credits == 0
    assert statement.possible == 21  # 9 banked MicroBachelors credits + 12 ACE-recommended


def test_scenario_expired_certification(ohio: CompiledCatalog) -> None:
    record = learner("expired-certification.yaml")
    result = audit(ohio, record, "tri-c.cert.cybersecurity", Options(as_of=AS_OF))
    assert result.title.endswith("(catalog 2020-2024)")  # catalog year 2021
    assert reasons(result)["comptia.network-plus"] == "expired"
    # Security+ lapsed in 2022, but its credit was claimed in 2020 while it was current.
    assert line(result, "itag.security-plus.tri-c").applied
    # A+ from 2009 is the lifetime (pre-2011) version, still good for CTIT003.
    assert line(result, "ctag.ctit003").applied
    assert result.status == "in_progress"


def test_scenario_advisor_exceptions_are_shown(ohio: CompiledCatalog) -> None:
    result = audit(
        ohio, learner("advisor-exceptions.yaml"), "tri-c.aas.cybersecurity", Options(as_of=AS_OF)
    )
    assert result.waived == ["Cybersecurity capstone"]
    applied = [a for n in _nodes(result.requirements) for a in n.applied]
    assert any(
        a.credential == "tri-c.comm-1010" and a.substitute_for == "tri-c.eng-1020" for a in applied
    )


def test_scenario_cad_credentials_grant_et_1100_once(ohio: CompiledCatalog) -> None:
    statement = transfer(ohio, learner("itag-ohio-u.yaml"), "ohio-u", Options(as_of=AS_OF))
    solid = line(statement, "itag.cad-solidworks.ohio-u")
    assert [(g.credential, g.status) for g in solid.granted] == [("ohio-u.et-1100", "duplicate")]
    assert statement.credits == 8  # ET 1100 (2) + ENGT 2210 (3) + three MOS courses (1 each)
