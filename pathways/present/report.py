"""Readable text reports of Decisions and Statements (the CLI's default output).

The functions return :class:`rich` renderables; they compute nothing — every figure comes
from the document they are given, so the text and the ``--json`` output always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from pathways.evaluate import Decision, NodeResult, Statement, TransferLine, Unused
from pathways.evaluate.results import credit_count, credit_figure

__all__ = ["render_decision", "render_statement"]

_MARK = {"met": ("✓", "green"), "partial": ("…", "yellow"), "unmet": ("✗", "red")}


def _node_text(node: NodeResult) -> Text:
    mark, style = _MARK[node.status]
    text = Text()
    text.append(f"{mark} ", style=f"bold {style}")
    text.append(node.label, style="bold" if node.children else "")
    if node.waived:
        text.append("  [waived]", style="magenta")
    if node.overlay:
        text.append("  (checked only: its credit also counts elsewhere)", style="dim")
    if node.applied:
        parts = []
        for applied in node.applied:
            name = applied.credential or applied.label or "block credit"
            piece = f"{name} {credit_figure(applied.credits)} cr"
            if applied.via:
                piece += f" via {applied.via}"
            if applied.substitute_for:
                piece += f" (substitute for {applied.substitute_for})"
            if applied.exception:
                piece += f" ({applied.exception.replace('_', ' ')} by exception)"
            parts.append(piece)
        text.append("  ← " + ", ".join(parts), style="cyan")
    if node.missing and node.status != "met":
        text.append(f"  — {node.missing}", style="dim")
    return text


def _tree(node: NodeResult, parent: Tree | None = None) -> Tree:
    branch = Tree(_node_text(node)) if parent is None else parent.add(_node_text(node))
    for child in node.children:
        _tree(child, branch)
    return branch


def _transfer_lines(
    lines: list[TransferLine], title: str, policies: Mapping[str, str] | None
) -> Text:
    """One entry per rule: its id, policy (by its title in ``policies``, else its id) and
    guarantee, what it reads and grants, its status, and its citation on a line of its own
    (URLs stay whole at any width)."""
    text = Text()
    text.append(f"{title}\n", style="bold")
    for line in lines:
        used = line.applied is not False and line.status == "granted"
        text.append("  ✓ " if used else "  · ", style="bold green" if used else "dim")
        text.append(line.rule, style="bold")
        policy = (policies or {}).get(line.policy, line.policy)
        text.append(f"  {policy}, {line.guarantee}", style="cyan")
        status: str = line.status
        if line.applied is not None:
            status += ", applied" if line.applied else ", not applied"
        text.append(f"  — {status}\n")
        granted = ", ".join(
            f"{g.credential or g.label or 'credit'} {credit_figure(g.credits)} cr"
            + (" (duplicate)" if g.status == "duplicate" else "")
            for g in line.granted
        )
        text.append(f"      {', '.join(line.from_)} → {granted}\n")
        if line.citation:
            text.append(f"      {line.citation}\n", style="dim")
    text.rstrip()
    return text


def _unused_table(unused: list[Unused]) -> Table:
    table = Table(title="Not counted", title_justify="left")
    for column in ("holding", "reason", "why"):
        table.add_column(column, overflow="fold")
    for item in unused:
        name = item.credential or (f"record item {item.index}" if item.index is not None else "")
        if item.reason_code == "unmapped":
            name = "transcript line"
        table.add_row(name, item.reason_code, item.reason)
    return table


def _exception_words(exc: dict[str, str]) -> str:
    """One applied exception as a sentence of the text report."""
    if exc["kind"] == "change_limit":
        amount = (
            credit_count(Fraction(exc["credits"]))
            if "credits" in exc
            else credit_count(int(exc["count"]), "item")
        )
        what = f"Changed limit: {exc['in']} needs {amount}"
    elif exc["kind"] == "also_allow":
        what = f"Also allowed: {exc['credential']} may count in {exc['in']}"
    else:
        what = f"Applied here: {exc['credential']} placed in {exc['in']}"
    return f"{what} by {exc['by']} ({exc['reason']})"


def render_decision(
    decision: Decision, policy_titles: Mapping[str, str] | None = None
) -> RenderableType:
    """The audit as a requirement tree with ✓/…/✗ marks, transfer lines (each policy by its
    title in ``policy_titles``, else its id) and unused holdings."""
    status_style = "bold green" if decision.status == "complete" else "bold yellow"
    head = Text()
    head.append(f"{decision.title} ({decision.goal})", style="bold")
    head.append(f"  learner {decision.learner}, as of {decision.as_of}")
    if decision.projected:
        head.append("  [projected]", style="magenta")
    summary = Text()
    summary.append(decision.status_label().replace("_", " "), style=status_style)
    if not decision.optimal:
        summary.append(
            "  the solver's time ran out before it proved this allocation the best: "
            "the record may be closer to the goal than shown",
            style="yellow",
        )
    applied, required = decision.credits.applied, decision.credits.required
    summary.append(f"  {credit_figure(applied)} of {credit_count(required)}")
    if decision.gpa is not None:
        summary.append(f"  GPA {decision.gpa:.2f}")
    parts: list[RenderableType] = [head, summary, _tree(decision.requirements)]
    if decision.remaining:
        remaining = Text("Remaining:\n", style="bold")
        for node in decision.remaining:
            remaining.append(f"  • {node.label}: {node.missing or 'unmet'}\n")
        parts.append(remaining)
    if decision.waived:
        parts.append(Text("Waived: " + "; ".join(decision.waived), style="magenta"))
    for exc in decision.exceptions:
        parts.append(Text(_exception_words(exc), style="magenta"))
    for sub in decision.substitutions:
        parts.append(
            Text(
                f"Substitution: {sub['substitute']} for {sub['for']} "
                f"by {sub['by']} ({sub['reason']})",
                style="magenta",
            )
        )
    if decision.transfers:
        parts.append(_transfer_lines(decision.transfers, "Transfer credit", policy_titles))
    if decision.unused:
        parts.append(_unused_table(decision.unused))
    return Group(*parts)


def render_statement(
    statement: Statement,
    institution_name: str | None = None,
    policy_titles: Mapping[str, str] | None = None,
) -> RenderableType:
    """The transfer statement: lines with policy, guarantee and citation, then the rest.
    With ``institution_name`` the heading names the institution ("Transfer to Thomas Edison
    State University (tesu)"); without it, by its id. ``policy_titles`` (policy id → title)
    names each transfer line's policy in words."""
    head = Text()
    where = f"{institution_name} ({statement.institution})" if institution_name else None
    head.append(f"Transfer to {where or statement.institution}", style="bold")
    head.append(f"  learner {statement.learner}, as of {statement.as_of}")
    summary = Text(
        f"{credit_count(statement.credits)} guaranteed, "
        f"{credit_figure(statement.possible)} more possible (recommended/discretionary)"
    )
    parts: list[RenderableType] = [head, summary]
    if statement.transfers:
        parts.append(_transfer_lines(statement.transfers, "Rules that fire", policy_titles))
    else:
        parts.append(Text("No transfer rule fires for these holdings.", style="yellow"))
    if statement.unused:
        parts.append(_unused_table(statement.unused))
    return Group(*parts)
