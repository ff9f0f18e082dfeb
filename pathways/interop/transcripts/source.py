"""What a transcript says, before any catalog is consulted: the readers' common output.

:mod:`~pathways.interop.transcripts.pesc` and :mod:`~pathways.interop.transcripts.csvfile`
both turn a file into a :class:`Transcript`; :mod:`~pathways.interop.transcripts.mapping`
turns transcripts into a learner record. Values stay as the file wrote them (strings),
except dates and credit amounts, which a reader checks and converts so that a malformed one
is a located :class:`TranscriptError` and never a silently wrong holding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from pathways.errors import LocatedError, RecordError

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "MAX_TRANSCRIPT_LINES",
    "AwardLine",
    "CourseLine",
    "Organization",
    "Session",
    "TestLine",
    "Transcript",
    "TranscriptError",
    "fail",
    "keep",
    "parse_amount",
    "parse_day",
    "term_session",
    "too_many_lines",
]

MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024
"""The largest transcript file read (a whole college career is a few hundred kilobytes)."""

MAX_TRANSCRIPT_LINES = 2000
"""The most course, test and award lines one transcript file may hold (a whole college career
is a few hundred); a file with more is refused, located at the first line past the cap."""


def too_many_lines(file: str, line: int | None, col: int | None) -> TranscriptError:
    """The error for a file whose line at ``line:col`` is past :data:`MAX_TRANSCRIPT_LINES`."""
    return fail(
        file,
        line,
        col,
        f"the transcript holds more than {MAX_TRANSCRIPT_LINES} course, test and award lines "
        "(one learner's whole history is a few hundred): split it or leave out lines",
    )


class TranscriptError(RecordError):
    """A transcript file that cannot be read; ``errors`` locates every problem found
    (XML ``line:col``, CSV ``row:col``). Nothing is written when it is raised."""


def fail(file: str, line: int | None, col: int | None, message: str) -> TranscriptError:
    """A :class:`TranscriptError` with one located problem."""
    return TranscriptError([LocatedError(file, line, col, "", message)])


@dataclass(frozen=True, slots=True)
class Organization:
    """An institution as a transcript names it: its name and its codes (``opeid``, ``ipeds``,
    ``fice``, ``atp``, ``act``…), lower-case keys, digits as written."""

    name: str | None = None
    codes: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """The name and codes as a reader would quote them."""
        codes = ", ".join(f"{k.upper()} {v}" for k, v in sorted(self.codes.items()))
        name = self.name or "an unnamed institution"
        return f"{name} ({codes})" if codes else name


@dataclass(frozen=True, slots=True)
class Session:
    """An academic session (term): its name and dates, each optional."""

    name: str | None = None
    begin: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class CourseLine:
    """One course attempt as the transcript lists it.

    ``credits`` is the credit value of the attempt in ``units`` (``semester``, ``quarter`` or
    another unit named by the file); ``earned_credits`` what it earned. ``where`` locates the
    line (``file:line:col`` or ``file:row``); ``data`` keeps every original field.
    """

    where: str
    institution: Organization
    subject: str | None
    number: str | None
    title: str | None
    credits: Fraction | None
    earned_credits: Fraction | None
    units: str | None
    grade: str | None
    repeat: str | None
    begin: date | None
    end: date | None
    session: Session
    data: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class TestLine:
    """One test score (AP, CLEP…): the test, its subject, the score and the date taken."""

    where: str
    test: str
    subject: str | None
    score: float | None
    taken: date | None
    data: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class AwardLine:
    """A degree or certificate the institution awarded (or lists as not yet awarded)."""

    where: str
    institution: Organization
    title: str
    level: str | None
    awarded: date | None
    completed: bool
    data: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Transcript:
    """One file's content: who issued it, whose it is, and its lines in file order."""

    file: str
    format: str
    source: Organization
    student_id: str | None = None
    student_name: str | None = None
    courses: tuple[CourseLine, ...] = ()
    tests: tuple[TestLine, ...] = ()
    awards: tuple[AwardLine, ...] = ()


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_US_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_day(text: str) -> date:
    """A date written ``YYYY-MM-DD`` (PESC, ISO) or ``MM/DD/YYYY`` (US student-system
    exports); a time of day after ``T`` or a space is ignored. Raises ValueError.

    >>> parse_day("2024-12-14T00:00:00")
    datetime.date(2024, 12, 14)
    >>> parse_day("5/9/2025")
    datetime.date(2025, 5, 9)
    """
    value = text.strip().split("T")[0].split(" ")[0]
    match = _DAY.match(value)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = _US_DAY.match(value)
    if match:
        return date(int(match[3]), int(match[1]), int(match[2]))
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def parse_amount(text: str) -> Fraction:
    """A non-negative credit or score amount such as ``3``, ``3.00`` or ``4.5``.

    >>> parse_amount(" 3.00 ")
    Fraction(3, 1)
    """
    value = text.strip()
    if not re.fullmatch(r"\d{1,5}(\.\d{1,4})?|\.\d{1,4}", value):
        raise ValueError(f"{text!r} is not a number of credits")
    return Fraction(value)


_TERM = re.compile(
    r"^(?:(spring|summer|fall|autumn|winter)\s*(?:term|semester|quarter|session)?\s+(\d{4})"
    r"|(\d{4})\s+(spring|summer|fall|autumn|winter)(?:\s*(?:term|semester|quarter|session))?)$"
)
# A term named only by season and year is taken to run over its customary months; the report
# says so wherever these dates are used, so a registrar can give real dates instead.
_SEASONS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "winter": ((1, 1), (3, 31)),
    "spring": ((1, 1), (5, 31)),
    "summer": ((6, 1), (8, 31)),
    "fall": ((8, 15), (12, 31)),
    "autumn": ((8, 15), (12, 31)),
}


def term_session(name: str) -> Session | None:
    """A session from a term name such as ``Fall 2024`` or ``2025 Spring Semester``, with the
    season's customary first and last days (winter January–March, spring January–May, summer
    June–August, fall or autumn mid-August–December); None for any other name.

    >>> term_session("Fall 2024")
    Session(name='Fall 2024', begin=datetime.date(2024, 8, 15), end=datetime.date(2024, 12, 31))
    >>> term_session("202410") is None
    True
    """
    match = _TERM.match(" ".join(name.lower().split()))
    if match is None:
        return None
    season = match[1] or match[4]
    year = int(match[2] or match[3])
    (bm, bd), (em, ed) = _SEASONS[season]
    return Session(name=name.strip(), begin=date(year, bm, bd), end=date(year, em, ed))


def keep(fields: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """The non-empty original fields, stripped, in order (what an unmapped entry keeps)."""
    return {name: value.strip() for name, value in fields if value is not None and value.strip()}
