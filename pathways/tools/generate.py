"""A synthetic catalog shaped like a state system, with learner records, for scale tests.

:func:`generate_catalog` writes ``OUT/catalog/*.yaml`` and ``OUT/learners/*.yaml``:

* statewide files: institutions (colleges, universities, career-tech centres, certification
  providers, exam bodies), policies with guarantee levels and scopes, OAN/TAG/CTAN-like
  equivalences (members across institutions, two-course sequences, effective ranges, an expired
  code), industry certifications and licences, AP/CLEP exams with score tiers that supersede
  each other, military training, a statewide OT36-like transfer block, funding programs;
* per institution, three files: courses (some on quarter hours, some with prerequisites),
  about ``programs_per`` programs (badges, micro-credentials, certificates, associates,
  bachelors; a certificate nests inside an associate, a university certificate inside a
  bachelor, the statewide block inside transfer degrees; ``all``/``any``/``at_least`` trees,
  ``credits`` from filters with ``min_grade`` and ``distinct``, ``count``, overlays with
  ``shares``, caps by policy, residency, ``min_gpa``, catalog-year versions) and transfer
  rules (course articulation, passed-course block credit, industry certifications with
  ``earned_within`` and ``counts_toward``, career-tech block credit, ACE recommendations);
* one file per learner: a transcript walking toward one program at a home institution, with
  letter grades, ``W``/``F``/``P``, repeats, transfer courses, certifications, exam scores and
  courses in progress. About a third complete their program; some of those already hold it.

The output is a pure function of the arguments: the same seed writes the same bytes. Every
file validates against :mod:`pathways.catalog.model`, and every id a file names is defined.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pathways.tools.learners import make_learner
from pathways.tools.programs import add_programs, versions_of
from pathways.tools.vocabulary import (
    ACE_RECOMMENDED,
    AP_EXAMS,
    ARTS_SCIENCES,
    CERTIFICATIONS,
    CLEP_EXAMS,
    GE_AH,
    GE_AREA,
    GE_ENGLISH,
    GE_MATH,
    GE_NS,
    GE_SS,
    KIND_SUFFIX,
    KIND_TITLE,
    MILITARY,
    PROFESSIONAL,
    PROVIDERS,
    SOURCE,
    SUBJECT_NAMES,
    TOWNS,
    VOCATIONAL,
    tag_title,
)
from pathways.tools.world import Institution, Json, World, credits_of
from pathways.tools.yaml_emit import to_yaml

__all__ = ["SCALES", "GenerateSummary", "generate_catalog", "to_yaml"]

SCALES: dict[str, dict[str, int]] = {
    "small": {"institutions": 4, "courses_per": 250, "learners": 200},
    "state": {"institutions": 90, "courses_per": 250, "learners": 2000},
    "state3": {"institutions": 270, "courses_per": 250, "learners": 0},
}
"""Named sizes: ``small`` is a handful of institutions, ``state`` about Ohio's 90 public ones,
``state3`` three times that (the bench's largest load, catalog only).

Both use the same per-institution shape, so one program's audit costs the same at both.
"""


@dataclass(frozen=True)
class GenerateSummary:
    """What :func:`generate_catalog` wrote."""

    out: Path
    seed: int
    institutions: int
    courses: int
    programs: int
    credentials: int
    equivalences: int
    transfer_rules: int
    learners: int
    catalog_files: int
    catalog_bytes: int
    learner_bytes: int
    goals: tuple[str, ...] = field(default=())
    """Program ids that learners were walking toward (sorted), handy as batch goals."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (paths as strings)."""
        return {
            "out": str(self.out),
            "seed": self.seed,
            "institutions": self.institutions,
            "courses": self.courses,
            "programs": self.programs,
            "credentials": self.credentials,
            "equivalences": self.equivalences,
            "transfer_rules": self.transfer_rules,
            "learners": self.learners,
            "catalog_files": self.catalog_files,
            "catalog_bytes": self.catalog_bytes,
            "learner_bytes": self.learner_bytes,
        }


def _institutions(rng: random.Random, count: int) -> list[Institution]:
    kinds = []
    for index in range(count):
        # Roughly Ohio's mix: a quarter universities, ~45% community colleges, the rest
        # career-tech centres; the first two are always a college and a university.
        slot = index % 20
        if index == 0 or slot in (3, 7, 11, 15, 19):
            kinds.append("community-college" if index == 0 else "university")
        elif index == 1 or slot in (2, 5, 6, 9, 10, 13, 14, 17, 18):
            kinds.append("university" if index == 1 else "community-college")
        else:
            kinds.append("career-tech-center")
    used: set[str] = set()
    result = []
    for index, kind in enumerate(kinds):
        town = TOWNS[index % len(TOWNS)]
        ident = f"{town}-{KIND_SUFFIX[kind]}"
        if ident in used:
            ident = f"{town}{index // len(TOWNS) + 1}-{KIND_SUFFIX[kind]}"
        used.add(ident)
        name = f"{town.replace('-', ' ').title()} {KIND_TITLE[kind]}"
        if kind == "career-tech-center":
            subjects = sorted(rng.sample(VOCATIONAL, 5))
        else:
            professional = [code for code, _ in PROFESSIONAL]
            k = 14 if kind == "community-college" else 12
            subjects = [code for code, _, _ in ARTS_SCIENCES] + sorted(rng.sample(professional, k))
        quarter = kind != "career-tech-center" and index % 12 == 3
        result.append(Institution(ident, name, kind, quarter, subjects))
    return result


def _courses(rng: random.Random, inst: Institution, courses_per: int) -> None:
    total = courses_per // 3 if inst.kind == "career-tech-center" else courses_per
    upper = inst.kind == "university"
    weights = [3 if code in GE_AREA else 5 for code in inst.subjects]
    counts = dict.fromkeys(inst.subjects, 2)
    for code in rng.choices(inst.subjects, weights, k=max(0, total - 2 * len(inst.subjects))):
        counts[code] += 1
    for code in inst.subjects:
        subject_courses: list[Json] = []
        n = counts[code]
        for k in range(n):
            if inst.kind == "career-tech-center":
                number, level = 100 + 10 * k, "vocational"
            elif upper and k >= (n + 1) // 2:
                number, level = 3000 + 10 * (k - (n + 1) // 2) * 2 + 10, "upper"
                if k >= (3 * n) // 4:
                    number += 1000
            else:
                number, level = 1010 + 10 * k * (2 if k >= n // 2 else 1), "lower"
            ident = f"{inst.id}.{code.lower()}-{number}"
            name = SUBJECT_NAMES[code]
            credits: Any = rng.choice((3, 3, 3, 3, 4, 4, 2, 1, 5))
            if inst.quarter:
                credits = {"value": int(credits * 3 / 2) or 1, "unit": "quarter"}
            course: Json = {
                "id": ident,
                "title": f"{name} {['I', 'II', 'III', 'Topics', 'Seminar', 'Lab'][k % 6]} {number}",
                "kind": "course",
                "issuer": inst.id,
                "credits": credits,
                "subject": code,
                "level": level,
            }
            tags = []
            area = GE_AREA.get(code)
            if area and k < 3 and level == "lower":
                tags.append(area)
                if area == GE_NS and k % 2 == 1:
                    tags.append("lab")
            if rng.random() < 0.08:
                tags.append("writing-intensive")
            if tags:
                course["tags"] = tags
            if k > 0 and rng.random() < 0.25:
                course["prerequisites"] = {"has": subject_courses[k - 1]["id"]}
            if level == "vocational":
                course["hours"] = rng.choice((120, 180, 240, 360))
            subject_courses.append(course)
        inst.by_subject[code] = subject_courses
        inst.courses.extend(subject_courses)
    for course in inst.courses:
        for tag in course.get("tags", ()):
            inst.by_tag.setdefault(tag, []).append(course)


def _statewide(
    rng: random.Random, insts: list[Institution]
) -> tuple[Json, dict[str, Json], dict[str, Json], list[Json]]:
    """Institutions, policies, statewide credentials, equivalences, statewide rules, funding."""
    credentials = _statewide_credentials()
    equivalences = _equivalences(rng, insts)
    statewide = {
        "institutions": _statewide_institutions(insts),
        "policies": _policies(),
        "funding": _funding(),
    }
    return statewide, credentials, equivalences, _statewide_rules(credentials)


def _statewide_institutions(insts: list[Institution]) -> list[Json]:
    institutions: list[Json] = [
        {"id": i.id, "name": i.name, "kind": i.kind, "control": "public", "state": "OH"}
        for i in insts
    ]
    for inst in insts:
        if inst.kind == "university":
            institutions[insts.index(inst)]["badge_issuers"] = [
                f"https://badges.{inst.id}.edu/issuer"
            ]
    for ident, name in PROVIDERS.items():
        kind = "agency" if ident == "ohio-bon" else "provider"
        institutions.append({"id": ident, "name": name, "kind": kind})
    institutions += [
        {"id": "college-board", "name": "College Board", "kind": "exam-body"},
        {"id": "ohio-dhe", "name": "Ohio Department of Higher Education", "kind": "agency",
         "state": "OH", "control": "public"},
        {"id": "us-military", "name": "United States Armed Forces", "kind": "military"},
    ]  # fmt: skip
    return institutions


def _policies() -> list[Json]:
    public = {"state": "OH", "control": "public"}
    policies: list[Json] = [
        {"id": "ohio.oan", "title": "Ohio Transfer Module and Ohio Articulation Numbers",
         "guarantee": "guaranteed", "scope": public, "source": f"{SOURCE}/oan"},
        {"id": "ohio.tag", "title": "Transfer Assurance Guides", "guarantee": "guaranteed",
         "scope": public, "source": f"{SOURCE}/tag"},
        {"id": "ohio.ctag", "title": "Career-Technical Assurance Guides",
         "guarantee": "guaranteed",
         "scope": {**public, "kind": ["community-college", "university"]},
         "source": f"{SOURCE}/ctag"},
        {"id": "ohio.itag", "title": "Industry-Recognized Transfer Assurance Guides",
         "guarantee": "guaranteed", "scope": public, "source": f"{SOURCE}/itag"},
        {"id": "ohio.ap", "title": "Advanced Placement credit", "guarantee": "guaranteed",
         "scope": public, "source": f"{SOURCE}/ap"},
        {"id": "ohio.clep", "title": "CLEP credit", "guarantee": "guaranteed", "scope": public,
         "source": f"{SOURCE}/clep"},
        {"id": "ohio.mtag", "title": "Military Transfer Assurance Guides",
         "guarantee": "guaranteed", "scope": public, "source": f"{SOURCE}/mtag"},
        {"id": "local.articulation", "title": "Institutional articulation agreements",
         "guarantee": "guaranteed", "source": f"{SOURCE}/articulation"},
        {"id": "local.transfer", "title": "Passed-course transfer (departmental elective)",
         "guarantee": "guaranteed", "source": f"{SOURCE}/transfer"},
        {"id": "local.discretionary", "title": "Credit by departmental review",
         "guarantee": "discretionary", "source": f"{SOURCE}/review"},
        {"id": "ace.recommendation", "title": "ACE credit recommendations",
         "guarantee": "recommended", "source": f"{SOURCE}/ace"},
    ]  # fmt: skip
    return policies


def _statewide_credentials() -> dict[str, Json]:
    credentials: dict[str, Json] = {}
    for ident, title, issuer, kind, subject, cost, hours, weeks, valid, prereq in CERTIFICATIONS:
        cred: Json = {"id": ident, "title": title, "kind": kind, "issuer": issuer,
                      "subject": subject, "level": "vocational", "cost": cost, "hours": hours,
                      "weeks": weeks, "tags": [subject.lower()]}  # fmt: skip
        if valid:
            cred["valid_for"] = valid
        if prereq:
            cred["prerequisites"] = {"has": prereq}
        credentials[ident] = cred
    for prefix, exams in (("ap", AP_EXAMS), ("clep", CLEP_EXAMS)):
        for ident, title, subject, _, _ in exams:
            credentials[f"{prefix}.{ident}"] = {
                "id": f"{prefix}.{ident}", "title": title, "kind": "exam",
                "issuer": "college-board", "subject": subject, "cost": 98 if prefix == "ap" else 93,
            }  # fmt: skip
    for ident, title, subject, _ in MILITARY:
        credentials[ident] = {"id": ident, "title": title, "kind": "military-training",
                              "issuer": "us-military", "subject": subject}  # fmt: skip
    ot36 = {
        "id": "ohio.ot36",
        "title": "Ohio Transfer 36",
        "kind": "transfer-block",
        "issuer": "ohio-dhe",
        "credits": 36,
        "source": f"{SOURCE}/ot36",
        "requires": {
            "all": [
                {"label": "OT36 English", "credits": 3, "from": {"tags": GE_ENGLISH}},
                {"label": "OT36 Mathematics", "credits": 3, "from": {"tags": GE_MATH}},
                {"label": "OT36 Arts and Humanities", "credits": 6, "from": {"tags": GE_AH},
                 "distinct": {"by": "subject", "at_least": 2}},
                {"label": "OT36 Social Sciences", "credits": 6, "from": {"tags": GE_SS},
                 "distinct": {"by": "subject", "at_least": 2}},
                {"label": "OT36 Natural Sciences", "all": [
                    {"credits": 6, "from": {"tags": GE_NS}},
                    {"count": 1, "from": {"tags": "lab"}, "shares": True},
                ]},
            ]
        },
    }  # fmt: skip
    credentials["ohio.ot36"] = ot36
    guarantee: Json = {
        "id": "ohio.admission-guarantee",
        "title": "Ohio public associate degree with OT36 and a 2.0 GPA",
        "kind": "transfer-block",
        "issuer": "ohio-dhe",
        "requires": {"all": [{"count": 1, "from": {"kind": "associate"}}, {"has": "ohio.ot36"}]},
        "min_gpa": 2.0,
        "source": f"{SOURCE}/guarantee",
    }
    credentials[guarantee["id"]] = guarantee
    return credentials


def _equivalences(rng: random.Random, insts: list[Institution]) -> dict[str, Json]:
    """Statewide codes: the k-th introductory course of a subject, matched across institutions."""
    equivalences: dict[str, Json] = {}
    colleges = [i for i in insts if i.kind != "career-tech-center"]
    for code, name, _ in ARTS_SCIENCES:
        for k in range(4):
            ident = f"ohio.oan.o{code.lower()}{k + 1:03d}"
            members: list[Any] = []
            for inst in colleges:
                courses = inst.by_subject.get(code, [])
                if k < len(courses) and courses[k]["level"] == "lower" and rng.random() < 0.75:
                    member: Any = courses[k]["id"]
                    if rng.random() < 0.1:
                        start = date(2014 + rng.randrange(8), rng.choice((1, 5, 8)), 1)
                        member = {"id": member, "effective": {"from": start}}
                    members.append(member)
            if k == 3:
                # A two-course sequence code: counts only when both are held.
                members = []
                for inst in colleges:
                    courses = inst.by_subject.get(code, [])
                    pair = courses[1:3] if len(courses) > 2 else courses[:2]
                    lower = len(pair) == 2 and all(c["level"] == "lower" for c in pair)
                    if lower and rng.random() < 0.5:
                        members.append({"all": [c["id"] for c in pair]})
            eq: Json = {"id": ident, "title": f"{name} {k + 1} (O{code}{k + 1:03d})",
                        "credits": 6 if k == 3 else 3, "subject": code, "level": "lower",
                        "members": members, "source": f"{SOURCE}/oan/{ident}"}  # fmt: skip
            if code == "GEOL" and k == 2:
                eq["effective"] = {"from": date(2012, 8, 1), "to": date(2019, 7, 31)}
            equivalences[ident] = eq
    for code, name in PROFESSIONAL:
        for k in range(2):
            ident = f"ohio.tag.t{code.lower()}{k + 1:03d}"
            members = []
            for inst in colleges:
                courses = inst.by_subject.get(code, [])
                if k < len(courses) and rng.random() < 0.7:
                    members.append(courses[k]["id"])
            equivalences[ident] = {
                "id": ident, "title": f"{name} {k + 1} (T{code}{k + 1:03d})", "credits": 3,
                "subject": code, "level": "lower", "members": members,
                "source": f"{SOURCE}/tag/{ident}",
            }  # fmt: skip
    for code in VOCATIONAL:
        ident = f"ohio.ctan.ct{code.lower()}001"
        members = []
        for inst in insts:
            courses = inst.by_subject.get(code, [])
            if courses and rng.random() < 0.6:
                members.append(courses[0]["id"])
        equivalences[ident] = {
            "id": ident, "title": f"{SUBJECT_NAMES[code]} career-technical credit (CT{code}001)",
            "credits": 3, "subject": code, "members": members,
            "effective": {"from": date(2015, 7, 1)}, "source": f"{SOURCE}/ctan/{ident}",
        }  # fmt: skip
    return equivalences


def _statewide_rules(credentials: dict[str, Json]) -> list[Json]:
    rules: list[Json] = []
    for prefix, exams, policy in (("ap", AP_EXAMS, "ohio.ap"), ("clep", CLEP_EXAMS, "ohio.clep")):
        for ident, title, subject, (s1, c1), (s2, c2) in exams:
            exam = f"{prefix}.{ident}"
            low = f"{exam}.tier1"
            rules.append({"id": low, "policy": policy,
                          "when": {"has": exam, "min_score": s1},
                          "grants": [{"credits": c1, "subject": subject, "level": "lower",
                                      "label": f"{title} credit"}],
                          "source": f"{SOURCE}/{prefix}"})  # fmt: skip
            rules.append({"id": f"{exam}.tier2", "policy": policy,
                          "when": {"has": exam, "min_score": s2},
                          "grants": [{"credits": c2, "subject": subject, "level": "lower",
                                      "label": f"{title} credit (higher score)"}],
                          "supersedes": [low], "source": f"{SOURCE}/{prefix}"})  # fmt: skip
    for ident, title, subject, credits in MILITARY:
        rules.append({"id": f"mtag.{ident}", "policy": "ohio.mtag", "when": {"has": ident},
                      "grants": [{"credits": credits, "subject": subject, "level": "lower",
                                  "label": title}],
                      "source": f"{SOURCE}/mtag"})  # fmt: skip
    for ident in ACE_RECOMMENDED:
        subject = credentials[ident]["subject"]
        rules.append({"id": f"ace.{ident}", "policy": "ace.recommendation",
                      "when": {"has": ident},
                      "grants": [{"credits": 12, "subject": subject, "level": "lower",
                                  "label": f"{credentials[ident]['title']} (ACE)"}],
                      "source": f"{SOURCE}/ace"})  # fmt: skip
    return rules


def _funding() -> list[Json]:
    return [
        {"id": "ohio.techcred", "title": "TechCred", "pays": {"max_per_credential": 2000},
         "credentials": {"max_hours": 900, "max_weeks": 52,
                         "kind": ["industry-certification", "micro-credential"]},
         "learners": {"state": "OH", "status": ["employed"]}, "source": f"{SOURCE}/techcred"},
        {"id": "ohio.wioa-ita", "title": "WIOA Individual Training Account",
         "pays": {"max_per_learner": 5000},
         "credentials": {"kind": ["certificate", "industry-certification", "license"]},
         "learners": {"state": "OH", "status": ["unemployed", "underemployed", "low_income"]},
         "source": f"{SOURCE}/wioa"},
    ]  # fmt: skip


# --------------------------------------------------------------------------- transfer rules


def _local_rules(rng: random.Random, insts: list[Institution], inst: Institution) -> None:
    # Course-to-course rules flow one way — from community colleges to universities, and
    # from earlier to later institutions of a kind — because the compiled graph rejects a
    # cycle of rules (A's course granting B's granting A's). Reciprocal agreements are what
    # the statewide equivalences are for.
    def rank(other: Institution) -> tuple[int, int]:
        return (other.kind == "university", insts.index(other))

    colleges = [
        i
        for i in insts
        if i.kind != "career-tech-center" and i is not inst and rank(i) < rank(inst)
    ]
    ctcs = [i for i in insts if i.kind == "career-tech-center"]
    if inst.kind == "career-tech-center":
        return
    seen: set[str] = set()
    serial = 0
    if colleges:
        for _ in range(30):
            other = rng.choice(colleges)
            subject = rng.choice([s for s in inst.subjects if s in other.subjects])
            source = rng.choice(other.by_subject[subject])
            if source["id"] in seen:
                continue
            seen.add(source["id"])
            target = rng.choice(inst.by_subject[subject])
            serial += 1
            rule: Json = {"id": f"{inst.id}.art.{serial:03d}", "policy": "local.articulation",
                          "when": {"has": source["id"], "min_grade": "C"},
                          "grants": [{"credential": target["id"]}], "at": [inst.id]}  # fmt: skip
            if rng.random() < 0.1:
                rule["effective"] = {"from": date(2016 + rng.randrange(6), 8, 1)}
            inst.rules.append(rule)
        for _ in range(10):
            other = rng.choice(colleges)
            subject = rng.choice(other.subjects)
            source = rng.choice(other.by_subject[subject])
            if source["id"] in seen:
                continue
            seen.add(source["id"])
            serial += 1
            inst.rules.append(
                {"id": f"{inst.id}.xfer.{serial:03d}", "policy": "local.transfer",
                 "when": {"has": source["id"], "min_grade": "D"},
                 "grants": [{"credits": "as_earned"}], "at": [inst.id]}
            )  # fmt: skip
        # Sequences: two courses elsewhere count as one longer course here.
        for _ in range(3):
            other = rng.choice(colleges)
            subject = rng.choice([s for s in inst.subjects if s in other.subjects])
            pair = other.by_subject[subject][:2]
            if len(pair) < 2 or pair[0]["id"] in seen:
                continue
            seen.add(pair[0]["id"])
            serial += 1
            inst.rules.append(
                {"id": f"{inst.id}.art.{serial:03d}", "policy": "local.articulation",
                 "when": {"all": [{"has": pair[0]["id"]}, {"has": pair[1]["id"]}]},
                 "grants": [{"credential": inst.by_subject[subject][0]["id"]},
                            {"credits": 2, "subject": subject, "level": "lower",
                             "label": f"{SUBJECT_NAMES[subject]} elective"}],
                 "at": [inst.id]}
            )  # fmt: skip
    # Industry certifications (ITAG) where the college teaches the subject.
    associates = [p["id"] for p in inst.programs if p["kind"] == "associate"]
    for ident, _, _, _, subject, *_ in CERTIFICATIONS:
        if subject not in inst.subjects or ident in ACE_RECOMMENDED or rng.random() < 0.35:
            continue
        target = inst.by_subject[subject][0]
        rule = {"id": f"{inst.id}.itag.{ident}", "policy": "ohio.itag",
                "when": {"has": ident, "earned_within": "P3Y"},
                "grants": [{"credential": target["id"]}], "at": [inst.id],
                "source": f"{SOURCE}/itag/{ident}"}  # fmt: skip
        field_programs = [a for a in associates if f".{subject.lower()}-" in a]
        if field_programs and rng.random() < 0.4:
            rule["counts_toward"] = field_programs[:2]
        inst.rules.append(rule)
    # Career-technical programs (CTAG block credit) from a few centres.
    for ctc in ctcs[:6]:
        for program in ctc.programs[:3]:
            subject = program["id"].split(".")[-1].split("-")[0].upper()
            if subject not in inst.subjects:
                continue
            inst.rules.append(
                {"id": f"{inst.id}.ctag.{program['id']}", "policy": "ohio.ctag",
                 "when": {"has": program["id"]},
                 "grants": [{"credits": 9, "subject": subject, "level": "lower",
                             "label": f"{SUBJECT_NAMES[subject]} technical credit"}],
                 "at": [inst.id], "effective": {"from": date(2018, 7, 1)}}
            )  # fmt: skip
    # Discretionary review of military training.
    for ident, _title, subject, credits in MILITARY[:2]:
        if subject in inst.subjects:
            inst.rules.append(
                {"id": f"{inst.id}.review.{ident}", "policy": "local.discretionary",
                 "when": {"has": ident},
                 "grants": [{"credits": credits // 3, "subject": subject, "level": "lower",
                             "label": "Departmental review"}], "at": [inst.id]}
            )  # fmt: skip


# --------------------------------------------------------------------------- writing


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _world(
    seed: int, insts: list[Institution], credentials: dict[str, Json], equivalences: dict[str, Json]
) -> World:
    """The generated system in memory: every credential's versions and where credit comes from."""
    versions: dict[str, list[Json]] = {ident: [c] for ident, c in credentials.items()}
    course_credits: dict[str, float] = {}
    program_meta: dict[str, tuple[str, str]] = {}
    vrng = random.Random(f"{seed}:versions")
    for inst in insts:
        for course in inst.courses:
            versions[course["id"]] = [course]
            course_credits[course["id"]] = credits_of(course)
        expanded: list[Json] = []
        for program in inst.programs:
            program_versions = versions_of(vrng, program)
            versions[program["id"]] = program_versions
            program_meta[program["id"]] = (inst.id, program["kind"])
            expanded.extend(program_versions)
        inst.programs = expanded
    world = World(insts, credentials, versions, equivalences, course_credits, program_meta)
    for inst in insts:
        for rule in inst.rules:
            grants = rule["grants"]
            if "has" in rule["when"] and len(grants) == 1 and "credential" in grants[0]:
                world.sources.setdefault(grants[0]["credential"], []).append(rule["when"]["has"])
    for eq in equivalences.values():
        singles = [m for m in eq["members"] if isinstance(m, str)]
        for member in singles:
            world.sources.setdefault(member, []).extend(m for m in singles if m != member)
    return world


def _tag_ids(node: object, found: set[str]) -> None:
    """Add to ``found`` every tag a credential carries or a requirement's filter names."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "tags":
                found.update([value] if isinstance(value, str) else value)
            else:
                _tag_ids(value, found)
    elif isinstance(node, list):
        for item in node:
            _tag_ids(item, found)


def _tags(world: World, rules: list[Json]) -> list[Json]:
    """The catalog's ``tags`` section: a title for every tag the generated catalog uses."""
    found: set[str] = set()
    _tag_ids([list(world.versions.values()), rules, [i.rules for i in world.institutions]], found)
    return [{"id": tag, "title": tag_title(tag)} for tag in sorted(found)]


def _write_catalog(
    catalog_dir: Path,
    seed: int,
    insts: list[Institution],
    statewide: Json,
    world: World,
    state_rules: list[Json],
) -> tuple[int, int]:
    """Write the catalog files; return (files written, bytes written)."""
    credentials, equivalences = world.credentials, world.equivalences
    header = (
        f"Synthetic state-system catalog written by `pathways generate` (seed {seed}).\n"
        "Not real institutions or agreements: a benchmark and test fixture."
    )
    catalog_bytes = 0
    files = 0
    statewide_docs = {
        "statewide.yaml": statewide,
        "statewide.credentials.yaml": {"credentials": list(credentials.values())},
        "statewide.equivalences.yaml": {"equivalences": list(equivalences.values())},
        "statewide.rules.yaml": {"transfer_rules": state_rules},
        "statewide.tags.yaml": {"tags": _tags(world, state_rules)},
    }
    for name, doc in statewide_docs.items():
        catalog_bytes += _write(catalog_dir / name, to_yaml(doc, header))
        files += 1
    for inst in insts:
        docs = {
            f"{inst.id}.courses.yaml": {"credentials": inst.courses},
            f"{inst.id}.programs.yaml": {"credentials": inst.programs},
            f"{inst.id}.rules.yaml": {"transfer_rules": inst.rules},
        }
        for name, doc in docs.items():
            if next(iter(doc.values())):
                catalog_bytes += _write(catalog_dir / name, to_yaml(doc, header))
                files += 1
    return files, catalog_bytes


def generate_catalog(
    out: Path,
    *,
    institutions: int,
    courses_per: int,
    learners: int,
    seed: int = 0,
    programs_per: int = 150,
) -> GenerateSummary:
    """Write a synthetic state catalog to ``out/catalog`` and learner records to ``out/learners``.

    ``out/targets.csv`` lists, per learner, the program its transcript walks toward and how
    far (``complete``, ``near``, ``early``, suffixed ``-awarded`` when the record holds it):
    the batch's expected findings, and the goals a benchmark audits.

    ``institutions`` public institutions (colleges, universities, career-tech centres) get about
    ``courses_per`` courses and ``programs_per`` programs each (career-tech centres a third of
    that); ``learners`` records walk toward programs of the colleges. The same arguments write
    the same bytes. Both subdirectories and ``targets.csv`` are replaced if they exist;
    nothing else under ``out`` is touched. Raises ``ValueError`` for sizes below 1 (or
    ``courses_per`` below 40, too few for a program's requirement tree).
    """
    if institutions < 1 or learners < 0 or programs_per < 1:
        raise ValueError("institutions and programs_per must be at least 1, learners at least 0")
    if courses_per < 40:
        raise ValueError("courses_per must be at least 40")
    out = Path(out)
    rng = random.Random(f"pathways-generate:{seed}")
    insts = _institutions(rng, institutions)
    for inst in insts:
        _courses(random.Random(f"{seed}:courses:{inst.id}"), inst, courses_per)
    for inst in insts:
        add_programs(random.Random(f"{seed}:programs:{inst.id}"), inst, programs_per)
    statewide, credentials, equivalences, state_rules = _statewide(
        random.Random(f"{seed}:state"), insts
    )
    for inst in insts:
        _local_rules(random.Random(f"{seed}:rules:{inst.id}"), insts, inst)

    world = _world(seed, insts, credentials, equivalences)

    catalog_dir = out / "catalog"
    learner_dir = out / "learners"
    for directory in (catalog_dir, learner_dir):
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
    files, catalog_bytes = _write_catalog(catalog_dir, seed, insts, statewide, world, state_rules)
    learner_bytes = 0
    lrng = random.Random(f"{seed}:learners")
    goals: set[str] = set()
    targets = ["learner,goal,intent"]
    for number in range(1, learners + 1):
        record, goal, intent = make_learner(lrng, world, number)
        goals.add(goal)
        targets.append(f"{record['learner']['id']},{goal},{intent}")
        learner_bytes += _write(learner_dir / f"{record['learner']['id']}.yaml", to_yaml(record))
    _write(out / "targets.csv", "\n".join(targets) + "\n")

    n_courses = sum(len(i.courses) for i in insts)
    n_programs = sum(len(i.programs) for i in insts)
    return GenerateSummary(
        out=out,
        seed=seed,
        institutions=len(insts),
        courses=n_courses,
        programs=n_programs,
        credentials=len(credentials) + n_courses + n_programs,
        equivalences=len(equivalences),
        transfer_rules=len(state_rules) + sum(len(i.rules) for i in insts),
        learners=learners,
        catalog_files=files,
        catalog_bytes=catalog_bytes,
        learner_bytes=learner_bytes,
        goals=tuple(sorted(goals)),
    )
