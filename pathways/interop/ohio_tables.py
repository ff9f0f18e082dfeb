"""Ohio source tables → catalog entries: institutions, OT36 course lists, OAN codes.

The tables live under ``data/ohio/sources/`` (one row per fact, each with its URL and the
date it was read). This module turns their rows into plain catalog entries (the dicts a
catalog YAML file holds); :mod:`pathways.interop.equivalencies` reads the files, joins these
entries with a registrar's equivalency rows, checks the whole catalog and writes it.

What a caller may rely on:

* a course id is ``<institution>.<subject>-<number>``, lowercase, with the institution's own
  subject code (Sinclair ENG 1101 is ``sinclair.eng-1101``);
* every course in an OT36 table with a known credit value gets a rule of policy
  ``ohio.ot36-guarantee`` that gives its own credit, tagged with its OT36 area, at every
  other public institution;
* every OAN code gets one equivalence whose members are all the courses that list it; where
  a receiving institution has a member, a rule grants that member (and replaces the OT36
  area credit of the course it fired on);
* a course or institution the hand-written catalog already defines is used, not redefined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pathways.errors import suggest
from pathways.interop.tables import Row, Table, exactly, first_seen, slug

__all__ = [
    "AREAS",
    "EXTRA_COLUMNS",
    "IDENTIFIER_COLUMNS",
    "INSTITUTION_COLUMNS",
    "OAN_COLUMNS",
    "OT36_COLUMNS",
    "Catalogue",
    "Course",
    "course_entry",
    "equivalence_id",
    "oan_policy",
    "ot36_rule",
    "read_extras",
    "read_identifiers",
    "read_institutions",
    "read_oan_codes",
    "read_ot36",
]

OT36_COLUMNS = (
    "institution", "subject", "number", "title", "credits", "credit_unit", "ot36_area", "lab",
    "oan_code", "source", "seen",
)  # fmt: skip
INSTITUTION_COLUMNS = (
    "id",
    "name",
    "aliases",
    "kind",
    "opeid",
    "ipeds",
    "closed",
    "source",
    "seen",
)
OAN_COLUMNS = ("code", "title", "credits", "subject", "source", "seen", "note")
EXTRA_COLUMNS = ("id", "badge_issuers", "note")
"""``institution-extras.csv``: what the catalog adds to a listed institution that is not a
fact of the public record: its badge issuer ids and a note (e.g. a tuition estimate)."""
IDENTIFIER_COLUMNS = ("id", "scheme", "value", "source", "seen")
"""``institution-identifiers.csv``: one federal code of a listed institution a row (``scheme``
``ipeds`` for the IPEDS UnitID, ``opeid`` for the OPE id), each citing the file it was read
in, so a code read elsewhere than the institution's own page keeps its own source."""
_ID_PATTERNS = {"ipeds": re.compile(r"^[0-9]{6}$"), "opeid": re.compile(r"^[0-9]{6}([0-9]{2})?$")}
_ID_SHAPES = {"ipeds": "6 digits", "opeid": "6 or 8 digits"}

AREAS: dict[str, tuple[str, str]] = {
    "eng": ("ot36-eng", "English Composition / Oral Communication"),
    "math": ("ot36-math", "Mathematics, Statistics & Logic"),
    "ns": ("ot36-ns", "Natural Sciences"),
    "sbs": ("ot36-sbs", "Social & Behavioral Sciences"),
    "ah": ("ot36-ah", "Arts & Humanities"),
}
"""OT36 area code in the tables → (catalog tag, title)."""

_AREA_MARK = re.compile(r"^TM[A-Z]{1,4}$")
_CODE = re.compile(r"^[A-Z]{2,6}[0-9]{3}[A-Z]?$")
_KINDS = {
    "university": "university",
    "community": "community-college",
    "technical": "community-college",
}


def equivalence_id(code: str) -> str:
    """The catalog id of an Ohio articulation code: ``ohio.oan.*`` (TM…), ``ohio.ctan.*`` (CT…),
    ``ohio.tag.*`` (other TAG codes).

    >>> equivalence_id("TME001"), equivalence_id("OBU010"), equivalence_id("CTIT002")
    ('ohio.oan.tme001', 'ohio.tag.obu010', 'ohio.ctan.ctit002')
    """
    prefix = "oan" if code.startswith("TM") else "ctan" if code.startswith("CT") else "tag"
    return f"ohio.{prefix}.{code.lower()}"


def oan_policy(code: str) -> str:
    """The policy an articulation code's guarantee comes under."""
    if code.startswith("TM"):
        return "ohio.ot36-guarantee"
    return "ohio.ctag" if code.startswith("CT") else "ohio.tag"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Course:
    """A course named by a table row (or already in the catalog)."""

    id: str
    institution: str
    subject: str
    number: str
    title: str | None = None
    credits: Decimal | None = None
    quarter: bool = False
    area: str | None = None
    lab: bool = False
    codes: tuple[str, ...] = ()
    source: str | None = None
    seen: str | None = None
    where: str = ""


@dataclass
class Catalogue:
    """What is known while the tables are read: the hand-written catalog's ids plus every
    entry the tables have produced so far."""

    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    credentials: dict[str, str | None] = field(default_factory=dict)
    """Credential id → issuer, for the hand-written catalog."""
    equivalences: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    policies: set[str] = field(default_factory=set)
    new_institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    statewide_exams: set[str] = field(default_factory=set)
    """Credentials a hand-written rule without ``at`` reads (mapped statewide already)."""
    exam_institutions: dict[str, set[str]] = field(default_factory=dict)
    """Credential → the institutions whose hand-written rules (with ``at``) read it."""

    def codes_ids(self) -> set[str]:
        """The equivalence ids of the articulation codes the tables name."""
        return {equivalence_id(code) for code in self.codes} | {
            equivalence_id(code) for course in self.courses.values() for code in course.codes
        }

    def public_ohio(self) -> list[str]:
        """Ohio public colleges and universities (the statewide policies' scope), sorted."""
        every = {**self.institutions, **self.new_institutions}
        return sorted(
            ident
            for ident, entry in every.items()
            if entry.get("state") == "OH"
            and entry.get("control") == "public"
            and entry.get("kind") in ("community-college", "university")
        )

    def institution_ids(self) -> set[str]:
        """Every institution id, hand-written or from a table."""
        return set(self.institutions) | set(self.new_institutions)

    def has_course(self, ident: str) -> bool:
        """Whether ``ident`` is a credential of the catalog or a course from a table."""
        return ident in self.credentials or ident in self.courses

    def known_institution(self, row: Row, column: str, value: str) -> bool:
        """Whether ``value`` is an institution id; else a located error with suggestions."""
        ids = self.institution_ids()
        if value in ids:
            return True
        close = suggest(value, ids)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        row.error(column, f"unknown institution {value!r}{hint}")
        return False


def read_institutions(tables: Iterable[Table], known: Catalogue) -> None:
    """Add the institutions of ``institutions-*.csv`` tables to ``known.new_institutions``.

    An id the hand-written catalog already defines keeps its hand-written entry.
    """
    seen: dict[tuple[str, ...], Row] = {}
    for table in tables:
        for row in table:
            before = len(row.problems.errors)
            ident = row.text("id")
            if ident is not None and slug(ident) != ident.replace(".", "-"):
                row.error("id", f"{ident!r} is not a lowercase id (letters, digits, '-')")
            name = row.text("name")
            kind = row.choice("kind", tuple(_KINDS))
            closed = row.date("closed", required=False)
            source = row.url("source")
            row.date("seen")
            if not first_seen(seen, row) or len(row.problems.errors) > before:
                continue
            assert ident is not None and name is not None and kind is not None
            if ident in known.institutions or ident in known.new_institutions:
                continue
            entry: dict[str, Any] = {
                "id": ident, "name": name, "kind": _KINDS[kind], "control": "public",
                "state": "OH",
            }  # fmt: skip
            aliases = [a.strip() for a in row.raw("aliases").split(";") if a.strip()]
            if aliases:
                entry["aliases"] = aliases
            ids = {k: row.raw(k) for k in ("opeid", "ipeds") if row.raw(k)}
            if ids:
                entry["identifiers"] = ids
            if closed is not None:
                entry["closed"] = closed.isoformat()
            entry["source"] = source
            known.new_institutions[ident] = entry


def read_extras(tables: Iterable[Table], known: Catalogue) -> None:
    """Merge ``institution-extras.csv`` rows into the institutions the tables list (read
    after :func:`read_institutions`); an id no table lists is an error at the row."""
    seen: dict[tuple[str, ...], Row] = {}
    for table in tables:
        for row in table:
            ident = row.text("id")
            issuers = [i.strip() for i in row.raw("badge_issuers").split(";") if i.strip()]
            for issuer in issuers:
                if not issuer.startswith("https://"):
                    row.error("badge_issuers", f"{issuer!r} is not an https issuer id")
            if ident is None or not first_seen(seen, row):
                continue
            entry = _institution_entry(known, ident, row)
            if entry is None:
                continue
            source = entry.pop("source")
            if issuers:
                entry["badge_issuers"] = issuers
            entry["source"] = source
            if row.raw("note"):
                entry["note"] = row.raw("note")


def _institution_entry(known: Catalogue, ident: str, row: Row) -> dict[str, Any] | None:
    """The entry the tables made for institution ``ident``; None, with an error at the row's
    ``id`` naming the nearest ids, when the tables list no such institution."""
    entry = known.new_institutions.get(ident)
    if entry is None:
        close = suggest(ident, known.new_institutions)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        row.error("id", f"{ident!r} is not an institution of the tables{hint}")
    return entry


def read_identifiers(tables: Iterable[Table], known: Catalogue) -> None:
    """Add the codes of ``institution-identifiers.csv`` rows to the institutions the tables
    list (read after :func:`read_institutions`). An id no table lists, a code of the wrong
    shape and a code that differs from one already given for the same scheme are errors at
    the row; the institution's ``source`` stays its own page."""
    seen: dict[tuple[str, ...], Row] = {}
    for table in tables:
        for row in table:
            before = len(row.problems.errors)
            ident = row.text("id")
            scheme = row.choice("scheme", tuple(_ID_PATTERNS))
            value = row.text("value")
            row.url("source")
            row.date("seen")
            if scheme is not None and value is not None and not _ID_PATTERNS[scheme].match(value):
                row.error("value", f"{value!r} is not an {scheme} code ({_ID_SHAPES[scheme]})")
            if not first_seen(seen, row) or len(row.problems.errors) > before:
                continue
            assert ident is not None and scheme is not None and value is not None
            entry = _institution_entry(known, ident, row)
            if entry is None:
                continue
            if "identifiers" not in entry:  # placed just before the institution's source
                items = list(entry.items())
                at = next(i for i, (key, _) in enumerate(items) if key == "source")
                entry.clear()
                entry.update([*items[:at], ("identifiers", {}), *items[at:]])
            codes: dict[str, str] = entry["identifiers"]
            if codes.get(scheme, value) != value:
                row.error("value", f"{ident} already has {scheme} {codes[scheme]!r}")
                continue
            codes[scheme] = value


def _course_row(row: Row, known: Catalogue) -> Course | None:
    """The course of one OT36 table row, or None (with located errors) when it is bad."""
    before = len(row.problems.errors)
    institution = row.text("institution")
    subject = row.text("subject")
    number = row.text("number")
    title = row.text("title", required=False)
    credits = row.number("credits", required=False)
    unit = row.choice("credit_unit", ("semester", "quarter"))
    area = row.choice("ot36_area", tuple(AREAS))
    lab = row.choice("lab", ("yes",), required=False) == "yes"
    listed = [c.strip().upper() for c in row.raw("oan_code").split(";") if c.strip()]
    # TMAH, TMSBS, TMNS…: a catalog's OT36 area mark, not an articulation code (no number).
    codes = tuple(c for c in listed if not _AREA_MARK.match(c))
    for code in codes:
        if not _CODE.match(code):
            row.error("oan_code", f"{code!r} is not an articulation code such as TME001 or OAH005")
    if lab and area not in (None, "ns"):
        row.error("lab", "only a Natural Sciences course (ot36_area ns) has a laboratory")
    source = row.url("source")
    seen = row.date("seen")
    if institution is not None:
        known.known_institution(row, "institution", institution)
    if len(row.problems.errors) > before:
        return None
    assert institution and subject and number and area
    return Course(
        id=f"{institution}.{slug(subject)}-{slug(number)}", institution=institution,
        subject=subject.upper(), number=number, title=title, credits=credits,
        quarter=unit == "quarter", area=area, lab=lab, codes=codes, source=source,
        seen=seen.isoformat() if seen else None, where=f"{row.file}:{row.line}",
    )  # fmt: skip


def read_ot36(tables: Iterable[Table], known: Catalogue) -> None:
    """Add the courses of the OT36 course tables to ``known.courses`` (first listing wins;
    a course listed twice with different facts is an error at the second row)."""
    seen: dict[tuple[str, ...], Row] = {}
    for table in tables:
        for row in table:
            course = _course_row(row, known)
            if course is None or not first_seen(seen, row):
                continue
            earlier = known.courses.get(course.id)
            if earlier is not None:
                row.error(
                    "number",
                    f"{course.id} is already listed at {earlier.where}; give each course one row "
                    "(list several OAN codes in one cell, separated by ';')",
                )
                continue
            known.courses[course.id] = course


def read_oan_codes(tables: Iterable[Table], known: Catalogue) -> None:
    """Add the titles, credits and sources of articulation codes (``oan-codes.csv``)."""
    seen: dict[tuple[str, ...], Row] = {}
    for table in tables:
        for row in table:
            before = len(row.problems.errors)
            code = row.text("code")
            if code is not None and not _CODE.match(code.upper()):
                row.error("code", f"{code!r} is not an articulation code such as TME001")
            title = row.text("title")
            credits = row.number("credits", required=False)
            source = row.url("source")
            row.date("seen")
            if not first_seen(seen, row) or len(row.problems.errors) > before:
                continue
            assert code is not None and title is not None
            entry: dict[str, Any] = {"title": title, "source": source}
            if credits is not None:
                entry["credits"] = _number(credits)
            if row.raw("subject"):
                entry["subject"] = row.raw("subject").upper()
            if row.raw("note"):
                entry["note"] = row.raw("note")
            known.codes[code.upper()] = entry


def course_entry(course: Course, institution_name: str) -> dict[str, Any]:
    """The catalog entry of a table course (level ``lower``: OT36 is lower-division general
    education)."""
    entry: dict[str, Any] = {
        "id": course.id,
        "title": course.title or f"{institution_name} {course.subject} {course.number}",
        "kind": "course",
        "issuer": course.institution,
    }
    if course.credits is not None:
        value = _number(course.credits)
        entry["credits"] = {"value": value, "unit": "quarter"} if course.quarter else value
    entry["subject"] = course.subject
    entry["level"] = "lower"
    tags = [AREAS[course.area][0]] if course.area else []
    if course.lab:
        tags.append("lab")
    if tags:
        entry["tags"] = tags
    entry["source"] = course.source
    missing = [
        name
        for name, value in (("title", course.title), ("credits", course.credits))
        if value is None
    ]
    listed = (
        "Listed as an Ohio Transfer 36 course" if course.area else "Named in an equivalency table"
    )
    note = f"{listed} (seen {course.seen})." if course.seen else f"{listed}."
    if missing:
        note += f" The source page does not give its {' or '.join(missing)}."
    entry["note"] = note
    return entry


def ot36_rule(course: Course) -> dict[str, Any]:
    """The rule that gives an approved OT36 course its area credit at every other public
    institution (the policy's scope)."""
    tag, title = AREAS[course.area or "eng"]
    grant: dict[str, Any] = {
        "credits": "as_earned",
        "tags": [tag, *(["lab"] if course.lab else [])],
    }
    grant["label"] = f"OT36 {title} credit"
    return {
        "id": f"ot36.{course.id}",
        "policy": "ohio.ot36-guarantee",
        "label": f"{course.subject} {course.number} ({course.institution}) counts as OT36 {title}",
        "when": exactly(course.id),
        "grants": [grant],
        "source": course.source,
    }
