""" "Will it transfer?" on the bundled catalog: ``pathways lookup``, equivalence credit in a
transfer statement, ``validate --stats``, ``GET /v1/credentials/{id}/transfer`` and
``POST /v1/catalog/import``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from api_support import add_user, memory_app
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.catalog.model import LearnerRecord
from pathways.cli import app
from pathways.evaluate import transfer
from pathways.evaluate.lookup import lookup
from pathways.interop.equivalencies import COLUMNS
from pathways.options import Options

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def ohio() -> CompiledCatalog:
    return load_catalog(DEFAULT_CATALOG)


def _record(*holdings: dict[str, object]) -> LearnerRecord:
    return LearnerRecord.model_validate({"learner": {"id": "t"}, "holdings": list(holdings)})


def test_oan_member_counts_as_the_receiving_course_in_a_statement(ohio: CompiledCatalog) -> None:
    record = _record({"credential": "tri-c.eng-1010", "earned": "2025-05-09", "grade": "B"})
    statement = transfer(ohio, record, "ysu", Options(as_of=AS_OF))
    tme001 = next(t for t in statement.transfers if t.rule == "ohio.oan.tme001")
    assert tme001.policy == "ohio.ot36-guarantee" and tme001.guarantee == "guaranteed"
    assert [(g.credential, g.credits) for g in tme001.granted] == [("ysu.engl-1550", 3)]
    assert tme001.citation and tme001.citation.startswith("https://")
    # The OT36 area line on the same course steps aside: the course counts once.
    area = next(t for t in statement.transfers if t.rule == "ot36.tri-c.eng-1010")
    assert area.status == "superseded"
    assert statement.credits == 3


def test_tag_code_moves_a_belmont_course_to_miami_as_its_own_course(
    ohio: CompiledCatalog,
) -> None:
    # Belmont lists PSY 1140 under OSS018; Miami's psychology department lists PSY 241 under
    # the same code (sources/oan-members.csv), so the course arrives as Miami's PSY 241.
    record = _record({"credential": "belmont.psy-1140", "earned": "2025-05-09", "grade": "B"})
    statement = transfer(ohio, record, "miami-u", Options(as_of=AS_OF))
    oss018 = next(t for t in statement.transfers if t.rule == "ohio.tag.oss018")
    assert oss018.policy == "ohio.tag" and oss018.guarantee == "guaranteed"
    assert [(g.credential, g.credits) for g in oss018.granted] == [("miami-u.psy-241", 3)]
    assert statement.credits == 3
    # The code joins only the courses that list it: Miami's PSY 111 (OSS015) is not reached.
    granted = {g.credential for t in statement.transfers for g in t.granted}
    assert "miami-u.psy-111" not in granted
    # The code works both ways: Miami's PSY 241 arrives at Belmont as its PSY 1140.
    back = _record({"credential": "miami-u.psy-241", "earned": "2025-05-09", "grade": "A"})
    returned = transfer(ohio, back, "belmont", Options(as_of=AS_OF))
    rule = next(t for t in returned.transfers if t.rule == "ohio.tag.oss018")
    assert [g.credential for g in rule.granted] == ["belmont.psy-1140"]


def test_holding_the_local_course_makes_the_equivalence_a_duplicate(ohio: CompiledCatalog) -> None:
    record = _record(
        {"credential": "tri-c.eng-1010", "earned": "2025-05-09", "grade": "B"},
        {"credential": "ysu.engl-1550", "earned": "2025-12-12", "grade": "A", "at": "ysu"},
    )
    statement = transfer(ohio, record, "ysu", Options(as_of=AS_OF))
    tme001 = next(t for t in statement.transfers if t.rule == "ohio.oan.tme001")
    assert [g.status for g in tme001.granted] == ["duplicate"]
    assert statement.credits == 0


def test_ot36_course_earns_area_credit_at_every_other_public_institution(
    ohio: CompiledCatalog,
) -> None:
    result = lookup(ohio, "lorain.engl-161", as_of=AS_OF)
    elsewhere = {r.institution for r in result.routes if r.status == "granted"}
    public = {
        i.id
        for i in ohio.institutions.values()
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("university", "community-college")
    }
    closed = {i.id for i in ohio.institutions.values() if i.closed and i.closed <= AS_OF}
    assert elsewhere == public - {"lorain"} - closed
    assert "eastern-gateway" in closed  # closed 2024-10-31: no route there any more
    assert result.routes[-1].status == "native" and result.routes[-1].institution == "lorain"
    area = next(r for r in result.routes if r.institution == "wright-state")
    assert area.policy == "ohio.ot36-guarantee" and area.credits == 3
    assert area.becomes[0].credential is None


def test_lookup_lists_guaranteed_routes_first(ohio: CompiledCatalog) -> None:
    result = lookup(ohio, "google.cert.project-management", as_of=AS_OF)
    levels = [r.guarantee for r in result.routes if r.status != "native"]
    assert levels == sorted(levels, key=["guaranteed", "recommended", "discretionary"].index)


def test_lookup_at_one_institution_and_exam_scores(ohio: CompiledCatalog) -> None:
    low = lookup(ohio, "clep.american-government", at="osu", score=58, as_of=AS_OF)
    assert [r.rule for r in low.routes] == ["clep.amgov.tier1"]
    high = lookup(ohio, "clep.american-government", at="osu", score=70, as_of=AS_OF)
    assert [r.rule for r in high.routes] == ["clep.amgov.tier2.osu"]
    none = lookup(ohio, "clep.american-government", at="osu", as_of=AS_OF)
    assert none.routes == []


def test_lookup_cli_text_json_and_errors() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["lookup", "tri-c.eng-1010", "--at", "ysu", "--as-of", "2026-11-01"])
    assert text.exit_code == 0, text.output
    assert "ysu.engl-1550" in text.stdout and "ohio.oan.tme001" in text.stdout
    as_json = runner.invoke(app, ["lookup", "tri-c.eng-1010", "--at", "ysu", "--json"])
    document = json.loads(as_json.stdout)
    assert document["routes"][0]["equivalence"] == "ohio.oan.tme001"
    unknown = runner.invoke(app, ["lookup", "tri-c.eng-101"])
    assert unknown.exit_code == 1 and "did you mean" in unknown.stderr
    assert "Traceback" not in unknown.output
    place = runner.invoke(app, ["lookup", "tri-c.eng-1010", "--at", "wrigth-state"])
    assert place.exit_code == 1 and "wright-state" in place.stderr


def test_validate_stats_shows_coverage() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["validate", "--stats"])
    assert result.exit_code == 0, result.output
    assert "Ohio public)" in result.stdout and "entries with a source:" in result.stdout
    document = json.loads(runner.invoke(app, ["validate", "--stats", "--json"]).stdout)
    stats = document["stats"]
    assert stats["ohio_public"] == 37
    assert stats["courses_per_institution"]["sinclair"] > 10
    assert stats["rules_by_policy"]["ohio.ot36-guarantee"] > 100
    assert any(int(k) >= 2 for k in stats["equivalences_by_member_institutions"])
    assert 0.5 < stats["sourced"]["share"] <= 1


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[TestClient, dict[str, str]]]:
    application, engine = memory_app()
    with TestClient(application) as test_client:
        yield test_client, add_user(engine, "reg", "registrar")


def test_api_credential_transfer(client: tuple[TestClient, dict[str, str]]) -> None:
    http, _ = client
    reply = http.get("/v1/credentials/tri-c.eng-1010/transfer", params={"at": "ysu"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["routes"][0]["becomes"][0]["credential"] == "ysu.engl-1550"
    everywhere = http.get("/v1/credentials/tri-c.eng-1010/transfer").json()
    assert everywhere["institutions"] > 30
    missing = http.get("/v1/credentials/tri-c.nope/transfer")
    assert missing.status_code == 404 and "unknown credential" in missing.json()["detail"]


GUIDE = (
    ",".join(COLUMNS)
    + "\nsinclair,ENG,1101,English Composition I,3,wright-state,ENG,1100,,,,2025-08-01,,,"
    + "https://registrar.example.edu/guide,2026-12-04\n"
)


def test_api_import_dry_run_publish_and_errors(client: tuple[TestClient, dict[str, str]]) -> None:
    http, registrar = client
    body = {"tables": {"sinclair--wright-state.csv": GUIDE}}
    anonymous = http.post("/v1/catalog/import", json=body)
    assert anonymous.status_code == 401
    dry = http.post("/v1/catalog/import", json=body, headers=registrar)
    assert dry.status_code == 200, dry.text
    files = dry.json()["files"]
    assert list(files) == ["imported/sinclair-wright-state/tables-equivalency-rules.yaml"]
    assert "equiv.sinclair.eng-1101.wright-state.20250801" in next(iter(files.values()))
    bad = {"tables": {"g.csv": GUIDE.replace("wright-state,ENG", "wright-stat,ENG")}}
    invalid = http.post("/v1/catalog/import", json=bad, headers=registrar)
    assert invalid.json()["valid"] is False
    assert invalid.json()["errors"][0]["line"] == 2
    assert "did you mean wright-state" in invalid.json()["errors"][0]["message"]
    refused = http.post("/v1/catalog/import", json={**bad, "publish": True}, headers=registrar)
    assert refused.status_code == 422 and refused.json()["errors"][0]["col"] == 6
    published = http.post("/v1/catalog/import", json={**body, "publish": True}, headers=registrar)
    assert published.status_code == 201, published.text
    after = http.get(
        "/v1/credentials/sinclair.eng-1101/transfer", params={"at": "wright-state"}
    ).json()
    assert [r["rule"] for r in after["routes"]] == ["equiv.sinclair.eng-1101.wright-state.20250801"]
