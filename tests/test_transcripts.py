"""Learner records from transcripts (PESC College Transcript XML, CSV exports): each mapping
rule, merging, nothing lost, hardened and located errors, and an imported record audits and
transfers like a hand-written one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, parse_record
from pathways.catalog.model import Holding, LearnerRecord
from pathways.evaluate import audit, transfer
from pathways.interop.transcripts import (
    ImportOptions,
    ImportResult,
    MappingTable,
    TranscriptError,
    import_transcripts,
    read_transcript,
    record_document,
    record_yaml,
)
from pathways.interop.transcripts.mapping import map_transcripts
from pathways.options import Options

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "transcripts"
SAMPLES = REPO / "data" / "transcripts"
RULES = HERE / "rules.xml"


@pytest.fixture(scope="module")
def catalog() -> CompiledCatalog:
    return load_catalog(DEFAULT_CATALOG)


def run_import(
    catalog: CompiledCatalog,
    *files: tuple[str, bytes],
    as_of: date = date(2026, 9, 1),
    **options: Any,
) -> ImportResult:
    return import_transcripts(
        catalog,
        [(name, raw, None) for name, raw in files],
        ImportOptions(as_of=as_of, **options),
    )


def from_path(path: Path) -> tuple[str, bytes]:
    return (path.name, path.read_bytes())


def holdings_of(result: ImportResult, credential: str) -> list[Holding]:
    return [h for h in result.record.holdings if h.credential == credential]


def reasons(result: ImportResult) -> dict[str, str]:
    return {u.line: u.reason for u in result.record.unmapped}


# --------------------------------------------------------------------------- PESC rules


def test_pesc_institution_by_ipeds_and_learner_from_person(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    assert result.report.files[0].institution == "wright-state"
    assert result.report.files[0].matched_by == "ipeds"
    assert result.record.learner.id == "U-RULES-1"
    assert result.record.learner.name == "Test Q Learner"
    assert result.record.learner.identity.student_id == "U-RULES-1"


def test_pesc_earned_is_course_end_date_else_session_end(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    assert holdings_of(result, "wright-state.acc-2010")[0].earned == date(2025, 10, 17)
    assert holdings_of(result, "wright-state.mis-3000")[0].earned == date(2025, 12, 13)


def test_pesc_quarter_credits_converted_and_kept_exact(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    (mis,) = holdings_of(result, "wright-state.mis-3000")
    assert mis.credits == Fraction(8, 3)
    document = record_document(result.record)
    written = next(h for h in document["holdings"] if h["credential"] == mis.credential)
    assert written["credits"] == "8/3"
    assert parse_record(document, name="r").holdings == result.record.holdings


def test_pesc_failed_withdrawn_incomplete_lines_stay_as_attempts(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    grades = {h.credential: h.grade for h in result.record.holdings}
    assert grades["wright-state.mgt-3000"] == "I"
    assert grades["wright-state.mkt-3000"] == "NC"
    assert holdings_of(result, "wright-state.ec-3100")[0].grade == "P"  # S reads as P


def test_pesc_every_attempt_of_a_repeated_course_is_kept(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    attempts = holdings_of(result, "wright-state.fin-3100")
    assert [(h.grade, h.earned) for h in attempts] == [
        ("F", date(2025, 12, 13)),
        ("C", date(2026, 5, 2)),
    ]
    decision = audit(
        catalog, result.record, "wright-state.bsb.accountancy", Options(as_of=date(2026, 9, 1))
    )
    codes = [u.reason_code for u in decision.unused if u.credential == "wright-state.fin-3100"]
    assert "duplicate" in codes or "below_min_grade" in codes


@pytest.mark.parametrize(
    ("as_of", "acc_2020", "acc_3010"),
    [
        (date(2026, 3, 1), "in_progress", "planned"),  # Spring under way, Fall ahead
        (date(2026, 9, 1), "earned", "in_progress"),  # Spring over (no grade), Fall under way
    ],
)
def test_pesc_ungraded_course_status_follows_its_session(
    catalog: CompiledCatalog, as_of: date, acc_2020: str, acc_3010: str
) -> None:
    result = run_import(catalog, from_path(RULES), as_of=as_of)
    (spring,) = holdings_of(result, "wright-state.acc-2020")
    (fall,) = holdings_of(result, "wright-state.acc-3010")
    assert (spring.status, fall.status) == (acc_2020, acc_3010)
    assert fall.earned is None
    if acc_2020 == "earned":
        assert spring.earned == date(2026, 5, 2) and spring.grade is None
        note = next(h.note for h in result.report.holdings if h.credential == spring.credential)
        assert note is not None and "no grade" in note


def test_pesc_ap_and_clep_scores_become_exam_holdings(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    (ap,) = holdings_of(result, "ap.biology")
    (clep,) = holdings_of(result, "clep.college-algebra")
    assert (ap.score, ap.earned) == (4, date(2023, 7, 10))
    assert (clep.score, clep.earned) == (62, date(2024, 3, 2))
    lost = reasons(result)
    assert "no catalog exam has that title" in lost["AP Underwater Basketry, score 5"]
    assert "only AP and CLEP" in lost["SAT, score 1310"]


def test_pesc_awarded_credential_becomes_a_holding(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    (award,) = holdings_of(result, "wright-state.mc.accounting-foundations")
    assert award.earned == date(2025, 12, 13)
    not_awarded = "Bachelor of Science in Business, Accountancy (wright-state)"
    assert "no award date" in reasons(result)[not_awarded]


def test_pesc_unmapped_lines_keep_their_data_and_say_why(catalog: CompiledCatalog) -> None:
    result = run_import(catalog, from_path(RULES))
    by_line = {u.line: u for u in result.record.unmapped}
    lab = by_line["ACC 2011 Intro Financial Acctg Lab (wright-state, Fall 2025)"]
    assert lab.institution == "wright-state"
    assert lab.data["CourseTitle"] == "Intro Financial Acctg Lab"
    assert lab.source is not None and lab.source.startswith("rules.xml:")
    assert "did you mean wright-state.acc-2010" in lab.reason
    audit_grade = by_line["MS 3040 (wright-state, Fall 2025)"]
    assert "grade 'AU'" in audit_grade.reason and audit_grade.data["CourseAcademicGrade"] == "AU"
    elsewhere = by_line["ENG 2999 Topics in Writing (sinclair, Summer 2024)"]
    assert "sinclair.eng-2999" in elsewhere.reason
    unknown = by_line["WLD 101 (Northern Plains Technical Institute)"]
    assert unknown.institution is None and "not in the catalog" in unknown.reason
    report_lines = {u.line for u in result.report.unmapped}
    assert report_lines == set(by_line)
    total = len(result.record.holdings) + len(result.record.unmapped)
    assert total == result.report.files[0].lines  # every line ends up somewhere


def _wrapped(style: str) -> bytes:
    """The same transcript in two PESC versions: prefixed v1.0.0 parts, default-namespace
    v1.6.0."""
    body = (
        "<{p}TransmissionData><Source><Organization><OrganizationName>Tri-C"
        "</OrganizationName></Organization></Source></{p}TransmissionData>"
        "<{p}Student><Person><SchoolAssignedPersonID>S1</SchoolAssignedPersonID></Person>"
        "<AcademicRecord><AcademicSession><SessionName>Fall 2024</SessionName>"
        "<SessionEndDate>2024-12-14</SessionEndDate><Course><CourseSubjectAbbreviation>ENG"
        "</CourseSubjectAbbreviation><CourseNumber>1010</CourseNumber><CourseAcademicGrade>A"
        "</CourseAcademicGrade></Course></AcademicSession></AcademicRecord></{p}Student>"
    )
    if style == "prefixed":
        return (
            '<ColTrn:CollegeTranscript xmlns:ColTrn="urn:org:pesc:message:CollegeTranscript:'
            'v1.0.0" xmlns:AcRec="urn:org:pesc:sector:AcademicRecord:v1.0.0">'
            + body.format(p="AcRec:")
            + "</ColTrn:CollegeTranscript>"
        ).encode()
    return (
        '<CollegeTranscript xmlns="urn:org:pesc:message:CollegeTranscript:v1.6.0">'
        + body.format(p="")
        + "</CollegeTranscript>"
    ).encode()


def test_pesc_versions_read_by_local_name_alike(catalog: CompiledCatalog) -> None:
    old = run_import(catalog, ("t.xml", _wrapped("prefixed")))
    new = run_import(catalog, ("t.xml", _wrapped("default")))

    def plain(result: ImportResult) -> list[Holding]:
        return [h.model_copy(update={"note": None}) for h in result.record.holdings]

    assert plain(old) == plain(new) and old.record.learner == new.record.learner
    assert [h.credential for h in new.record.holdings] == ["tri-c.eng-1010"]
    assert new.report.files[0].matched_by == "alias"


# --------------------------------------------------------------------------- institutions


def _tiny_catalog(tmp_path: Path) -> CompiledCatalog:
    (tmp_path / "c.yaml").write_text(
        "institutions:\n"
        "  - {id: lakeside, name: Lakeside Community College, kind: community-college,\n"
        '     identifiers: {opeid: "123456", fice: "654321"}, aliases: [Lakeside CC]}\n'
        "  - {id: hilltop, name: Hilltop University, kind: university,\n"
        '     identifiers: {opeid: "22223300"}}\n'
        "credentials:\n"
        "  - {id: lakeside.eng-101, title: Composition, kind: course, issuer: lakeside,\n"
        "     credits: 3}\n"
        "  - {id: hilltop.engl-1100, title: First-Year Writing, kind: course, issuer: hilltop,\n"
        "     credits: 3}\n"
        "  - {id: hilltop.chem-1210, title: General Chemistry, kind: course, issuer: hilltop,\n"
        "     credits: {value: 5, unit: quarter}}\n",
        encoding="utf-8",
    )
    return load_catalog(tmp_path, cache=False)


_HEADER = "student_id,institution,opeid,subject,number,grade,term"


def _csv(*rows: str, header: str = _HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.mark.parametrize(
    ("institution", "opeid", "found", "how"),
    [
        ("", "12345600", "lakeside", "opeid"),  # the 8-digit form of a 6-digit OPEID
        ("", "222233", "hilltop", "opeid"),  # the 6-digit form of an 8-digit OPEID
        ("Lakeside CC", "", "lakeside", "alias"),
        ("THE Hilltop University", "", "hilltop", "name"),
    ],
)
def test_institution_by_identifier_name_or_alias(
    tmp_path: Path, institution: str, opeid: str, found: str, how: str
) -> None:
    tiny = _tiny_catalog(tmp_path)
    result = run_import(tiny, ("h.csv", _csv(f"s1,{institution},{opeid},ENG,101,A,Fall 2024")))
    assert (result.report.files[0].institution, result.report.files[0].matched_by) == (found, how)


def test_institution_option_overrides_the_file(tmp_path: Path) -> None:
    tiny = _tiny_catalog(tmp_path)
    raw = _csv("s1,Lakeside CC,,ENGL,1100,B,Spring 2025")
    plain = run_import(tiny, ("h.csv", raw))
    assert [h.credential for h in plain.record.holdings] == []
    forced = run_import(tiny, ("h.csv", raw), institution="hilltop")
    assert [h.credential for h in forced.record.holdings] == ["hilltop.engl-1100"]
    assert forced.report.files[0].matched_by == "option"


def test_unknown_institution_suggests_a_close_name(tmp_path: Path) -> None:
    tiny = _tiny_catalog(tmp_path)
    result = run_import(tiny, ("h.csv", _csv("s1,Lakeside Comunity College,,ENG,101,A,Fall 2024")))
    (entry,) = result.record.unmapped
    assert "did you mean lakeside?" in entry.reason


def test_catalog_quarter_course_and_transcript_semester_credits(tmp_path: Path) -> None:
    tiny = _tiny_catalog(tmp_path)
    header = "student_id,institution,subject,number,credits,credit_units,grade,end_date"
    same = run_import(
        tiny,
        ("h.csv", _csv("s1,Hilltop University,CHEM,1210,5,quarter,B,2025-03-20", header=header)),
    )
    assert same.record.holdings[0].credits is None  # 5 quarter hours = the catalog's own credit


def test_mapping_table_names_the_credential(tmp_path: Path) -> None:
    tiny = _tiny_catalog(tmp_path)
    table = MappingTable.read(
        "map.csv",
        b"institution,subject,number,title,credential\nlakeside,WRT,100,,lakeside.eng-101\n",
    )
    result = run_import(tiny, ("h.csv", _csv("s1,Lakeside CC,,WRT,100,A,Fall 2024")), table=table)
    assert [h.credential for h in result.record.holdings] == ["lakeside.eng-101"]
    with pytest.raises(TranscriptError, match="credential column"):
        MappingTable.read("map.csv", b"institution,subject,number\n")


# --------------------------------------------------------------------------- CSV variants

_VARIANTS = {
    "documented": (
        "subject,number,title,credits,grade,term,institution,student_id\n"
        "ENG,1010,Composition I,3,B,Fall 2024,Tri-C,S9\n"
        "ACCT,1310,Financial Accounting,3,A,Spring 2025,Tri-C,S9\n"
        "BADM,1000,Intro to Business,3,W,Spring 2025,Tri-C,S9\n"
    ),
    "banner": (
        "SPRIDEN_ID,SCHOOL,SUBJ_CODE,CRSE_NUMB,CRSE_TITLE,CREDIT_HOURS,GRDE_CODE,TERM_DESC\n"
        "S9,Cuyahoga Community College,ENG,1010,Composition I,3.000,B,Fall 2024\n"
        "S9,Cuyahoga Community College,ACCT,1310,Financial Accounting,3.000,A,Spring 2025\n"
        "S9,Cuyahoga Community College,BADM,1000,Intro to Business,3.000,W,Spring 2025\n"
    ),
    "peoplesoft-semicolon": (
        "EMPLID;INSTITUTION;SUBJECT;CATALOG_NBR;DESCR;UNT_TAKEN;CRSE_GRADE_OFF;END_DATE\n"
        "S9;Tri-C;ENG;1010;Composition I;3;B;12/31/2024\n"
        "S9;Tri-C;ACCT;1310;Financial Accounting;3;A;05/31/2025\n"
        "S9;Tri-C;BADM;1000;Intro to Business;3;W;05/31/2025\n"
    ),
    "colleague-tab": (
        "Student Number\tCollege\tSTC.COURSE.NAME\tSTC.TITLE\tSTC.CRED\tSTC.VERIFIED.GRADE\tTerm\n"
        "S9\tTri-C\tENG-1010\tComposition I\t3\tB\t2024 Fall\n"
        "S9\tTri-C\tACCT-1310\tFinancial Accounting\t3\tA\tSpring Semester 2025\n"
        "S9\tTri-C\tBADM-1000\tIntro to Business\t3\tW\tSpring 2025\n"
    ),
}


@pytest.mark.parametrize("variant", sorted(_VARIANTS))
def test_csv_header_variants_make_the_same_holdings(catalog: CompiledCatalog, variant: str) -> None:
    raw = _VARIANTS[variant].encode("utf-8")
    if variant == "banner":
        raw = b"\xef\xbb\xbf" + raw  # a byte-order mark, as spreadsheet exports write
    result = run_import(catalog, ("x.csv", raw), learner="l-9")
    assert [(h.credential, h.grade, h.earned, h.at) for h in result.record.holdings] == [
        ("tri-c.eng-1010", "B", date(2024, 12, 31), "tri-c"),
        ("tri-c.acct-1310", "A", date(2025, 5, 31), "tri-c"),
        ("tri-c.badm-1000", "W", date(2025, 5, 31), "tri-c"),
    ]
    assert result.record.learner.id == "l-9" and not result.record.unmapped


def test_csv_college_named_only_by_its_ipeds_unitid(catalog: CompiledCatalog) -> None:
    """A college export that gives its IPEDS UnitID and no name maps through the bundled Ohio
    table of UnitIDs (Sinclair is 205470 in data/ohio/sources/institution-identifiers.csv)."""
    raw = b"student_id,unitid,subject,number,grade,term\nS7,205470,ENG,1101,A,Fall 2024\n"
    result = run_import(catalog, ("x.csv", raw))
    assert (result.report.files[0].institution, result.report.files[0].matched_by) == (
        "sinclair",
        "ipeds",
    )
    assert [(h.credential, h.at) for h in result.record.holdings] == [
        ("sinclair.eng-1101", "sinclair")
    ]


def test_csv_without_learner_id_needs_the_option(catalog: CompiledCatalog) -> None:
    raw = b"subject,number,grade,term,institution\nENG,1010,A,Fall 2024,Tri-C\n"
    with pytest.raises(Exception, match="--learner"):
        run_import(catalog, ("x.csv", raw))
    assert run_import(catalog, ("x.csv", raw), learner="l-1").record.learner.id == "l-1"


def test_csv_test_score_rows(catalog: CompiledCatalog) -> None:
    raw = b"student_id,test,test_subject,score,date\ns,AP,Calculus AB,3,2024-07-08\n"
    result = run_import(catalog, ("x.csv", raw))
    assert [(h.credential, h.score) for h in result.record.holdings] == [("ap.calculus-ab", 3)]


# --------------------------------------------------------------------------- merging


def test_two_colleges_merge_into_one_record(catalog: CompiledCatalog) -> None:
    result = run_import(
        catalog,
        from_path(SAMPLES / "tri-c.xml"),
        from_path(SAMPLES / "wright-state.xml"),
        learner="l-merged",
    )
    issuers = {h.at for h in result.record.holdings if h.at}
    assert issuers == {"tri-c", "wright-state"}
    assert any("different student ids" in note for note in result.report.notes)


def test_a_course_on_both_transcripts_is_kept_once(catalog: CompiledCatalog) -> None:
    row = "S1,Tri-C,ENG,1010,A,Fall 2024"
    header = "student_id,institution,subject,number,grade,term"
    first = _csv(row, header=header)
    result = run_import(catalog, ("a.csv", first), ("b.csv", first))
    assert len(result.record.holdings) == 1
    assert any("kept once" in note for note in result.report.notes)


# --------------------------------------------------------------------------- bad files

_BAD_XML = {
    "not-well-formed": (b"<CollegeTranscript>\n  <Student>\n</CollegeTranscript>", (3, 3)),
    "billion-laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b"<CollegeTranscript>&lol2;</CollegeTranscript>",
        (2, 1),
    ),
    "external-entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<CollegeTranscript>&xxe;</CollegeTranscript>",
        (2, 1),
    ),
    "external-dtd": (
        b'<?xml version="1.0"?>\n<!DOCTYPE CollegeTranscript SYSTEM "http://example.org/t.dtd">'
        b"\n<CollegeTranscript/>",
        (2, 1),
    ),
    "wrong-root": (b"<?xml version='1.0'?>\n\n<HighSchoolTranscript/>", (3, 1)),
    "bad-date": (
        b"<CollegeTranscript><Student><AcademicRecord><AcademicSession>\n"
        b"<SessionEndDate>14/12/2024</SessionEndDate></AcademicSession></AcademicRecord>"
        b"</Student></CollegeTranscript>",
        (2, 1),
    ),
}


@pytest.mark.parametrize("case", sorted(_BAD_XML))
def test_bad_xml_is_refused_with_its_line_and_column(case: str) -> None:
    raw, (line, col) = _BAD_XML[case]
    with pytest.raises(TranscriptError) as caught:
        read_transcript("bad.xml", raw)
    (error,) = caught.value.errors
    assert (error.file, error.line, error.col) == ("bad.xml", line, col)
    if case in ("billion-laughs", "external-entity", "external-dtd"):
        assert "is refused" in error.message
    assert str(error).startswith(f"bad.xml:{line}:{col}: ")


_BAD_CSV = {
    "bad-credits": (b"subject,number,credits,grade,term\nENG,1010,three,A,Fall 2024\n", 2, 3),
    "ragged-row": (b"subject,number,grade,term\nENG,1010,A\n", 2, 4),
    "no-course-columns": (b"subj_cd,crs_num,grade\nENG,1010,A\n", 1, 1),
    "not-utf8": (b"subject,number,title,term\nENG,1010,Caf\xe9,Fall 2024\n", 2, 13),
    "no-date": (b"subject,number,grade,term\nENG,1010,A,202410\n", 2, 4),
    "bad-code": (b"course,grade,end_date\n1010ENG,A,2024-12-14\n", 2, 1),
    "empty": (b"", 1, 1),
}


@pytest.mark.parametrize("case", sorted(_BAD_CSV))
def test_bad_csv_is_refused_with_its_row_and_column(case: str) -> None:
    raw, row, col = _BAD_CSV[case]
    with pytest.raises(TranscriptError) as caught:
        read_transcript("bad.csv", raw, "csv")
    error = caught.value.errors[0]
    assert (error.file, error.line, error.col) == ("bad.csv", row, col), str(error)
    if case == "no-course-columns":
        assert "did you mean" in error.message


# --------------------------------------------------------------------------- the engine reads it


def test_imported_record_audits_and_transfers_like_a_hand_written_one(
    catalog: CompiledCatalog,
) -> None:
    result = run_import(
        catalog,
        from_path(SAMPLES / "tri-c.xml"),
        from_path(SAMPLES / "wright-state.xml"),
        from_path(SAMPLES / "tri-c-summer.csv"),
        learner="l-1",
        as_of=date(2026, 12, 1),
    )
    imported = parse_record(
        __import__("yaml").safe_load(record_yaml(result.record)), name="imported.yaml"
    )
    assert imported == result.record
    by_hand = LearnerRecord(
        learner=imported.learner,
        holdings=tuple(h.model_copy(update={"note": None}) for h in imported.holdings),
    )
    day = date(2026, 12, 1)
    for goal in ("tri-c.cert.accounting", "wright-state.mc.accounting-foundations"):
        ours, theirs = (
            audit(catalog, imported, goal, Options(as_of=day)),
            audit(catalog, by_hand, goal, Options(as_of=day)),
        )
        assert ours.requirements == theirs.requirements and ours.status == theirs.status
        assert ours.credits == theirs.credits
        counted = [u for u in ours.unused if u.reason_code != "unmapped"]
        assert counted == theirs.unused
        unmapped = [u for u in ours.unused if u.reason_code == "unmapped"]
        assert len(unmapped) == len(imported.unmapped) == 2
        assert all(u.credential is None and "CVT" in u.reason for u in unmapped)
    ours_t, theirs_t = (
        transfer(catalog, imported, "wright-state", Options(as_of=day)),
        transfer(catalog, by_hand, "wright-state", Options(as_of=day)),
    )
    assert ours_t.transfers == theirs_t.transfers and ours_t.credits == theirs_t.credits
    assert [u.reason_code for u in ours_t.unused][-2:] == ["unmapped", "unmapped"]


# --------------------------------------------------------------------------- the command


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env=env,
    )


def test_cli_writes_a_record_that_audits(tmp_path: Path) -> None:
    out = tmp_path / "record.yaml"
    done = _cli(
        "import-transcript",
        str(SAMPLES / "tri-c.xml"),
        str(SAMPLES / "tri-c-summer.csv"),
        "--as-of",
        "2026-12-01",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "holdings made" in done.stdout and "not mapped" in done.stdout
    assert "tri-c.cvt-1000" in done.stdout
    audited = _cli("audit", str(out), "--goal", "tri-c.cert.accounting", "--as-of", "2026-12-01")
    assert audited.returncode == 0, audited.stderr
    assert "unmapped" in audited.stdout


def test_cli_json_and_bad_file_exit_codes(tmp_path: Path) -> None:
    done = _cli("import-transcript", str(RULES), "--as-of", "2026-09-01", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"record", "report"}
    assert document["record"]["learner"]["id"] == "U-RULES-1"
    bad = tmp_path / "bomb.xml"
    bad.write_bytes(_BAD_XML["billion-laughs"][0])
    out = tmp_path / "never.yaml"
    refused = _cli("import-transcript", str(RULES), str(bad), "-o", str(out))
    assert refused.returncode == 1
    assert f"{bad}:2:1:" in refused.stderr and "Traceback" not in refused.stderr
    assert not out.exists()
    table = tmp_path / "map.csv"
    table.write_text(
        "institution,subject,number,credential\nwright-state,ACC,2011,wright-state.acc-2010\n"
    )
    mapped = _cli("import-transcript", str(RULES), "--map", str(table), "--json")
    assert mapped.returncode == 0, mapped.stderr
    lines = [u["line"] for u in json.loads(mapped.stdout)["report"]["unmapped"]]
    assert not any(line.startswith("ACC 2011") for line in lines)
    usage = _cli("import-transcript", str(RULES), "--format", "pdf")
    assert usage.returncode == 2
    unknown = _cli("import-transcript", str(RULES), "--institution", "wright-stat")
    assert unknown.returncode == 1 and "did you mean wright-state" in unknown.stderr


# --------------------------------------------------------------------------- never a traceback

_FRAGMENTS = st.sampled_from(
    [
        "subject",
        "number",
        "grade",
        "term",
        "end_date",
        "credits",
        "course",
        "test",
        "score",
        "institution",
        "student_id",
        "ENG",
        "1010",
        "A",
        "W",
        "Fall 2024",
        "2024-13-40",
        "3.x",
        "12/31/2024",
        '"',
        ",",
        ";",
        "\t",
        "\n",
        "\r\n",
        "<",
        ">",
        "</",
        "&",
        "é",
        "<CollegeTranscript>",
        "<Student>",
        "<Course>",
        "<CourseNumber>",
        "<SessionEndDate>",
        "<!DOCTYPE x>",
        "<!ENTITY e 'x'>",
        "&e;",
        "<?xml version='1.0'?>",
        "\x00",
    ]
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40), st.sampled_from([None, "pesc", "csv"]))
def test_any_input_reads_or_fails_with_located_errors(
    catalog: CompiledCatalog, parts: list[str], kind: Any
) -> None:
    raw = "".join(parts).encode("utf-8")
    try:
        read = read_transcript("fuzz", raw, kind)
    except TranscriptError as error:
        assert error.errors and all(e.file == "fuzz" for e in error.errors)
        return
    result = map_transcripts(catalog, [read], ImportOptions(learner="l-fuzz"))
    lines = len(read.courses) + len(read.tests) + len(read.awards)
    assert len(result.record.holdings) + len(result.record.unmapped) == lines


def test_mapping_table_titles_for_awards_and_tests(catalog: CompiledCatalog) -> None:
    transcript = (
        b'<CollegeTranscript xmlns="urn:org:pesc:message:CollegeTranscript:v1.6.0">'
        b"<TransmissionData><Source><Organization><IPEDS>206604</IPEDS></Organization></Source>"
        b"</TransmissionData><Student><Person><SchoolAssignedPersonID>U7</SchoolAssignedPersonID>"
        b"</Person><AcademicRecord><AcademicAward><AcademicAwardTitle>Acctg Foundations MC"
        b"</AcademicAwardTitle><AcademicAwardDate>2025-12-13</AcademicAwardDate></AcademicAward>"
        b"</AcademicRecord><Test><TestName>CLEP</TestName><TestDate>2024-03-02</TestDate>"
        b"<Subtest><SubtestName>Algebra (College)</SubtestName><TestScores><ScoreValue>55"
        b"</ScoreValue></TestScores></Subtest></Test></Student></CollegeTranscript>"
    )
    plain = run_import(catalog, ("t.xml", transcript))
    assert not plain.record.holdings
    assert "did you mean wright-state.mc.accounting-foundations" in plain.record.unmapped[0].reason
    table = MappingTable.read(
        "map.csv",
        b"institution,subject,number,title,credential\n"
        b"wright-state,,,Acctg Foundations MC,wright-state.mc.accounting-foundations\n"
        b"clep,,,Algebra (College),clep.college-algebra\n",
    )
    mapped = run_import(catalog, ("t.xml", transcript), table=table)
    assert [(h.credential, h.score) for h in mapped.record.holdings] == [
        ("wright-state.mc.accounting-foundations", None),
        ("clep.college-algebra", 55),
    ]
    assert not mapped.record.unmapped
