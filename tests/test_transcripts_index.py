"""Mapping transcript lines through the catalog's index answers what a scan of the catalog
answers (credential, "did you mean", exams, awards), and a transcript past the line cap is
refused, located, by the readers, the import, the CLI and the API."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.errors import suggest
from pathways.interop.transcripts import (
    MAX_TRANSCRIPT_LINES,
    ImportOptions,
    TranscriptError,
    import_transcripts,
    read_transcript,
)
from pathways.interop.transcripts.mapping import AWARD_KINDS, _index, _Mapper, _slug, _words

REPO = Path(__file__).resolve().parent.parent
SAMPLES = [*sorted((REPO / "data" / "transcripts").iterdir()), REPO / "tests/transcripts/rules.xml"]


@pytest.fixture(scope="module")
def catalog() -> CompiledCatalog:
    return load_catalog(DEFAULT_CATALOG)


def _mapper(catalog: CompiledCatalog) -> _Mapper:
    return _Mapper(catalog, ImportOptions(), date(2026, 9, 1), _index(catalog))


def scan_course(
    catalog: CompiledCatalog, inst: str, subject: str, number: str, title: str | None
) -> tuple[str | None, list[str]]:
    """The course lookup as a scan of every credential (the mapper's rule before the index)."""
    guess = f"{inst}.{_slug(subject)}-{_slug(number)}"
    if guess in catalog.versions:
        return guess, []
    local = [
        ident
        for ident, versions in catalog.versions.items()
        if versions[-1].issuer == inst and versions[-1].kind == "course"
    ]
    same_subject = [i for i in local if i.startswith(f"{inst}.{_slug(subject)}-")]
    close = suggest(guess, same_subject)
    if title:
        words = _words(title)
        close += [
            i for i in local if _words(catalog.credential(i).title) == words and i not in close
        ]
    return None, close[:3]


def scan_exam(catalog: CompiledCatalog, kind: str, subject: str) -> tuple[str | None, list[str]]:
    exams = {
        _words(re.sub(rf"^{kind}\s+", "", _words(v[-1].title))): ident
        for ident, v in catalog.versions.items()
        if v[-1].kind == "exam" and ident.startswith(f"{kind}.")
    }
    found = exams.get(_words(subject))
    return (
        (found, [])
        if found is not None
        else (None, [exams[c] for c in suggest(_words(subject), exams)])
    )


def scan_awards(catalog: CompiledCatalog, inst: str) -> dict[str, str]:
    return {
        _words(v[-1].title): ident
        for ident, v in catalog.versions.items()
        if v[-1].issuer == inst and v[-1].kind in AWARD_KINDS
    }


def _course_cases(catalog: CompiledCatalog) -> list[tuple[str, str, str, str | None]]:
    """Every course line of the samples as it stands and mistyped: its number off by one and
    cut short, another subject, another course's title."""
    mapper = _mapper(catalog)
    cases: list[tuple[str, str, str, str | None]] = []
    for path in SAMPLES:
        transcript = read_transcript(path.name, path.read_bytes())
        for line in transcript.courses:
            inst = mapper.institution(line.institution)[0] or "tri-c"
            subject, number = line.subject or "", line.number or ""
            digits = int(number) + 1 if number.isdigit() else 1
            cases += [
                (inst, subject, number, line.title),
                (inst, subject, str(digits), line.title),
                (inst, subject, number[:-1], None),
                (inst, "ZZZ", number, line.title),
            ]
    return cases


def test_sample_lines_map_through_the_index_as_through_a_scan(catalog: CompiledCatalog) -> None:
    mapper = _mapper(catalog)
    cases = _course_cases(catalog)
    assert len(cases) > 40
    suggested = 0
    for inst, subject, number, title in cases:
        expected = scan_course(catalog, inst, subject, number, title)
        assert mapper._course_id(inst, subject, number, title) == expected, (inst, subject, number)
        suggested += bool(expected[1])
    assert suggested > 10
    for kind in ("ap", "clep"):
        for subject in (
            "Calculus AB",
            "calculus ab",
            "Biology",
            "Biolgy",
            "College Composition",
            "x",
        ):
            assert mapper._exam_id(kind, subject) == scan_exam(catalog, kind, subject)
    for inst in catalog.institutions:
        assert dict(mapper.index.awards.get(inst, {})) == scan_awards(catalog, inst)


_ids = st.sampled_from(sorted(load_catalog(DEFAULT_CATALOG).versions))


@settings(max_examples=200, deadline=None)
@given(ident=_ids, other=_ids, cut=st.integers(0, 4), title=st.booleans())
def test_any_catalog_course_mistyped_maps_as_through_a_scan(
    ident: str, other: str, cut: int, title: bool
) -> None:
    """Ids drawn from the catalog, split as a transcript would give them, cut short and given
    another credential's title: the index and the scan agree."""
    catalog = load_catalog(DEFAULT_CATALOG)
    inst, _, rest = ident.partition(".")
    subject, _, number = rest.rpartition("-")
    number = number[: max(len(number) - cut, 0)] or "0"
    line_title = catalog.credential(other).title if title else None
    mapper = _mapper(catalog)
    expected = scan_course(catalog, inst, subject or rest, number, line_title)
    assert mapper._course_id(inst, subject or rest, number, line_title) == expected


def _csv(rows: int) -> bytes:
    lines = ["student_id,institution,subject,number,title,credits,grade,term"]
    lines += [f"s1,tri-c,ENG,{1000 + i},Course {i},3,A,Fall 2020" for i in range(rows)]
    return "\n".join(lines).encode()


def _xml(courses: int) -> bytes:
    course = (
        "<Course><CourseSubjectAbbreviation>ENG</CourseSubjectAbbreviation>"
        "<CourseNumber>1</CourseNumber></Course>\n"
    )
    return (
        b"<CollegeTranscript><Student><Person/><AcademicRecord>\n"
        + course.encode() * courses
        + b"</AcademicRecord></Student></CollegeTranscript>"
    )


def test_a_transcript_past_the_line_cap_is_refused_at_its_first_line_past_it() -> None:
    assert (
        len(read_transcript("ok.csv", _csv(MAX_TRANSCRIPT_LINES)).courses) == MAX_TRANSCRIPT_LINES
    )
    with pytest.raises(TranscriptError) as caught:
        read_transcript("big.csv", _csv(MAX_TRANSCRIPT_LINES + 5))
    (error,) = caught.value.errors
    assert (error.file, error.line, error.col) == ("big.csv", MAX_TRANSCRIPT_LINES + 2, 1)
    assert f"more than {MAX_TRANSCRIPT_LINES}" in error.message
    with pytest.raises(TranscriptError) as caught:
        read_transcript("big.xml", _xml(MAX_TRANSCRIPT_LINES + 1))
    (error,) = caught.value.errors
    assert (error.file, error.line, error.col) == ("big.xml", MAX_TRANSCRIPT_LINES + 2, 1)


def test_files_past_the_cap_together_are_refused(catalog: CompiledCatalog) -> None:
    half = _csv(MAX_TRANSCRIPT_LINES // 2 + 1)
    with pytest.raises(TranscriptError) as caught:
        import_transcripts(
            catalog, [("a.csv", half, None), ("b.csv", half, None)], ImportOptions(learner="s1")
        )
    (error,) = caught.value.errors
    assert error.file == "b.csv" and "together" in error.message


def test_cli_refuses_a_transcript_past_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(_csv(MAX_TRANSCRIPT_LINES + 1))
    out = tmp_path / "never.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "pathways.cli", "import-transcript", str(big), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert f"{big}:{MAX_TRANSCRIPT_LINES + 2}:1:" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
