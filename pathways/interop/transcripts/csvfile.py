"""Read a course-history CSV export into a :class:`~.source.Transcript`, one course per row.

The documented columns (case, spaces and punctuation in a header do not matter):

===============  ==========================================================================
column           also read under these names (student-system exports)
===============  ==========================================================================
subject          subj, subject_code, subj_code, course_subject, dept, department, discipline
number           course_number, crse_numb, catalog_nbr, catalog_number, course_no, crs_no
course           course_id, course_code, crs_name, stc_course_name: ``ENG 1010``, ``ENG-1010``
                 (instead of subject and number)
title            course_title, crse_title, descr, description, course_name, stc_title
credits          credit, credit_hours, cred_hrs, hours, units, unt_taken, stc_cred
earned           credits_earned, earned_credits, unt_earned, earned_hours
credit_units     unit_type, units_type, credit_type: ``semester`` (default) or ``quarter``
grade            final_grade, grade_code, letter_grade, crse_grade_off, grde_code,
                 stc_verified_grade
repeat           repeat_code, repeat_ind, rpt
term             term_desc, term_name, session, semester, stc_term: ``Fall 2024``
start_date       begin_date, term_start, course_begin_date
end_date         completion_date, course_end_date, term_end, date_earned, date
institution      institution_name, school, school_name, college; or a code column:
                 opeid, ipeds (unitid), fice, atp (ceeb)
student_id       emplid, banner_id, student_number, learner_id, id
name             student_name, full_name; or first_name and last_name
test, score      test_name, exam / test_score, exam_score; with test_subject (subtest):
                 a row with a test and a score and no course is a test score
===============  ==========================================================================

Dates are ``YYYY-MM-DD`` or ``MM/DD/YYYY``. A row needs either a date or a term named by
season and year. The delimiter (comma, tab, semicolon or bar) is read from the header line.
Errors carry ``row:col`` (the row's line in the file, the 1-based column).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pathways.errors import LocatedError, suggest
from pathways.interop.transcripts.source import (
    MAX_TRANSCRIPT_BYTES,
    MAX_TRANSCRIPT_LINES,
    CourseLine,
    Organization,
    Session,
    TestLine,
    Transcript,
    TranscriptError,
    fail,
    keep,
    parse_amount,
    parse_day,
    term_session,
    too_many_lines,
)

__all__ = ["COLUMNS", "read_csv"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "subject": ("subject", "subj", "subject_code", "subj_code", "course_subject",
                "subject_abbreviation", "crs_subj", "dept", "department", "discipline"),
    "number": ("number", "course_number", "crse_numb", "crse_no", "catalog_nbr",
               "catalog_number", "catalog_no", "course_no", "crs_no", "crs_numb", "num"),
    "course": ("course", "course_id", "course_code", "crs_name", "stc_course_name"),
    "title": ("title", "course_title", "crse_title", "crs_title", "descr", "description",
              "course_description", "course_name", "long_title", "stc_title"),
    "credits": ("credits", "credit", "credit_hours", "cred_hrs", "cr_hrs", "hours", "units",
                "unt_taken", "credits_attempted", "attempted_credits", "attempted",
                "credit_value", "stc_cred"),
    "earned": ("earned", "credits_earned", "earned_credits", "unt_earned", "earned_hours"),
    "unit_type": ("credit_units", "unit_type", "units_type", "credit_type"),
    "grade": ("grade", "final_grade", "grade_code", "letter_grade", "crse_grade_off",
              "grde_code", "mark", "stc_verified_grade"),
    "repeat": ("repeat", "repeat_code", "repeat_ind", "rpt", "repeat_indicator"),
    "term": ("term", "term_desc", "term_name", "session", "session_name", "semester",
             "academic_term", "stc_term"),
    "start": ("start_date", "begin_date", "term_start", "term_begin", "course_begin_date",
              "session_begin_date"),
    "end": ("end_date", "completion_date", "course_end_date", "term_end", "session_end_date",
            "date_earned", "earned_date", "date"),
    "institution": ("institution", "institution_name", "school", "school_name", "college"),
    "opeid": ("opeid", "ope_id"),
    "ipeds": ("ipeds", "unitid", "ipeds_id", "ipeds_unitid"),
    "fice": ("fice", "fice_code"),
    "atp": ("atp", "ceeb", "atp_code", "ceeb_code"),
    "student_id": ("student_id", "emplid", "banner_id", "student_number", "learner_id",
                   "stu_id", "id"),
    "name": ("name", "student_name", "full_name"),
    "first_name": ("first_name", "firstname", "given_name"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "test": ("test", "test_name", "exam", "exam_name"),
    "test_subject": ("test_subject", "subtest", "subtest_name", "exam_subject"),
    "score": ("score", "test_score", "exam_score"),
}  # fmt: skip
"""Each field Pathways reads, and the header names it is read under (normalised)."""

_BY_HEADER = {name: field for field, names in COLUMNS.items() for name in names}
_COURSE_CODE = re.compile(r"^\s*([A-Za-z][A-Za-z&]*)[\s\-_.]*([0-9][0-9A-Za-z.]*)\s*$")


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        raise fail(name, line, col, "not UTF-8 text: save the export as UTF-8 CSV") from None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((",", "\t", ";", "|"), key=header.count)


class _Row:
    """One data row: its fields by Pathways name, and where each stands."""

    def __init__(self, name: str, line: int, cells: list[str], columns: Mapping[str, int]):
        self.name, self.line, self.cells, self.columns = name, line, cells, columns
        self.errors: list[LocatedError] = []

    def get(self, field: str) -> str | None:
        index = self.columns.get(field)
        value = self.cells[index].strip() if index is not None else ""
        return value or None

    def parsed(self, field: str, parse: Callable[[str], Any]) -> Any:
        text = self.get(field)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as error:
            col = self.columns[field] + 1
            self.errors.append(LocatedError(self.name, self.line, col, field, str(error)))
            return None


def _columns(name: str, header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = _BY_HEADER.get(_normal(cell))
        if field is not None and field not in columns:
            columns[field] = index
    has_course = "course" in columns or {"subject", "number"} <= columns.keys()
    if not has_course and not {"test", "score"} <= columns.keys():
        unknown = [cell for cell in header if _normal(cell) not in _BY_HEADER]
        hints = sorted({hint for cell in unknown for hint in suggest(_normal(cell), _BY_HEADER)})
        hint = f"; did you mean {', '.join(hints)}?" if hints else ""
        raise fail(
            name,
            1,
            1,
            "the header names no course columns: give subject and number (or course, such "
            f"as 'ENG 1010'){hint}",
        )
    return columns


def _organization(row: _Row) -> Organization:
    codes = {c: row.get(c) for c in ("opeid", "ipeds", "fice", "atp")}
    return Organization(
        name=row.get("institution"), codes={k: v for k, v in codes.items() if v is not None}
    )


def _session(row: _Row) -> Session:
    term = row.get("term")
    named = term_session(term) if term is not None else None
    begin, end = row.parsed("start", parse_day), row.parsed("end", parse_day)
    if named is not None:
        return Session(name=named.name, begin=begin or named.begin, end=end or named.end)
    if end is None and begin is None and not row.errors:
        col = row.columns.get("term", row.columns.get("end", 0)) + 1
        what = (
            f"term {term!r} is not a season and year such as 'Fall 2024'"
            if term
            else ("no term and no date")
        )
        row.errors.append(
            LocatedError(row.name, row.line, col, "term", f"{what}: give end_date (YYYY-MM-DD)")
        )
    return Session(name=term, begin=begin, end=end)


def _course(row: _Row, data: dict[str, str]) -> CourseLine | None:
    subject, number = row.get("subject"), row.get("number")
    code = row.get("course")
    if (subject is None or number is None) and code is not None:
        match = _COURSE_CODE.match(code)
        if match is None:
            col = row.columns["course"] + 1
            row.errors.append(
                LocatedError(
                    row.name,
                    row.line,
                    col,
                    "course",
                    f"{code!r} is not a subject and number such as 'ENG 1010'",
                )
            )
            return None
        subject, number = match[1], match[2]
    session = _session(row)
    return CourseLine(
        where=f"{row.name}:{row.line}",
        institution=_organization(row),
        subject=subject,
        number=number,
        title=row.get("title"),
        credits=row.parsed("credits", parse_amount),
        earned_credits=row.parsed("earned", parse_amount),
        units=row.get("unit_type"),
        grade=row.get("grade"),
        repeat=row.get("repeat"),
        begin=None,
        end=None,
        session=session,
        data=data,
    )


def _test(row: _Row, data: dict[str, str]) -> TestLine:
    score = row.parsed("score", parse_amount)
    taken: date | None = row.parsed("end", parse_day) or _session(row).end
    return TestLine(
        where=f"{row.name}:{row.line}",
        test=row.get("test") or "test",
        subject=row.get("test_subject"),
        score=float(score) if score is not None else None,
        taken=taken,
        data=data,
    )


def read_csv(name: str, raw: bytes) -> Transcript:
    """The course history in ``raw`` (the bytes of CSV file ``name``).

    Raises :class:`~.source.TranscriptError` (located: ``name:row:col``) for a file that is
    not UTF-8, has no course columns, has a row of the wrong width, or holds a malformed date,
    credit amount, course code, or a row with neither a date nor a term name.
    """
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        raise fail(name, None, None, f"larger than {MAX_TRANSCRIPT_BYTES} bytes")
    text = _decode(name, raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise fail(name, 1, 1, "the file is empty: it needs a header row")
        columns = _columns(name, header)
        rows = _rows(name, reader, header, columns)
    except csv.Error as error:
        raise fail(name, reader.line_num, 1, f"not valid CSV: {error}") from None
    courses: list[CourseLine] = []
    tests: list[TestLine] = []
    errors: list[LocatedError] = []
    for row in rows:
        data = keep(zip(header, row.cells, strict=True))
        if row.get("course") or row.get("subject") or row.get("number"):
            course = _course(row, data)
            if course is not None:
                courses.append(course)
        elif row.get("test") and row.get("score"):
            tests.append(_test(row, data))
        else:
            row.errors.append(
                LocatedError(name, row.line, 1, "", "the row names no course and no test score")
            )
        errors += row.errors
    if errors:
        raise TranscriptError(errors[:50])
    first = rows[0] if rows else None
    names = (first.get("first_name"), first.get("last_name")) if first else (None, None)
    return Transcript(
        file=name,
        format="csv",
        source=_organization(first) if first else Organization(),
        student_id=first.get("student_id") if first else None,
        student_name=(first.get("name") if first else None)
        or (" ".join(n for n in names if n) or None),
        courses=tuple(courses),
        tests=tuple(tests),
    )


def _rows(name: str, reader: Any, header: list[str], columns: Mapping[str, int]) -> list[_Row]:
    rows: list[_Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise fail(
                name,
                reader.line_num,
                min(len(cells), len(header)) + 1,
                f"the row has {len(cells)} fields where the header has {len(header)}",
            )
        if len(rows) == MAX_TRANSCRIPT_LINES:
            raise too_many_lines(name, reader.line_num, 1)
        rows.append(_Row(name, reader.line_num, cells, columns))
    return rows
