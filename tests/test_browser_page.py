"""The web page in a real browser: Playwright drives Debian's Chromium (headless) against
``pathways serve`` on a loopback port, with a fresh SQLite database and the bundled catalog.

Screenshots land in ``artifacts/screenshots/`` (git-ignored), as artefacts of the run. The
tests skip, saying why, when ``/usr/bin/chromium`` is not installed (CI installs it with apt).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import LEARNERS, REPO, add_user, sample_record, serve
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.db import make_engine
from pathways.catalog.graph import subgraph
from pathways.catalog.load import DEFAULT_CATALOG, load_catalog, load_sources

CHROMIUM = Path("/usr/bin/chromium")
BADGES = REPO / "data" / "badges"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
AS_OF = "2026-06-01"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The service on a loopback port, with a registrar's token."""
    directory = tmp_path_factory.mktemp("browser-site")
    url = f"sqlite:///{directory / 'pathways.db'}"
    resolve = {"PATHWAYS_BADGE_RESOLVE_DIR": str(BADGES)}  # the sample issuer's published key
    with serve(url, workers=1, log=directory / "serve.log", env=resolve) as base:
        engine = make_engine(url)
        header = add_user(engine, "registrar-ada", "registrar")
        engine.dispose()
        yield {"base": base, "token": header["Authorization"].removeprefix("Bearer ")}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def _page(browser: Browser, width: int = 1280, height: int = 900) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page; the test fails if a script throws."""
    opened, errors = _page(browser)
    yield opened
    opened.context.close()
    assert not errors, errors


def _shot(page: Page, name: str, selector: str | None = None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if selector is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        page.locator(selector).screenshot(path=str(path))
    return path


def _open(page: Page, site: dict[str, str], hash_: str = "") -> None:
    page.goto(site["base"] + "/" + hash_)
    expect(page.locator("#sample option[value='cyber-security-plus']")).to_be_attached()


def _choose(page: Page, sample: str, goal: str, query: str) -> None:
    """Pick a sample learner, find ``goal`` by ``query`` and pick it, set the as-of date."""
    page.select_option("#sample", sample)
    expect(page.locator("#record-summary")).to_contain_text("Learner:")
    page.fill("#goal-q", query)
    page.click("#goal-search button[type=submit]")
    option = page.locator(f"#goal-list input[value='{goal}']")
    expect(option).to_be_attached()
    option.check()
    expect(page.locator("#goal-chosen")).to_contain_text(goal)
    page.fill("#as-of", AS_OF)


def _check(page: Page) -> None:
    page.click("#check")
    expect(page.locator("#status-pill")).to_be_visible(timeout=30_000)
    expect(page.locator("#map svg .node").first).to_be_attached(timeout=30_000)


def _api_audit(site: dict[str, str], sample: str, goal: str) -> Any:
    body = {"record": sample_record(sample), "goal": goal, "as_of": AS_OF}
    reply = httpx.post(f"{site['base']}/v1/audit", json=body, timeout=60)
    assert reply.status_code == 200
    return reply.json()


# --------------------------------------------------------------------------- tests


def test_page_loads_with_samples_and_catalog_version(page: Page, site: dict[str, str]) -> None:
    _open(page, site)
    expect(page).to_have_title("Pathways — where you stand, and the road ahead")
    samples = page.locator("#sample option:not([value=''])")
    expect(samples).to_have_count(len(list(LEARNERS.glob("*.yaml"))))
    version = httpx.get(f"{site['base']}/v1/health").json()["catalog_version"]
    expect(page.locator("#catalog-version")).to_have_text(version)
    expect(page.locator("#view-registrar")).to_be_hidden()
    _shot(page, "01-start")


def test_sample_and_goal_show_status_tree_and_map(page: Page, site: dict[str, str]) -> None:
    goal = "tri-c.aas.cybersecurity"
    _open(page, site)
    _choose(page, "cyber-security-plus", goal, "cybersecurity")
    _check(page)
    decision = _api_audit(site, "cyber-security-plus.yaml", goal)
    applied, required = decision["credits"]["applied"], decision["credits"]["required"]
    expect(page.locator("#status-pill")).to_have_text("In progress")
    expect(page.locator("#progress-text")).to_contain_text(f"{applied:g} of {required:g} credits")
    bar = page.locator("#status [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", f"{applied:g}")
    # the tree: every requirement with its mark; the transfer line with policy and citation
    expect(page.locator("#tree li[data-status]")).not_to_have_count(0)
    expect(page.locator("#tree")).to_contain_text("tri-c.itnt-2370 · 3 credits · via itag.")
    transfers = page.locator("#transfers")
    expect(transfers).to_contain_text("ohio.itag")
    expect(transfers).to_contain_text("guaranteed")
    expect(transfers.locator("a[href^='https://']")).to_have_count(len(decision["transfers"]))
    expect(page.locator("#unused tbody tr")).to_have_count(len(decision["unused"]))
    # the map: the goal's subgraph, coloured by state, with a legend
    nodes = page.locator("#map svg g.node")
    expect(nodes).to_have_count(subgraph(load_catalog(DEFAULT_CATALOG), goal).number_of_nodes())
    fills: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#map svg g.node[data-state]')]
            .map(n => [n.dataset.state, n.querySelector('rect, polygon').getAttribute('fill')]))"""
    )
    # The capstone is missing; with a planner on the server, the plan's first steps take it.
    planner = "/v1/plan" in httpx.get(f"{site['base']}/openapi.json").json()["paths"]
    capstone, why = ("planned", "of the plan") if planner else ("missing", "required by")
    assert {"earned", "granted", capstone} <= set(fills)
    assert len(set(fills.values())) == len(fills), fills
    legend = page.locator("#map-legend")
    for words in ("earned:", "granted by transfer:", f"{capstone}:"):
        expect(legend).to_contain_text(words)
    # focusing a node says what it is and why it has its state; so does hovering
    page.locator("#map svg g.node[data-id='tri-c.itnt-2380']").focus()
    detail = page.locator("#map-detail")
    expect(detail).to_contain_text("tri-c.itnt-2380")
    expect(detail).to_contain_text(f"State: {capstone}")
    expect(detail).to_contain_text(why)
    page.locator("#map svg g.node[data-id='tri-c.itnt-2370']").hover()
    expect(detail).to_contain_text("State: granted by transfer")
    expect(detail).to_contain_text("granted by itag.security-plus.tri-c")
    _shot(page, "02-results-cybersecurity-aas")
    _shot(page, "03-map-cybersecurity-aas", "#map")


@pytest.mark.parametrize(
    ("sample", "goal", "query"),
    [
        ("cyber-security-plus", "tri-c.aas.cybersecurity", "cybersecurity"),
        ("ot36-transfer-wsu", "wright-state.bsb.accountancy", "accountancy"),
    ],
)
def test_degree_map_is_readable(
    page: Page, site: dict[str, str], sample: str, goal: str, query: str
) -> None:
    _open(page, site)
    _choose(page, sample, goal, query)
    _check(page)
    # At actual size no two boxes overlap, text is at least 11 px tall, and every title fits
    # inside its box.
    problems: list[str] = page.evaluate(
        """() => {
          const boxes = [...document.querySelectorAll('#map svg g.node')].map(n => {
            const shape = n.querySelector('rect, polygon').getBoundingClientRect();
            const texts = [...n.querySelectorAll('text')].map(t => t.getBoundingClientRect());
            return {id: n.dataset.id, shape, texts};
          });
          const out = [];
          for (const b of boxes) {
            for (const t of b.texts) {
              const outside = t.left < b.shape.left - 1 || t.right > b.shape.right + 1;
              if (outside) out.push(`${b.id}: text overflows`);
            }
            if (b.texts[0].height < 11) out.push(`${b.id}: title ${b.texts[0].height}px tall`);
          }
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].shape, c = boxes[j].shape;
            if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom)
              out.push(`${boxes[i].id} overlaps ${boxes[j].id}`);
          }
          return out;
        }"""
    )
    assert not problems, problems
    states = page.eval_on_selector_all(
        "#map svg g.node[data-state]", "nodes => nodes.map(n => n.dataset.state)"
    )
    assert "earned" in states
    _shot(page, f"04-map-{goal}", "#map")
    page.click("#map-fit")
    expect(page.locator("#map-fit")).to_have_attribute("aria-pressed", "true")
    width = page.eval_on_selector("#map svg", "svg => svg.getBoundingClientRect().width")
    box = page.eval_on_selector("#map", "box => box.clientWidth")
    assert width <= box
    _shot(page, f"05-map-fitted-{goal}", "#map")


def test_registrar_bad_catalog_shows_located_errors(page: Page, site: dict[str, str]) -> None:
    _open(page, site, "#registrar")
    expect(page.locator("#view-registrar")).to_be_visible()
    expect(page.locator("#view-learner")).to_be_hidden()
    expect(page.locator("#nav-registrar")).to_have_attribute("aria-current", "page")
    bad = (
        "credentials:\n"
        "  - id: Bad Id\n"
        "    title: A certificate\n"
        "    kind: certificate\n"
        "    colour: blue\n"
    )
    page.fill("#catalog-text", bad)
    page.fill("#catalog-name", "bad.yaml")
    page.click("#catalog-validate")  # no token yet
    expect(page.locator("#catalog-result")).to_contain_text("registrar's token")
    page.fill("#token", site["token"])
    page.click("#catalog-validate")
    errors = page.locator("#catalog-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("bad.yaml:2:")
    expect(errors).to_contain_text("bad.yaml:5:")
    expect(errors.locator("li")).to_have_count(2)
    _shot(page, "06-registrar-errors")
    page.click("#catalog-publish")
    expect(page.locator("#catalog-errors")).to_contain_text("not published")
    version = httpx.get(f"{site['base']}/v1/health").json()["version"]
    assert version == 1  # a rejected upload changes nothing
    page.fill("#token", "not-a-token")
    page.click("#catalog-validate")
    expect(page.locator("#catalog-result")).to_contain_text("token was not accepted")


def test_registrar_valid_catalog_files_validate(page: Page, site: dict[str, str]) -> None:
    _open(page, site, "#registrar")
    files = sorted(str(p) for p in DEFAULT_CATALOG.rglob("*.yaml"))  # with generated/
    page.set_input_files("#catalog-files", files)
    page.fill("#token", site["token"])
    page.click("#catalog-validate")
    ok = page.locator("#catalog-ok")
    expect(ok).to_contain_text("No errors", timeout=60_000)
    # The page uploads file names without folders, so its hash is that of the flat file set.
    flat = load_sources({Path(f).name: Path(f).read_bytes() for f in files})
    expect(ok).to_contain_text(flat.version)


def test_record_upload_shows_located_errors_then_loads(
    page: Page, site: dict[str, str], tmp_path: Path
) -> None:
    _open(page, site)
    bad = tmp_path / "mine.yaml"
    bad.write_text("learner: {id: l-9}\nholdings:\n  - {credential: x.y, earned: soon}\n")
    page.set_input_files("#record-file", str(bad))
    errors = page.locator("#record-errors")
    expect(errors).to_contain_text("mine.yaml was not loaded")
    expect(errors).to_contain_text("mine.yaml:3:")
    expect(errors).to_contain_text("holdings.0.earned")
    _shot(page, "07-record-errors")
    # the file's text is in the box: fix it there and use it
    expect(page.locator("#record-text")).to_have_value(bad.read_text())
    page.fill("#record-text", "learner: {id: l-10, name: Pat}\nholdings: []\n")
    page.click("#record-use")
    expect(page.locator("#record-summary")).to_contain_text("Pat (l-10), from the file mine.yaml")
    expect(errors).to_be_empty()
    page.set_input_files("#record-file", str(LEARNERS / "lpn-to-rn.yaml"))
    expect(page.locator("#record-summary")).to_contain_text("Denise Walker")
    # a badge named by a path (as on the command line) is flagged: the server never reads it
    page.fill("#record-text", "learner: {id: l-11}\nholdings:\n  - {badge: badges/mine.json}\n")
    page.click("#record-use")
    expect(page.locator("#record-summary")).to_contain_text("named by a file path")


def test_transcripts_make_the_record_and_unmapped_lines_are_shown(
    page: Page, site: dict[str, str], tmp_path: Path
) -> None:
    _open(page, site)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "b">]>\n<t>&a;</t>\n')
    page.set_input_files("#transcript-files", str(bomb))
    report = page.locator("#transcript-report")
    expect(report).to_contain_text("bomb.xml not imported")
    expect(report).to_contain_text("bomb.xml:2:1")
    samples = REPO / "data" / "transcripts"
    page.set_input_files(
        "#transcript-files", [str(samples / "tri-c.xml"), str(samples / "tri-c-summer.csv")]
    )
    expect(report).to_contain_text("holdings made from tri-c.xml, tri-c-summer.csv")
    expect(page.locator("#transcript-unmapped li")).to_have_count(2)
    expect(report).to_contain_text("no catalog credential tri-c.cvt-1000")
    expect(page.locator("#record-summary")).to_contain_text("Renata Okonkwo-Hale")
    _shot(page, "12-transcripts")
    # the record counts like any other, and its unmapped lines are listed as not counted
    page.fill("#goal-q", "accounting technology")
    option = page.locator("#goal-list input[value='tri-c.cert.accounting']")
    expect(option).to_be_attached()
    option.check()
    page.fill("#as-of", AS_OF)
    page.click("#check")
    expect(page.locator("#status-pill")).to_be_visible(timeout=30_000)
    unmapped = page.locator("#unused tr", has_text="transcript line with no catalog credential")
    expect(unmapped).to_have_count(2)
    expect(unmapped.first).to_contain_text("transcript line")
    expect(unmapped.first).to_contain_text("CVT 1000 College Success Seminar")


def test_badges_verified_on_upload_and_sent_with_the_record(
    page: Page, site: dict[str, str], tmp_path: Path
) -> None:
    _open(page, site)
    page.fill("#record-text", "learner: {id: l-badge, name: Sam}\nholdings: []\n")
    page.click("#record-use")
    expect(page.locator("#record-summary")).to_contain_text("Sam (l-badge)")
    good = BADGES / "teamwork.json"
    bad = tmp_path / "tampered.json"  # the sample with its name changed after signing
    document = json.loads(good.read_text(encoding="utf-8"))
    document["name"] = "Leadership"
    bad.write_text(json.dumps(document), encoding="utf-8")
    page.set_input_files("#badge-files", [str(good), str(bad)])
    results = page.locator("#badge-results li")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("✓ teamwork.json verified; counts as")
    expect(results.nth(0)).to_contain_text("demo.badge.teamwork")
    expect(results.nth(1)).to_contain_text("✗ tampered.json not verified")
    expect(page.locator("#record-summary")).to_contain_text("plus 1 verified badge")
    _shot(page, "11-badges")
    # the verified badge travels inline with the record and counts in the audit
    page.fill("#goal-q", "teamwork")
    page.uncheck("#goal-composite")
    option = page.locator("#goal-list input[value='demo.badge.teamwork']")
    expect(option).to_be_attached()
    option.check()
    page.click("#check")
    expect(page.locator("#status-pill")).to_have_text("✓ Complete", timeout=30_000)


def test_keyboard_reaches_every_control_and_runs_a_check(page: Page, site: dict[str, str]) -> None:
    _open(page, site)
    reached: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    for control in (
        "nav-learner",
        "nav-registrar",
        "sample",
        "record-file",
        "record-text",
        "record-use",
        "transcript-files",
        "transcript-learner",
        "badge-files",
        "goal-q",
        "goal-composite",
        "as-of",
        "projected",
        "discretionary",
    ):
        assert control in reached, (control, reached)
    # keyboard only: pick a sample, which suggests its goal, then check
    page.focus("#sample")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#record-summary")).to_contain_text("Learner:")
    expect(page.locator("#check")).to_be_enabled()
    page.focus("#check")
    page.keyboard.press("Enter")
    expect(page.locator("#status-pill")).to_be_visible(timeout=30_000)
    expect(page.locator("#results-h")).to_be_focused()
    # the map's nodes are in the tab order
    expect(page.locator("#map svg g.node").first).to_be_attached(timeout=30_000)
    page.focus("#map")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('data-id')")
    assert focused
    expect(page.locator("#map-detail")).to_contain_text(focused)
    # the registrar's controls too
    page.goto(site["base"] + "/#registrar")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    for control in ("catalog-files", "catalog-text", "catalog-name", "token", "catalog-validate"):
        assert control in reached, (control, reached)


def test_every_control_labelled_and_text_contrast_aa(page: Page, site: dict[str, str]) -> None:
    _open(page, site)
    _choose(page, "ot36-transfer-wsu", "wright-state.bsb.accountancy", "accountancy")
    _check(page)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-labelledby') && !e.textContent.trim())
            .map(e => e.id || e.outerHTML.slice(0, 80))"""
    )
    assert not unlabelled, unlabelled
    low: list[str] = page.evaluate(
        """() => {
          const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => {
            const f = c => {
              c /= 255;
              return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const background = el => {
            for (; el; el = el.parentElement) {
              const c = rgb(getComputedStyle(el).backgroundColor);
              if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          const out = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            const el = t.parentElement;
            if (!t.textContent.trim() || el.closest('svg, [hidden], option')) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
            if (el.closest('.sr-only')) continue;
            const [a, b] = [lum(rgb(style.color)), lum(background(el))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            const size = parseFloat(style.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
            const text = t.textContent.trim().slice(0, 40);
            if (ratio < (large ? 3 : 4.5)) out.push(`${ratio.toFixed(2)} ${el.tagName}: ${text}`);
          }
          return out;
        }"""
    )
    assert not low, low


def test_phone_width_renders_without_sideways_scroll(
    browser: Browser, site: dict[str, str]
) -> None:
    page, errors = _page(browser, width=375, height=812)
    try:
        _open(page, site)
        _choose(page, "cyber-security-plus", "tri-c.aas.cybersecurity", "cybersecurity")
        _check(page)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, overflow
        for selector in ("#check", "#goal-q", "#sample", "#map"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, selector
        _shot(page, "08-phone-375")
        page.goto(site["base"] + "/#registrar")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        _shot(page, "09-phone-375-registrar")
    finally:
        page.context.close()
    assert not errors, errors


def test_plan_and_comparison_sections_answer(page: Page, site: dict[str, str]) -> None:
    _open(page, site)
    _choose(page, "ladder-accounting", "tri-c.cert.accounting", "accounting")
    page.click("#compare-add")
    _choose(page, "ladder-accounting", "tri-c.aa.business-ogtp", "business")
    page.click("#compare-add")
    expect(page.locator("#compare-list li")).to_have_count(2)
    _check(page)
    paths = httpx.get(f"{site['base']}/openapi.json").json()["paths"]
    if "/v1/plan" in paths:
        expect(page.locator("#plan table").first).to_be_visible(timeout=30_000)
        expect(page.locator("#plan dl.totals").first).to_contain_text("Out of pocket")
    else:
        expect(page.locator("#plan [data-unavailable]")).to_contain_text("not available")
    page.click("#compare-run")
    if "/v1/compare" in paths:
        expect(page.locator("#compare-ranking li")).to_have_count(2, timeout=30_000)
    else:
        expect(page.locator("#compare [data-unavailable]")).to_contain_text("not available")
    _shot(page, "10-plan-and-compare")


def test_will_it_transfer_box_lists_routes(page: Page, site: dict[str, str]) -> None:
    _open(page, site)
    page.fill("#transfer-credential", "tri-c.eng-1010")
    page.fill("#transfer-at", "ysu")
    page.click("#transfer-form button[type=submit]")
    table = page.locator("#transfer-result table")
    expect(table).to_contain_text("ysu.engl-1550", timeout=30_000)
    expect(table).to_contain_text("through ohio.oan.tme001")
    expect(table).to_contain_text("guaranteed")
    page.fill("#transfer-credential", "tri-c.nope")
    page.click("#transfer-form button[type=submit]")
    expect(page.locator("#transfer-result")).to_contain_text("unknown credential")
    _shot(page, "10-will-it-transfer")
