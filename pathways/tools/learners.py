"""Synthetic learner records: transcripts that walk toward a program, with realistic noise."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pathways.tools.vocabulary import (
    AP_EXAMS,
    CERTIFICATIONS,
    CLEP_EXAMS,
    GRADES_GOOD,
    MILITARY,
    TODAY,
)
from pathways.tools.world import Institution, Json, World, credits_of

# --------------------------------------------------------------------------- learners


class _Walker:
    """Builds a transcript that meets a program's requirement tree.

    Two passes over the tree: first every ``has`` (and the branch each ``any``/``at_least``
    takes), then every ``credits``/``count`` leaf from courses not taken yet — so no course
    is asked to count twice, which the audit would refuse.
    """

    def __init__(self, rng: random.Random, world: World, home: Institution) -> None:
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
            got += credits_of(course)
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


def _extra_history(
    rng: random.Random, home: Institution, taken: set[str], start: date, year: int
) -> list[Json]:
    """Extra history: a failed or withdrawn course, certifications, exams, military training."""
    holdings: list[Json] = []
    for course in rng.sample(home.courses, 2):
        if rng.random() < 0.3 and course["id"] not in taken:
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
    return holdings


def make_learner(rng: random.Random, world: World, number: int) -> tuple[Json, str, str]:
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
        total += credits_of(course)
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
    holdings += _extra_history(rng, home, walker.taken, start, year)
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
