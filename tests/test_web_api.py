"""The web page's endpoints: sample learners, record parsing, the pathway map with node states,
and the page itself (every file it loads exists; every element its scripts look up is there)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from api_support import LEARNERS, memory_app, sample_record
from fastapi.testclient import TestClient

from api.main import STATIC_DIR
from api.routes import web
from pathways.catalog.graph import subgraph
from pathways.catalog.load import load_catalog, load_record, parse_record
from pathways.evaluate import audit
from pathways.options import Options

AS_OF = "2026-06-01"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app, _engine = memory_app(anonymous_max_holdings=30)
    with TestClient(app) as test_client:
        yield test_client


def _states(svg_text: str) -> dict[str, tuple[str | None, str]]:
    """data-id → (data-state, tooltip) for every node of a map."""
    root = ET.fromstring(svg_text)
    found: dict[str, tuple[str | None, str]] = {}
    for group in root.iter(f"{SVG}g"):
        if "node" in (group.get("class") or "").split():
            title = group.find(f"{SVG}title")
            found[group.get("data-id", "")] = (
                group.get("data-state"),
                title.text or "" if title is not None else "",
            )
    return found


def _map(client: TestClient, goal: str, record: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"/v1/graph/{goal}", json={"record": record, "as_of": AS_OF, **extra})


# --------------------------------------------------------------------------- samples


def test_samples_list_every_bundled_learner(client: TestClient) -> None:
    reply = client.get("/v1/samples")
    assert reply.status_code == 200
    body = reply.json()
    files = sorted(p.name for p in LEARNERS.glob("*.yaml"))
    assert body["count"] == len(files) == len(body["data"])
    assert sorted(s["file"].rsplit("/", 1)[1] for s in body["data"]) == files
    names = [s["name"] for s in body["data"]]
    assert names == sorted(names)
    for sample in body["data"]:
        assert sample["summary"] and not sample["summary"].startswith("What this learner")
        assert sample["goals"], sample["id"]
        for goal in sample["goals"]:
            assert goal["title"], goal  # every suggested goal is in the bundled catalog


def test_samples_suggest_goal_with_its_options(client: TestClient) -> None:
    body = client.get("/v1/samples").json()
    by_id = {s["id"]: s for s in body["data"]}
    cyber = by_id["cyber-security-plus"]["goals"]
    assert [g["goal"] for g in cyber] == ["tri-c.cert.cybersecurity", "tri-c.aas.cybersecurity"]
    assert [g["projected"] for g in cyber] == [False, True]
    tesu = by_id["microbachelors-tesu"]["goals"][0]
    assert tesu["goal"] == "tesu.ba.liberal-studies" and tesu["include_discretionary"]


def test_sample_record_audits_like_its_file(client: TestClient) -> None:
    reply = client.get("/v1/samples/cyber-security-plus")
    assert reply.status_code == 200
    sample = reply.json()
    assert sample["text"] == (LEARNERS / "cyber-security-plus.yaml").read_text(encoding="utf-8")
    goal = "tri-c.aas.cybersecurity"
    from_page = client.post(
        "/v1/audit", json={"record": sample["record"], "goal": goal, "as_of": AS_OF}
    ).json()
    from_file = client.post(
        "/v1/audit",
        json={"record": sample_record("cyber-security-plus.yaml"), "goal": goal, "as_of": AS_OF},
    ).json()
    assert from_page == from_file


@pytest.mark.parametrize(
    ("sample", "status"), [("no-such-learner", 404), ("Bad_Id", 422), ("..%2Fetc", 404)]
)
def test_sample_unknown_id_is_4xx(client: TestClient, sample: str, status: int) -> None:
    reply = client.get(f"/v1/samples/{sample}")
    assert reply.status_code == status
    assert "detail" in reply.json()


def test_sample_header_goals_parse_case() -> None:
    header = [
        "# What this learner shows: a ladder.",
        "#",
        "# Audit:    pathways audit x.yaml --goal a.one --include-discretionary",
        "# Compare:  pathways compare x.yaml --goals b.two a.one c-3",
        "# Next:     pathways audit x.yaml --goal d.four --projected",
        "# Stacks:   pathways stacks e.five",
    ]
    goals = web._goals(header)
    assert [g.goal for g in goals] == ["a.one", "b.two", "c-3", "d.four"]
    assert goals[0].include_discretionary and not goals[0].projected
    assert goals[3].projected
    assert web._summary(header) == "A ladder."


# --------------------------------------------------------------------------- records


def test_records_parse_yaml_returns_record_json(client: TestClient) -> None:
    text = (LEARNERS / "ladder-accounting.yaml").read_text(encoding="utf-8")
    reply = client.post("/v1/records/parse", json={"text": text, "name": "ladder.yaml"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["learner"] == "l-ladder-09" and body["name"] == "Luis Mendoza"
    assert body["holdings"] == len(body["record"]["holdings"]) == 11
    assert load_record(LEARNERS / "ladder-accounting.yaml") == parse_record(body["record"])


def test_records_parse_json_text_case(client: TestClient) -> None:
    text = '{"learner": {"id": "l-1"}, "holdings": [{"credential": "x.y", "earned": "2024-01-02"}]}'
    reply = client.post("/v1/records/parse", json={"text": text, "name": "me.json"})
    assert reply.status_code == 200
    assert reply.json()["record"]["holdings"] == [{"credential": "x.y", "earned": "2024-01-02"}]


def test_records_parse_bad_record_gives_located_errors(client: TestClient) -> None:
    text = "learner: {id: l-2}\nholdings:\n  - {credential: tri-c.eng-1010, earned: someday}\n"
    reply = client.post("/v1/records/parse", json={"text": text, "name": "bad.yaml"})
    assert reply.status_code == 422
    (error,) = reply.json()["errors"]
    assert (error["file"], error["line"], error["path"]) == ("bad.yaml", 3, "holdings.0.earned")
    assert error["col"] and "date" in error["message"]


def test_records_parse_yaml_syntax_error_is_located(client: TestClient) -> None:
    reply = client.post("/v1/records/parse", json={"text": "learner: {id: [\n", "name": "r.yaml"})
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["line"] is not None


def test_records_parse_never_reads_badge_path(client: TestClient) -> None:
    text = "learner: {id: l-3}\nholdings:\n  - {badge: /etc/passwd}\n"
    reply = client.post("/v1/records/parse", json={"text": text})
    assert reply.status_code == 200
    assert reply.json()["record"]["holdings"] == [{"badge": "/etc/passwd"}]


def test_records_parse_rejects_oversized_and_extra_fields(client: TestClient) -> None:
    assert client.post("/v1/records/parse", json={"text": "x", "path": "/etc"}).status_code == 422
    assert client.post("/v1/records/parse", json={"text": 3}).status_code == 422
    big = {"text": "#" * (3 * 2**20)}
    assert client.post("/v1/records/parse", json=big).status_code in (413, 422)


# --------------------------------------------------------------------------- the map


def test_graph_get_draws_goal_subgraph_without_states(client: TestClient) -> None:
    reply = client.get("/v1/graph/tri-c.aas.cybersecurity")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("image/svg+xml")
    nodes = _states(reply.text)
    expected = subgraph(load_catalog(), "tri-c.aas.cybersecurity")
    assert set(nodes) == set(expected.nodes)
    assert all(state is None for state, _ in nodes.values())


def test_graph_unknown_goal_is_404_with_suggestion(client: TestClient) -> None:
    reply = client.get("/v1/graph/tri-c.aas.cybersecurit")
    assert reply.status_code == 404
    assert "tri-c.aas.cybersecurity" in reply.json()["detail"]
    post = _map(client, "no.such.goal", sample_record("cyber-security-plus.yaml"))
    assert post.status_code == 404


def test_graph_post_colours_nodes_by_state(client: TestClient) -> None:
    reply = _map(client, "tri-c.aas.cybersecurity", sample_record("cyber-security-plus.yaml"))
    assert reply.status_code == 200
    nodes = _states(reply.text)
    assert nodes["tri-c.itnt-1500"][0] == "earned"
    assert nodes["comptia.security-plus"][0] == "earned"
    assert nodes["tri-c.itnt-2370"][0] == "granted"
    assert "granted by itag.security-plus.tri-c" in nodes["tri-c.itnt-2370"][1]
    assert nodes["itag.security-plus.tri-c"][0] == "granted"
    assert nodes["tri-c.cert.cybersecurity"][0] == "earned"
    assert nodes["tri-c.itnt-2380"][0] == "missing"
    assert "required by Cybersecurity capstone" in nodes["tri-c.itnt-2380"][1]
    assert nodes["tri-c.aas.cybersecurity"][0] == "in_progress"
    assert "of 60 credits applied" in nodes["tri-c.aas.cybersecurity"][1]
    # every state has its own colour, and the legend names each state present
    root = ET.fromstring(reply.text)
    fills: dict[str, set[str]] = {}
    for group in root.iter(f"{SVG}g"):
        state = group.get("data-state")
        if state:
            shape = group.find(f"{SVG}rect")
            shape = shape if shape is not None else group.find(f"{SVG}polygon")
            assert shape is not None
            fills.setdefault(state, set()).add(shape.get("fill", ""))
    assert all(len(colours) == 1 for colours in fills.values())
    assert len({next(iter(c)) for c in fills.values()}) == len(fills)
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for state in fills:
        assert state.replace("_", " ") in legend


def test_graph_post_marks_plan_steps_planned(client: TestClient) -> None:
    record = sample_record("cyber-security-plus.yaml")
    nodes = _states(
        _map(client, "tri-c.aas.cybersecurity", record, planned=["tri-c.itnt-2380"]).text
    )
    assert nodes["tri-c.itnt-2380"][0] == "planned"
    assert "step 1 of the plan" in nodes["tri-c.itnt-2380"][1]


def test_graph_post_projected_goal_complete_is_earned(client: TestClient) -> None:
    record = sample_record("ladder-accounting.yaml")
    nodes = _states(_map(client, "tri-c.cert.accounting", record).text)
    assert nodes["tri-c.cert.accounting"][0] == "earned"
    assert {state for state, _ in nodes.values()} == {"earned"}


def test_graph_post_waiver_and_substitution_case(client: TestClient) -> None:
    nodes = _states(
        _map(client, "tri-c.aas.cybersecurity", sample_record("advisor-exceptions.yaml")).text
    )
    assert nodes["tri-c.eng-1020"][0] == "earned"
    assert "substitute tri-c.comm-1010" in nodes["tri-c.eng-1020"][1]
    assert nodes["tri-c.itnt-2380"][0] is None
    assert "waived" in nodes["tri-c.itnt-2380"][1]


def test_graph_post_uses_goal_version_of_catalog_year(client: TestClient) -> None:
    # Catalog year 2021 takes the 2020-2024 certificate, which asks for ITNT-1500 itself, not
    # the badge built on it: the badge is not missing there.
    nodes = _states(
        _map(client, "tri-c.cert.cybersecurity", sample_record("expired-certification.yaml")).text
    )
    assert nodes["tri-c.itnt-1500"][0] == "earned"
    assert nodes["tri-c.badge.network-fundamentals"][0] != "missing"


def test_graph_post_bad_record_is_422_located(client: TestClient) -> None:
    record = {"learner": {"id": "l-1"}, "holdings": [{"credential": "a.b", "earned": "soon"}]}
    reply = _map(client, "tri-c.aas.cybersecurity", record)
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["path"] == "holdings.0.earned"


def test_graph_post_anonymous_record_size_capped(client: TestClient) -> None:
    holdings = [{"credential": "tri-c.eng-1010", "earned": "2024-01-01"}] * 31
    reply = _map(client, "tri-c.aas.cybersecurity", {"learner": {"id": "l"}, "holdings": holdings})
    assert reply.status_code == 422
    assert "at most 30" in reply.json()["detail"]


def test_pathway_states_every_node_has_a_reason() -> None:
    catalog = load_catalog()
    for sample in web.load_samples():
        record = load_record(LEARNERS / f"{sample.id}.yaml")
        goal = sample.goals[0]
        decision = audit(
            catalog,
            record,
            goal.goal,
            Options(
                as_of=date.fromisoformat(AS_OF),
                projected=goal.projected,
                include_discretionary=goal.include_discretionary,
            ),
        )
        graph = subgraph(catalog, goal.goal)
        states, reasons = web.pathway_states(catalog, graph, decision, record)
        assert set(reasons) == set(graph.nodes), sample.id
        assert set(states) <= set(graph.nodes)
        assert set(states.values()) <= set(web.STATE_ORDER)
        expected = "earned" if decision.status == "complete" else {"in_progress", "missing"}
        assert states[goal.goal] in expected


# --------------------------------------------------------------------------- the page


def test_page_served_at_root(client: TestClient) -> None:
    reply = client.get("/")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/js/main.js">' in reply.text
    for asset in ("/app.css", "/js/main.js"):
        assert client.get(asset).status_code == 200


def test_page_assets_and_element_ids_resolve() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for href in re.findall(r'(?:href|src)="/([^"#][^"]*)"', html):
        if not href.startswith(("docs", "v1")):
            assert (STATIC_DIR / href).is_file(), href
    for script in (STATIC_DIR / "js").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        for module in re.findall(r'from "\./([^"]+)"', text):
            assert (STATIC_DIR / "js" / module).is_file(), (script.name, module)
        for ident in re.findall(r'\$\("([a-z][\w-]*)"\)', text):
            assert ident in ids, (script.name, ident)
        for ident in re.findall(r'fill\(\s*"([a-z][\w-]*)"', text):
            assert ident in ids, (script.name, ident)
    # every form control has a label
    for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        ident = re.search(r'\bid="([^"]+)"', control)
        assert ident, control
        assert f'for="{ident.group(1)}"' in html or "aria-label" in control, control


def test_one_flag_name_in_every_api_request_and_on_the_page() -> None:
    """Issue 14 item 5: CLI ``--include-discretionary``, API ``include_discretionary``, and
    the page's checkbox say the same thing."""
    import importlib
    import pkgutil

    from pydantic import BaseModel

    import api.routes
    from api import models

    modules = [models] + [
        importlib.import_module(f"api.routes.{m.name}")
        for m in pkgutil.iter_modules(api.routes.__path__)
    ]
    fields = {
        (cls.__name__, name)
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel)
        for name in cls.model_fields
        if "discretionary" in name
    }
    for request in ("AuditRequest", "PlanRequest", "CompareRequest", "TransferRequest"):
        assert (request, "include_discretionary") in fields
    assert {name for _, name in fields} == {"include_discretionary"}
    page = (STATIC_DIR / "index.html").read_text()
    box = re.search(r'<input type="checkbox" id="discretionary"[^>]*>\s*<label[^>]*>([^<]*)<', page)
    assert box is not None and 'name="include_discretionary"' in box.group(0)
    assert box.group(1).endswith("(include discretionary)")
