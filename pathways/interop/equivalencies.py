"""Registrar equivalency tables: read them into catalog entries, and write them back.

A registrar's equivalency table is a CSV file with these columns (:data:`COLUMNS`)::

    from_institution, from_subject, from_number, from_title, from_credits,
    to_institution, to_subject, to_number, to_title, to_credits,
    oan_code, effective_from, effective_to, policy, source, seen

One row says: the sending course (subject and number at ``from_institution``) counts as the
receiving course (``to_subject`` ``to_number`` at ``to_institution``), and/or is a member of
an Ohio articulation code (``oan_code``), from ``effective_from`` to ``effective_to`` (either
may be empty), under ``policy`` (default ``ohio.tag`` for a code, else
``institution.equivalency-guide``), as the page ``source`` says (read on ``seen``).
``from_institution`` and ``to_institution`` may be empty when the command gives ``--from`` /
``--to``; ``policy`` and ``seen`` may be left out of the file. A number may join several
numbers with ``+`` (``2020+2030``): a sequence that counts only together (sending) or
several courses granted together (receiving).

What a caller may rely on: a course the catalog lacks is created from the row's title and
credits (a receiving course only when the row gives its title, else it is an unknown course);
an unknown institution or policy, an end before a start, a row equal to another and two rows
for the same courses and institution whose effective ranges overlap are located errors
(``file:line:col``) with suggestions; :func:`export_rows` writes the same columns from a
catalog, so an import followed by an export gives the rows back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pathways.errors import suggest
from pathways.interop.ohio_tables import Catalogue, Course
from pathways.interop.tables import Row, Table, exactly, first_seen, slug

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.catalog.model import Effective, Requirement, TransferRule

__all__ = ["COLUMNS", "Equivalency", "export_rows", "read_equivalencies", "to_csv"]

COLUMNS = (
    "from_institution", "from_subject", "from_number", "from_title", "from_credits",
    "to_institution", "to_subject", "to_number", "to_title", "to_credits",
    "oan_code", "effective_from", "effective_to", "policy", "source", "seen",
)  # fmt: skip
DEFAULT_POLICY = "institution.equivalency-guide"
"""The policy of a course row that names none: the receiving institution's own guide."""


@dataclass(frozen=True)
class Equivalency:
    """One good row of a registrar's table."""

    sending: tuple[str, ...]
    """The sending course ids (several: a sequence that counts only together)."""
    receiving_institution: str | None
    receiving: tuple[str, ...]
    """The receiving course ids (empty: the row only joins an articulation code)."""
    code: str | None
    start: date | None
    end: date | None
    policy: str
    source: str
    row: Row

    def overlaps(self, other: Equivalency) -> bool:
        """Whether the two effective ranges share a day (an open end reaches forever)."""
        return (self.end is None or other.start is None or other.start <= self.end) and (
            other.end is None or self.start is None or self.start <= other.end
        )

    def rule_id(self) -> str:
        """The id of the transfer rule this row becomes (with its start date, if any)."""
        base = f"equiv.{'_'.join(self.sending)}.{self.receiving_institution}"
        return base + (f".{self.start.strftime('%Y%m%d')}" if self.start else "")


def _unknown(row: Row, column: str, what: str, value: str, choices: Iterable[str]) -> None:
    close = suggest(value, choices)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    row.error(column, f"unknown {what} {value!r}{hint}")


def _courses(row: Row, known: Catalogue, side: str, institution: str) -> tuple[str, ...] | None:
    """The course ids one side of a row names; a single unknown course is created from the
    row's title and credits (or, without a title, is an unknown course)."""
    subject = row.text(f"{side}_subject")
    number = row.text(f"{side}_number")
    if subject is None or number is None:
        return None
    parts = [p.strip() for p in number.split("+") if p.strip()]
    ids = tuple(f"{institution}.{slug(subject)}-{slug(p)}" for p in parts)
    title = row.text(f"{side}_title", required=False)
    credits = row.number(f"{side}_credits", required=False)
    local = [c for c in [*known.credentials, *known.courses] if c.startswith(f"{institution}.")]
    for ident, part in zip(ids, parts, strict=True):
        if known.has_course(ident):
            continue
        if title is None or len(ids) > 1:
            _unknown(row, f"{side}_number", "course", ident, local)
            return None
        # ENGL 1101 beside ENG 1101: a subject code misspelt, not a new course.
        given = slug(subject)
        twins = sorted(
            c
            for c in local
            if c.endswith(f"-{slug(part)}")
            and (other := c.split(".", 1)[1][: -len(slug(part)) - 1]) != given
            and (other.startswith(given) or given.startswith(other))
        )
        if twins:
            row.error(
                f"{side}_subject",
                f"{subject!r} makes the new course {ident}, but {institution} lists "
                f"{' and '.join(twins)} with the same number; did you mean its subject code?",
            )
            return None
        known.courses[ident] = Course(
            id=ident, institution=institution, subject=subject.upper(), number=part,
            title=title, credits=credits, source=row.raw("source") or None,
            seen=row.raw("seen") or None, where=f"{row.file}:{row.line}",
        )  # fmt: skip
    return ids


def _institution(row: Row, known: Catalogue, column: str, default: str | None) -> str | None:
    value = row.text(column, required=False) or default
    if value is not None and not known.known_institution(row, column, value):
        return None
    return value


def _row(
    row: Row, known: Catalogue, sending: str | None, receiving: str | None
) -> Equivalency | None:
    """One registrar row checked cell by cell, or None (with located errors)."""
    before = len(row.problems.errors)
    courses = set(known.courses)
    item = _checked(row, known, sending, receiving)
    if item is None or len(row.problems.errors) > before:
        for ident in set(known.courses) - courses:  # a bad row creates no course
            del known.courses[ident]
        return None
    return item


def _checked(
    row: Row, known: Catalogue, sending: str | None, receiving: str | None
) -> Equivalency | None:
    before = len(row.problems.errors)
    s_inst = _institution(row, known, "from_institution", sending)
    if s_inst is None and not row.raw("from_institution"):
        row.error("from_institution", "is empty; give it, or --from")
    r_inst = _institution(row, known, "to_institution", receiving)
    ids = _courses(row, known, "from", s_inst) if s_inst else None
    targets: tuple[str, ...] = ()
    if row.raw("to_subject") or row.raw("to_number"):
        if r_inst is None and not row.raw("to_institution"):
            row.error("to_institution", "is empty; give it, or --to, for a receiving course")
        elif r_inst is not None:
            targets = _courses(row, known, "to", r_inst) or ()
    code = (row.text("oan_code", required=False) or "").upper() or None
    if not targets and code is None and len(row.problems.errors) == before:
        row.error("to_number", "is empty and so is oan_code; give one of them")
    start = row.date("effective_from", required=False)
    end = row.date("effective_to", required=False)
    if start and end and end < start:
        row.error("effective_to", f"{end} is before effective_from {start}")
    policy = row.text("policy", required=False) or ("ohio.tag" if not targets else DEFAULT_POLICY)
    if policy not in known.policies:
        _unknown(row, "policy", "policy", policy, known.policies)
    source = row.url("source")
    row.date("seen", required=False)
    if len(row.problems.errors) > before or ids is None or source is None:
        return None
    return Equivalency(ids, r_inst, targets, code, start, end, policy, source, row)


def read_equivalencies(
    tables: Iterable[Table],
    known: Catalogue,
    *,
    sending: str | None = None,
    receiving: str | None = None,
) -> list[Equivalency]:
    """The good rows of registrar tables; every bad cell is recorded on the rows' problems.

    Two rows for the same sending courses and receiving institution (or the same code)
    whose effective ranges overlap are a conflict, reported at the later row.
    """
    seen: dict[tuple[str, ...], Row] = {}
    good: list[Equivalency] = []
    for table in tables:
        for row in table:
            item = _row(row, known, sending, receiving)
            if item is None or not first_seen(seen, row):
                continue
            clash = next((g for g in good if _same_target(g, item) and g.overlaps(item)), None)
            if clash is not None:
                row.error("effective_from", _conflict(clash, item))
                continue
            good.append(item)
    return good


def _conflict(first: Equivalency, later: Equivalency) -> str:
    """The message for two rows whose ranges overlap, with the likely fix."""
    text = (
        f"conflicts with row {first.row.line} of {first.row.file}: the same courses at the "
        "same place on overlapping dates"
    )
    starts = sorted({d for d in (first.start, later.start) if d is not None})
    if len(starts) == 2 and first.end is None and later.end is None:
        older = "this row" if later.start == starts[0] else f"row {first.row.line}"
        day = starts[1] - timedelta(days=1)
        return f"{text}; did you mean to end {older} on {day} (effective_to)?"
    return f"{text}; end one range before the other starts"


def _same_target(a: Equivalency, b: Equivalency) -> bool:
    if a.sending != b.sending:
        return False
    if a.receiving and b.receiving:
        return a.receiving_institution == b.receiving_institution
    return a.code is not None and a.code == b.code


def rule_entry(item: Equivalency) -> dict[str, Any]:
    """The transfer rule of a row with a receiving course."""
    when: dict[str, Any] = (
        exactly(item.sending[0])
        if len(item.sending) == 1
        else {"all": [exactly(s) for s in item.sending]}
    )
    entry: dict[str, Any] = {
        "id": item.rule_id(),
        "policy": item.policy,
        "when": when,
        "grants": [{"credential": ident} for ident in item.receiving],
        "at": [item.receiving_institution],
    }
    if item.start or item.end:
        entry["effective"] = {
            k: v.isoformat() for k, v in (("from", item.start), ("to", item.end)) if v
        }
    entry["source"] = item.source
    return entry


def member_entry(item: Equivalency) -> str | dict[str, Any]:
    """The equivalence member of a row with an articulation code."""
    if len(item.sending) == 1 and not (item.start or item.end):
        return item.sending[0]
    member: dict[str, Any] = (
        {"id": item.sending[0]} if len(item.sending) == 1 else {"all": list(item.sending)}
    )
    if item.start or item.end:
        member["effective"] = {
            k: v.isoformat() for k, v in (("from", item.start), ("to", item.end)) if v
        }
    return member


# --------------------------------------------------------------------------- export


def _course_cells(catalog: CompiledCatalog, ids: Sequence[str], side: str) -> dict[str, str]:
    """The institution, subject, number, title and credits cells of one side of a row."""
    first = catalog.credential(ids[0])
    subject = first.subject or ""
    prefix = f"{slug(subject)}-"
    numbers = []
    for ident in ids:
        local = ident.split(".", 1)[1]
        numbers.append(local[len(prefix) :] if subject and local.startswith(prefix) else local)
    one = len(ids) == 1
    return {
        f"{side}_institution": first.issuer or "",
        f"{side}_subject": subject,
        f"{side}_number": "+".join(n.upper() for n in numbers),
        f"{side}_title": first.title if one else "",
        f"{side}_credits": _credit_text(first.credits) if one and first.credits else "",
    }


def _credit_text(value: Fraction) -> str:
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:g}"


def _dates(effective: Effective | None) -> dict[str, str]:
    if effective is None:
        return {"effective_from": "", "effective_to": ""}
    return {
        "effective_from": effective.from_.isoformat() if effective.from_ else "",
        "effective_to": effective.to.isoformat() if effective.to else "",
    }


def _read(req: Requirement) -> str | None:
    """The one credential a requirement names: ``has: X`` or ``count: 1`` of ``ids: [X]``."""
    if req.kind == "has":
        return req.has
    flt = req.from_
    if req.kind == "count" and req.count == 1 and flt is not None and flt.ids is not None:
        only_ids = flt.model_dump(exclude_none=True, exclude_defaults=True).keys() == {"ids"}
        return flt.ids[0] if len(flt.ids) == 1 and only_ids else None
    return None


def _reads(rule: TransferRule) -> list[str]:
    """The credentials a rule's ``when`` names: one (see :func:`_read`) or ``all`` of them."""
    when = rule.when
    parts = list(when.children) if when.kind == "all" else [when]
    found = [_read(p) for p in parts]
    return [f for f in found if f] if all(found) else []


def export_rows(
    catalog: CompiledCatalog, *, sending: str | None = None, receiving: str | None = None
) -> list[dict[str, str]]:
    """The catalog's course equivalencies as registrar rows (:data:`COLUMNS`), sorted.

    A row is written for every transfer rule that, on holding courses, grants courses at one
    institution, and for every articulation-code membership (``oan_code``, no receiving
    course). ``sending`` / ``receiving`` keep the rows of those institutions.
    """
    rows: list[dict[str, str]] = []
    courses = {i for i, v in catalog.versions.items() if v[-1].kind == "course"}
    for rule in catalog.rules.values():
        reads = _reads(rule)
        grants = [g.credential for g in rule.grants if g.credential in courses]
        if not reads or not set(reads) <= courses or rule.at is None or len(rule.at) != 1:
            continue
        if not grants or len(grants) != len(rule.grants):
            continue
        row = _course_cells(catalog, reads, "from")
        row.update(_course_cells(catalog, [g for g in grants if g], "to"), oan_code="")
        row.update(_dates(rule.effective), policy=rule.policy, source=rule.source or "", seen="")
        rows.append(row)
    for equivalence in catalog.equivalences.values():
        code = equivalence.id.rsplit(".", 1)[1].upper()
        for member in equivalence.members:
            if not set(member.all) <= courses:
                continue
            row = _course_cells(catalog, member.all, "from")
            row.update(
                {f"to_{k}": "" for k in ("institution", "subject", "number", "title", "credits")}
            )
            row.update(_dates(member.effective), oan_code=code, policy="ohio.tag")
            row.update(source=equivalence.source or "", seen="")
            rows.append(row)
    kept = [
        r
        for r in rows
        if (sending is None or r["from_institution"] == sending)
        and (receiving is None or r["to_institution"] in (receiving, ""))
    ]
    return sorted(kept, key=lambda r: tuple(r[c] for c in COLUMNS))


def to_csv(rows: Iterable[dict[str, str]]) -> str:
    """The rows as CSV text with the :data:`COLUMNS` header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
