"""Each construct of the catalog language (docs/semantics.md#requirements), loaded from
YAML and compiled."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog
from pathways.errors import UnknownIdError

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

INSTITUTIONS = """\
institutions:
  - id: cc
    name: Community College
    kind: community-college
    control: public
    state: OH
    badge_issuers: [https://badges.cc.edu/issuer]
    source: https://cc.edu
    note: a two-year college
  - id: uni
    name: State University
    kind: university
    control: public
    state: OH
  - id: priv
    name: Private College
    kind: university
    control: private
    state: OH
  - id: far
    name: Far College
    kind: community-college
    control: public
    state: PA
  - id: comptia
    name: CompTIA
    kind: provider
"""

POLICIES = """\
policies:
  - id: itag
    title: Industry-Recognized Transfer Assurance Guides
    guarantee: guaranteed
    scope: {state: OH, control: public}
    source: https://example.org/itag
  - id: ace
    title: ACE recommendations
    guarantee: recommended
  - id: colleges
    title: Colleges only
    guarantee: discretionary
    scope: {kind: community-college}
"""

COURSES = """\
credentials:
  - id: cc.it-101
    title: IT Basics
    kind: course
    issuer: cc
    credits: 3
    subject: ITNT
    level: lower
    tags: [it, intro]
    cost: 450
    hours: 45
    weeks: 16
  - id: cc.it-102
    title: Networking
    kind: course
    issuer: cc
    credits: 3
    subject: ITNT
    level: lower
    prerequisites: {has: cc.it-101}
  - id: cc.eng-101
    title: Composition
    kind: course
    issuer: cc
    credits: 3
    subject: ENG
  - id: uni.eng-110
    title: Writing
    kind: course
    issuer: uni
    credits: 3
    subject: ENG
  - id: uni.art-201
    title: Art History I
    kind: course
    issuer: uni
    credits: 3
  - id: uni.art-202
    title: Art History II
    kind: course
    issuer: uni
    credits: 3
  - id: comptia.secplus
    title: Security+
    kind: industry-certification
    issuer: comptia
    valid_for: P3Y
    badge_type: skill
    badge_classes: [https://badges.example.org/secplus]
    ctid: ce-0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d
"""


def _load(write_catalog: CatalogWriter, **extra: str) -> CompiledCatalog:
    files = {"institutions.yaml": INSTITUTIONS, "policies.yaml": POLICIES, "courses.yaml": COURSES}
    files.update({f"{name}.yaml": text for name, text in extra.items()})
    return load_catalog(write_catalog(files), cache=False)


def test_institutions_loaded_with_every_field(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    cc = compiled.institutions["cc"]
    assert cc.kind == "community-college"
    assert cc.control == "public"
    assert cc.state == "OH"
    assert cc.badge_issuers == ("https://badges.cc.edu/issuer",)
    assert cc.source == "https://cc.edu"
    assert cc.note == "a two-year college"
    assert set(compiled.institutions) == {"cc", "uni", "priv", "far", "comptia"}


def test_policies_loaded_with_guarantee_and_scope(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    itag = compiled.policies["itag"]
    assert itag.guarantee == "guaranteed"
    assert itag.scope.state == "OH"
    assert itag.scope.control == "public"
    assert compiled.policies["colleges"].scope.kind == ("community-college",)
    assert compiled.policies["ace"].scope.state is None


def test_simple_credential_fields(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    course = compiled.credential("cc.it-101")
    assert course.credits == Fraction(3)
    assert (course.subject, course.level, course.tags) == ("ITNT", "lower", ("it", "intro"))
    assert (course.cost, course.hours, course.weeks) == (450, 45, 16)
    assert not course.composite
    cert = compiled.credential("comptia.secplus")
    assert cert.valid_for == "P3Y"
    assert cert.badge_type == "skill"
    assert compiled.graph.nodes["cc.it-101"]["kind"] == "credential"
    assert compiled.graph.nodes["cc.it-101"]["credential_kind"] == "course"


def test_badge_classes_and_ctids_indexed(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    assert compiled.badge_classes == {"https://badges.example.org/secplus": "comptia.secplus"}
    assert compiled.ctids == {"ce-0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d": "comptia.secplus"}


def test_prerequisites_make_prerequisite_edges(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    assert compiled.graph.edges["cc.it-101", "cc.it-102"]["rel"] == "prerequisite"
    assert compiled.credential("cc.it-102").prerequisites is not None


@pytest.mark.parametrize(
    ("requires", "leaves"),
    [
        ("{has: cc.it-101}", {"cc.it-101"}),
        ("{all: [{has: cc.it-101}, {has: cc.it-102}]}", {"cc.it-101", "cc.it-102"}),
        ("{any: [cc.it-101, cc.eng-101]}", {"cc.it-101", "cc.eng-101"}),
        (
            "{at_least: 2, of: [{has: cc.it-101}, {has: cc.it-102}, {has: cc.eng-101}]}",
            {"cc.it-101", "cc.it-102", "cc.eng-101"},
        ),
        ("{credits: 6, from: {subject: ITNT, level: lower}}", set()),
        ("{credits: 6, from: {ids: [cc.it-101, cc.it-102]}}", {"cc.it-101", "cc.it-102"}),
        ("{count: 2, from: {kind: course, tags: it}}", set()),
    ],
)
def test_requirement_forms_compile_to_requires_edges(
    write_catalog: CatalogWriter, requires: str, leaves: set[str]
) -> None:
    program = f"""\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    issuer: cc
    credits: 6
    requires: {requires}
"""
    compiled = _load(write_catalog, program=program)
    preds = set(compiled.graph.predecessors("cc.cert"))
    assert preds == leaves
    assert all(compiled.graph.edges[p, "cc.cert"]["rel"] == "requires" for p in preds)
    assert compiled.credential("cc.cert").composite
    assert compiled.graph.nodes["cc.cert"]["composite"] is True


def test_requirement_modifiers_are_kept(write_catalog: CatalogWriter) -> None:
    program = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    issuer: cc
    credits: 9
    requires:
      all:
        - {has: cc.it-101, label: Basics, min_grade: C, note: first course}
        - {has: comptia.secplus, min_score: 750, earned_within: P3Y}
        - {credits: 6, from: {subject: [ITNT, ENG]}, distinct: {by: subject, at_least: 2}}
        - {count: 1, from: {tags: it}, shares: true, label: IT intensive}
        - {credits: 3, from: {ids: cc.it-102}, min_hours: 40}
"""
    compiled = _load(write_catalog, program=program)
    req = compiled.credential("cc.cert").requires
    assert req is not None and req.all is not None
    first, second, third, fourth, fifth = req.all
    assert (first.label, first.min_grade, first.note) == ("Basics", "C", "first course")
    assert (second.min_score, second.earned_within) == (750, "P3Y")
    assert third.distinct is not None and third.distinct.at_least == 2
    assert third.from_ is not None and third.from_.subject == ("ITNT", "ENG")
    assert fourth.shares is True and fourth.kind == "count"
    assert fifth.min_hours == 40 and fifth.from_ is not None
    assert fifth.from_.ids == ("cc.it-102",)


def test_limits_and_gpa_on_a_composite(write_catalog: CatalogWriter) -> None:
    program = """\
credentials:
  - id: cc.aas
    title: Associate
    kind: associate
    issuer: cc
    credits: 60
    requires: {credits: 60, from: {}}
    limits:
      - {max_credits: 6, from: {via: [itag, ace]}, label: exam cap}
      - {max_share: 2/3, from: {earned_at: other}}
      - {max_share: 0.7, from: {issuer: uni}}
      - {min_credits: 15, from: {earned_at: self}}
      - {min_credits: 3, from: {earned_at: [uni, cc]}}
    min_gpa: 2.0
    gpa_scope: self
"""
    compiled = _load(write_catalog, program=program)
    aas = compiled.credential("cc.aas")
    assert [limit.max_credits for limit in aas.limits][:1] == [Fraction(6)]
    assert aas.limits[1].max_share == Fraction(2, 3)
    assert aas.limits[2].max_share == Fraction(7, 10)
    assert aas.limits[3].min_credits == Fraction(15)
    assert aas.limits[0].from_.via == ("itag", "ace")
    assert (aas.min_gpa, aas.gpa_scope) == (2.0, "self")


def test_versions_sorted_and_chosen_by_date(write_catalog: CatalogWriter) -> None:
    programs = """\
credentials:
  - id: cc.cert
    title: Certificate 2024
    kind: certificate
    credits: 6
    requires: {has: cc.it-102}
    effective: {from: 2024-07-01}
  - id: cc.cert
    title: Certificate 2020
    kind: certificate
    credits: 3
    requires: {has: cc.it-101}
    effective: {from: 2020-07-01, to: 2022-06-30}
"""
    compiled = _load(write_catalog, programs=programs)
    titles = [v.title for v in compiled.versions["cc.cert"]]
    assert titles == ["Certificate 2020", "Certificate 2024"]
    assert compiled.credential("cc.cert").title == "Certificate 2024"
    assert compiled.credential("cc.cert", on=date(2021, 1, 1)).title == "Certificate 2020"
    assert compiled.credential("cc.cert", on=date(2025, 1, 1)).title == "Certificate 2024"
    # In the gap: the version most recently in force; before all: the earliest.
    assert compiled.credential("cc.cert", on=date(2023, 1, 1)).title == "Certificate 2020"
    assert compiled.credential("cc.cert", on=date(2010, 1, 1)).title == "Certificate 2020"
    # Both versions' requirements are edges of the graph.
    assert set(compiled.graph.predecessors("cc.cert")) == {"cc.it-101", "cc.it-102"}


def test_credential_unknown_id_suggests(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    with pytest.raises(UnknownIdError, match=r"did you mean cc\.it-102"):
        compiled.credential("cc.it-1022")


def test_equivalence_members_all_forms(write_catalog: CatalogWriter) -> None:
    equivalences = """\
equivalences:
  - id: oan.tme001
    title: First Writing Course
    credits: 3
    subject: ENG
    level: lower
    members:
      - cc.eng-101
      - {id: uni.eng-110, effective: {from: 2017-05-01}}
  - id: oan.art
    title: Art History sequence
    credits: 6
    members:
      - {all: [uni.art-201, uni.art-202]}
    effective: {from: 2015-01-01, to: 2030-12-31}
    source: https://example.org/oan
"""
    compiled = _load(write_catalog, equivalences=equivalences)
    tme = compiled.equivalences["oan.tme001"]
    assert [m.all for m in tme.members] == [("cc.eng-101",), ("uni.eng-110",)]
    assert tme.members[1].effective is not None
    assert compiled.equivalences["oan.art"].members[0].all == ("uni.art-201", "uni.art-202")
    assert compiled.member_of["cc.eng-101"] == ("oan.tme001",)
    assert compiled.member_of["uni.art-202"] == ("oan.art",)
    assert compiled.graph.edges["uni.art-201", "oan.art"]["rel"] == "member"
    assert compiled.graph.nodes["oan.art"]["kind"] == "equivalence"


RULES = """\
transfer_rules:
  - id: itag.secplus
    policy: itag
    when: {has: comptia.secplus, earned_within: P3Y}
    grants:
      - credential: cc.it-102
      - {credits: 3, subject: ITNT, level: lower, label: ITNT elective, tags: [elective]}
    counts_toward: [cc.cert]
    effective: {from: 2022-02-01}
    label: Security+ ITAG
    source: https://example.org/itag
  - id: ace.secplus
    policy: ace
    when: {has: comptia.secplus}
    grants: [{credits: 3}]
    at: [uni, priv]
  - id: local.eng
    policy: colleges
    when: {has: uni.eng-110}
    grants: [{credits: as_earned}]
    supersedes: [ace.secplus]
"""


CERTIFICATE = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    credits: 3
    requires: {has: cc.it-102}
"""


def test_transfer_rules_compile_to_rule_nodes(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog, rules=RULES, program=CERTIFICATE)
    rule = compiled.rules["itag.secplus"]
    assert rule.grants[1].credits == Fraction(3) and rule.grants[1].label == "ITNT elective"
    assert rule.counts_toward == ("cc.cert",)
    assert compiled.rules["local.eng"].grants[0].credits == "as_earned"
    assert compiled.rules["local.eng"].supersedes == ("ace.secplus",)
    graph = compiled.graph
    assert graph.nodes["itag.secplus"]["kind"] == "rule"
    assert graph.edges["comptia.secplus", "itag.secplus"]["rel"] == "when"
    assert graph.edges["itag.secplus", "cc.it-102"]["rel"] == "grants"
    assert [r.id for r in compiled.rules_by_source["comptia.secplus"]] == [
        "ace.secplus",
        "itag.secplus",
    ]
    assert [r.id for r in compiled.rules_granting["cc.it-102"]] == ["itag.secplus"]


def test_rules_at_follows_at_else_policy_scope(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog, rules=RULES, program=CERTIFICATE)

    def at(institution: str) -> list[str]:
        return [r.id for r in compiled.rules_at(institution)]

    # itag: OH public; ace: only at its `at`; colleges: community colleges anywhere.
    assert at("cc") == ["itag.secplus", "local.eng"]
    assert at("uni") == ["ace.secplus", "itag.secplus"]
    assert at("priv") == ["ace.secplus"]
    assert at("far") == ["local.eng"]
    assert at("nowhere") == []


def test_funding_programs_loaded(write_catalog: CatalogWriter) -> None:
    funding = """\
funding:
  - id: techcred
    title: TechCred
    pays: {max_per_credential: 2000, max_per_learner: 8000, share: 1}
    credentials:
      {max_hours: 900, max_weeks: 52, kind: [industry-certification], ids: [comptia.secplus],
       tags: it, min_credits: 0}
    learners: {state: OH, status: [employed, low_income]}
    effective: {from: 2020-01-01}
    source: https://example.org/techcred
"""
    compiled = _load(write_catalog, funding=funding)
    program = compiled.funding["techcred"]
    assert program.pays.max_per_credential == 2000
    assert program.credentials.kind == ("industry-certification",)
    assert program.credentials.tags == ("it",)
    assert program.learners.status == ("employed", "low_income")


@pytest.mark.parametrize(
    ("credits", "expected", "unit"),
    [
        ("3", Fraction(3), 1),
        ("1.5", Fraction(3, 2), 2),
        ("{value: 4, unit: quarter}", Fraction(8, 3), 3),
        ("{value: 3}", Fraction(3), 1),
        ("'2/3'", Fraction(2, 3), 3),
    ],
)
def test_credit_values_and_integer_units(
    write_catalog: CatalogWriter, credits: str, expected: Fraction, unit: int
) -> None:
    extra = f"""\
credentials:
  - id: cc.q-101
    title: Quarter course
    kind: course
    credits: {credits}
"""
    compiled = _load(write_catalog, extra=extra)
    assert compiled.credential("cc.q-101").credits == expected
    assert compiled.unit == unit
    assert compiled.to_units(expected) == expected * unit
    assert compiled.to_units(Fraction(3)) == 3 * unit


def test_unit_is_lcm_across_every_credit_value(write_catalog: CatalogWriter) -> None:
    extra = """\
credentials:
  - id: cc.q-101
    title: Quarter course
    kind: course
    credits: {value: 4, unit: quarter}
  - id: cc.half
    title: Half-credit lab
    kind: course
    credits: 0.5
"""
    compiled = _load(write_catalog, extra=extra)
    assert compiled.unit == 6
    with pytest.raises(ValueError, match="whole number"):
        compiled.to_units(Fraction(1, 7))


@pytest.mark.parametrize("duration", ["P3Y", "P18M", "P12W", "P90D", "P1Y6M"])
def test_durations_accepted(write_catalog: CatalogWriter, duration: str) -> None:
    extra = f"""\
credentials:
  - id: x.cert
    title: Cert
    kind: industry-certification
    valid_for: {duration}
"""
    assert _load(write_catalog, extra=extra).credential("x.cert").valid_for == duration


def test_topological_order_puts_sources_first(write_catalog: CatalogWriter) -> None:
    program = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    requires: {all: [{has: cc.it-102}, {has: oan.tme001}]}
  - id: cc.aas
    title: Associate
    kind: associate
    requires: {has: cc.cert}
equivalences:
  - {id: oan.tme001, title: Writing, members: [cc.eng-101]}
"""
    compiled = _load(write_catalog, rules=RULES, program=program)
    position = {node: i for i, node in enumerate(compiled.topo_order)}
    assert set(position) == set(compiled.graph.nodes)
    for source, target, rel in compiled.graph.edges(data="rel"):
        if rel != "prerequisite":
            assert position[source] < position[target], (source, target)


def test_files_in_subdirectories_are_read_and_hidden_ones_skipped(
    write_catalog: CatalogWriter,
) -> None:
    directory = write_catalog(
        {
            "institutions.yaml": INSTITUTIONS,
            "policies/all.yaml": POLICIES,
            "deep/er/courses.yaml": COURSES,
            ".git/junk.yaml": "this: [is not, valid",
            "notes.txt": "not yaml",
            "empty.yaml": "",
        }
    )
    compiled = load_catalog(directory, cache=False)
    assert "itag" in compiled.policies
    assert "cc.it-101" in compiled.versions


def test_every_section_in_one_file(write_catalog: CatalogWriter) -> None:
    text = INSTITUTIONS + POLICIES + COURSES + RULES.replace("    counts_toward: [cc.cert]\n", "")
    compiled = load_catalog(write_catalog({"all.yaml": text}), cache=False)
    assert len(compiled.rules) == 3


def test_version_is_a_content_hash(write_catalog: CatalogWriter, tmp_path: Path) -> None:
    first = _load(write_catalog)
    second = _load(write_catalog)
    changed = _load(write_catalog, extra="credentials: []\n")
    assert first.version == second.version
    assert first.version != changed.version
    assert len(first.version) == 16


def test_sections_sorted_by_id(write_catalog: CatalogWriter) -> None:
    compiled = _load(write_catalog)
    ids: list[Any] = [c.id for c in compiled.catalog.credentials]
    assert ids == sorted(ids)
