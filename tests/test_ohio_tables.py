"""Source tables → catalog: ``pathways import-equivalencies`` (registrar tables, OT36 course
lists, institution lists), ``--export``, located row errors, all-or-nothing writes; and the
bundled catalog generated from data/ohio/sources staying in step with its tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.cli import app
from pathways.interop.equivalencies import COLUMNS, export_rows
from pathways.interop.sources import GENERATED_MARK, generate

HAND = """\
institutions:
  - {id: cc, name: Valley Community College, kind: community-college, control: public, state: OH}
  - {id: uni, name: State University, kind: university, control: public, state: OH}
  - {id: college-board, name: College Board, kind: exam-body}
policies:
  - {id: ohio.ot36-guarantee, title: OT36, guarantee: guaranteed,
     scope: {state: OH, control: public}}
  - {id: ohio.tag, title: TAG, guarantee: guaranteed, scope: {state: OH, control: public}}
  - {id: institution.equivalency-guide, title: Guide, guarantee: guaranteed}
  - {id: ohio.clep, title: CLEP, guarantee: guaranteed, scope: {state: OH, control: public}}
  - {id: ohio.ctag, title: CTAG, guarantee: guaranteed, scope: {state: OH, control: public}}
credentials:
  - {id: uni.eng-1100, title: Academic Writing, kind: course, issuer: uni, credits: 3,
     subject: ENG, level: lower}
"""

HEADER = ",".join(COLUMNS)
GUIDE = f"""\
{HEADER}
cc,ENG,101,English Composition I,3,uni,ENG,1100,,,,2024-08-01,,,https://uni.example.edu/guide,2026-12-04
cc,HIS,151,American History I,3,uni,HST,1151,American History to 1877,3,,,,,https://uni.example.edu/guide,2026-12-04
cc,ENG,101,English Composition I,3,,,,,,TME001,,,,https://cc.example.edu/ot36,2026-12-04
"""

OT36 = """\
institution,subject,number,title,credits,credit_unit,ot36_area,lab,oan_code,source,seen
cc,BIO,121,Biology I,4,semester,ns,yes,,https://cc.example.edu/ot36,2026-12-04
cc,PHL,200,Ethics,,semester,ah,,,https://cc.example.edu/ot36,2026-12-04
uni,ENG,1100,Academic Writing,3,semester,eng,,TME001,https://uni.example.edu/core,2026-12-04
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "hand.yaml").write_text(HAND, encoding="utf-8")
    return catalog


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(runner: CliRunner, hand: Path, *files: Path, extra: tuple[str, ...] = ()) -> object:
    out = hand / "generated"
    args = ["import-equivalencies", *map(str, files), "-o", str(out), "--catalog", str(hand)]
    return runner.invoke(app, [*args, *extra])


def test_import_writes_courses_rules_and_equivalences(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    guide = _write(tmp_path, "cc--uni.csv", GUIDE)
    ot36 = _write(tmp_path, "cc.csv", OT36)
    result = _import(runner, hand, guide, ot36)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = hand / "generated"
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.yaml")}
    assert all(t.startswith(GENERATED_MARK) for t in texts.values())
    catalog = load_catalog(hand, cache=False)
    rule = catalog.rules["equiv.cc.eng-101.uni.20240801"]
    assert rule.policy == "institution.equivalency-guide" and rule.at == ("uni",)
    assert [g.credential for g in rule.grants] == ["uni.eng-1100"]
    assert str(rule.effective.from_) == "2024-08-01"  # type: ignore[union-attr]
    # A receiving course the guide names with its title is created; the sending courses too.
    assert catalog.credential("uni.hst-1151").title == "American History to 1877"
    assert catalog.credential("cc.his-151").credits == 3
    # OT36: area credit elsewhere, a lab tag, and a course whose page gives no credits.
    biology = catalog.rules["ot36.cc.bio-121"]
    assert biology.policy == "ohio.ot36-guarantee" and biology.at is None
    assert set(biology.grants[0].tags) == {"ot36-ns", "lab"}
    assert "does not give its credits" in (catalog.credential("cc.phl-200").note or "")
    assert "ot36.cc.phl-200" not in catalog.rules  # it would grant 0 credits
    # One equivalence per code with every member found, from both kinds of table.
    members = [m.all for m in catalog.equivalences["ohio.oan.tme001"].members]
    assert members == [("cc.eng-101",), ("uni.eng-1100",)]
    assert catalog.equivalences["ohio.oan.tme001"].policy == "ohio.ot36-guarantee"


def test_export_gives_the_rows_back(runner: CliRunner, hand: Path, tmp_path: Path) -> None:
    guide = _write(tmp_path, "cc--uni.csv", GUIDE)
    assert _import(runner, hand, guide).exit_code == 0  # type: ignore[attr-defined]
    exported = tmp_path / "out.csv"
    args = ["import-equivalencies", "--export", str(exported), "--catalog", str(hand)]
    result = runner.invoke(app, [*args, "--from", "cc"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    keyed = {(r["from_number"], r["to_number"], r["oan_code"]): r for r in rows}
    assert set(keyed) == {("101", "1100", ""), ("151", "1151", ""), ("101", "", "TME001")}
    first = keyed[("101", "1100", "")]
    assert first["to_institution"] == "uni" and first["effective_from"] == "2024-08-01"
    assert first["policy"] == "institution.equivalency-guide"
    # Importing the export into a fresh catalog gives the same rules.
    again = tmp_path / "again"
    again.mkdir()
    (again / "hand.yaml").write_text(HAND, encoding="utf-8")
    assert _import(runner, again, exported).exit_code == 0  # type: ignore[attr-defined]
    assert export_rows(load_catalog(again, cache=False), sending="cc") == rows


BAD_GUIDE = f"""\
{HEADER}
cc,ENG,101,English Composition I,3,unii,ENG,1100,,,,,,,https://uni.example.edu/guide,2026-12-04
cc,ENG,102,English Composition II,3,uni,ENG,1101,,,,,,,https://uni.example.edu/guide,2026-12-04
cc,HIS,151,American History I,3,uni,ENG,1100,,,,2024-08-01,,,https://uni.example.edu/guide,2026-12-04
cc,HIS,151,American History I,3,uni,ENG,1100,,,,2024-08-01,,,https://uni.example.edu/guide,2026-12-04
cc,HIS,151,American History I,3,uni,ENG,1100,,,,2020-08-01,,,https://uni.example.edu/guide,2026-12-04
cc,MTH,120,Algebra,3,uni,ENG,1100,,,,2026-01-01,2025-01-01,,https://uni.example.edu/guide,2026-12-04
cc,MTH,121,Statistics,three,uni,ENG,1100,,,,,,,not a url,2026-12-04
"""


def test_bad_rows_are_located_and_nothing_is_written(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    guide = _write(tmp_path, "bad.csv", BAD_GUIDE)
    result = _import(runner, hand, guide)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    name = str(guide)
    assert f"{name}:2:6: to_institution: unknown institution 'unii'; did you mean uni?" in err
    course = "unknown course 'uni.eng-1101'; did you mean uni.eng-1100?"
    assert f"{name}:3:8: to_number: {course}" in err
    assert f"{name}:5:1: this row equals row 4" in err
    assert f"{name}:6:12: effective_from: conflicts with row 4" in err
    assert "did you mean to end this row on 2024-07-31 (effective_to)?" in err
    assert f"{name}:7:13: effective_to: 2025-01-01 is before effective_from 2026-01-01" in err
    assert f"{name}:8:5: from_credits: 'three' is not a number" in err
    assert f"{name}:8:15: source: 'not a url' is not an http(s) URL" in err
    assert "nothing was written" in err and "Traceback" not in result.output  # type: ignore[attr-defined]
    assert not (hand / "generated").exists()


def test_keep_going_writes_the_good_rows_and_still_fails(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    guide = _write(tmp_path, "bad.csv", BAD_GUIDE)
    result = _import(runner, hand, guide, extra=("--keep-going",))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "(left out)" in result.stderr  # type: ignore[attr-defined]
    catalog = load_catalog(hand, cache=False)
    assert "equiv.cc.his-151.uni.20240801" in catalog.rules
    assert "cc.mth-121" not in catalog.versions


def test_ot36_table_errors_suggest_the_fix(runner: CliRunner, hand: Path, tmp_path: Path) -> None:
    table = _write(
        tmp_path,
        "cc.csv",
        OT36.splitlines()[0]
        + "\ncc,CHM,110,Chemistry,4,semester,ns,yes,,https://cc.example.edu/ot36,2026-12-04"
        + "\ncc,ART,101,Drawing,3,semester,ahh,,,https://cc.example.edu/ot36,2026-12-04"
        + "\ncc,PSY,101,Psychology,3,semester,sbs,yes,OSS18,https://cc.example.edu/ot36,2026-12-04"
        + "\nccc,PSY,102,Psychology II,3,semestre,sbs,,,https://cc.example.edu/ot36,2026-12-04\n",
    )
    result = _import(runner, hand, table)
    err = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    area = "'ahh' is not one of eng, math, ns, sbs, ah; did you mean 'ah'?"
    assert f"{table}:3:7: ot36_area: {area}" in err
    lab = "only a Natural Sciences course (ot36_area ns) has a laboratory"
    assert f"{table}:4:8: lab: {lab}" in err
    assert f"{table}:4:9: oan_code: 'OSS18' is not an articulation code" in err
    assert f"{table}:5:6: credit_unit: 'semestre' is not one of semester, quarter" in err
    assert f"{table}:5:1: institution: unknown institution 'ccc'; did you mean cc?" in err


def test_unknown_table_and_usage_errors(runner: CliRunner, hand: Path, tmp_path: Path) -> None:
    other = _write(tmp_path, "other.csv", "a,b\n1,2\n")
    result = _import(runner, hand, other)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"{other}:1:1: these columns are not those of a table" in result.stderr  # type: ignore[attr-defined]
    usage = runner.invoke(app, ["import-equivalencies", str(other)])
    assert usage.exit_code == 2


def test_bundled_generated_files_match_their_tables() -> None:
    """data/ohio/generated is what the tables under data/ohio/sources make (rerun
    ``pathways import-equivalencies data/ohio/sources -o data/ohio/generated --keep-going``)."""
    sources = DEFAULT_CATALOG / "sources"
    out = DEFAULT_CATALOG / "generated"
    result = generate([sources], DEFAULT_CATALOG, out, keep_going=True)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.yaml")}
    assert set(on_disk) == set(result.files)
    for name, text in result.files.items():
        body = text.split("\n", 1)[1]
        assert on_disk[name].split("\n", 1)[1] == body, f"{name} is stale"


def test_bundled_institutions_are_the_37_public_ones() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    public = {
        i.id
        for i in catalog.institutions.values()
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("community-college", "university")
    }
    assert len(public) == 37
    assert {"sinclair", "lorain", "eastern-gateway", "neomed", "rio-grande"} <= public
    assert str(catalog.institutions["eastern-gateway"].closed) == "2024-10-31"
    generated = yaml.safe_load(
        (DEFAULT_CATALOG / "generated" / "tables-institutions.yaml").read_text()
    )
    assert all(entry["source"].startswith("http") for entry in generated["institutions"])
    assert len(generated["institutions"]) == 37
    assert catalog.institutions["tri-c"].aliases == ("Tri-C", "Cuyahoga Community College District")
    assert catalog.institutions["tri-c"].badge_issuers == ("https://badges.tri-c.edu/issuer",)


def test_institution_extras_name_listed_institutions(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    listed = _write(
        tmp_path,
        "institutions-x.csv",
        "id,name,aliases,kind,opeid,ipeds,closed,source,seen\n"
        "east,East State College,ESC;East State,technical,,,2025-06-30,https://e.example.edu,2026-12-04\n",
    )
    extras = _write(
        tmp_path,
        "institution-extras.csv",
        "id,badge_issuers,note\neast,https://badges.e.example.edu,Tuition estimate\neats,,\n",
    )
    result = _import(runner, hand, listed, extras)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert (
        f"{extras}:3:1: id: 'eats' is not an institution of the tables; did you mean east?" in err
    )
    assert _import(runner, hand, listed, extras, extra=("--keep-going",)).exit_code == 1  # type: ignore[attr-defined]
    east = load_catalog(hand, cache=False).institutions["east"]
    assert east.kind == "community-college" and east.aliases == ("ESC", "East State")
    assert str(east.closed) == "2025-06-30" and east.badge_issuers == (
        "https://badges.e.example.edu",
    )


def test_institution_identifiers_cite_their_own_file(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    """A code read elsewhere than the institution's page keeps its own row and source; a code
    of the wrong shape, one that contradicts the institutions table, a duplicate and an
    unlisted id are located errors, and the good rows still land with --keep-going."""
    listed = _write(
        tmp_path,
        "institutions-x.csv",
        "id,name,aliases,kind,opeid,ipeds,closed,source,seen\n"
        "east,East State College,,technical,,,,https://e.example.edu,2026-12-04\n"
        "west,West State College,,technical,,123456,,https://w.example.edu,2026-12-04\n",
    )
    codes = _write(
        tmp_path,
        "institution-identifiers.csv",
        "id,scheme,value,source,seen\n"
        "east,ipeds,201283,https://ipeds.example.org/east,2026-12-04\n"
        "east,opeid,00123400,https://ipeds.example.org/east,2026-12-04\n"
        "west,ipeds,654321,https://ipeds.example.org/west,2026-12-04\n"
        "east,ipeds,20128,https://ipeds.example.org/east,2026-12-04\n"
        "eats,ipeds,201284,https://ipeds.example.org/east,2026-12-04\n"
        "east,ipeds,201283,https://ipeds.example.org/east,2026-12-04\n"
        "east,fice,123,https://ipeds.example.org/east,2026-12-04\n",
    )
    result = _import(runner, hand, listed, codes)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert f"{codes}:4:3: value: west already has ipeds '123456'" in err
    assert f"{codes}:5:3: value: '20128' is not an ipeds code (6 digits)" in err
    assert f"{codes}:6:1: id: 'eats' is not an institution of the tables; did you mean east?" in err
    assert f"{codes}:7:" in err  # the same row as row 2
    assert f"{codes}:8:2: scheme:" in err
    assert not (hand / "generated").exists()
    assert _import(runner, hand, listed, codes, extra=("--keep-going",)).exit_code == 1  # type: ignore[attr-defined]
    catalog = load_catalog(hand, cache=False)
    east, west = catalog.institutions["east"], catalog.institutions["west"]
    assert (east.identifiers.ipeds, east.identifiers.opeid) == ("201283", "00123400")
    assert east.source == "https://e.example.edu"
    assert (west.identifiers.ipeds, west.identifiers.opeid) == ("123456", None)


def test_bundled_colleges_carry_their_ipeds_unitids() -> None:
    """The community and technical colleges' IPEDS UnitIDs from
    sources/institution-identifiers.csv reach the compiled catalog (Sinclair is 205470)."""
    catalog = load_catalog(DEFAULT_CATALOG)
    assert catalog.institutions["sinclair"].identifiers.ipeds == "205470"
    assert catalog.institutions["tri-c"].identifiers.ipeds == "202356"
    with_ipeds = {i.id for i in catalog.institutions.values() if i.identifiers.ipeds}
    assert len(with_ipeds) >= 23
    assert "eastern-gateway" not in with_ipeds


EXAMS = """\
policy,exam,exam_title,subject,min_score,max_score,award,area,credits,rule,source,seen,note
ohio.clep,clep.german,CLEP German,GER,59,66,block,,8,,https://x.example.edu/clep,2026-12-04,
ohio.clep,clep.german,CLEP German,GER,67,,block,,12,,https://x.example.edu/clep,2026-12-04,
ohio.clep,clep.calc,CLEP Calculus,MATH,64,,uni.eng-1100,,,,https://x.example.edu/clep,2026-12-04,
"""


def test_statewide_exam_table_bands_and_scope(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    exams = _write(tmp_path, "clep.csv", EXAMS)
    result = _import(runner, hand, exams)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    catalog = load_catalog(hand, cache=False)
    high = catalog.rules["clep.german.67"]
    assert high.supersedes == ("clep.german.59",) and high.at is None
    assert high.when.min_score == 67 and high.grants[0].credits == 12
    assert catalog.credential("clep.german").kind == "exam"
    assert catalog.rules["clep.calc.64"].grants[0].credential == "uni.eng-1100"


def test_statewide_tables_report_bad_rows(runner: CliRunner, hand: Path, tmp_path: Path) -> None:
    exams = _write(
        tmp_path,
        "clep.csv",
        EXAMS.splitlines()[0]
        + "\nohio.cleps,clep.x,X,,50,40,nothing,,3,,https://x.example.edu,2026-12-04,\n",
    )
    ctag = _write(
        tmp_path,
        "ctag.csv",
        "ctan,evidence,webxam,webxam_title,window,rule,source,seen,note\n"
        "CTBU999,ohio.cte.nope,webxam.nope,WebXam,3 years,,https://x.example.edu,2026-12-04,\n",
    )
    result = _import(runner, hand, exams, ctag)
    err = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"{exams}:2:1: policy: 'ohio.cleps' is not one of ohio.ap, ohio.clep" in err
    assert f"{exams}:2:6: max_score: 40 is below min_score 50" in err
    assert f"{exams}:2:7: award: 'nothing' is neither 'block' nor a credential" in err
    assert f"{ctag}:2:1: ctan: CTBU999 is not an articulation code" in err
    assert f"{ctag}:2:2: evidence: unknown credential 'ohio.cte.nope'" in err
    assert f"{ctag}:2:5: window: '3 years' is not an ISO duration such as P3Y" in err


def test_misspelt_subject_code_is_not_a_new_course(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    guide = _write(
        tmp_path,
        "g.csv",
        f"{HEADER}\ncc,ENG,101,English Composition I,3,uni,ENGL,1100,Academic Writing,3,,,,,"
        "https://uni.example.edu/guide,2026-12-04\n",
    )
    result = _import(runner, hand, guide)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert (
        f"{guide}:2:7: to_subject: 'ENGL' makes the new course uni.engl-1100, but uni lists "
        "uni.eng-1100 with the same number; did you mean its subject code?"
    ) in result.stderr  # type: ignore[attr-defined]


def test_unwritable_output_is_an_error_not_a_traceback(
    runner: CliRunner, hand: Path, tmp_path: Path
) -> None:
    guide = _write(tmp_path, "g.csv", GUIDE)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory should be", encoding="utf-8")
    out = blocked / "generated"  # under a file: the directory cannot be made
    args = ["import-equivalencies", str(guide), "-o", str(out), "--catalog", str(hand)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert f"{out}: cannot write" in result.stderr and "Traceback" not in result.output
