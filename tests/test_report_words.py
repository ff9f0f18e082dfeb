"""The readable report in an advisor's words: figures as people write them, no markup jargon."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from pathways.evaluate import AppliedCredit, Decision, NodeResult, Statement
from pathways.evaluate.results import Credits
from pathways.present.report import render_decision, render_statement


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
