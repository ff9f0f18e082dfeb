"""Read a PESC College Transcript (XML) into a :class:`~.source.Transcript`.

PESC versions differ in their namespaces (``urn:org:pesc:message:CollegeTranscript:v1.x``, core
and sector components, prefixed or not), so elements are read by local name only. What is
read:

* the issuer: ``TransmissionData/Source/Organization`` (``OrganizationName`` and the codes
  ``OPEID``, ``IPEDS``, ``FICE``, ``ATP``, ``ACT``, ``CEEBACT``);
* the learner: ``Student/Person`` (``SchoolAssignedPersonID``, ``Name``);
* every ``Student/AcademicRecord``: its ``School`` (work done elsewhere, when present),
  ``AcademicAward`` degrees and certificates, each ``AcademicSession`` (``SessionName``,
  ``SessionBeginDate``, ``SessionEndDate``, in ``AcademicSessionDetail`` or directly) and the
  ``Course`` lines of a session or of the record itself;
* ``Student/Test`` scores (``TestName``, ``TestDate``, each ``Subtest`` with ``SubtestName``
  and ``TestScores/ScoreValue``).

The parser is defusedxml's: a document type declaration, an entity declaration or an external
reference is refused (so are "billion laughs" expansions and external entities), and every
error carries the XML line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from pathways.errors import LocatedError
from pathways.interop.transcripts.source import (
    MAX_TRANSCRIPT_BYTES,
    MAX_TRANSCRIPT_LINES,
    AwardLine,
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
    too_many_lines,
)

__all__ = ["ORGANIZATION_CODES", "read_pesc"]

ORGANIZATION_CODES: tuple[str, ...] = ("OPEID", "IPEDS", "FICE", "ATP", "ACT", "CEEBACT")
"""The PESC organization code elements read (lower-cased as :class:`Organization` keys)."""

_AWARD_FIELDS = (
    "AcademicAwardLevel",
    "AcademicAwardTitle",
    "AcademicAwardDate",
    "AcademicCompletionIndicator",
    "AcademicCompletionDate",
)
_COURSE_FIELDS = (
    "CourseSubjectAbbreviation",
    "CourseNumber",
    "CourseTitle",
    "CourseCreditValue",
    "CourseCreditEarned",
    "CourseCreditUnits",
    "CourseCreditBasis",
    "CourseCreditLevel",
    "CourseAcademicGrade",
    "CourseRepeatCode",
    "CourseBeginDate",
    "CourseEndDate",
)


_REFUSED = {
    "DTDForbidden": "a document type declaration (DTD)",
    "EntitiesForbidden": "an entity declaration",
    "ExternalReferenceForbidden": "an external reference",
    "NotSupportedError": "an unsupported XML feature",
}


@dataclass
class _Node:
    """An element by local name, with its 1-based position and its text."""

    name: str
    line: int
    col: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def all(self, name: str) -> Iterator[_Node]:
        return (child for child in self.children if child.name == name)

    def find(self, path: str) -> _Node | None:
        node: _Node | None = self
        for name in path.split("/"):
            node = next(node.all(name), None) if node is not None else None
        return node

    def text(self, path: str) -> str | None:
        node = self.find(path)
        value = "".join(node.parts).strip() if node is not None else ""
        return value or None


class _Builder:
    """A parser target that builds :class:`_Node` trees and records where each one starts."""

    def __init__(self) -> None:
        self.expat: Any = None
        self.stack: list[_Node] = []
        self.root: _Node | None = None

    def start(self, tag: str, _attrs: dict[str, str]) -> None:
        node = _Node(
            tag.rsplit("}", 1)[-1],
            self.expat.CurrentLineNumber,
            self.expat.CurrentColumnNumber + 1,
        )
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, _tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(text)

    def close(self) -> _Node | None:
        return self.root


def _parse(name: str, raw: bytes) -> _Node:
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(raw)
        root = parser.close()
    except ParseError as error:
        line, col = error.position
        reason = str(error).split(":")[0]
        raise fail(name, line, col + 1, f"not well-formed XML: {reason}") from None
    except DefusedXmlException as error:
        what = _REFUSED.get(type(error).__name__, "an unsafe construct")
        at_line, at_col = _declaration_start(raw, parser.parser.CurrentByteIndex)
        raise fail(
            name,
            at_line or parser.parser.CurrentLineNumber,
            at_col or parser.parser.CurrentColumnNumber + 1,
            f"{what} is refused: a transcript may not declare a DTD or entities, nor refer to "
            "external resources",
        ) from None
    if not isinstance(root, _Node):
        raise fail(name, 1, 1, "no root element")
    return root


def _declaration_start(raw: bytes, offset: int) -> tuple[int | None, int | None]:
    """Where the ``<!DOCTYPE`` or ``<!ENTITY`` declaration being read at ``offset`` starts
    (1-based line and column), so the error points at the declaration itself."""
    start = max(raw.rfind(b"<!DOCTYPE", 0, offset + 1), raw.rfind(b"<!ENTITY", 0, offset + 1))
    if start < 0:
        return None, None
    before = raw[:start]
    return before.count(b"\n") + 1, start - (before.rfind(b"\n") + 1) + 1


class _Reader:
    """Turns the element tree into lines, collecting located errors instead of stopping."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[LocatedError] = []

    def where(self, node: _Node) -> str:
        return f"{self.name}:{node.line}:{node.col}"

    def value(self, node: _Node, path: str, parse: Callable[[str], Any]) -> Any:
        text = node.text(path)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as error:
            at = node.find(path) or node
            self.errors.append(LocatedError(self.name, at.line, at.col, path, str(error)))
            return None

    def organization(self, node: _Node | None) -> Organization:
        if node is None:
            return Organization()
        codes = {code.lower(): node.text(code) for code in ORGANIZATION_CODES}
        return Organization(
            name=node.text("OrganizationName"),
            codes={k: v for k, v in codes.items() if v is not None},
        )

    def session(self, node: _Node) -> Session:
        detail = node.find("AcademicSessionDetail") or node
        return Session(
            name=detail.text("SessionName") or detail.text("SessionDesignator"),
            begin=self.value(detail, "SessionBeginDate", parse_day),
            end=self.value(detail, "SessionEndDate", parse_day),
        )

    def course(self, node: _Node, school: Organization, session: Session) -> CourseLine:
        return CourseLine(
            where=self.where(node),
            institution=school,
            subject=node.text("CourseSubjectAbbreviation"),
            number=node.text("CourseNumber"),
            title=node.text("CourseTitle"),
            credits=self.value(node, "CourseCreditValue", parse_amount),
            earned_credits=self.value(node, "CourseCreditEarned", parse_amount),
            units=node.text("CourseCreditUnits"),
            grade=node.text("CourseAcademicGrade"),
            repeat=node.text("CourseRepeatCode"),
            begin=self.value(node, "CourseBeginDate", parse_day),
            end=self.value(node, "CourseEndDate", parse_day),
            session=session,
            data=keep(
                [("SessionName", session.name)] + [(f, node.text(f)) for f in _COURSE_FIELDS]
            ),
        )

    def award(self, node: _Node, school: Organization) -> AwardLine | None:
        title = node.text("AcademicAwardTitle") or node.text("AcademicAwardLevel")
        if title is None:
            return None
        indicator = (node.text("AcademicCompletionIndicator") or "").lower()
        awarded = self.value(node, "AcademicAwardDate", parse_day)
        return AwardLine(
            where=self.where(node),
            institution=school,
            title=title,
            level=node.text("AcademicAwardLevel"),
            awarded=awarded or self.value(node, "AcademicCompletionDate", parse_day),
            completed=indicator != "false" and (awarded is not None or indicator == "true"),
            data=keep((f, node.text(f)) for f in _AWARD_FIELDS),
        )

    def tests(self, node: _Node) -> Iterator[TestLine]:
        test = node.text("TestName") or "test"
        taken = self.value(node, "TestDate", parse_day)
        parts = list(node.all("Subtest")) or [node]
        for part in parts:
            subject = part.text("SubtestName") if part is not node else None
            score = self.value(part, "TestScores/ScoreValue", parse_amount)
            yield TestLine(
                where=self.where(part),
                test=test,
                subject=subject,
                score=float(score) if score is not None else None,
                taken=taken,
                data=keep(
                    [
                        ("TestName", test),
                        ("TestDate", node.text("TestDate")),
                        ("SubtestName", subject),
                        ("ScoreValue", part.text("TestScores/ScoreValue")),
                    ]
                ),
            )


def read_pesc(name: str, raw: bytes) -> Transcript:
    """The transcript in ``raw`` (the bytes of file ``name``).

    Raises :class:`~.source.TranscriptError` (located: ``name:line:col``) for a file that is
    not well-formed, declares a DTD or entities, is not a College Transcript, or holds a
    malformed date or credit amount.
    """
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        raise fail(name, None, None, f"larger than {MAX_TRANSCRIPT_BYTES} bytes")
    root = _parse(name, raw)
    if root.name != "CollegeTranscript":
        raise fail(
            name,
            root.line,
            root.col,
            f"the root element is {root.name}, not CollegeTranscript (a PESC College Transcript)",
        )
    reader = _Reader(name)
    source = reader.organization(root.find("TransmissionData/Source/Organization"))
    student = root.find("Student")
    if student is None:
        raise fail(name, root.line, root.col, "the transcript has no Student element")
    person = student.find("Person")
    _check_lines(name, student)
    courses: list[CourseLine] = []
    awards: list[AwardLine] = []
    for record in student.all("AcademicRecord"):
        own = record.find("School")
        school = reader.organization(own) if own is not None else source
        for node in record.all("AcademicAward"):
            award = reader.award(node, school)
            if award is not None:
                awards.append(award)
        for session_node in record.all("AcademicSession"):
            session = reader.session(session_node)
            at = session_node.find("School")
            where = reader.organization(at) if at is not None else school
            courses += [reader.course(c, where, session) for c in session_node.all("Course")]
        courses += [reader.course(c, school, Session()) for c in record.all("Course")]
    tests = [line for node in student.all("Test") for line in reader.tests(node)]
    if reader.errors:
        raise TranscriptError(reader.errors)
    return Transcript(
        file=name,
        format="pesc",
        source=source,
        student_id=person.text("SchoolAssignedPersonID") if person is not None else None,
        student_name=_name(person.find("Name")) if person is not None else None,
        courses=tuple(courses),
        tests=tuple(tests),
        awards=tuple(awards),
    )


def _check_lines(name: str, student: _Node) -> None:
    """Raise :func:`~.source.too_many_lines` when the student's courses, awards and tests are
    more than :data:`~.source.MAX_TRANSCRIPT_LINES` elements, located at the first past it."""
    lines = list(student.all("Test"))
    for record in student.all("AcademicRecord"):
        lines += record.all("AcademicAward")
        lines += record.all("Course")
        for session in record.all("AcademicSession"):
            lines += session.all("Course")
    if len(lines) > MAX_TRANSCRIPT_LINES:
        past = sorted(lines, key=lambda node: (node.line, node.col))[MAX_TRANSCRIPT_LINES]
        raise too_many_lines(name, past.line, past.col)


def _name(node: _Node | None) -> str | None:
    if node is None:
        return None
    parts = [node.text(p) for p in ("FirstName", "MiddleName", "LastName")]
    return " ".join(p for p in parts if p) or None
