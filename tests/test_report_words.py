"""The readable report in an advisor's words: figures as people write them, no markup jargon."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from test_audit_semantics import catalog_with, course, goal, record
from typer.testing import CliRunner

from pathways.catalog.load import DEFAULT_CATALOG, load_catalog
from pathways.cli import app as cli
from pathways.evaluate import AppliedCredit, Decision, NodeResult, Statement, audit
from pathways.evaluate.results import Credits
from pathways.options import Options
from pathways.present.report import render_decision, render_statement

AS = date(2026, 6, 1)


def _text(renderable: object) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _decision(applied: float, required: float, overlay: bool = False) -> Decision:
    leaf = NodeResult(
        label="Writing",
        status="met",
        applied=[AppliedCredit(credential="x.eng-101", credits=applied)],
        overlay=overlay,
    )
    return Decision(
        goal="x.cert", title="Certificate", institution="x", learner="l", as_of=date(2026, 6, 1),
        catalog_version="v", status="in_progress", projected=False,
        credits=Credits(applied=applied, required=required), gpa=None,
        requirements=NodeResult(label="all of", status="partial", children=[leaf]),
        transfers=[], unused=[], remaining=[], waived=[],
    )  # fmt: skip


def test_fractional_credits_show_two_decimals_at_most() -> None:
    text = _text(render_decision(_decision(14 / 3, 12)))
    assert "4.67 of 12 credits" in text
    assert "x.eng-101 4.67 cr" in text
    assert "4.6667" not in text


def test_one_credit_is_singular() -> None:
    assert "1 of 1 credit\n" in _text(render_decision(_decision(1, 1)))
    statement = Statement(
        institution="x", learner="l", as_of=date(2026, 6, 1), catalog_version="v",
        credits=1, possible=0, transfers=[], unused=[],
    )  # fmt: skip
    assert "1 credit guaranteed" in _text(render_statement(statement))


def test_overlay_is_said_in_words() -> None:
    text = _text(render_decision(_decision(3, 3, overlay=True)))
    assert "[overlay]" not in text
    assert "checked only: its credit also counts elsewhere" in text


# --------------------------------------------------------------------------- issue 19, item 12


def _catalog(tmp_path: Path, requires: dict[str, Any], titled: bool = False, **more: Any) -> Any:
    g = goal("g", requires, **more)
    tags = [{"id": "ot36-ah", "title": "OT36 Arts & Humanities"}] if titled else []
    arts = {
        "id": "cc.art-101", "title": "Art History", "kind": "course", "issuer": "cc",
        "credits": 3, "subject": "ART", "level": "lower", "tags": ["ot36-ah"],
    }  # fmt: skip
    odd = {
        "id": "cc.odd-101", "title": "Quarter course", "kind": "course", "issuer": "cc",
        "credits": {"value": 7, "unit": "quarter"}, "subject": "ODD", "level": "lower",
    }  # fmt: skip
    extra = {"tags": tags} if titled else {}
    return catalog_with(tmp_path, credentials=[arts, odd, g], **extra)


def _report(tmp_path: Path, requires: dict[str, Any], *held: dict[str, Any], **more: Any) -> str:
    cat = _catalog(tmp_path, requires, **more)
    decision = audit(cat, record(*held), "g", Options(as_of=AS))
    return _text(render_decision(decision))


def test_a_tag_is_named_by_its_title_and_an_untitled_one_says_tagged(tmp_path: Path) -> None:
    titled = _report(tmp_path, {"credits": 6, "from": {"tags": ["ot36-ah"]}}, titled=True)
    assert "needs 6 more credits of OT36 Arts & Humanities" in titled
    assert "6 credits of OT36 Arts & Humanities" in titled  # the default label
    assert "ot36-ah" not in titled
    untitled = _report(tmp_path, {"credits": 6, "from": {"tags": ["writing"]}})
    assert "needs 6 more credits of tagged writing" in untitled


def test_a_missing_course_is_named_even_under_a_label(tmp_path: Path) -> None:
    text = _report(tmp_path, {"all": [{"label": "Capstone", "has": "cc.it-105"}]})
    assert "✗ Capstone  — needs IT 105 (cc.it-105)" in text


def test_one_more_credit_and_thirds_read_as_people_write_them(tmp_path: Path) -> None:
    text = _report(
        tmp_path, {"credits": 6, "from": {"level": "lower"}}, course("cc.odd-101", grade="A")
    )
    assert "needs 1.33 more credits of lower-level" in text
    assert "4.6667" not in text and "4.67 cr" in text
    one = _report(
        tmp_path, {"credits": 4, "from": {"subject": ["ITNT"]}}, course("cc.it-101", grade="A")
    )
    assert "needs 1 more credit of ITNT" in one


def test_free_electives_say_what_the_named_requirements_bring(tmp_path: Path) -> None:
    cat = _catalog(tmp_path, {"all": ["cc.it-101", "cc.it-102"]}, credits=9)
    decision = audit(cat, record(course("cc.it-101")), "g", Options(as_of=AS))
    electives = decision.requirements.children[-1].missing or ""
    assert "kept for the requirements above" not in electives
    assert electives.endswith("; finishing the requirements above brings at least 3 of them")


def test_a_composite_in_progress_is_not_called_completed() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    assert "completed" not in catalog.credential("ohio.ot36").title
    assert catalog.tags["ot36-eng"].title.startswith("OT36 English")
    for versions in catalog.versions.values():
        for version in versions:
            assert set(version.tags) <= set(catalog.tags), version.id


def test_a_bad_tags_entry_is_a_located_error(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "t.yaml").write_text("tags:\n  - {id: a, title: A}\n  - {id: a, titel: B}\n")
    result = CliRunner().invoke(cli, ["validate", "--catalog", str(folder)])
    assert result.exit_code == 1
    assert "t.yaml:3:5: tags.1: missing required key 'title'" in result.output
    assert "unknown key 'titel'; did you mean 'title'?" in result.output
    assert "Traceback" not in result.output


def test_a_batch_row_says_its_distance_in_words() -> None:
    """No "requirement(s)", no "0 credits short" (issue 19 point 12)."""
    from pathways.cli.scale import _shortfall

    assert _shortfall(3, 2) == "3 credits short, 2 requirements unmet"
    assert _shortfall(1, 1) == "1 credit short, 1 requirement unmet"
    assert _shortfall(0, 1) == "1 requirement unmet"
    assert _shortfall(14 / 3, 3) == "4.67 credits short, 3 requirements unmet"


def test_a_changed_limit_of_one_reads_singular() -> None:
    from pathways.present.report import _exception_words

    words = _exception_words(
        {"kind": "change_limit", "in": "Writing", "credits": "1", "by": "registrar", "reason": "x"}
    )
    assert "needs 1 credit " in words
    words = _exception_words(
        {"kind": "change_limit", "in": "Labs", "count": "1", "by": "registrar", "reason": "x"}
    )
    assert "needs 1 item " in words


def test_a_holding_set_aside_is_named_by_its_title_in_the_why() -> None:
    """The "Not counted" table shows the id; its sentence names the course (point 12)."""
    catalog = load_catalog(DEFAULT_CATALOG)
    result = CliRunner().invoke(
        cli,
        ["audit", "data/learners/veteran-navy.yaml", "--goal", "osu.aa", "--as-of", "2026-12-04"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    title = catalog.credential("osu.history-2001").title
    assert f"{title} is in progress" in result.stdout
    assert "osu.history-2001 is in progress" not in result.stdout


def test_a_transfer_statement_names_the_institution() -> None:
    result = CliRunner().invoke(
        cli,
        ["transfer", "data/learners/lpn-to-rn.yaml", "--to", "tri-c", "--as-of", "2026-12-04"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    name = load_catalog(DEFAULT_CATALOG).institutions["tri-c"].name
    assert result.stdout.startswith(f"Transfer to {name} (tri-c)  learner")


def test_transfer_lines_name_the_policy_by_its_title() -> None:
    result = CliRunner().invoke(
        cli,
        ["audit", "data/learners/cyber-security-plus.yaml", "--goal", "tri-c.aas.cybersecurity",
         "--as-of", "2026-12-04"],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    catalog = load_catalog(DEFAULT_CATALOG)
    itag = next(p.title for p in catalog.catalog.policies if p.id == "ohio.itag")
    assert f"{itag}, guaranteed" in result.stdout
    assert "ohio.itag, guaranteed" not in result.stdout


def test_a_complete_goal_in_a_comparison_has_nothing_left_to_earn() -> None:
    result = CliRunner().invoke(
        cli,
        ["compare", "data/learners/ladder-accounting.yaml", "--goals", "tri-c.cert.accounting",
         "--as-of", "2026-12-04"],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "nothing left to earn" in result.stdout and "0 credits to earn" not in result.stdout
