"""CTDL JSON-LD into catalog YAML and a goal's pathway back out, with a round trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from suite_support import CONFORMANCE

from pathways.catalog.load import load_sources
from pathways.catalog.model import Catalog, Filter, Requirement
from pathways.errors import UnknownIdError
from pathways.interop.ctdl import CATALOG_ID_TYPE, MODIFIER_SOURCES, import_ctdl
from pathways.interop.ctdl_export import export_pathway

CTDL = CONFORMANCE / "ctdl"
needs_conformance = pytest.mark.conformance


def _load(*names: str) -> list[Any]:
    return [json.loads((CTDL / name).read_text()) for name in names]


def test_shipped_sample_pathway_imports_to_a_valid_catalog() -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "ctdl" / "tri-c-cert-cybersecurity.json"
    result = import_ctdl([json.loads(sample.read_text(encoding="utf-8"))])
    load_sources({"ctdl.yaml": yaml.safe_dump(result.data, sort_keys=False)})
    by_id = {c.id: c for c in result.catalog().credentials}
    [cert] = [c for c in by_id.values() if c.title == "Cybersecurity Certificate of Proficiency"]
    assert cert.requires is not None and cert.requires.all is not None
    assert cert.credits == 16


@needs_conformance
def test_ingest_examples_import_to_a_valid_catalog() -> None:
    result = import_ctdl(
        _load(
            "ingest-examples_Organization-1.json",
            "ingest-examples_Credential-1-graph.json",
            "ingest-examples_LearningProgram-1-graph.json",
            "ingest-examples_Course-1a.json",
        )
    )
    catalog = result.catalog()
    load_sources({"ctdl.yaml": yaml.safe_dump(result.data, sort_keys=False)})
    by_id = {c.id: c for c in catalog.credentials}
    program = by_id["example-university.lifelong-learning-accelerator"]
    assert program.ctid == "ce-23b0e606-545c-4383-8630-f97ec3b190fa"
    assert program.requires is not None and program.requires.all is not None
    assert {r.has for r in program.requires.all} == {
        "example-university.personal-growth-mastery",
        "example-university.digital-skills-revolution",
        "example-university.leadership-and-innovation-excellence",
    }
    degree = by_id["example-university.bachelor-of-science-in-cybersecurity"]
    assert degree.kind == "bachelor" and degree.issuer == "example-university"
    assert by_id["example-university.personal-growth-mastery"].cost == 995
    assert [i.id for i in catalog.institutions if i.kind == "university"] == ["example-university"]
    # Course-1a appears twice (its own file and the program graph): imported once.
    assert sum(1 for c in catalog.credentials if c.title == "Personal Growth Mastery") == 1
    # The degree requires a program that is not in the files: reported, not invented.
    assert any("LearningProgram-2" in warning for warning in result.warnings)


@needs_conformance
def test_2019_pathway_conditions_become_requirement_trees() -> None:
    result = import_ctdl(_load("pathways-repo_PathwayConditions_2019proposal.json"))
    load_sources({"ctdl.yaml": yaml.safe_dump(result.data, sort_keys=False)})
    by_id = {c.id: c for c in result.catalog().credentials}
    course_a = by_id["course-a"]
    assert course_a.requires is not None and course_a.requires.at_least == 2
    assert [r.has for r in course_a.requires.of or ()] == ["course-b", "course-c", "course-d"]
    destination = next(c for c in by_id.values() if c.note and "pathway" in c.note)
    assessment = by_id[str(destination.requires and destination.requires.has)]
    assert assessment.kind == "exam"
    assert assessment.requires is not None and assessment.requires.any is not None
    options = assessment.requires.any
    assert options[0].at_least == 2 and options[1].has == "course-a"


def _component(ident: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "@id": f"https://example.org/c/{ident}",
        "@type": "ceterms:CourseComponent",
        "ceterms:name": {"en-US": name},
        **extra,
    }


def _pathway_with_transfer_value() -> dict[str, Any]:
    """A current pathway: a credit constraint over two components, one with a transfer value."""
    return {
        "@context": "https://credreg.net/ctdl/schema/context/json",
        "@graph": [
            {
                "@id": "https://example.org/org",
                "@type": "ceterms:CredentialOrganization",
                "ceterms:name": {"en-US": "Tri-C"},
                "ceterms:agentType": ["orgType:Postsecondary"],
            },
            {
                "@id": "https://example.org/p",
                "@type": "ceterms:Pathway",
                "ceterms:name": {"en-US": "IT pathway"},
                "ceterms:hasDestinationComponent": "https://example.org/c/goal",
            },
            {
                "@id": "https://example.org/c/goal",
                "@type": "ceterms:CredentialComponent",
                "ceterms:name": {"en-US": "IT Certificate"},
                "ceterms:credentialType": "ceterms:Certificate",
                "ceterms:ownedBy": ["https://example.org/org"],
                "ceterms:hasCondition": [
                    {
                        "@type": "ceterms:ComponentCondition",
                        "ceterms:name": {"en-US": "Electives"},
                        "ceterms:targetComponent": [
                            "https://example.org/c/a",
                            "https://example.org/c/b",
                        ],
                        "ceterms:hasConstraint": [
                            {
                                "@type": "ceterms:Constraint",
                                "ceterms:leftSource": ["ceterms:creditValue"],
                                "ceterms:leftAction": "arrayOperation:Sum",
                                "ceterms:comparator": "comparator:gteq",
                                "ceterms:rightSource": ["6"],
                            }
                        ],
                    }
                ],
            },
            _component(
                "a",
                "Networking",
                **{
                    "ceterms:creditValue": [
                        {
                            "@type": "ceterms:ValueProfile",
                            "ceterms:creditUnitType": ["creditUnit:QuarterHour"],
                            "schema:value": 6,
                            "ceterms:creditLevelType": ["audLevel:LowerDivisionLevel"],
                        }
                    ],
                    "ceterms:proxyFor": (
                        "https://credentialengineregistry.org/resources/"
                        "ce-cf4dee18-7cea-443a-b920-158a0762c6bf"
                    ),
                },
            ),
            _component(
                "b",
                "Security",
                **{
                    "ceterms:estimatedDuration": [
                        {"@type": "ceterms:DurationProfile", "ceterms:exactDuration": "P6M"},
                        {"@type": "ceterms:DurationProfile", "ceterms:exactDuration": "PT40H"},
                    ],
                    "ceterms:dateEffective": "2023-08-15",
                },
            ),
            {
                "@id": "https://example.org/tvp",
                "@type": "ceterms:TransferValueProfile",
                "ceterms:name": {"en-US": "Security+ for Security"},
                "ceterms:ownedBy": ["https://example.org/org"],
                "ceterms:startDate": "2022-02-01",
                "ceterms:transferValueFrom": [
                    {"@type": "ceterms:Certification", "ceterms:name": {"en-US": "Security+"}}
                ],
                "ceterms:transferValueFor": ["https://example.org/c/b"],
            },
        ],
    }


def test_current_pathway_with_constraint_and_transfer_value() -> None:
    document = _pathway_with_transfer_value()
    result = import_ctdl([document], guarantee="guaranteed")
    load_sources({"ctdl.yaml": yaml.safe_dump(result.data, sort_keys=False)})
    catalog = result.catalog()
    by_id = {c.id: c for c in catalog.credentials}
    goal = next(c for c in catalog.credentials if c.title == "IT Certificate")
    assert goal.kind == "certificate" and goal.issuer == "tri-c"
    assert goal.requires is not None and goal.requires.credits == 6
    assert goal.requires.label == "Electives"
    networking = next(c for c in by_id.values() if c.title == "Networking")
    assert networking.credits == 4  # 6 quarter hours
    assert networking.level == "lower"
    assert networking.ctid == "ce-cf4dee18-7cea-443a-b920-158a0762c6bf"
    security = next(c for c in by_id.values() if c.title == "Security")
    assert (security.weeks, security.hours) == (26, 40)  # six months; 40 clock hours
    assert security.effective is not None and str(security.effective.from_) == "2023-08-15"
    [rule] = catalog.transfer_rules
    assert rule.at == ("tri-c",)
    assert rule.effective is not None and str(rule.effective.from_) == "2022-02-01"
    assert rule.grants[0].credential == next(c.id for c in by_id.values() if c.title == "Security")
    assert by_id[str(rule.when.has)].kind == "industry-certification"
    assert [p.guarantee for p in catalog.policies] == ["guaranteed"]


SOURCE: dict[str, Any] = {
    "institutions": [
        {"id": "cc", "name": "Community College", "kind": "community-college"},
        {"id": "comptia", "name": "CompTIA", "kind": "exam-body"},
    ],
    "credentials": [
        {"id": "cc.it-101", "title": "IT 101", "kind": "course", "issuer": "cc", "credits": 3,
         "subject": "ITNT", "level": "lower", "ctid": "ce-11111111-2222-4333-8444-555555555555"},
        {"id": "cc.it-102", "title": "IT 102", "kind": "course", "issuer": "cc", "credits": 3,
         "subject": "ITNT", "level": "lower"},
        {"id": "cc.it-201", "title": "IT 201", "kind": "course", "issuer": "cc", "credits": 4,
         "subject": "ITNT", "level": "upper"},
        {"id": "comptia.sec", "title": "Security+", "kind": "industry-certification",
         "issuer": "comptia"},
        {"id": "cc.cert.core", "title": "Core Certificate", "kind": "certificate", "issuer": "cc",
         "credits": 6, "cost": 1450.5, "weeks": 15, "hours": 90,
         "effective": {"from": "2024-07-01", "to": "2030-06-30"},
         "requires": {"all": ["cc.it-101", {"has": "cc.it-102", "min_hours": 37.5}]}},
        {"id": "cc.cert.it", "title": "IT Certificate", "kind": "certificate", "issuer": "cc",
         "credits": 16,
         "requires": {"all": [
             {"has": "cc.cert.core"},
             {"any": ["cc.it-201", {"has": "comptia.sec", "min_score": 750}],
              "label": "Capstone or certification", "earned_within": "P3Y"},
             {"at_least": 2, "of": [{"has": "cc.it-101", "min_grade": "C"}, "cc.it-102",
                                    "cc.it-201"]},
             {"credits": 7, "from": {"subject": "ITNT", "level": ["lower", "upper"]},
              "distinct": {"by": "level", "at_least": 2}, "shares": True},
         ]}},
    ],
}  # fmt: skip


def _normal(requirement: Requirement | None) -> Any:
    """A requirement tree without the order of its children (what a round trip keeps):
    each node's form, its targets and its modifiers."""
    if requirement is None:
        return None
    modifiers = requirement.model_dump(
        mode="json", include=set(MODIFIER_SOURCES), exclude_defaults=True
    )
    if requirement.has is not None:
        return ("has", requirement.has, modifiers)
    if requirement.credits is not None:
        assert requirement.from_ is not None and requirement.from_.ids is not None
        return ("credits", requirement.credits, tuple(sorted(requirement.from_.ids)), modifiers)
    children = tuple(sorted((_normal(c) for c in requirement.children), key=repr))
    form = requirement.kind
    if form == "at_least" and requirement.at_least == len(children):
        form = "all"
    return (form, requirement.at_least if form == "at_least" else None, children, modifiers)


def test_export_then_import_gives_back_the_goals_part_of_the_catalog() -> None:
    source = Catalog.model_validate(SOURCE)
    document = export_pathway(source, "cc.cert.it")
    assert document["@context"] == "https://credreg.net/ctdl/schema/context/json"
    types = [node["@type"] for node in document["@graph"]]
    assert types.count("ceterms:Pathway") == 1
    pathway = document["@graph"][0]
    assert len(pathway["ceterms:hasPart"]) == 6
    goal_component = next(
        n
        for n in document["@graph"]
        if n.get("ceterms:identifier", [{}])[0].get("ceterms:identifierValue") == "cc.cert.it"
    )
    assert goal_component["ceterms:identifier"][0]["ceterms:identifierTypeName"] == {
        "en-US": CATALOG_ID_TYPE
    }
    back = import_ctdl([json.loads(json.dumps(document))]).catalog()
    original = {c.id: c for c in source.credentials}
    returned = {c.id: c for c in back.credentials}
    assert set(returned) == set(original)
    for ident, cred in original.items():
        again = returned[ident]
        for name in ("title", "kind", "credits", "subject", "level", "issuer", "ctid", "cost",
                     "weeks", "hours", "effective"):  # fmt: skip
            assert getattr(again, name) == getattr(cred, name), (ident, name)
        if ident != "cc.cert.it":
            expected = _normal(cred.requires)
        else:
            # The subject/level filter is written as the ids it matches in this catalog.
            assert cred.requires is not None and cred.requires.all is not None
            by_ids = Filter(ids=("cc.it-101", "cc.it-102", "cc.it-201"))
            last = cred.requires.all[3].model_copy(update={"from_": by_ids})
            expected = _normal(
                cred.requires.model_copy(update={"all": (*cred.requires.all[:3], last)})
            )
        assert _normal(again.requires) == expected, ident
    assert {i.id: i.kind for i in back.institutions} == {
        "cc": "community-college",
        "comptia": "exam-body",
    }


def test_export_of_unknown_goal_is_an_unknown_id_error() -> None:
    with pytest.raises(UnknownIdError, match=r"did you mean cc\.cert\.it"):
        export_pathway(Catalog.model_validate(SOURCE), "cc.cert.itt")


def test_filter_without_static_keys_exports_words_not_the_whole_catalog() -> None:
    data = copy.deepcopy(SOURCE)
    data["policies"] = [{"id": "clep", "title": "CLEP", "guarantee": "guaranteed"}]
    data["credentials"].append(
        {"id": "cc.cert.open", "title": "Open Certificate", "kind": "certificate",
         "issuer": "cc", "credits": 12,
         "requires": {"all": ["cc.it-101", {"credits": 6, "from": {"via": "clep"}}]}}
    )  # fmt: skip
    document = export_pathway(Catalog.model_validate(data), "cc.cert.open")
    assert len(document["@graph"][0]["ceterms:hasPart"]) == 2  # the goal and cc.it-101
    conditions = [
        c
        for node in document["@graph"]
        for top in node.get("ceterms:hasCondition", [])
        for c in top.get("ceterms:hasCondition", [])
    ]
    assert conditions[0]["ceterms:description"] == {"en-US": "6 credits from via clep"}
    result = import_ctdl([document])
    goal = next(c for c in result.catalog().credentials if c.id == "cc.cert.open")
    assert goal.requires is not None and goal.requires.has == "cc.it-101"
    assert any("6 credits from via clep" in warning for warning in result.warnings)


def test_modifiers_travel_as_constraints_and_a_bad_one_is_reported() -> None:
    document = export_pathway(Catalog.model_validate(SOURCE), "cc.cert.it")
    constraints = [
        c
        for node in document["@graph"]
        for top in node.get("ceterms:hasCondition", [])
        for nested in top.get("ceterms:hasCondition", [])
        for c in nested.get("ceterms:hasConstraint", [])
        if c["ceterms:leftSource"][0].startswith("pathways:")
    ]
    words = {c["ceterms:description"]["en-US"] for c in constraints}
    assert "earned within P3Y before the as-of date" in words
    assert "from at least 2 different level values" in words
    # A modifier whose value does not validate is left out and named, never loaded.
    for c in constraints:
        if c["ceterms:leftSource"] == ["pathways:earnedWithin"]:
            c["ceterms:rightSource"] = ["three years"]
    result = import_ctdl([document])
    load_sources({"ctdl.yaml": yaml.safe_dump(result.data, sort_keys=False)})
    goal = next(c for c in result.catalog().credentials if c.id == "cc.cert.it")
    assert goal.requires is not None and goal.requires.all is not None
    capstone = next(r for r in goal.requires.all if r.label == "Capstone or certification")
    assert capstone.earned_within is None
    assert any("earned_within = 'three years'" in warning for warning in result.warnings)
