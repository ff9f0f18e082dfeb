"""Catalog commands: ``validate``, ``find``, ``stacks`` and ``graph``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    CatalogOption,
    JsonOption,
    exit_on_error,
    load,
    print_json,
)
from pathways.errors import CatalogError

__all__ = ["register"]


def validate(
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
    stats: Annotated[
        bool, typer.Option("--stats", help="Also print coverage figures (pathways.catalog.stats).")
    ] = False,
) -> None:
    """Check a catalog: exit 0 with a summary of counts, or 1 with every error on stderr."""
    try:
        compiled = load(catalog)
    except CatalogError as error:
        if as_json:
            print_json({"ok": False, "errors": [e.as_dict() for e in error.errors]})
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    counts = {
        "institutions": len(compiled.institutions),
        "policies": len(compiled.policies),
        "credentials": len(compiled.versions),
        "credential_versions": sum(len(v) for v in compiled.versions.values()),
        "equivalences": len(compiled.equivalences),
        "transfer_rules": len(compiled.rules),
        "funding": len(compiled.funding),
    }
    figures = None
    if stats:
        from pathways.catalog.stats import catalog_stats, format_stats

        figures = catalog_stats(compiled)
    if as_json:
        document = {"ok": True, "catalog_version": compiled.version, "counts": counts}
        print_json({**document, "stats": figures} if figures is not None else document)
        return
    versions = counts["credential_versions"]
    credentials = f"{counts['credentials']} credentials"
    if versions != counts["credentials"]:
        credentials += f" ({versions} versions)"
    typer.echo(
        f"ok: {counts['institutions']} institutions, {counts['policies']} policies, "
        f"{credentials}, {counts['equivalences']} equivalences, "
        f"{counts['transfer_rules']} transfer rules, {counts['funding']} funding programs "
        f"(catalog {compiled.version[:8]})"
    )
    if figures is not None:
        typer.echo(format_stats(figures))


def stacks(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A credential or equivalence id.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """What ID counts toward, and by which route (stacking, equivalences, transfer rules)."""
    from pathways.catalog.graph import stacks as find_stacks

    with exit_on_error():
        goals = find_stacks(load(catalog), ident)
    if as_json:
        print_json({"goals": goals})
        return
    if not goals:
        typer.echo(f"{ident} counts toward no composite credential in this catalog")
        return
    for goal in goals:
        typer.echo(f"{goal['goal']}  {goal['title']}")
        typer.echo(f"    via {' -> '.join(goal['via'])}")


def find(
    text: Annotated[
        list[str], typer.Argument(help="Words to look for in credential ids and titles.")
    ],
    kind: Annotated[
        str | None, typer.Option(help="Only this kind (course, certificate, badge and so on).")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Only this issuer's credentials.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 40,
    catalog: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """Find credential ids: every word of TEXT in the id or the title (any case)."""
    with exit_on_error():
        compiled = load(catalog)
    words = [w.casefold() for item in text for w in item.split()]
    found = []
    for ident in sorted(compiled.versions):
        cred = compiled.credential(ident)
        haystack = f"{ident} {cred.title}".casefold()
        if (
            all(w in haystack for w in words)
            and kind in (None, cred.kind)
            and (issuer in (None, cred.issuer))
        ):
            found.append(
                {"id": ident, "title": cred.title, "kind": cred.kind, "issuer": cred.issuer}
            )
    if as_json:
        print_json({"credentials": found[:limit], "total": len(found)})
        return
    if not found:
        typer.echo(f"no credential's id or title contains {' '.join(text)!r}", err=True)
        raise typer.Exit(1)
    for entry in found[:limit]:
        typer.echo(f"{entry['id']}  {entry['title']}  ({entry['kind']}, {entry['issuer']})")
    if len(found) > limit:
        typer.echo(f"… and {len(found) - limit} more (narrow the words, or --limit)")


class GraphFormat(StrEnum):
    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"


def graph(
    ident: Annotated[str, typer.Argument(metavar="ID", help="The goal credential id.")],
    fmt: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="Output format.")
    ] = GraphFormat.svg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout."),
    ] = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """The subgraph of everything that can count toward ID, as DOT, Mermaid or SVG."""
    from pathways.catalog.graph import subgraph, to_dot, to_mermaid, to_svg

    render = {"dot": to_dot, "mermaid": to_mermaid, "svg": to_svg}[fmt.value]
    with exit_on_error():
        text = render(subgraph(load(catalog), ident))
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        typer.echo(f"{output}: cannot write: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote the {fmt.value.upper()} graph of {ident} to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``validate``, ``find``, ``stacks`` and ``graph`` to the ``pathways`` app."""
    app.command("validate")(validate)
    app.command("find")(find)
    app.command("stacks")(stacks)
    app.command("graph")(graph)
