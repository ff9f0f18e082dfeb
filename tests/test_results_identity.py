"""Results carry identity: stable requirement ids, kinds and targets, the catalog date a
decision was judged under, and one reason table served to the CLI, the API and the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from api_support import memory_app
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import STATIC_DIR
from pathways.catalog.compile import CompiledCatalog, compile_catalog
from pathways.catalog.model import Catalog, LearnerRecord
from pathways.cli import app as cli
from pathways.evaluate import REASON_CODES, NodeResult, audit
from pathways.options import Options
from pathways.present.reasons import REASONS, invalid_codes

AS_OF = date(2026, 6, 1)


def _course(ident: str) -> dict[str, Any]:
    return {"id": ident, "title": ident.upper(), "kind": "course", "issuer": "uni", "credits": 3}


def _catalog() -> CompiledCatalog:
    inner = {
        "id": "inner",
        "title": "Inner Certificate",
        "kind": "certificate",
        "issuer": "uni",
        "requires": {"all": [{"has": "c1"}, {"has": "c2"}]},
    }
    outer = {
        "id": "outer",
        "title": "Outer Degree",
        "kind": "associate",
        "issuer": "uni",
        "credits": 12,
        "requires": {
            "all": [
                {"has": "inner"},
                {"label": "Pick one", "any": [{"has": "c3"}, {"has": "c4"}]},
            ]
        },
    }
    data = {
        "institutions": [{"id": "uni", "name": "Uni", "kind": "university", "state": "OH"}],
        "credentials": [*(_course(f"c{i}") for i in range(1, 6)), inner, outer],
    }
    return compile_catalog(Catalog.model_validate(data), version="identity")


def _record(*courses: str, catalog_year: int | None = None) -> LearnerRecord:
    learner: dict[str, Any] = {"id": "l-1"}
    if catalog_year is not None:
        learner["catalog_year"] = catalog_year
    holdings = [{"credential": c, "earned": "2025-05-01", "grade": "A"} for c in courses]
    return LearnerRecord.model_validate({"learner": learner, "holdings": holdings})


def _walk(node: NodeResult) -> Iterator[NodeResult]:
    yield node
    for child in node.children:
        yield from _walk(child)


def test_every_requirement_result_has_a_path_id_a_kind_and_a_target() -> None:
    decision = audit(_catalog(), _record("c1"), "outer", Options(as_of=AS_OF))
    root = decision.requirements
    assert (root.id, root.kind, root.target) == ("outer", "composite", "outer")
    for node in _walk(root):
        for position, child in enumerate(node.children):
            assert child.id == f"{node.id}/{position}"
    by_label = {n.label: n for n in _walk(root)}
    inner = by_label["Inner Certificate"]
    assert (inner.kind, inner.target, inner.status) == ("composite", "inner", "partial")
    assert [(c.kind, c.target) for c in inner.children] == [("has", "c1"), ("has", "c2")]
    assert by_label["Pick one"].kind == "any" and by_label["Pick one"].target is None
    assert by_label["Free electives"].kind == "electives"
    ids = {n.id for n in _walk(root)}
    assert decision.remaining and all(r.id in ids for r in decision.remaining)


def test_ids_do_not_depend_on_the_record() -> None:
    catalog = _catalog()
    empty = audit(catalog, _record(), "outer", Options(as_of=AS_OF))
    full = audit(catalog, _record("c1", "c2", "c3", "c5"), "outer", Options(as_of=AS_OF))
    assert [n.id for n in _walk(empty.requirements)] == [n.id for n in _walk(full.requirements)]
    assert full.status == "complete"


def test_a_simple_goal_is_one_has_result() -> None:
    decision = audit(_catalog(), _record("c1"), "c1", Options(as_of=AS_OF))
    root = decision.requirements
    assert (root.id, root.kind, root.target, root.status) == ("c1", "has", "c1", "met")


def test_the_decision_says_which_catalog_date_it_was_judged_under() -> None:
    catalog = _catalog()
    assert audit(catalog, _record(), "outer", Options(as_of=AS_OF)).catalog_date == AS_OF
    by_year = audit(catalog, _record(catalog_year=2024), "outer", Options(as_of=AS_OF))
    assert by_year.catalog_date == date(2024, 7, 1)


def test_the_reason_table_covers_every_code_once_in_order() -> None:
    assert tuple(r.code for r in REASONS) == REASON_CODES
    assert all(r.label for r in REASONS)
    assert invalid_codes() == {
        "expired",
        "outside_window",
        "not_effective",
        "in_progress",
        "below_min_grade",
        "below_min_score",
        "unverified",
        "revoked",
        "not_yet_earned",
    }


def test_the_api_and_the_cli_serve_the_same_table() -> None:
    app, _engine = memory_app()
    with TestClient(app) as client:
        reply = client.get("/v1/reasons")
    assert reply.status_code == 200
    result = CliRunner().invoke(cli, ["reasons", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == reply.json()
    assert [r["code"] for r in reply.json()["reasons"]] == list(REASON_CODES)
    text = CliRunner().invoke(cli, ["reasons"])
    assert text.exit_code == 0 and "badge revoked (not valid)" in text.output


def test_the_page_reads_reasons_from_the_api_and_lists_no_codes_itself() -> None:
    script = (STATIC_DIR / "js" / "results.js").read_text()
    assert '"/v1/reasons"' in script
    for reason in REASONS:
        assert f'"{reason.label}"' not in script


@pytest.mark.parametrize("code", sorted(invalid_codes()))
def test_the_map_reads_invalid_codes_from_the_table(code: str) -> None:
    from api.routes import web

    assert code in web.INVALID_CODES
