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

import json
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

__all__ = ["SCALES", "GenerateSummary", "generate_catalog", "to_yaml"]

SCALES: dict[str, dict[str, int]] = {
    "small": {"institutions": 4, "courses_per": 250, "learners": 200},
    "state": {"institutions": 90, "courses_per": 250, "learners": 2000},
}
"""Named sizes: ``small`` is a handful of institutions, ``state`` about Ohio's 90 public ones.

Both use the same per-institution shape, so one program's audit costs the same at both.
"""

Json = dict[str, Any]


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


# --------------------------------------------------------------------------- YAML emitter

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._+/()' -]*[A-Za-z0-9.+)]$|^[A-Za-z]$")
# Words YAML 1.1 would read as booleans or null.
_RESERVED = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"])


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if text.isascii() and text.isprintable():
        return json.dumps(text)  # escapes only the quote and the backslash here
    return _quote(text)


def _quote(text: str) -> str:
    # A YAML double-quoted scalar with every character outside printable ASCII escaped,
    # including those YAML treats as line breaks (U+0085, U+2028) and astral ones (\U).
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _inline(value: Any) -> str | None:
    """The flow form when it is short and shallow, as a registrar would write it; else None."""
    if _is_scalar(value):
        return _scalar(value)
    if _depth(value) > 3:
        return None
    text = _flow(value)
    return text if len(text) <= 88 else None


def _block(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            flow = _inline(item)
            if flow is not None:
                lines.append(f"{pad}{_scalar(key)}: {flow}")
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                _block(item, indent + 2, lines)
        return
    for item in value:
        flow = _inline(item)
        if flow is not None:
            lines.append(f"{pad}- {flow}")
            continue
        start = len(lines)
        _block(item, indent + 2, lines)
        lines[start] = f"{pad}- {lines[start][indent + 2 :]}"


def to_yaml(document: Json, header: str = "") -> str:
    """Render ``document`` (dicts, lists, str, int, float, bool, date) as block-style YAML.

    Short leaves are written in flow style (``{has: x}``, ``[a, b]``); strings that YAML could
    read as something else are double-quoted. The result parses back to ``document`` with
    any YAML 1.1 or 1.2 loader (dates become dates).

    >>> tree = {"all": [{"has": "cc.eng-1010"}, {"any": ["cc.math-1100", "cc.math-1200"]},
    ...                 {"label": "Electives", "credits": 6, "from": {"subject": "ITNT"}}]}
    >>> print(to_yaml({"requires": tree, "note": "on"}), end="")
    requires:
      all:
        - {has: cc.eng-1010}
        - {any: [cc.math-1100, cc.math-1200]}
        - {label: Electives, credits: 6, from: {subject: ITNT}}
    note: "on"
    """
    lines: list[str] = [f"# {line}" for line in header.splitlines()]
    _block(document, 0, lines)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- vocabulary

GE_ENGLISH, GE_MATH, GE_AH, GE_SS, GE_NS = (
    "ot36.english",
    "ot36.math",
    "ot36.arts-humanities",
    "ot36.social-science",
    "ot36.natural-science",
)

# (code, name, general-education area or None)
ARTS_SCIENCES: tuple[tuple[str, str, str], ...] = (
    ("ENG", "English", GE_ENGLISH),
    ("MATH", "Mathematics", GE_MATH),
    ("STAT", "Statistics", GE_MATH),
    ("ARTS", "Art", GE_AH),
    ("HIST", "History", GE_AH),
    ("PHIL", "Philosophy", GE_AH),
    ("MUS", "Music", GE_AH),
    ("COMM", "Communication", GE_AH),
    ("SPAN", "Spanish", GE_AH),
    ("PSYC", "Psychology", GE_SS),
    ("SOC", "Sociology", GE_SS),
    ("ECON", "Economics", GE_SS),
    ("POLS", "Political Science", GE_SS),
    ("ANTH", "Anthropology", GE_SS),
    ("BIOL", "Biology", GE_NS),
    ("CHEM", "Chemistry", GE_NS),
    ("PHYS", "Physics", GE_NS),
    ("GEOL", "Geology", GE_NS),
)
PROFESSIONAL: tuple[tuple[str, str], ...] = (
    ("ACCT", "Accounting"),
    ("BUS", "Business Management"),
    ("MKTG", "Marketing"),
    ("ITNT", "Information Technology"),
    ("CSCI", "Computer Science"),
    ("CYBR", "Cybersecurity"),
    ("NURS", "Nursing"),
    ("HLTH", "Health Sciences"),
    ("EMS", "Emergency Medical Services"),
    ("CJUS", "Criminal Justice"),
    ("EDUC", "Education"),
    ("ECE", "Early Childhood Education"),
    ("ENGT", "Engineering Technology"),
    ("MECH", "Mechanical Engineering Technology"),
    ("ELEC", "Electrical Technology"),
    ("WELD", "Welding"),
    ("HVAC", "Heating, Ventilation and Air Conditioning"),
    ("AUTO", "Automotive Technology"),
    ("CULN", "Culinary Arts"),
    ("HOSP", "Hospitality Management"),
    ("GRPH", "Graphic Design"),
    ("AGRI", "Agriculture"),
    ("LOGI", "Supply Chain and Logistics"),
    ("PARA", "Paralegal Studies"),
    ("MEDA", "Medical Assisting"),
)
SUBJECT_NAMES = {code: name for code, name, *_ in (*ARTS_SCIENCES, *PROFESSIONAL)}
GE_AREA = {code: area for code, _, area in ARTS_SCIENCES}
RELATED = {
    "ACCT": ("BUS",), "BUS": ("ACCT", "MKTG"), "MKTG": ("BUS", "GRPH"), "ITNT": ("CSCI", "CYBR"),
    "CSCI": ("ITNT", "MATH"), "CYBR": ("ITNT", "CSCI"), "NURS": ("HLTH", "BIOL"),
    "HLTH": ("NURS", "BIOL"), "EMS": ("HLTH",), "CJUS": ("SOC", "PARA"), "EDUC": ("ECE", "PSYC"),
    "ECE": ("EDUC", "PSYC"), "ENGT": ("MECH", "ELEC"), "MECH": ("ENGT", "WELD"),
    "ELEC": ("ENGT",), "WELD": ("MECH",), "HVAC": ("ELEC",), "AUTO": ("MECH", "ELEC"),
    "CULN": ("HOSP",), "HOSP": ("CULN", "BUS"), "GRPH": ("ARTS", "MKTG"), "AGRI": ("BIOL", "BUS"),
    "LOGI": ("BUS",), "PARA": ("CJUS", "BUS"), "MEDA": ("HLTH", "NURS"),
}  # fmt: skip
VOCATIONAL = ("WELD", "HVAC", "AUTO", "CULN", "MEDA", "ELEC", "ITNT", "EMS")

TOWNS = (
    "akron", "athens", "bowling-green", "canton", "chillicothe", "cincinnati", "cleveland",
    "columbus", "dayton", "defiance", "delaware", "elyria", "findlay", "gallipolis", "hamilton",
    "kent", "lancaster", "lima", "lorain", "mansfield", "marietta", "marion", "massillon",
    "mentor", "middletown", "newark", "new-philadelphia", "norwalk", "oxford", "piqua",
    "portsmouth", "sandusky", "sidney", "springfield", "steubenville", "tiffin", "toledo",
    "troy", "urbana", "wooster", "xenia", "youngstown", "zanesville", "ashland", "ashtabula",
    "bellefontaine", "bucyrus", "cambridge", "celina", "circleville", "coshocton", "eaton",
    "fremont", "georgetown", "hillsboro", "ironton", "jackson", "kenton", "lebanon", "logan",
    "london", "mcconnelsville", "medina", "millersburg", "mount-vernon", "napoleon", "ottawa",
    "painesville", "paulding", "pomeroy", "ravenna", "st-clairsville", "van-wert", "wapakoneta",
    "warren", "washington", "wauseon", "west-union", "woodsfield", "batavia", "berea", "bryan",
    "caldwell", "cadiz", "carrollton", "chardon", "greenville", "lisbon", "mcarthur",
    "mount-gilead", "port-clinton", "upper-sandusky", "waverly",
)  # fmt: skip

KIND_SUFFIX = {"university": "u", "community-college": "cc", "career-tech-center": "ctc"}
KIND_TITLE = {
    "university": "University",
    "community-college": "Community College",
    "career-tech-center": "Career Center",
}

# id | title | issuer | kind (cert, micro, license) | subject | cost | hours | weeks | valid_for |
# prerequisite ("-" for none)
_CERTIFICATION_TABLE = """
comptia.a-plus | CompTIA A+ | comptia | cert | ITNT | 492 | 120 | 12 | P3Y | -
comptia.network-plus | CompTIA Network+ | comptia | cert | ITNT | 358 | 90 | 10 | P3Y | -
comptia.security-plus | CompTIA Security+ | comptia | cert | CYBR | 392 | 40 | 8 | P3Y |
  comptia.network-plus
comptia.linux-plus | CompTIA Linux+ | comptia | cert | ITNT | 358 | 60 | 8 | P3Y | -
comptia.cysa-plus | CompTIA CySA+ | comptia | cert | CYBR | 392 | 60 | 10 | P3Y |
  comptia.security-plus
cisco.ccna | Cisco Certified Network Associate | cisco | cert | ITNT | 300 | 120 | 16 | P3Y | -
cisco.ccst-networking | Cisco Certified Support Technician Networking | cisco | cert | ITNT |
  125 | 40 | 6 | - | -
aws.cloud-practitioner | AWS Certified Cloud Practitioner | aws | cert | CSCI | 100 | 30 | 4 |
  P3Y | -
aws.solutions-architect | AWS Certified Solutions Architect - Associate | aws | cert | CSCI |
  150 | 80 | 10 | P3Y | aws.cloud-practitioner
microsoft.mos-word | Microsoft Office Specialist: Word | microsoft | cert | BUS | 100 | 20 | 3 |
  - | -
microsoft.mos-excel | Microsoft Office Specialist: Excel | microsoft | cert | BUS | 100 | 20 | 3 |
  - | -
microsoft.azure-fundamentals | Microsoft Azure Fundamentals | microsoft | cert | CSCI | 99 | 20 |
  3 | - | -
google.it-support | Google IT Support Professional Certificate | google | micro | ITNT | 294 |
  180 | 24 | - | -
google.data-analytics | Google Data Analytics Professional Certificate | google | micro | STAT |
  294 | 180 | 24 | - | -
google.project-management | Google Project Management Professional Certificate | google |
  micro | BUS | 294 | 140 | 24 | - | -
google.cybersecurity | Google Cybersecurity Professional Certificate | google | micro | CYBR |
  294 | 170 | 24 | - | -
servsafe.manager | ServSafe Food Protection Manager | servsafe | cert | CULN | 180 | 16 | 2 |
  P5Y | -
nremt.emt | NREMT Emergency Medical Technician | nremt | license | EMS | 104 | 150 | 16 | P2Y | -
ohio-bon.lpn-license | Ohio Licensed Practical Nurse | ohio-bon | license | NURS | 200 | 1300 |
  48 | - | -
aws-weld.certified-welder | AWS Certified Welder | aws-weld | cert | WELD | 350 | 300 | 20 | P6M |
  -
nate.hvac-core | NATE Core Service Technician | nate | cert | HVAC | 150 | 80 | 8 | P2Y | -
ase.engine-repair | ASE Engine Repair (A1) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
ase.brakes | ASE Brakes (A5) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
ase.electrical | ASE Electrical Systems (A6) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
pmi.capm | PMI Certified Associate in Project Management | pmi | cert | BUS | 300 | 35 | 8 | P3Y |
  -
nccer.core | NCCER Core Curriculum | nccer | cert | ENGT | 90 | 72 | 8 | - | -
nha.ccma | NHA Certified Clinical Medical Assistant | nha | cert | MEDA | 160 | 160 | 16 | P2Y | -
osha.osha-30 | OSHA 30-Hour General Industry | osha | cert | ENGT | 189 | 30 | 2 | - | -
"""
_KINDS = {"cert": "industry-certification", "micro": "micro-credential", "license": "license"}


def _certifications() -> tuple[
    tuple[str, str, str, str, str, int, int, int, str | None, str | None], ...
]:
    rows = []
    for row in _CERTIFICATION_TABLE.replace("|\n  ", "| ").strip().splitlines():
        ident, title, issuer, kind, subject, cost, hours, weeks, valid, prereq = (
            cell.strip() for cell in row.split("|")
        )
        numbers = int(cost), int(hours), int(weeks)
        optional = None if valid == "-" else valid, None if prereq == "-" else prereq
        rows.append((ident, title, issuer, _KINDS[kind], subject, *numbers, *optional))
    return tuple(rows)


CERTIFICATIONS = _certifications()
"""(id, title, issuer, kind, subject, cost, hours, weeks, valid_for, prerequisite)"""
ACE_RECOMMENDED = ("google.it-support", "google.data-analytics", "google.project-management",
                   "google.cybersecurity")  # fmt: skip
PROVIDERS = {
    "comptia": "CompTIA", "cisco": "Cisco", "aws": "Amazon Web Services",
    "microsoft": "Microsoft", "google": "Google", "servsafe": "National Restaurant Association",
    "nremt": "National Registry of Emergency Medical Technicians",
    "ohio-bon": "Ohio Board of Nursing",
    "aws-weld": "American Welding Society", "nate": "North American Technician Excellence",
    "ase": "National Institute for Automotive Service Excellence",
    "pmi": "Project Management Institute", "nccer": "NCCER",
    "nha": "National Healthcareer Association",
    "osha": "Occupational Safety and Health Administration",
}  # fmt: skip

# (exam id, title, subject, tier-1 (score, credits), tier-2 (score, credits))
AP_EXAMS: tuple[tuple[str, str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("calculus-ab", "AP Calculus AB", "MATH", (3, 4), (4, 5)),
    ("calculus-bc", "AP Calculus BC", "MATH", (3, 5), (4, 10)),
    ("english-language", "AP English Language and Composition", "ENG", (3, 3), (4, 6)),
    ("english-literature", "AP English Literature and Composition", "ENG", (3, 3), (4, 6)),
    ("biology", "AP Biology", "BIOL", (3, 4), (4, 8)),
    ("chemistry", "AP Chemistry", "CHEM", (3, 4), (4, 8)),
    ("physics-1", "AP Physics 1", "PHYS", (3, 4), (4, 5)),
    ("us-history", "AP United States History", "HIST", (3, 3), (4, 6)),
    ("world-history", "AP World History", "HIST", (3, 3), (4, 6)),
    ("psychology", "AP Psychology", "PSYC", (3, 3), (4, 3)),
    ("macroeconomics", "AP Macroeconomics", "ECON", (3, 3), (4, 3)),
    ("microeconomics", "AP Microeconomics", "ECON", (3, 3), (4, 3)),
    ("us-government", "AP United States Government and Politics", "POLS", (3, 3), (4, 3)),
    ("statistics", "AP Statistics", "STAT", (3, 3), (4, 3)),
    ("spanish-language", "AP Spanish Language and Culture", "SPAN", (3, 4), (4, 8)),
    ("art-history", "AP Art History", "ARTS", (3, 3), (4, 6)),
)
CLEP_EXAMS: tuple[tuple[str, str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("college-algebra", "CLEP College Algebra", "MATH", (50, 3), (60, 4)),
    ("american-government", "CLEP American Government", "POLS", (50, 3), (60, 3)),
    ("intro-psychology", "CLEP Introductory Psychology", "PSYC", (50, 3), (60, 3)),
    ("intro-sociology", "CLEP Introductory Sociology", "SOC", (50, 3), (60, 3)),
    ("biology", "CLEP Biology", "BIOL", (50, 4), (60, 8)),
    ("chemistry", "CLEP Chemistry", "CHEM", (50, 4), (60, 8)),
    ("college-composition", "CLEP College Composition", "ENG", (50, 3), (60, 6)),
    ("principles-of-management", "CLEP Principles of Management", "BUS", (50, 3), (60, 3)),
    ("principles-of-marketing", "CLEP Principles of Marketing", "MKTG", (50, 3), (60, 3)),
    ("financial-accounting", "CLEP Financial Accounting", "ACCT", (50, 3), (60, 3)),
)
MILITARY = (
    ("army.68w-combat-medic", "Army Combat Medic Specialist (68W)", "EMS", 9),
    ("navy.hospital-corpsman", "Navy Hospital Corpsman", "HLTH", 8),
    ("af.cyber-transport", "Air Force Cyber Transport Systems", "ITNT", 12),
    ("army.wheeled-vehicle-mechanic", "Army Wheeled Vehicle Mechanic (91B)", "AUTO", 9),
)
SOURCE = "https://example.org/synthetic-state-system"
EPOCH = date(2010, 1, 1)
TODAY = date(2026, 6, 30)
"""Latest date a synthetic holding may carry (records are dated, not relative to the clock)."""
GRADES_GOOD = ("A", "A", "A-", "B+", "B", "B", "B-", "C+", "C")
GRADES_ANY = ("A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "F", "W")


# --------------------------------------------------------------------------- the model in memory


@dataclass
class _Institution:
    id: str
    name: str
    kind: str
    quarter: bool
    subjects: list[str]
    courses: list[Json] = field(default_factory=list)
    programs: list[Json] = field(default_factory=list)
    rules: list[Json] = field(default_factory=list)
    by_subject: dict[str, list[Json]] = field(default_factory=dict)
    by_tag: dict[str, list[Json]] = field(default_factory=dict)


@dataclass
class _World:
    institutions: list[_Institution]
    credentials: dict[str, Json]
    """Every credential (id → the last version's dict); versions in ``versions``."""
    versions: dict[str, list[Json]]
    equivalences: dict[str, Json]
    course_credits: dict[str, float]
    program_meta: dict[str, tuple[str, str]]
    """program id → (institution id, kind)."""
    sources: dict[str, list[str]] = field(default_factory=dict)
    """course id → courses elsewhere that count as it (an articulation rule at its
    institution, or a shared statewide code without date limits)."""


def _credits_of(course: Json) -> float:
    value = course["credits"]
    if isinstance(value, dict):
        return float(value["value"]) * 2 / 3
    return float(value)


def _institutions(rng: random.Random, count: int) -> list[_Institution]:
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
        result.append(_Institution(ident, name, kind, quarter, subjects))
    return result


def _courses(rng: random.Random, inst: _Institution, courses_per: int) -> None:
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
    rng: random.Random, insts: list[_Institution]
) -> tuple[Json, dict[str, Json], dict[str, Json], list[Json]]:
    """Institutions, policies, statewide credentials, equivalences, statewide rules, funding."""
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
    public = {"state": "OH", "control": "public"}
    policies = [
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
        "title": "Ohio Transfer 36 (completed)",
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

    # Statewide codes: the k-th introductory course of a subject, matched across institutions.
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
    funding = [
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
    statewide = {
        "institutions": institutions,
        "policies": policies,
        "funding": funding,
    }
    return statewide, credentials, equivalences, rules


# --------------------------------------------------------------------------- programs


class _Claims:
    """The courses a program's requirements already rely on.

    Each leaf is built from courses no earlier leaf claimed, so the requirement tree can
    always be met without counting a course twice (the audit's rule): every generated
    program is satisfiable by construction.
    """

    def __init__(self, rng: random.Random, claimed: frozenset[str] = frozenset()) -> None:
        self.rng = rng
        self.used: set[str] = set(claimed)

    def pick(self, courses: list[Json], k: int) -> list[str]:
        free = [c for c in courses if c["id"] not in self.used]
        chosen = [c["id"] for c in self.rng.sample(free, min(k, len(free)))]
        self.used.update(chosen)
        return chosen

    def credits(self, need: int, pools: list[tuple[Json, list[Json]]], **extra: Any) -> Json | None:
        """A ``credits`` leaf over the first filter whose free courses supply ``need``.

        Falls back to the widest filter with what it can supply (whole credits, at least 3);
        None when even that is too little.
        """
        for index, (flt, courses) in enumerate(pools):
            free = [c for c in courses if c["id"] not in self.used]
            self.rng.shuffle(free)
            if sum(_credits_of(c) for c in free) < need and index < len(pools) - 1:
                continue
            total, taken = 0.0, []
            for course in free:
                if total >= need:
                    break
                total += _credits_of(course)
                taken.append(course["id"])
            amount = min(need, int(total))
            if amount < 3:
                return None
            self.used.update(taken)
            return {**{k: v for k, v in extra.items() if k == "label"}, "credits": amount,
                    "from": flt, **{k: v for k, v in extra.items() if k != "label"}}  # fmt: skip
        return None


def _field_courses(inst: _Institution, subject: str, level: str | None = None) -> list[Json]:
    courses = inst.by_subject.get(subject, [])
    return [c for c in courses if level is None or c["level"] == level]


def _subjects(subjects: list[str]) -> str | list[str]:
    return subjects[0] if len(subjects) == 1 else subjects


def _gen_ed(inst: _Institution) -> Json:
    english = [c["id"] for c in inst.by_tag.get(GE_ENGLISH, [])[:1]]
    first: Json = (
        {"any": [{"has": english[0]}, {"has": "ohio.oan.oeng001"}]}
        if english
        else {"has": "ohio.oan.oeng001"}
    )
    return {
        "label": "General Education",
        "all": [
            first,
            {"credits": 3, "from": {"tags": GE_MATH}, "min_grade": "C-"},
            {"credits": 6, "from": {"tags": [GE_AH, GE_SS]},
             "distinct": {"by": "subject", "at_least": 2}},
            {"credits": 4, "from": {"tags": GE_NS}},
        ],
    }  # fmt: skip


Nested = dict[str, list[tuple[str, frozenset[str]]]]
"""subject → the certificates built so far, each with the courses it claims."""


def _program(
    rng: random.Random,
    inst: _Institution,
    kind: str,
    subject: str,
    serial: int,
    nested: Nested,
) -> Json:
    related = [s for s in RELATED.get(subject, ()) if s in inst.subjects]
    name = SUBJECT_NAMES[subject]
    lower = _field_courses(inst, subject, "lower") or _field_courses(inst, subject)
    upper = _field_courses(inst, subject, "upper")
    related_lower = [c for s in related for c in _field_courses(inst, s, "lower")]
    slug = f"{subject.lower()}-{serial}"
    cert_ids = [c for c in CERTIFICATIONS if c[4] == subject]
    requires: Json
    limits: list[Json] = []
    extra: Json = {}
    children: list[Json]
    claims = _Claims(rng)
    if kind == "badge":
        ident = f"{inst.id}.badge.{slug}"
        title = f"{name} Skills Badge {serial}"
        extra = {"badge_type": "skill",
                 "badge_classes": [f"https://badges.{inst.id}.edu/classes/{slug}"]}  # fmt: skip
        requires = {"all": [{"has": c} for c in claims.pick(lower, 2)]}
        credits = 0
    elif kind == "micro-credential":
        ident = f"{inst.id}.micro.{slug}"
        title = f"{name} Micro-credential {serial}"
        core = claims.pick(lower, 3)
        options: list[Json] = [{"has": c} for c in core[1:]]
        if cert_ids:
            options.append({"has": cert_ids[0][0]})
        requires = {"all": [{"has": core[0]}, {"any": options or [{"has": core[0]}]}]}
        credits = 6
    elif kind in ("certificate", "career-tech-program"):
        prefix = "cert" if kind == "certificate" else "ctp"
        ident = f"{inst.id}.{prefix}.{slug}"
        title = f"{name} {'Certificate' if kind == 'certificate' else 'Program'} {serial}"
        pool = lower + (upper if inst.kind == "university" else [])
        children = [{"has": c} for c in claims.pick(pool, rng.randint(3, 4))]
        alternatives: list[Json] = [{"has": c} for c in claims.pick(pool, 2)]
        if cert_ids and rng.random() < 0.6:
            alternatives.append({"has": rng.choice(cert_ids)[0], "earned_within": "P5Y"})
        if len(alternatives) > 1:
            children.append({"any": alternatives})
        level = "vocational" if kind == "career-tech-program" else "lower"
        related_pool = [c for s in related[:1] for c in _field_courses(inst, s, level)]
        electives = claims.credits(
            6,
            [({"subject": subject, "level": level}, _field_courses(inst, subject, level)),
             ({"subject": _subjects([subject, *related[:1]]), "level": level},
              _field_courses(inst, subject, level) + related_pool)],
            label=f"{name} electives", min_grade="C",
        )  # fmt: skip
        if electives:
            children.append(electives)
        requires = {"all": children}
        credits = rng.choice((16, 18, 24, 30)) if kind == "certificate" else 0
        if kind == "career-tech-program":
            extra = {"hours": rng.choice((600, 900, 1200))}
        else:
            if rng.random() < 0.3:
                limits.append({"max_credits": 6, "from": {"via": ["ohio.ap", "ohio.clep"]}})
            nested.setdefault(subject, []).append((ident, frozenset(claims.used)))
    elif kind == "associate":
        transfer = subject in GE_AREA or rng.random() < 0.2
        degree = ("aa" if subject in GE_AREA and GE_AREA[subject] in (GE_AH, GE_SS) else "as") \
            if transfer else "aas"  # fmt: skip
        ident = f"{inst.id}.{degree}.{slug}"
        kind_name = {"aa": "Arts", "as": "Science", "aas": "Applied Science"}[degree]
        title = f"Associate of {kind_name} in {name}"
        children = [
            {"has": "ohio.ot36", "label": "Ohio Transfer 36"} if transfer else _gen_ed(inst)
        ]
        inner = nested.get(subject, [])
        if inner and degree == "aas":
            certificate, claimed = rng.choice(inner)
            claims = _Claims(rng, claimed)
            children.append({"label": "Technical core", "has": certificate})
        else:
            children.append(
                {"label": "Technical core", "all": [{"has": c} for c in claims.pick(lower, 4)]}
            )
        major = claims.credits(
            12,
            [({"subject": _subjects([subject, *related]), "level": "lower"},
              lower + related_lower)],
            label="Major", min_grade="C",
        )  # fmt: skip
        if major:
            children.append(major)
        choices = [{"has": c} for c in claims.pick(lower + related_lower, 4)]
        if len(choices) >= 2:
            children.append({"label": "Program electives", "at_least": 2, "of": choices})
        children.append(
            {"label": "Writing intensive", "count": 1, "from": {"tags": "writing-intensive"},
             "shares": True}
        )  # fmt: skip
        requires = {"all": children}
        credits = 60
        limits.append({"label": "Residency", "min_credits": 20, "from": {"earned_at": "self"}})
        limits.append({"max_credits": 12, "from": {"via": ["ohio.ap", "ohio.clep"]}})
        if rng.random() < 0.3:
            limits.append({"label": "Transfer cap", "max_share": "7/10",
                           "from": {"earned_at": "other"}})  # fmt: skip
        extra = {"min_gpa": 2.0, "gpa_scope": rng.choice(("all", "self"))}
    else:  # bachelor
        applied = subject not in GE_AREA and rng.random() < 0.15
        ident = f"{inst.id}.{'bas' if applied else 'bs'}.{slug}"
        title = f"Bachelor of {'Applied ' if applied else ''}Science in {name}"
        children = [{"has": "ohio.ot36", "label": "Ohio Transfer 36"}]
        if applied:
            children.append({"label": "Associate degree", "count": 1,
                             "from": {"kind": "associate"}})  # fmt: skip
        inner = nested.get(subject, [])
        if inner and rng.random() < 0.5:
            certificate, claimed = rng.choice(inner)
            claims = _Claims(rng, claimed)
            children.append({"label": "Embedded certificate", "has": certificate})
        core = claims.pick(lower, 3) + claims.pick(upper, 2)
        children.append({"label": "Major core", "all": [{"has": c} for c in core]})
        related_upper = [c for s in related for c in _field_courses(inst, s, "upper")]
        major = claims.credits(
            15,
            [({"subject": subject, "level": "upper"}, upper),
             ({"subject": _subjects([subject, *related]), "level": "upper"},
              upper + related_upper)],
            label="Upper-division major", min_grade="C",
        )  # fmt: skip
        if major:
            children.append(major)
        children.append({"label": "Upper-division electives", "credits": 9,
                         "from": {"level": "upper"}})  # fmt: skip
        options = [{"has": c} for c in claims.pick(upper + related_upper, 3)]
        if len(options) >= 2:
            children.append({"label": "Capstone options", "at_least": 1, "of": options})
        children.append(
            {"label": "Writing intensive", "count": 2, "from": {"tags": "writing-intensive"},
             "shares": True}
        )  # fmt: skip
        requires = {"all": children}
        credits = 120
        limits.append({"label": "Residency", "min_credits": 30, "from": {"earned_at": "self"}})
        limits.append({"max_credits": 30, "from": {"via": ["ohio.ap", "ohio.clep"]}})
        extra = {"min_gpa": 2.0}
    program: Json = {"id": ident, "title": title, "kind": kind, "issuer": inst.id}
    if credits:
        program["credits"] = credits
    program.update({k: v for k, v in extra.items() if k not in ("min_gpa", "gpa_scope")})
    program["requires"] = requires
    if limits:
        program["limits"] = limits
    for key in ("min_gpa", "gpa_scope"):
        if key in extra:
            program[key] = extra[key]
    if rng.random() < 0.1:
        program["ctid"] = "ce-" + "-".join(
            f"{rng.getrandbits(b * 4):0{b}x}" for b in (8, 4, 4, 4, 12)
        )
    return program


def _programs(rng: random.Random, inst: _Institution, programs_per: int) -> None:
    mix: tuple[tuple[str, float], ...]
    if inst.kind == "community-college":
        mix = (("certificate", 0.40), ("micro-credential", 0.08), ("associate", 0.52))
    elif inst.kind == "university":
        mix = (("badge", 0.04), ("certificate", 0.22), ("micro-credential", 0.04),
               ("associate", 0.05), ("bachelor", 0.65))  # fmt: skip
    else:
        mix = (("career-tech-program", 0.6), ("certificate", 0.4))
    count = programs_per // 3 if inst.kind == "career-tech-center" else programs_per
    professional = [s for s in inst.subjects if s not in GE_AREA]
    nested: Nested = {}
    serial: dict[str, int] = {}
    # Smaller programs first, so associates and bachelors can nest the certificates.
    for kind, share in mix:
        for n in range(max(1, round(count * share))):
            if (kind == "bachelor" and n % 3 == 0) or (kind == "associate" and n % 4 == 0):
                subject = rng.choice([s for s, _, _ in ARTS_SCIENCES])
            else:
                subject = rng.choice(professional)
            serial[subject] = serial.get(subject, 0) + 1
            inst.programs.append(_program(rng, inst, kind, subject, serial[subject], nested))


def _versions(rng: random.Random, program: Json) -> list[Json]:
    """A few programs change in 2022: two catalog-year versions with disjoint ranges."""
    if program["kind"] not in ("associate", "bachelor", "certificate") or rng.random() > 0.06:
        return [program]
    old = dict(program)
    old["effective"] = {"to": date(2022, 6, 30)}
    new = dict(program)
    new["effective"] = {"from": date(2022, 7, 1)}
    children = list(program["requires"]["all"])
    # The older catalog asked for one course fewer in its first has-list, if it had one.
    for index, child in enumerate(children):
        if "all" in child and len(child["all"]) > 1:
            children[index] = {**child, "all": child["all"][:-1]}
            break
    old["requires"] = {"all": children}
    return [old, new]


# --------------------------------------------------------------------------- transfer rules


def _local_rules(rng: random.Random, insts: list[_Institution], inst: _Institution) -> None:
    # Course-to-course rules flow one way — from community colleges to universities, and
    # from earlier to later institutions of a kind — because the compiled graph rejects a
    # cycle of rules (A's course granting B's granting A's). Reciprocal agreements are what
    # the statewide equivalences are for.
    def rank(other: _Institution) -> tuple[int, int]:
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


# --------------------------------------------------------------------------- learners


class _Walker:
    """Builds a transcript that meets a program's requirement tree.

    Two passes over the tree: first every ``has`` (and the branch each ``any``/``at_least``
    takes), then every ``credits``/``count`` leaf from courses not taken yet — so no course
    is asked to count twice, which the audit would refuse.
    """

    def __init__(self, rng: random.Random, world: _World, home: _Institution) -> None:
        self.rng = rng
        self.world = world
        self.home = home
        self.courses: list[str] = []
        self.taken: set[str] = set()
        self.others: list[str] = []
        self.choices: dict[int, list[Json]] = {}

    def add(self, ident: str) -> None:
        if ident not in self.taken:
            self.taken.add(ident)
            if ident in self.world.course_credits:
                self.courses.append(ident)
            else:
                self.others.append(ident)

    def matching(self, flt: Json) -> Iterator[Json]:
        tags = _aslist(flt.get("tags"))
        subjects = _aslist(flt.get("subject"))
        levels = _aslist(flt.get("level"))
        pool = (
            [c for t in tags for c in self.home.by_tag.get(t, [])]
            if tags
            else [c for s in subjects for c in self.home.by_subject.get(s, [])]
            if subjects
            else self.home.courses
        )
        for course in pool:
            if subjects and course["subject"] not in subjects:
                continue
            if levels and course["level"] not in levels:
                continue
            if tags and not set(tags) & set(course.get("tags", ())):
                continue
            yield course

    def walk(self, req: Json, year: int) -> None:
        self._walk(req, year, "has")
        self._walk(req, year, "credits")

    def _chosen(self, req: Json) -> list[Json]:
        key = id(req)
        if key not in self.choices:
            if "any" in req:
                # Courses rather than certifications that may have lapsed by the as-of date.
                plain = [c for c in req["any"] if "earned_within" not in c] or req["any"]
                self.choices[key] = [self.rng.choice(plain)]
            else:
                self.choices[key] = self.rng.sample(req["of"], req["at_least"])
        return self.choices[key]

    def _walk(self, req: Json, year: int, phase: str) -> None:
        if "has" in req:
            self.has(req["has"], year, phase)
        elif "all" in req:
            for child in req["all"]:
                self._walk(child, year, phase)
        elif "any" in req or "at_least" in req:
            for child in self._chosen(req):
                self._walk(child, year, phase)
        elif phase == "credits":
            self.credits(req)

    def credits(self, req: Json) -> None:
        flt = req["from"]
        if "kind" in flt:
            degrees = sorted(
                p
                for p, (inst, kind) in self.world.program_meta.items()
                if kind in flt["kind"] and inst != self.home.id
            )
            if degrees:
                self.add(self.rng.choice(degrees[:50]))
            return
        candidates = list(self.matching(flt))
        self.rng.shuffle(candidates)
        need = float(req.get("credits", 0))
        count = int(req.get("count", 0))
        if req.get("shares"):
            # An overlay reads courses without using them: those already taken may do.
            count -= sum(1 for c in candidates if c["id"] in self.taken)
        distinct = int(req.get("distinct", {}).get("at_least", 1))
        got, subjects = 0.0, set[str]()
        for course in candidates:
            if got >= need and count <= 0 and len(subjects) >= distinct:
                break
            if course["id"] in self.taken:
                continue
            got += _credits_of(course)
            count -= 1
            subjects.add(course["subject"])
            self.add(course["id"])

    def has(self, ident: str, year: int, phase: str) -> None:
        world = self.world
        if ident in world.versions and "requires" in world.versions[ident][-1]:
            if not ident.startswith("ohio.admission"):
                self._walk(_version_for(world.versions[ident], year)["requires"], year, phase)
            return
        if phase != "has":
            return
        if ident in world.equivalences:
            members = list(world.equivalences[ident]["members"])
            local = [m for m in members if _member_ids(m)[0].startswith(self.home.id + ".")]
            choice = (local or members or [None])[0]
            if choice is not None:
                for member in _member_ids(choice):
                    self.add(member)
        else:
            self.add(ident)


def _aslist(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _member_ids(member: Any) -> list[str]:
    if isinstance(member, str):
        return [member]
    if "id" in member:
        return [member["id"]]
    return list(member["all"])


def _version_for(versions: list[Json], year: int) -> Json:
    day = date(year, 7, 1)
    for version in versions:
        eff = version.get("effective", {})
        if eff.get("from", date.min) <= day <= eff.get("to", date.max):
            return version
    return versions[-1]


def _term_date(rng: random.Random, start: date, term: int) -> date:
    # Fall, spring, summer terms after the catalog year's 1 August.
    base = start + timedelta(days=int(term * 121.7))
    return min(base + timedelta(days=rng.randrange(100, 130)), TODAY)


def _learner(rng: random.Random, world: _World, number: int) -> tuple[Json, str, str]:
    """A record walking toward one program; returns (record, program id, intent).

    The intent says how far the transcript was built: ``complete`` (every requirement taken),
    ``near`` (one to three courses short) or ``early`` (well short); with ``-awarded`` when the
    record also holds the program itself.
    """
    colleges = [i for i in world.institutions if i.kind != "career-tech-center"]
    home = colleges[number % len(colleges)] if number % 5 else rng.choice(colleges)
    programs = [p for p in home.programs if p["kind"] in ("certificate", "associate", "bachelor")]
    target = rng.choice(programs)
    year = rng.randrange(2016, 2024)
    walker = _Walker(rng, world, home)
    walker.walk(_version_for(world.versions[target["id"]], year)["requires"], year)
    declared = float(target.get("credits", 0))
    total = sum(world.course_credits[c] for c in walker.courses)
    fillers = [c for c in home.courses if c["id"] not in walker.taken]
    rng.shuffle(fillers)
    for course in fillers:
        if total >= declared:
            break
        walker.add(course["id"])
        total += _credits_of(course)
    mode = rng.random()
    courses = list(walker.courses)
    if mode >= 0.35:
        # Not there yet: drop a few courses (near) or most of them (early in the program).
        drop = rng.randint(1, 3) if mode < 0.65 else int(len(courses) * rng.uniform(0.3, 0.8))
        for _ in range(min(drop, len(courses))):
            courses.pop(rng.randrange(len(courses)))
    start = date(year, 8, 1)
    terms = max(1, min(12, len(courses) // 4 + 1))
    holdings: list[Json] = []
    other_colleges = [i for i in colleges if i is not home]
    transfer_from = rng.choice(other_colleges) if other_colleges and rng.random() < 0.3 else None
    for index, ident in enumerate(courses):
        term = index * terms // max(1, len(courses))
        earned = _term_date(rng, start, term)
        if transfer_from is not None and index < len(courses) // 2:
            # Early courses taken at the other college, where one counts as this one there.
            prefix = transfer_from.id + "."
            options = [c for c in world.sources.get(ident, ()) if c.startswith(prefix)]
            if options:
                ident = rng.choice(options)
        roll = rng.random()
        if roll < 0.04:
            holdings.append({"credential": ident, "earned": earned - timedelta(days=120),
                             "grade": rng.choice(("F", "W", "D"))})  # fmt: skip
            holdings.append({"credential": ident, "earned": earned,
                             "grade": rng.choice(GRADES_GOOD)})  # fmt: skip
        elif roll < 0.07:
            holdings.append({"credential": ident, "earned": earned, "grade": "P"})
        else:
            holdings.append({"credential": ident, "earned": earned,
                             "grade": rng.choice(GRADES_GOOD)})  # fmt: skip
    for ident in walker.others:
        holdings.append({"credential": ident, "earned": _term_date(rng, start, terms)})
    # Extra history: a failed or withdrawn course, certifications, exams, work in progress.
    for course in rng.sample(home.courses, 2):
        if rng.random() < 0.3 and course["id"] not in walker.taken:
            holdings.append({"credential": course["id"], "earned": _term_date(rng, start, 0),
                             "grade": rng.choice(("W", "F", "D-"))})  # fmt: skip
    if rng.random() < 0.25:
        exam = rng.choice(AP_EXAMS)
        holdings.append({"credential": f"ap.{exam[0]}", "earned": date(year, 7, 5),
                         "score": rng.choice((2, 3, 3, 4, 5))})  # fmt: skip
    if rng.random() < 0.1:
        exam = rng.choice(CLEP_EXAMS)
        holdings.append({"credential": f"clep.{exam[0]}", "earned": _term_date(rng, start, 1),
                         "score": rng.choice((45, 52, 58, 63, 70))})  # fmt: skip
    if rng.random() < 0.15:
        cert = rng.choice(CERTIFICATIONS)
        holding: Json = {"credential": cert[0], "earned": _term_date(rng, start, rng.randrange(6))}
        if cert[0] in ("ohio-bon.lpn-license",) and rng.random() < 0.5:
            holding["claimed"] = holding["earned"] + timedelta(days=200)
        holdings.append(holding)
    if rng.random() < 0.04:
        mil = rng.choice(MILITARY)
        holdings.append({"credential": mil[0], "earned": date(year - 2, 6, 1)})
    awarded = mode < 0.35 and rng.random() < 0.4
    if awarded:
        holdings.append({"credential": target["id"], "earned": _term_date(rng, start, terms)})
    if rng.random() < 0.4:
        for course in rng.sample(home.courses, rng.randint(1, 3)):
            if course["id"] not in walker.taken:
                holdings.append({"credential": course["id"], "status": "in_progress"})
    ident = f"l-{number:06d}"
    learner: Json = {
        "id": ident,
        "name": f"Learner {number}",
        "catalog_year": year,
        "state": "OH",
        "institution": home.id,
    }
    statuses = [s for s in ("employed", "unemployed", "low_income") if rng.random() < 0.2]
    if statuses:
        learner["status"] = statuses
    record: Json = {"learner": learner, "holdings": holdings}
    if rng.random() < 0.03:
        record["exceptions"] = [{"waive": "Writing intensive", "by": "registrar",
                                 "reason": "Course sequence discontinued"}]  # fmt: skip
    intent = "complete" if mode < 0.35 else "near" if mode < 0.65 else "early"
    return record, target["id"], intent + ("-awarded" if awarded else "")


# --------------------------------------------------------------------------- writing


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


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
        _programs(random.Random(f"{seed}:programs:{inst.id}"), inst, programs_per)
    statewide, credentials, equivalences, state_rules = _statewide(
        random.Random(f"{seed}:state"), insts
    )
    for inst in insts:
        _local_rules(random.Random(f"{seed}:rules:{inst.id}"), insts, inst)

    versions: dict[str, list[Json]] = {ident: [c] for ident, c in credentials.items()}
    course_credits: dict[str, float] = {}
    program_meta: dict[str, tuple[str, str]] = {}
    vrng = random.Random(f"{seed}:versions")
    for inst in insts:
        for course in inst.courses:
            versions[course["id"]] = [course]
            course_credits[course["id"]] = _credits_of(course)
        expanded: list[Json] = []
        for program in inst.programs:
            program_versions = _versions(vrng, program)
            versions[program["id"]] = program_versions
            program_meta[program["id"]] = (inst.id, program["kind"])
            expanded.extend(program_versions)
        inst.programs = expanded
    world = _World(insts, credentials, versions, equivalences, course_credits, program_meta)
    for inst in insts:
        for rule in inst.rules:
            grants = rule["grants"]
            if "has" in rule["when"] and len(grants) == 1 and "credential" in grants[0]:
                world.sources.setdefault(grants[0]["credential"], []).append(rule["when"]["has"])
    for eq in equivalences.values():
        singles = [m for m in eq["members"] if isinstance(m, str)]
        for member in singles:
            world.sources.setdefault(member, []).extend(m for m in singles if m != member)

    catalog_dir = out / "catalog"
    learner_dir = out / "learners"
    for directory in (catalog_dir, learner_dir):
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
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

    learner_bytes = 0
    lrng = random.Random(f"{seed}:learners")
    goals: set[str] = set()
    targets = ["learner,goal,intent"]
    for number in range(1, learners + 1):
        record, goal, intent = _learner(lrng, world, number)
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
