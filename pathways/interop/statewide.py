"""Statewide exam tables (CLEP cut scores, AP alignments) → exams and transfer rules.

A statewide exam table has the columns :data:`EXAM_COLUMNS`::

    policy, exam, exam_title, subject, min_score, max_score, award, area, credits,
    rule, source, seen, note

One row is one band of scores on one exam under a statewide policy (``ohio.clep``,
``ohio.ap``): from ``min_score`` (to ``max_score``, if given) the exam earns ``award`` —
``block`` credit of ``credits`` hours in ``subject`` (tagged with the OT36 ``area``, if
given), or a credential id (an articulation code such as ``ohio.oan.tme001`` or a course),
tagged likewise. An exam the catalog lacks is created from ``exam_title`` and ``subject``.

What a caller may rely on: each row becomes one rule (id ``rule``, else
``<exam>.<min_score>``, plus ``.<at>`` for an institution's row) of the row's policy. A row
with ``at`` applies there only; a row without applies at every institution of the policy's
scope except those whose own rows, or hand-written rules, map the exam (their own rule stays
in force there). A higher band of the same exam and place supersedes the lower ones; an exam
the hand-written catalog already maps statewide is an error at the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pathways.interop.ohio_tables import AREAS, Catalogue, equivalence_id
from pathways.interop.tables import Row, Table, first_seen

__all__ = ["CTAG_COLUMNS", "EXAM_COLUMNS", "read_ctag_tables", "read_exam_tables"]

EXAM_COLUMNS = (
    "policy", "exam", "exam_title", "subject", "min_score", "max_score", "award", "area",
    "credits", "rule", "source", "seen", "note",
)  # fmt: skip
"""``at`` may be added: the institution whose own published guide the row copies (its band
then replaces the statewide rule there)."""


CTAG_COLUMNS = (
    "ctan", "evidence", "webxam", "webxam_title", "window", "rule", "source", "seen", "note",
)  # fmt: skip
"""A statewide CTAG table: one Career-Technical Articulation Number per row, the coursework
credential that evidences it (``evidence``), the WebXam test passed at proficient or higher
(``webxam``, created from ``webxam_title`` when the catalog lacks it) and the window within
which the credit must be claimed (``window``, an ISO duration such as ``P3Y``)."""

_DURATION = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?$")


@dataclass(frozen=True)
class _Band:
    rule: str
    policy: str
    exam: str
    low: Decimal
    high: Decimal | None
    award: str
    area: str | None
    credits: Decimal | None
    subject: str | None
    source: str
    note: str | None
    at: str | None = None
    """An institution's own band (its published guide), or None: statewide."""


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


AP_ELIGIBLE: dict[str, Any] = {"learners": {"status": ["high_school_student"]}}
"""Who may sit an AP exam: AP is a high-school program (NCES, Digest of Education Statistics
2017, appendix A.5: "offers high school students the opportunity to take college-level
courses in a high school setting", https://nces.ed.gov/programs/digest/d17/app_a5_2.asp)."""


def _band(row: Row, known: Catalogue, exams: dict[str, dict[str, Any]]) -> _Band | None:
    before = len(row.problems.errors)
    policy = row.choice("policy", ("ohio.ap", "ohio.clep"))
    if policy is not None and policy not in known.policies:
        row.error("policy", f"policy {policy} is not in the catalog")
    exam = row.text("exam")
    low = row.number("min_score", positive=False)
    high = row.number("max_score", required=False, positive=False)
    if low is not None and high is not None and high < low:
        row.error("max_score", f"{high} is below min_score {low}")
    award = row.text("award")
    area = row.choice("area", tuple(AREAS), required=False)
    credits = row.number("credits", required=award == "block")
    subject = row.text("subject", required=False)
    source = row.url("source")
    row.date("seen")
    if (
        award is not None
        and award != "block"
        and not known.has_course(award)
        and award not in known.equivalences
        and award not in known.codes_ids()
    ):
        row.error("award", f"{award!r} is neither 'block' nor a credential of the catalog")
    if exam is not None and exam not in known.credentials and exam not in exams:
        title = row.text("exam_title")
        if title is not None:
            exams[exam] = {"id": exam, "title": title, "kind": "exam", "issuer": "college-board"}
            if policy == "ohio.ap":
                exams[exam]["eligible"] = AP_ELIGIBLE
            if subject:
                exams[exam]["subject"] = subject.upper()
            exams[exam]["source"] = source
    if exam is not None and exam in known.statewide_exams:
        row.error("exam", f"{exam} already has a statewide rule in the hand-written catalog; "
                  "move it into this table (same rule id) or drop the row")  # fmt: skip
    if len(row.problems.errors) > before:
        return None
    at = row.raw("at") or None
    if at is not None and not known.known_institution(row, "at", at):
        return None
    assert policy and exam and low is not None and award and source
    ident = row.raw("rule") or f"{exam}.{_number(low)}" + (f".{at}" if at else "")
    return _Band(ident, policy, exam, low, high, award, area, credits, subject, source,
                 row.raw("note") or None, at)  # fmt: skip


def _rule(band: _Band, lower: list[str], at: list[str] | None) -> dict[str, Any]:
    tags = [AREAS[band.area][0]] if band.area else []
    if band.award == "block":
        grant: dict[str, Any] = {"credits": _number(band.credits or Decimal(0))}
        if band.subject:
            grant["subject"] = band.subject.upper()
        grant["level"] = "lower"
    else:
        grant = {"credential": band.award}
    if tags:
        grant["tags"] = tags
    what = AREAS[band.area][1] if band.area else band.award
    grant["label"] = f"{what} ({band.exam} {_number(band.low)}+)"
    when: dict[str, Any] = {"has": band.exam, "min_score": _number(band.low)}
    entry: dict[str, Any] = {
        "id": band.rule, "policy": band.policy,
        "label": f"{band.exam} score {_number(band.low)}"
        + (f"-{_number(band.high)}" if band.high is not None else " or more"),
        "when": when, "grants": [grant],
    }  # fmt: skip
    if at is not None:
        entry["at"] = at
    if lower:
        entry["supersedes"] = lower
    entry["source"] = band.source
    if band.note:
        entry["note"] = band.note
    return entry


def read_exam_tables(tables: Iterable[Table], known: Catalogue) -> dict[str, list[Any]]:
    """The exams and rules of the statewide exam tables (empty when there is none)."""
    seen: dict[tuple[str, ...], Row] = {}
    exams: dict[str, dict[str, Any]] = {}
    bands: list[_Band] = []
    for table in tables:
        for row in table:
            band = _band(row, known, exams)
            if band is not None and first_seen(seen, row):
                bands.append(band)
    if not bands:
        return {}
    rules = []
    for band in bands:
        lower = sorted(
            b.rule for b in bands if b.exam == band.exam and b.at == band.at and b.low < band.low
        )
        if band.at is not None:
            rules.append(_rule(band, lower, [band.at]))
            continue
        mapped = set(known.exam_institutions.get(band.exam, set()))
        mapped |= {b.at for b in bands if b.exam == band.exam and b.at is not None}
        at = sorted(i for i in known.public_ohio() if i not in mapped) if mapped else None
        rules.append(_rule(band, lower, at))
    return {"credentials": sorted(exams.values(), key=lambda e: e["id"]), "transfer_rules": rules}


def _ctag_row(
    row: Row, known: Catalogue, webxams: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The statewide rule of one CTAG row, or None (with located errors)."""
    before = len(row.problems.errors)
    ctan = (row.text("ctan") or "").upper()
    code = equivalence_id(ctan) if ctan else ""
    if ctan and code not in known.equivalences and code not in known.codes_ids():
        row.error("ctan", f"{ctan} is not an articulation code of the catalog ({code})")
    evidence = row.text("evidence")
    if evidence is not None and evidence not in known.credentials:
        row.error("evidence", f"unknown credential {evidence!r}")
    webxam = row.text("webxam")
    window = row.text("window")
    if window is not None and not _DURATION.match(window):
        row.error("window", f"{window!r} is not an ISO duration such as P3Y")
    source = row.url("source")
    row.date("seen")
    if webxam is not None and webxam not in known.credentials and webxam not in webxams:
        title = row.text("webxam_title")
        if title is not None:
            webxams[webxam] = {
                "id": webxam, "title": title, "kind": "exam", "issuer": "webxam",
                "level": "vocational", "source": source,
            }  # fmt: skip
    if len(row.problems.errors) > before:
        return None
    assert evidence and webxam and window and source
    mapped = known.exam_institutions.get(evidence, set())
    rule: dict[str, Any] = {
        "id": row.raw("rule") or f"ctag.{ctan.lower()}.statewide",
        "policy": "ohio.ctag",
        "label": f"{ctan}: career-technical coursework with a proficient WebXam",
        "when": {"all": [{"has": evidence, "earned_within": window}, {"has": webxam}]},
        "grants": [{"credential": code}],
    }
    if mapped:
        rule["at"] = [i for i in known.public_ohio() if i not in mapped]
    rule["source"] = source
    if row.raw("note"):
        rule["note"] = row.raw("note")
    return rule


def read_ctag_tables(tables: Iterable[Table], known: Catalogue) -> dict[str, list[Any]]:
    """The WebXam exams and statewide rules of the CTAG tables (empty when there is none).

    A rule applies at every public institution except those whose hand-written rules already
    map the evidence (their own course mapping stays in force there)."""
    seen: dict[tuple[str, ...], Row] = {}
    webxams: dict[str, dict[str, Any]] = {}
    rules = []
    for table in tables:
        for row in table:
            rule = _ctag_row(row, known, webxams)
            if rule is not None and first_seen(seen, row):
                rules.append(rule)
    if not rules:
        return {}
    return {"credentials": sorted(webxams.values(), key=lambda e: e["id"]), "transfer_rules": rules}
