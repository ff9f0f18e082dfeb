"""Evaluation commands: ``audit``, ``transfer`` and ``reasons``.

* ``pathways audit LEARNER --goal ID [--projected] [--include-discretionary]``: the requirement
  tree with ✓/…/✗ marks and credits, the transfer lines and the unused holdings with reasons.
* ``pathways transfer LEARNER --to INSTITUTION``: which rules fire there and what they grant.
* ``pathways reasons``: the reason table (code, label, whether it marks a holding not valid).

``--json`` prints the Decision / Statement document the API returns. Badges named in the
record (``{badge: FILE}``) are verified against ``--resolve`` (offline) and ``--trust``.
An incomplete audit is a success (exit 0); an unknown goal, institution or credential, or a
malformed record, exits 1 with the error on stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    DiscretionaryOption,
    JsonOption,
    exit_on_error,
    load,
    print_json,
    report_console,
)
from pathways.options import Options

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.catalog.model import LearnerRecord
    from pathways.evaluate import Decision, Statement

__all__ = ["register"]

LearnerArgument = Annotated[
    Path,
    typer.Argument(help="Learner record (YAML or JSON).", dir_okay=False, show_default=False),
]
TrustOption = Annotated[
    list[str] | None,
    typer.Option("--trust", help="Also trust this badge issuer id (repeatable)."),
]
ResolveOption = Annotated[
    Path | None,
    typer.Option(
        "--resolve",
        help="Offline resolution directory for badge issuers' keys and status lists.",
    ),
]


def _resolver(resolve: Path | None) -> object | None:
    """The offline badge resolver for ``--resolve`` (raises ResolverError, a PathwaysError)."""
    if resolve is None:
        return None
    from pathways.interop import Resolver

    return Resolver.load(resolve)


def audit(
    learner: LearnerArgument,
    goal: Annotated[str, typer.Option("--goal", help="The goal credential id.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    projected: Annotated[
        bool, typer.Option("--projected", help="Count in-progress and planned holdings.")
    ] = False,
    include_discretionary: DiscretionaryOption = False,
    trust: TrustOption = None,
    resolve: ResolveOption = None,
    as_json: JsonOption = False,
) -> None:
    """How far LEARNER is toward GOAL: what is applied where, what remains, and why."""
    from pathways.evaluate import audit as run_audit

    def run(compiled: CompiledCatalog, record: LearnerRecord, resolver: object) -> Decision:
        return run_audit(
            compiled,
            record,
            goal,
            Options(
                as_of=as_of,
                projected=projected,
                include_discretionary=include_discretionary,
                trust=tuple(trust or ()),
                badge_resolver=resolver,
            ),
        )

    _present(run, learner, catalog, resolve, as_json)


def transfer(
    learner: LearnerArgument,
    to: Annotated[str, typer.Option("--to", help="The receiving institution id.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_of: AsOfOption = None,
    include_discretionary: DiscretionaryOption = False,
    trust: TrustOption = None,
    resolve: ResolveOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which of LEARNER's credentials earn credit at an institution, how much, and why."""
    from pathways.evaluate import transfer as run_transfer

    def run(compiled: CompiledCatalog, record: LearnerRecord, resolver: object) -> Statement:
        return run_transfer(
            compiled,
            record,
            to,
            Options(
                as_of=as_of,
                include_discretionary=include_discretionary,
                trust=tuple(trust or ()),
                badge_resolver=resolver,
            ),
        )

    _present(run, learner, catalog, resolve, as_json)


def _present(
    run: Callable[[CompiledCatalog, LearnerRecord, object], Decision | Statement],
    learner: Path,
    catalog: Path,
    resolve: Path | None,
    as_json: bool,
) -> None:
    """Load the catalog and record, evaluate, and print the report or the JSON document."""

    from pathways.catalog.load import load_record
    from pathways.evaluate import Decision
    from pathways.present.report import render_decision, render_statement

    with exit_on_error():
        compiled = load(catalog)
        record = load_record(learner, compiled)
        document = run(compiled, record, _resolver(resolve))
    policies = {policy.id: policy.title for policy in compiled.catalog.policies}
    if as_json:
        print_json(document.model_dump(mode="json"))
    elif isinstance(document, Decision):
        report_console().print(render_decision(document, policies))
    else:
        institution = compiled.institutions.get(document.institution)
        name = institution.name if institution is not None else None
        report_console().print(render_statement(document, name, policies))


def reasons(as_json: JsonOption = False) -> None:
    """The reason codes an unused holding may carry, what each means, and which set a
    holding aside as not valid."""
    from pathways.present.reasons import REASONS, reason_table

    if as_json:
        print_json(reason_table().model_dump(mode="json"))
        return
    width = max(len(r.code) for r in REASONS)
    for r in REASONS:
        mark = "not valid" if r.invalid else "valid, not used"
        typer.echo(f"{r.code:<{width}}  {r.label} ({mark})")


def register(app: typer.Typer) -> None:
    """Add ``audit``, ``transfer`` and ``reasons`` to the ``pathways`` app."""
    app.command("audit")(audit)
    app.command("transfer")(transfer)
    app.command("reasons")(reasons)
