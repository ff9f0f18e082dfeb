"""Synthetic programs: badges to bachelor's degrees whose requirement trees can always be met.

Each program claims the courses its leaves rely on so that no course is needed twice; a
certificate may nest inside an associate degree, and an associate inside a bachelor's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathways.tools.vocabulary import (
    ARTS_SCIENCES,
    CERTIFICATIONS,
    GE_AH,
    GE_AREA,
    GE_ENGLISH,
    GE_MATH,
    GE_NS,
    GE_SS,
    RELATED,
    SUBJECT_NAMES,
)
from pathways.tools.world import Institution, Json, credits_of

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
            if sum(credits_of(c) for c in free) < need and index < len(pools) - 1:
                continue
            total, taken = 0.0, []
            for course in free:
                if total >= need:
                    break
                total += credits_of(course)
                taken.append(course["id"])
            amount = min(need, int(total))
            if amount < 3:
                return None
            self.used.update(taken)
            return {**{k: v for k, v in extra.items() if k == "label"}, "credits": amount,
                    "from": flt, **{k: v for k, v in extra.items() if k != "label"}}  # fmt: skip
        return None


def _field_courses(inst: Institution, subject: str, level: str | None = None) -> list[Json]:
    courses = inst.by_subject.get(subject, [])
    return [c for c in courses if level is None or c["level"] == level]


def _subjects(subjects: list[str]) -> str | list[str]:
    return subjects[0] if len(subjects) == 1 else subjects


def _gen_ed(inst: Institution) -> Json:
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


@dataclass
class _Field:
    """What every program of one subject at one institution is built from."""

    rng: random.Random
    inst: Institution
    subject: str
    serial: int
    nested: Nested
    claims: _Claims
    related: list[str]
    name: str
    lower: list[Json]
    upper: list[Json]
    related_lower: list[Json]
    slug: str
    cert_ids: list[tuple[Any, ...]]


_Draft = tuple[str, str, Json, int, list[Json], Json]
"""(id, title, requires, credits, limits, extra keys) of a program being drafted."""


def _program(
    rng: random.Random,
    inst: Institution,
    kind: str,
    subject: str,
    serial: int,
    nested: Nested,
) -> Json:
    related = [s for s in RELATED.get(subject, ()) if s in inst.subjects]
    f = _Field(
        rng=rng,
        inst=inst,
        subject=subject,
        serial=serial,
        nested=nested,
        claims=_Claims(rng),
        related=related,
        name=SUBJECT_NAMES[subject],
        lower=_field_courses(inst, subject, "lower") or _field_courses(inst, subject),
        upper=_field_courses(inst, subject, "upper"),
        related_lower=[c for s in related for c in _field_courses(inst, s, "lower")],
        slug=f"{subject.lower()}-{serial}",
        cert_ids=[c for c in CERTIFICATIONS if c[4] == subject],
    )
    if kind == "badge":
        ident, title, requires, credits, limits, extra = _badge(f)
    elif kind == "micro-credential":
        ident, title, requires, credits, limits, extra = _micro(f)
    elif kind in ("certificate", "career-tech-program"):
        ident, title, requires, credits, limits, extra = _certificate(f, kind)
    elif kind == "associate":
        ident, title, requires, credits, limits, extra = _associate(f)
    else:
        ident, title, requires, credits, limits, extra = _bachelor(f)
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


def _badge(f: _Field) -> _Draft:
    """A skill badge: two claimed lower-division courses."""
    limits: list[Json] = []
    extra: Json = {}
    requires: Json
    ident = f"{f.inst.id}.badge.{f.slug}"
    title = f"{f.name} Skills Badge {f.serial}"
    extra = {"badge_type": "skill",
             "badge_classes": [f"https://badges.{f.inst.id}.edu/classes/{f.slug}"]}  # fmt: skip
    requires = {"all": [{"has": c} for c in f.claims.pick(f.lower, 2)]}
    credits = 0
    return ident, title, requires, credits, limits, extra


def _micro(f: _Field) -> _Draft:
    """A micro-credential: a core course and one of the others or a certification."""
    limits: list[Json] = []
    extra: Json = {}
    requires: Json
    ident = f"{f.inst.id}.micro.{f.slug}"
    title = f"{f.name} Micro-credential {f.serial}"
    core = f.claims.pick(f.lower, 3)
    options: list[Json] = [{"has": c} for c in core[1:]]
    if f.cert_ids:
        options.append({"has": f.cert_ids[0][0]})
    requires = {"all": [{"has": core[0]}, {"any": options or [{"has": core[0]}]}]}
    credits = 6
    return ident, title, requires, credits, limits, extra


def _certificate(f: _Field, kind: str) -> _Draft:
    """A certificate or career-tech program: courses, alternatives, electives."""
    limits: list[Json] = []
    extra: Json = {}
    children: list[Json]
    requires: Json
    prefix = "cert" if kind == "certificate" else "ctp"
    ident = f"{f.inst.id}.{prefix}.{f.slug}"
    title = f"{f.name} {'Certificate' if kind == 'certificate' else 'Program'} {f.serial}"
    pool = f.lower + (f.upper if f.inst.kind == "university" else [])
    children = [{"has": c} for c in f.claims.pick(pool, f.rng.randint(3, 4))]
    alternatives: list[Json] = [{"has": c} for c in f.claims.pick(pool, 2)]
    if f.cert_ids and f.rng.random() < 0.6:
        alternatives.append({"has": f.rng.choice(f.cert_ids)[0], "earned_within": "P5Y"})
    if len(alternatives) > 1:
        children.append({"any": alternatives})
    level = "vocational" if kind == "career-tech-program" else "lower"
    related_pool = [c for s in f.related[:1] for c in _field_courses(f.inst, s, level)]
    electives = f.claims.credits(
        6,
        [({"subject": f.subject, "level": level}, _field_courses(f.inst, f.subject, level)),
         ({"subject": _subjects([f.subject, *f.related[:1]]), "level": level},
          _field_courses(f.inst, f.subject, level) + related_pool)],
        label=f"{f.name} electives", min_grade="C",
    )  # fmt: skip
    if electives:
        children.append(electives)
    requires = {"all": children}
    credits = f.rng.choice((16, 18, 24, 30)) if kind == "certificate" else 0
    if kind == "career-tech-program":
        extra = {"hours": f.rng.choice((600, 900, 1200))}
    else:
        if f.rng.random() < 0.3:
            limits.append({"max_credits": 6, "from": {"via": ["ohio.ap", "ohio.clep"]}})
        f.nested.setdefault(f.subject, []).append((ident, frozenset(f.claims.used)))
    return ident, title, requires, credits, limits, extra


def _associate(f: _Field) -> _Draft:
    """An associate degree: general education or OT36, a technical core, a major."""
    claims = f.claims
    limits: list[Json] = []
    extra: Json = {}
    children: list[Json]
    requires: Json
    transfer = f.subject in GE_AREA or f.rng.random() < 0.2
    degree = ("aa" if f.subject in GE_AREA and GE_AREA[f.subject] in (GE_AH, GE_SS) else "as") \
        if transfer else "aas"  # fmt: skip
    ident = f"{f.inst.id}.{degree}.{f.slug}"
    kind_name = {"aa": "Arts", "as": "Science", "aas": "Applied Science"}[degree]
    title = f"Associate of {kind_name} in {f.name}"
    children = [{"has": "ohio.ot36", "label": "Ohio Transfer 36"} if transfer else _gen_ed(f.inst)]
    inner = f.nested.get(f.subject, [])
    if inner and degree == "aas":
        certificate, claimed = f.rng.choice(inner)
        claims = _Claims(f.rng, claimed)
        children.append({"label": "Technical core", "has": certificate})
    else:
        children.append(
            {"label": "Technical core", "all": [{"has": c} for c in claims.pick(f.lower, 4)]}
        )
    major = claims.credits(
        12,
        [({"subject": _subjects([f.subject, *f.related]), "level": "lower"},
          f.lower + f.related_lower)],
        label="Major", min_grade="C",
    )  # fmt: skip
    if major:
        children.append(major)
    choices = [{"has": c} for c in claims.pick(f.lower + f.related_lower, 4)]
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
    if f.rng.random() < 0.3:
        limits.append({"label": "Transfer cap", "max_share": "7/10",
                       "from": {"earned_at": "other"}})  # fmt: skip
    extra = {"min_gpa": 2.0, "gpa_scope": f.rng.choice(("all", "self"))}
    return ident, title, requires, credits, limits, extra


def _bachelor(f: _Field) -> _Draft:
    """A bachelor's degree: OT36, a major core, upper-division credit, a capstone."""
    claims = f.claims
    limits: list[Json] = []
    extra: Json = {}
    children: list[Json]
    requires: Json
    applied = f.subject not in GE_AREA and f.rng.random() < 0.15
    ident = f"{f.inst.id}.{'bas' if applied else 'bs'}.{f.slug}"
    title = f"Bachelor of {'Applied ' if applied else ''}Science in {f.name}"
    children = [{"has": "ohio.ot36", "label": "Ohio Transfer 36"}]
    if applied:
        children.append({"label": "Associate degree", "count": 1,
                         "from": {"kind": "associate"}})  # fmt: skip
    inner = f.nested.get(f.subject, [])
    if inner and f.rng.random() < 0.5:
        certificate, claimed = f.rng.choice(inner)
        claims = _Claims(f.rng, claimed)
        children.append({"label": "Embedded certificate", "has": certificate})
    core = claims.pick(f.lower, 3) + claims.pick(f.upper, 2)
    children.append({"label": "Major core", "all": [{"has": c} for c in core]})
    related_upper = [c for s in f.related for c in _field_courses(f.inst, s, "upper")]
    major = claims.credits(
        15,
        [({"subject": f.subject, "level": "upper"}, f.upper),
         ({"subject": _subjects([f.subject, *f.related]), "level": "upper"},
          f.upper + related_upper)],
        label="Upper-division major", min_grade="C",
    )  # fmt: skip
    if major:
        children.append(major)
    children.append({"label": "Upper-division electives", "credits": 9,
                     "from": {"level": "upper"}})  # fmt: skip
    options = [{"has": c} for c in claims.pick(f.upper + related_upper, 3)]
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
    return ident, title, requires, credits, limits, extra


def add_programs(rng: random.Random, inst: Institution, programs_per: int) -> None:
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


def versions_of(rng: random.Random, program: Json) -> list[Json]:
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
