"""Planning commands: ``plan`` and ``compare``.

* ``pathways plan LEARNER --goal ID [--optimize credits|cost|time] [--alternatives K]
  [--include-discretionary] [--allow-unknown] [--from INST…] [--max-credits-per-term N]``: the
  best set of credentials to earn next, in order, with what each satisfies, the totals and
  funding; the next-best plans; or, when the goal cannot be reached, what blocks it.
* ``pathways compare LEARNER --goals ID…``: goals ranked by how close the learner is.

``--json`` prints the Plan / Comparison document the API returns. ``--from`` and ``--goals``
take one id per use, or several separated by commas (``compare`` also takes goals as extra
arguments). An unknown goal, institution or credential, or a malformed record, exits 1 with
the error on stderr; an unknown ``--optimize`` value is a usage error (exit 2).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    DiscretionaryOption,
    JsonOption,
    OldDiscretionaryOption,
    exit_on_error,
    load,
    print_json,
    report_console,
)
from pathways.options import Options

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pathways.plan import Comparison, Plan, Step, Totals

__all__ = ["register"]


class Target(StrEnum):
    """What a plan minimises."""

    credits = "credits"
    cost = "cost"
    time = "time"


LearnerArgument = Annotated[
    Path,
    typer.Argument(help="Learner record (YAML or JSON).", dir_okay=False, show_default=False),
]
UnknownOption = Annotated[
    bool,
    typer.Option(
        "--allow-unknown",
        help="Consider credentials without the optimised cost/weeks (totals become lower bounds).",
    ),
]
FromOption = Annotated[
    list[str] | None,
    typer.Option(
        "--from",
        metavar="INST",
        help="Also take credentials offered by this institution (repeatable, or comma-separated).",
    ),
]
TrustOption = Annotated[
    list[str] | None,
    typer.Option("--trust", help="Also trust this badge issuer id (repeatable)."),
]
ResolveOption = Annotated[
    Path | None,
    typer.Option("--resolve", help="Offline resolution directory for badge issuers' keys."),
]


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _resolver(resolve: Path | None) -> object | None:
    if resolve is None:
        return None
    from pathways.interop import Resolver

    return Resolver.load(resolve)


def plan(
    learner: LearnerArgument,
    goal: Annotated[str, typer.Option("--goal", help="The goal credential id.")],
    optimize: Annotated[
        Target, typer.Option("--optimize", help="What to minimise: credits, cost or time (weeks).")
    ] = Target.credits,
    alternatives: Annotated[
        int, typer.Option("--alternatives", min=0, help="Also show this many next-best plans.")
    ] = 0,
    include_discretionary: DiscretionaryOption = False,
    allow_discretionary: OldDiscretionaryOption = False,
    allow_unknown: UnknownOption = False,
    from_: FromOption = None,
    max_credits_per_term: Annotated[
        float | None,
        typer.Option(
            "--max-credits-per-term", min=0.5, help="Group the steps into terms of this size."
        ),
    ] = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    trust: TrustOption = None,
    resolve: ResolveOption = None,
    as_json: JsonOption = False,
) -> None:
    """The cheapest route from LEARNER's record to GOAL: what to earn next, in order."""

    from pathways.catalog.load import load_record
    from pathways.plan import plan as make_plan

    with exit_on_error():
        compiled = load(catalog)
        record = load_record(learner, compiled)
        document = make_plan(
            compiled,
            record,
            goal,
            Options(
                as_of=as_of,
                include_discretionary=include_discretionary or allow_discretionary,
                trust=tuple(trust or ()),
                badge_resolver=_resolver(resolve),
            ),
            optimize=optimize.value,
            alternatives=alternatives,
            allow_unknown=allow_unknown,
            from_institutions=_split(from_),
            max_credits_per_term=max_credits_per_term,
        )
    if as_json:
        print_json(document.model_dump(mode="json"))
    else:
        report_console().print(render_plan(document))


def compare(
    learner: LearnerArgument,
    extra: Annotated[
        list[str] | None, typer.Argument(help="More goal ids.", show_default=False)
    ] = None,
    goals: Annotated[
        list[str] | None,
        typer.Option("--goals", metavar="ID", help="A goal id (repeatable, or comma-separated)."),
    ] = None,
    optimize: Annotated[
        Target, typer.Option("--optimize", help="Rank by plan cost, credits or time.")
    ] = Target.cost,
    include_discretionary: DiscretionaryOption = False,
    allow_discretionary: OldDiscretionaryOption = False,
    allow_unknown: UnknownOption = False,
    from_: FromOption = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    trust: TrustOption = None,
    resolve: ResolveOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank goals by how close LEARNER is: complete first, then by what the plan takes."""

    from pathways.catalog.load import load_record
    from pathways.plan import compare as run_compare

    wanted = _split(goals) + _split(extra)
    if not wanted:
        raise typer.BadParameter("name at least one goal", param_hint="--goals")
    with exit_on_error():
        compiled = load(catalog)
        record = load_record(learner, compiled)
        document = run_compare(
            compiled,
            record,
            wanted,
            Options(
                as_of=as_of,
                include_discretionary=include_discretionary or allow_discretionary,
                trust=tuple(trust or ()),
                badge_resolver=_resolver(resolve),
            ),
            optimize=optimize.value,
            allow_unknown=allow_unknown,
            from_institutions=_split(from_),
        )
    if as_json:
        print_json(document.model_dump(mode="json"))
    else:
        report_console().print(render_comparison(document))


# --------------------------------------------------------------------------- text


def _money(value: float | None) -> str:
    return "?" if value is None else f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"


def _amount(value: float | None, unit: str = "") -> str:
    return "?" if value is None else f"{value:g}{unit}"


def _totals_text(totals: Totals) -> str:
    from pathways.evaluate.results import credit_count, credit_figure

    if not (totals.credits or totals.missing or totals.cost or totals.weeks or totals.unknown):
        return "nothing left to earn"
    bound = "≥ " if totals.lower_bound else ""
    cost = ("≥ " if "cost" in totals.unknown else "") + _money(totals.cost)
    weeks = ("≥ " if "weeks" in totals.unknown else "") + f"{credit_figure(totals.weeks)} weeks"
    out = ("≥ " if "cost" in totals.unknown else "") + _money(totals.out_of_pocket)
    # The plan's credit is yet to be earned; "missing" is the goal's shortfall before it.
    text = f"{credit_count(totals.credits)} to earn"
    if totals.missing is not None:
        text += f" (the goal still needs {credit_figure(totals.missing)} now)"
    text += f", {cost}, {weeks}, out of pocket {out}"
    return text if not bound else text + "  (lower bounds: some values are unknown)"


def _steps_table(steps: list[Step], title: str) -> RenderableType:
    from rich.table import Table

    from pathways.evaluate.results import credit_figure

    table = Table(title=title, title_justify="left")
    for column in ("#", "credential", "title", "credits", "cost", "weeks", "satisfies", "funding"):
        table.add_column(column, overflow="fold")
    for number, step in enumerate(steps, 1):
        satisfies = "; ".join(step.satisfies)
        if step.after:
            satisfies += ("; " if satisfies else "") + "after " + ", ".join(step.after)
        funding = "; ".join(f"{f.title} {_money(f.amount)}" for f in step.funding)
        title = step.title + (f" ({step.in_record.replace('_', ' ')})" if step.in_record else "")
        title += " (retake)" if step.retake else ""
        table.add_row(
            str(number),
            step.credential,
            title,
            credit_figure(step.credits),
            _money(step.cost),
            _amount(step.weeks),
            satisfies,
            funding,
        )
    return table


def render_plan(document: Plan) -> RenderableType:
    """The plan as text: a summary line, the steps, terms, alternatives or what blocks it."""
    from rich.console import Group
    from rich.text import Text

    from pathways.evaluate.results import credit_figure

    head = Text()
    head.append(f"{document.title} ({document.goal})", style="bold")
    head.append(
        f"  learner {document.learner}, as of {document.as_of}, minimising {document.optimize}"
    )
    parts: list[RenderableType] = [head]
    style = {"complete": "bold green", "plannable": "bold cyan", "unreachable": "bold red"}
    summary = Text()
    summary.append(document.status, style=style[document.status])
    if document.status == "complete":
        summary.append("  nothing left to earn")
    elif document.totals is not None:
        count = len(document.steps)
        summary.append(
            f"  {count} step{'s' if count != 1 else ''}: {_totals_text(document.totals)}"
        )
    if not document.optimal:
        summary.append("  (best found within the time limit, not proven optimal)", style="yellow")
    parts.append(summary)
    if document.steps:
        parts.append(_steps_table(document.steps, "Steps, in order"))
    if document.terms:
        terms = Text("Terms:\n", style="bold")
        for term in document.terms:
            terms.append(
                f"  {term.term}. ({credit_figure(term.credits)} cr) " + ", ".join(term.steps) + "\n"
            )
        parts.append(terms)
    chosen = {s.credential for s in document.steps}
    for number, alternative in enumerate(document.alternatives, 2):
        mine = {s.credential for s in alternative.steps}
        change = [f"+{c}" for c in sorted(mine - chosen)] + [f"-{c}" for c in sorted(chosen - mine)]
        line = Text()
        line.append(f"Alternative {number}: ", style="bold")
        line.append(f"{_totals_text(alternative.totals)}; " + " ".join(change))
        parts.append(line)
    if document.blocked_by:
        blocked = Text("Blocked by:\n", style="bold red")
        for item in document.blocked_by:
            blocked.append(f"  • {item.label}")
            if item.missing:
                blocked.append(f": {item.missing}", style="dim")
            blocked.append("\n")
            for reason in item.reasons:
                blocked.append(f"      - {reason}\n")
        parts.append(blocked)
    return Group(*parts)


def render_comparison(document: Comparison) -> RenderableType:
    """The ranked goals as a table."""
    from rich.table import Table

    from pathways.evaluate.results import credit_figure

    table = Table(
        title=f"Goals for {document.learner}, as of {document.as_of} (by {document.optimize})",
        title_justify="left",
    )
    for column in ("#", "goal", "status", "credits", "remaining", "plan", "steps", "totals"):
        table.add_column(column, overflow="fold")
    for rank, row in enumerate(document.goals, 1):
        totals = row.plan.totals
        table.add_row(
            str(rank),
            f"{row.title} ({row.goal})",
            row.status.replace("_", " "),
            f"{credit_figure(row.credits.applied)} / {credit_figure(row.credits.required)}",
            credit_figure(row.remaining),
            row.plan.status,
            str(row.plan.steps),
            _totals_text(totals) if totals is not None else "",
        )
    return table


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``compare`` to the ``pathways`` app."""
    app.command("plan")(plan)
    app.command("compare")(compare)
