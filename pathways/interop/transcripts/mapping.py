"""Turn transcripts into one learner record, with a report of what was made and what was not.

The rules, in the order they are applied to each line:

* **Institution.** ``--institution`` names the issuer of every file when given. Otherwise a
  file's (or a line's own ``School``) organization is found by a code the catalog lists for
  an institution (``identifiers: {opeid, ipeds, fice, atp, act}``; an 8-digit OPEID matches
  its 6-digit form), else by its name or an alias (case, punctuation, a parenthesised part
  and a leading "The" ignored).
* **Course.** A registrar's mapping-table row for (institution, subject, number) first; else
  ``<institution>.<subject>-<number>`` (lower case) when the catalog holds that credential.
* **Grades.** A–F with +/-, P, CR, W, I and NC as they are; S and SAT read as P, U as NC, WP
  and WD as W, WF and FN as F, INC as I. W, I, NC and F lines stay as attempts (they earn no
  credit); every attempt of a repeated course is kept, and the engine counts the best one.
  With IP, NR or no grade the course is ``in_progress`` when its session has begun and not
  ended on the as-of date, ``planned`` when it has not begun, and earned without a grade
  (the report says so) when it has ended.
* **Dates.** ``earned`` is the course's end date, else its session's.
* **Credits.** Quarter hours are converted at 2/3; the transcript's credit stands on the
  holding when it differs from the catalog's. Clock hours become the holding's ``hours``.
* **Tests.** AP and CLEP scores become holdings of the catalog exam whose title names the
  subject (or a table row), with their score and date.
* **Awards.** A degree or certificate with an award date becomes a holding of the
  institution's credential with that title (or a table row).

Nothing is dropped: any other line becomes an :class:`~pathways.catalog.model.UnmappedEntry` of the
record, with its original fields and the reason ("did you mean" included), and the report
lists it. Holdings that two files both list (a course on both colleges' transcripts) are
kept once.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict

from pathways.catalog.model import (
    Grade,
    Holding,
    Identity,
    Institution,
    LearnerInfo,
    LearnerRecord,
    UnmappedEntry,
)
from pathways.errors import LocatedError, PathwaysError, suggest
from pathways.interop.transcripts.source import TranscriptError

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.interop.transcripts.source import (
        AwardLine,
        CourseLine,
        Organization,
        TestLine,
        Transcript,
    )

__all__ = [
    "AWARD_KINDS",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "MappingTable",
    "map_transcripts",
]

AWARD_KINDS = frozenset(
    {"certificate", "micro-credential", "micro-degree", "associate", "bachelor", "master"}
)
"""Credential kinds an ``AcademicAward`` may map to."""

_GRADES: frozenset[str] = frozenset(get_args(Grade))
_GRADE_ALIASES = {
    "S": "P", "SAT": "P", "PASS": "P", "U": "NC", "UNSAT": "NC", "NCR": "NC",
    "WP": "W", "WD": "W", "WF": "F", "FN": "F", "INC": "I",
}  # fmt: skip
_NO_GRADE = frozenset({"", "IP", "NR", "*"})
_TESTS = {
    "ap": "ap", "advanced placement": "ap", "ap exam": "ap", "college board ap": "ap",
    "clep": "clep", "college level examination program": "clep",
}  # fmt: skip
Status = Literal["earned", "in_progress", "planned"]


# --------------------------------------------------------------------------- documents


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReportFile(_Doc):
    """One file read: its format, the catalog institution it was found to be, and how."""

    file: str
    format: str
    issuer: str
    """The issuing organization as the file names it."""
    institution: str | None
    matched_by: str | None
    """``option``, an identifier name (``opeid``…), ``name`` or ``alias``; None if not found."""
    lines: int


class ReportHolding(_Doc):
    """A holding made from a transcript line."""

    credential: str
    source: str
    status: Status
    earned: date | None = None
    grade: str | None = None
    score: float | None = None
    note: str | None = None


class ReportUnmapped(_Doc):
    """A line that maps to no catalog credential, kept in the record as an unmapped entry."""

    line: str
    source: str | None
    reason: str
    suggestions: list[str] = []


class ImportReport(_Doc):
    """What an import made: files read, holdings made, lines not mapped (and why), notes."""

    learner: str
    files: list[ReportFile]
    holdings: list[ReportHolding]
    unmapped: list[ReportUnmapped]
    notes: list[str] = []


@dataclass(frozen=True)
class ImportResult:
    """The learner record the transcripts make, and the report on how it was made."""

    record: LearnerRecord
    report: ImportReport


# --------------------------------------------------------------------------- mapping table


@dataclass(frozen=True)
class MappingTable:
    """A registrar's table from transcript lines to catalog credentials.

    ``courses`` maps (institution id or ``*``, SUBJECT, NUMBER) to a credential; ``titles``
    maps (institution id, test name (``ap``, ``clep``) or ``*``, normalised title) to one, for
    awards and test subjects.
    """

    courses: Mapping[tuple[str, str, str], str] = field(default_factory=dict)
    titles: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def read(cls, name: str, raw: bytes) -> MappingTable:
        """Read a CSV table with the columns ``institution, subject, number, title,
        credential`` (``title`` instead of subject and number for awards and tests; a blank
        institution means any). Raises :class:`TranscriptError`, located by row and column."""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TranscriptError([LocatedError(name, None, None, "", "not UTF-8 text")]) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "credential" not in fields:
            raise TranscriptError(
                [LocatedError(name, 1, 1, "", "a mapping table needs a credential column")]
            )
        courses: dict[tuple[str, str, str], str] = {}
        titles: dict[tuple[str, str], str] = {}
        for row in reader:
            got = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            inst = got.get("institution", "").lower() or "*"
            credential = got["credential"]
            if got.get("subject") and got.get("number"):
                courses[(inst, got["subject"].upper(), got["number"].upper())] = credential
            elif got.get("title"):
                titles[(inst, _words(got["title"]))] = credential
            elif credential:
                raise TranscriptError(
                    [
                        LocatedError(
                            name, reader.line_num, 1, "", "a row needs subject and number, or title"
                        )
                    ]
                )
        return cls(courses, titles)

    def course(self, institution: str, subject: str, number: str) -> str | None:
        """The credential a row names for this course, if any."""
        key = (subject.upper(), number.upper())
        return self.courses.get((institution, *key)) or self.courses.get(("*", *key))

    def title(self, scope: str, title: str) -> str | None:
        """The credential a row names for this award or test title, if any."""
        words = _words(title)
        return self.titles.get((scope, words)) or self.titles.get(("*", words))


@dataclass(frozen=True)
class ImportOptions:
    """How to map: the institution that issued every file, the learner id, the as-of date
    (default today) for in-progress courses, and a registrar's mapping table."""

    institution: str | None = None
    learner: str | None = None
    as_of: date | None = None
    table: MappingTable = MappingTable()


# --------------------------------------------------------------------------- institutions


def _words(text: str) -> str:
    """Lower case, punctuation and parentheses as spaces, "the" and "&"/"and" folded."""
    text = re.sub(r"\([^)]*\)", " ", text.lower()).replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _code(kind: str, value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if kind == "opeid" and len(digits) == 8:
        return digits[:6]
    return digits.lstrip("0") if kind == "ipeds" else digits


@dataclass
class _Institutions:
    """The catalog's institutions, indexed by code and by name."""

    by_id: Mapping[str, Institution]
    by_code: dict[tuple[str, str], str] = field(default_factory=dict)
    by_name: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for inst in self.by_id.values():
            for kind, value in inst.identifiers.model_dump(exclude_none=True).items():
                self.by_code[(kind, _code(kind, value))] = inst.id
            for text in (inst.name, re.sub(r"\([^)]*\)", "", inst.name)):
                self.by_name.setdefault(_words(text), (inst.id, "name"))
            for alias in inst.aliases:
                self.by_name.setdefault(_words(alias), (inst.id, "alias"))

    def find(self, org: Organization) -> tuple[str | None, str | None, list[str]]:
        """(institution id, how it matched, suggestions when it did not)."""
        for kind, value in sorted(org.codes.items()):
            found = self.by_code.get((kind, _code(kind, value)))
            if found is not None:
                return found, kind, []
        if org.name:
            hit = self.by_name.get(_words(org.name))
            if hit is not None:
                return hit[0], hit[1], []
            close = suggest(_words(org.name), self.by_name, n=3)
            return None, None, sorted({self.by_name[c][0] for c in close})
        return None, None, []


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class _Index:
    """What mapping a line looks up in a catalog, built once per catalog version.

    Every list keeps the order of ``catalog.versions``, so a lookup here answers exactly what
    a scan of the catalog would: ``courses`` by issuer; ``by_subject`` by (issuer, slug S) for
    each id ``<issuer>.S-…``; ``by_title`` by (issuer, normalised title); ``awards`` by issuer
    (normalised title → id, the last id of a title winning); ``exams`` by test (``ap``,
    ``clep``: normalised subject → id).
    """

    institutions: _Institutions
    by_subject: Mapping[tuple[str, str], list[str]]
    by_title: Mapping[tuple[str, str], list[str]]
    awards: Mapping[str, Mapping[str, str]]
    exams: Mapping[str, Mapping[str, str]]

    @classmethod
    def build(cls, catalog: CompiledCatalog) -> _Index:
        """The index of ``catalog`` (one pass over its credentials)."""
        by_subject: dict[tuple[str, str], list[str]] = {}
        by_title: dict[tuple[str, str], list[str]] = {}
        awards: dict[str, dict[str, str]] = {}
        exams: dict[str, dict[str, str]] = {kind: {} for kind in set(_TESTS.values())}
        for ident, versions in catalog.versions.items():
            latest = versions[-1]
            inst = latest.issuer
            if inst is not None and latest.kind == "course":
                by_title.setdefault((inst, _words(latest.title)), []).append(ident)
                if ident.startswith(f"{inst}."):
                    rest = ident[len(inst) + 1 :]
                    for at in [i for i, c in enumerate(rest) if c == "-"]:
                        by_subject.setdefault((inst, rest[:at]), []).append(ident)
            if inst is not None and latest.kind in AWARD_KINDS:
                awards.setdefault(inst, {})[_words(latest.title)] = ident
            for kind, titles in exams.items():
                if latest.kind == "exam" and ident.startswith(f"{kind}."):
                    titles[_words(re.sub(rf"^{kind}\s+", "", _words(latest.title)))] = ident
        institutions = _Institutions(catalog.institutions)
        return cls(institutions, by_subject, by_title, awards, exams)


_KEPT_INDEXES = 2
_indexes: dict[str, _Index] = {}
"""The indexes of the last catalog versions mapped to, by version (a content hash)."""
_indexes_lock = threading.Lock()


def _index(catalog: CompiledCatalog) -> _Index:
    """The index of ``catalog``, built on its first use and kept with the last few (safe to
    call from several threads: at worst two build the same index)."""
    with _indexes_lock:
        found = _indexes.get(catalog.version)
    if found is None:
        found = _Index.build(catalog)
        with _indexes_lock:
            _indexes[catalog.version] = found
            while len(_indexes) > _KEPT_INDEXES:
                del _indexes[next(iter(_indexes))]
    return found


# --------------------------------------------------------------------------- the mapper


@dataclass(frozen=True)
class _Origin:
    """A transcript line as an unmapped entry would keep it."""

    line: str
    kind: Literal["course", "exam", "award"]
    where: str
    data: Mapping[str, str]
    institution: str | None = None


@dataclass
class _Mapper:
    catalog: CompiledCatalog
    options: ImportOptions
    as_of: date
    index: _Index
    holdings: list[tuple[Holding, ReportHolding, str]] = field(default_factory=list)
    unmapped: list[tuple[UnmappedEntry, ReportUnmapped]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- shared

    def institution(self, org: Organization) -> tuple[str | None, str | None, str]:
        """(id, how matched, reason when not found)."""
        if self.options.institution is not None:
            return self.options.institution, "option", ""
        found, how, close = self.index.institutions.find(org)
        if found is not None:
            return found, how, ""
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        return (
            None,
            None,
            (
                f"the institution {org.describe()} is not in the catalog{hint} (list its "
                "identifiers or an alias on the catalog institution, or give --institution)"
            ),
        )

    def keep(self, holding: Holding, where: str, file: str, note: str | None = None) -> None:
        assert holding.credential is not None
        report = ReportHolding(
            credential=holding.credential,
            source=where,
            status=holding.status,
            earned=holding.earned,
            grade=holding.grade,
            score=holding.score,
            note=note,
        )
        self.holdings.append((holding, report, file))

    def drop(
        self,
        origin: _Origin,
        reason: str,
        *,
        earned: date | None = None,
        status: Status = "earned",
        suggestions: Sequence[str] = (),
    ) -> None:
        entry = UnmappedEntry(
            line=origin.line[:500],
            kind=origin.kind,
            reason=reason[:1000],
            institution=origin.institution,
            earned=earned,
            status=status,
            source=origin.where,
            data=dict(origin.data),
        )
        report = ReportUnmapped(
            line=entry.line,
            source=origin.where,
            reason=entry.reason,
            suggestions=list(suggestions),
        )
        self.unmapped.append((entry, report))

    # ----------------------------------------------------------------- courses

    def course(self, line: CourseLine, file: str) -> None:
        inst, _, missing = self.institution(line.institution)
        label = _course_label(line, inst)
        grade, status, grade_problem = self._grade(line)
        earned = line.end or line.session.end
        origin = _Origin(label, "course", line.where, line.data, inst)
        if inst is None:
            self.drop(origin, missing, earned=earned, status=status)
            return
        if grade_problem is not None:
            self.drop(origin, grade_problem, earned=earned)
            return
        if not line.subject or not line.number:
            self.drop(
                origin, "the line has no subject or course number", earned=earned, status=status
            )
            return
        credential, close = self._course_id(inst, line.subject, line.number, line.title)
        if credential is None:
            guess = f"{inst}.{_slug(line.subject)}-{_slug(line.number)}"
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            self.drop(
                origin,
                f"no catalog credential {guess}{hint} (a registrar's mapping table can name "
                "the credential it stands for)",
                earned=earned,
                status=status,
                suggestions=close,
            )
            return
        holding, note = self._course_holding(line, credential, inst, grade, status, earned)
        if holding is None:
            self.drop(origin, note or "the line cannot be read as a holding", earned=earned)
            return
        self.keep(holding, line.where, file, note)

    def _grade(self, line: CourseLine) -> tuple[str | None, Status, str | None]:
        raw = (line.grade or "").strip().upper()
        if raw in _NO_GRADE:
            begin = line.begin or line.session.begin
            end = line.end or line.session.end
            if begin is not None and begin > self.as_of:
                return None, "planned", None
            if end is None or end >= self.as_of:
                return None, "in_progress", None
            return None, "earned", None
        grade = _GRADE_ALIASES.get(raw, raw)
        if grade not in _GRADES:
            return (
                None,
                "earned",
                (
                    f"grade {line.grade!r} is not one Pathways reads (A–F with +/-, P, CR, W, I, "
                    "NC, and the aliases S, U, WP, WF, INC)"
                ),
            )
        return grade, "earned", None

    def _course_id(
        self, inst: str, subject: str, number: str, title: str | None
    ) -> tuple[str | None, list[str]]:
        mapped = self.options.table.course(inst, subject, number)
        if mapped is not None:
            return (mapped, []) if mapped in self.catalog.versions else (None, [mapped])
        guess = f"{inst}.{_slug(subject)}-{_slug(number)}"
        if guess in self.catalog.versions:
            return guess, []
        # Close ids in the same subject (a mistyped number), then courses with the same title
        # (a renumbered course); ids of other subjects are no help to a registrar.
        close = suggest(guess, self.index.by_subject.get((inst, _slug(subject)), ()))
        if title:
            same_title = self.index.by_title.get((inst, _words(title)), ())
            close += [i for i in same_title if i not in close]
        return None, close[:3]

    def _course_holding(
        self,
        line: CourseLine,
        credential: str,
        inst: str,
        grade: str | None,
        status: Status,
        earned: date | None,
    ) -> tuple[Holding | None, str | None]:
        notes: list[str] = []
        credits, hours = _credits(line, notes)
        if status == "earned" and earned is None:
            return None, "the line has no end date and its session none either"
        if status == "earned" and grade is None:
            notes.append("no grade on the transcript")
        catalog_credits = self.catalog.credential(credential, on=earned).credits
        override = credits if credits is not None and credits != catalog_credits else None
        if override is not None:
            notes.append(
                f"{_num(override)} credits stand instead of the catalog's {_num(catalog_credits)}"
            )
        if line.repeat:
            notes.append(f"repeat code {line.repeat}")
        where = f"{line.session.name}; {line.where}" if line.session.name else line.where
        holding = Holding(
            credential=credential,
            earned=earned if status == "earned" else None,
            grade=grade,
            credits=override,
            hours=hours,
            at=inst,
            status=status,
            note=f"from transcript: {where}",
        )
        return holding, "; ".join(notes) or None

    # ----------------------------------------------------------------- tests and awards

    def test(self, line: TestLine, file: str) -> None:
        kind = _TESTS.get(_words(line.test))
        subject = line.subject or ""
        label = f"{line.test} {subject}".strip() + (
            f", score {_num(line.score)}" if line.score is not None else ""
        )
        origin = _Origin(label, "exam", line.where, line.data)
        credential = self.options.table.title(kind or _words(line.test), subject)
        close: list[str] = []
        if credential is None and kind is not None:
            credential, close = self._exam_id(kind, subject)
        if credential is None or credential not in self.catalog.versions:
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            what = (
                "only AP and CLEP scores map by title (a mapping-table row can name the "
                "credential for another test)"
                if kind is None
                else "no catalog exam has that title"
            )
            self.drop(origin, f"{what}{hint}", earned=line.taken, suggestions=close)
            return
        if line.score is None or line.taken is None:
            self.drop(origin, "the score or the date it was taken is missing", earned=line.taken)
            return
        holding = Holding(
            credential=credential,
            earned=line.taken,
            score=line.score,
            note=f"from transcript: {line.where}",
        )
        self.keep(holding, line.where, file)

    def _exam_id(self, kind: str, subject: str) -> tuple[str | None, list[str]]:
        exams = self.index.exams[kind]
        found = exams.get(_words(subject))
        if found is not None:
            return found, []
        return None, [exams[c] for c in suggest(_words(subject), exams)]

    def award(self, line: AwardLine, file: str) -> None:
        inst, _, missing = self.institution(line.institution)
        label = line.title + (f" ({inst})" if inst else "")
        origin = _Origin(label, "award", line.where, line.data, inst)
        if inst is None:
            self.drop(origin, missing, earned=line.awarded)
            return
        if not line.completed or line.awarded is None:
            self.drop(
                origin, "not awarded: the transcript gives no award date", status="in_progress"
            )
            return
        credential = self.options.table.title(inst, line.title)
        titles = self.index.awards.get(inst, {})
        credential = credential or titles.get(_words(line.title))
        if credential is None or credential not in self.catalog.versions:
            close = [titles[c] for c in suggest(_words(line.title), titles)]
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            self.drop(
                origin,
                f"no {inst} credential has this title{hint}",
                suggestions=close,
                earned=line.awarded,
            )
            return
        holding = Holding(
            credential=credential,
            earned=line.awarded,
            at=inst,
            note=f"from transcript: {line.where}",
        )
        self.keep(holding, line.where, file)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def _num(value: float | Fraction) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")


def _course_label(line: CourseLine, inst: str | None) -> str:
    head = " ".join(p for p in (line.subject, line.number, line.title) if p) or "a course"
    where = [p for p in (inst or line.institution.name, line.session.name) if p]
    return f"{head} ({', '.join(where)})" if where else head


def _credits(line: CourseLine, notes: list[str]) -> tuple[Fraction | None, float | None]:
    """(semester credits, clock hours) of a course line; ``notes`` says what was converted."""
    amount = line.credits if line.credits is not None else line.earned_credits
    unit = (line.units or "semester").strip().lower().replace(" ", "")
    if amount is None:
        return None, None
    if unit.startswith("quarter"):
        notes.append(
            f"{_num(amount)} quarter hours = {_num(amount * Fraction(2, 3))} semester credits"
        )
        return amount * Fraction(2, 3), None
    if unit.startswith("semester") or unit in ("credits", "credit", "hours", "units"):
        return amount, None
    if unit in ("clockhours", "clock"):
        return None, float(amount)
    notes.append(
        f"credit unit {line.units!r} is neither semester nor quarter hours: the "
        "catalog's credit is used"
    )
    return None, None


# --------------------------------------------------------------------------- entry point


def map_transcripts(
    catalog: CompiledCatalog, transcripts: Sequence[Transcript], options: ImportOptions
) -> ImportResult:
    """One learner record from ``transcripts`` (merged in order), and the report.

    Raises :class:`~pathways.errors.PathwaysError` when no learner id is known (neither
    ``options.learner`` nor a student id in a file) or ``options.institution`` is not in the
    catalog; :class:`~pathways.errors.UnknownIdError` for the latter.
    """
    from pathways.errors import UnknownIdError

    if options.institution is not None and options.institution not in catalog.institutions:
        raise UnknownIdError("institution", options.institution, catalog.institutions)
    first_id = next((t.student_id for t in transcripts if t.student_id), None)
    learner_id = options.learner or first_id
    where = transcripts[0].file if transcripts else "transcript"
    if not learner_id:
        raise PathwaysError(
            f"{where}: no student id in the file: give the learner id (--learner ID)"
        )
    if len(learner_id) > 200:
        raise PathwaysError(f"{where}: the student id is over 200 characters: give --learner ID")
    mapper = _Mapper(catalog, options, options.as_of or date.today(), _index(catalog))
    files: list[ReportFile] = []
    for transcript in transcripts:
        inst, how, _ = mapper.institution(transcript.source)
        files.append(
            ReportFile(
                file=transcript.file,
                format=transcript.format,
                issuer=transcript.source.describe(),
                institution=inst,
                matched_by=how,
                lines=len(transcript.courses) + len(transcript.tests) + len(transcript.awards),
            )
        )
        for award in transcript.awards:
            mapper.award(award, transcript.file)
        for course in transcript.courses:
            mapper.course(course, transcript.file)
        for test in transcript.tests:
            mapper.test(test, transcript.file)
    holdings, reports = _merged(mapper.holdings, mapper.notes)
    ids = sorted({t.student_id for t in transcripts if t.student_id})
    if len(ids) > 1:
        mapper.notes.append(
            f"the files name different student ids ({', '.join(ids)}); the record uses {learner_id}"
        )
    name = next((t.student_name for t in transcripts if t.student_name), None)
    record = LearnerRecord(
        learner=LearnerInfo(id=learner_id, name=name, identity=Identity(student_id=first_id)),
        holdings=tuple(holdings),
        unmapped=tuple(entry for entry, _ in mapper.unmapped),
    )
    report = ImportReport(
        learner=learner_id,
        files=files,
        holdings=reports,
        unmapped=[r for _, r in mapper.unmapped],
        notes=mapper.notes,
    )
    return ImportResult(record=record, report=report)


def _merged(
    made: Iterable[tuple[Holding, ReportHolding, str]], notes: list[str]
) -> tuple[list[Holding], list[ReportHolding]]:
    """The holdings, a line that another file already gave kept once."""
    seen: dict[tuple[object, ...], str] = {}
    holdings: list[Holding] = []
    reports: list[ReportHolding] = []
    for holding, report, file in made:
        key = (
            holding.credential,
            holding.earned,
            holding.grade,
            holding.score,
            holding.status,
            holding.at,
        )
        first = seen.setdefault(key, file)
        if first != file:
            notes.append(f"{report.source}: {holding.credential} is already on {first}; kept once")
            continue
        holdings.append(holding)
        reports.append(report)
    return holdings, reports
