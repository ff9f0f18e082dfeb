"""Badge and interchange commands: ``import-badge``, ``ctdl import|export``, ``clr export|keygen``.

* ``pathways import-badge FILE…`` verifies Open Badges 2.0/3.0 and CLR 2.0 files
  (``docs/semantics.md#badges``) and prints one result per file, in order; with ``--learner``
  the verified badges that count are added to that record file (comments and order kept).
* ``pathways ctdl import FILE… -o DIR`` turns CTDL JSON-LD into catalog YAML;
  ``pathways ctdl export GOAL`` writes a goal's pathway as CTDL JSON-LD.
* ``pathways clr export LEARNER`` writes the learner's verified achievements as a CLR 2.0
  credential, signed with ``--key`` (``pathways keys new FILE`` makes one).

Exit codes: 0 ok, 1 invalid input (errors on stderr; for ``import-badge``: a badge that does
not verify), 2 usage error.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    JsonOption,
    counted,
    exit_on_error,
    load,
    print_json,
    report_console,
    working,
)

if TYPE_CHECKING:
    from pathways.interop import BadgeResult, Resolver

__all__ = ["register"]

ResolveOption = Annotated[
    Path | None,
    typer.Option(
        "--resolve",
        help="Resolution directory (or its resolve.json): the documents and keys issuers "
        "publish. Nothing is ever fetched.",
    ),
]
TrustOption = Annotated[
    list[str] | None,
    typer.Option("--trust", help="Also trust this issuer id for every credential (repeatable)."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _resolver(path: Path | None) -> Resolver | None:
    from pathways.interop import Resolver

    return Resolver.load(path) if path is not None else None


# --------------------------------------------------------------------------- import-badge


def _print_results(results: list[BadgeResult]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("badge", overflow="fold")
    table.add_column("verdict")
    table.add_column("counts as", overflow="fold")
    table.add_column("why")

    def add(result: BadgeResult, label: str) -> None:
        if result.verified and result.reason_code is None:
            verdict = "[green]verified[/green]"
        elif result.verified:
            verdict = f"[yellow]verified, {result.reason_code}[/yellow]"
        else:
            verdict = f"[red]rejected: {result.reason_code}[/red]"
        table.add_row(
            escape(label), verdict, escape(result.credential or "—"), escape(result.reason or "")
        )
        for index, inner in enumerate(result.nested):
            add(inner, f"  └ credential {index + 1}")

    for result in results:
        add(result, result.file or "")
    report_console(emoji=False, highlight=False).print(table)


def import_badge(
    files: Annotated[list[Path], typer.Argument(help="Badge files: JSON, or a compact JWS/JWT.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    resolve: ResolveOption = None,
    trust: TrustOption = None,
    learner: Annotated[
        Path | None,
        typer.Option(
            "--learner",
            help="Learner record: check the badges name this learner, and add the verified "
            "badges that count to it.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
) -> None:
    """Verify badges and map them to catalog credentials; one result per file, in order."""
    from pathways.interop import import_badges
    from pathways.interop.records import add_holdings

    day = as_of or date.today()
    with exit_on_error():
        compiled = load(catalog)
        resolver = _resolver(resolve)
        identity = None
        if learner is not None:
            from pathways.catalog.load import load_record

            identity = load_record(learner).learner.identity
        with working(f"verifying {counted(len(files), 'badge file')}"):
            results = import_badges(
                files,
                catalog=compiled,
                resolver=resolver,
                trust=trust or (),
                as_of=day,
                identity=identity,
            )
        added = None
        if learner is not None:
            holdings = [h for result in results for h in result.holdings()]
            added = add_holdings(learner, holdings) if holdings else 0
    if json_output:
        print_json([result.document() for result in results])
    else:
        _print_results(results)
    if added is not None:
        typer.echo(f"added {counted(added, 'holding')} to {learner}", err=json_output)
    if not all(result.verified for result in results):
        raise typer.Exit(1)


# --------------------------------------------------------------------------- ctdl


ctdl_app = typer.Typer(help="CTDL (Credential Engine) JSON-LD in and out.", no_args_is_help=True)


@ctdl_app.command("import")
def ctdl_import(
    files: Annotated[list[Path], typer.Argument(help="CTDL JSON-LD files (resources or @graph).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Catalog directory to write into.")],
    name: Annotated[str, typer.Option(help="File name of the catalog YAML written.")] = "ctdl.yaml",
    guarantee: Annotated[
        str,
        typer.Option(
            help="Guarantee of imported transfer values: guaranteed, recommended or discretionary."
        ),
    ] = "recommended",
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Import CTDL credentials, conditions, pathways and transfer values as catalog YAML."""
    import yaml

    from pathways.interop.ctdl import import_ctdl
    from pathways.interop.records import write_atomically

    if guarantee not in ("guaranteed", "recommended", "discretionary"):
        raise typer.BadParameter(
            "guaranteed, recommended or discretionary", param_hint="--guarantee"
        )
    documents = []
    for path in files:
        try:
            documents.append(json.loads(path.read_text("utf-8")))
        except OSError as error:
            raise _fail(f"{path}: {error.strerror or error}") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise _fail(f"{path}: not JSON: {error}") from None
    result = import_ctdl(documents, guarantee=guarantee)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    target = out / name
    if target.exists() and not force:
        raise _fail(f"{target} exists (use --force to overwrite it)")
    with exit_on_error():
        text = "# Imported from CTDL by `pathways ctdl import`.\n" + yaml.safe_dump(
            result.data, sort_keys=False, allow_unicode=True, width=100
        )
        from pathways.catalog.load import load_sources

        load_sources({name: text})
        write_atomically(target, text)
    counts = ", ".join(f"{len(items)} {section}" for section, items in result.data.items())
    typer.echo(f"wrote {target}: {counts or 'nothing'}")


@ctdl_app.command("export")
def ctdl_export(
    goal: Annotated[str, typer.Argument(help="The goal credential id.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write to this file.")] = None,
) -> None:
    """Write a goal's pathway as CTDL JSON-LD (a ceterms:Pathway @graph)."""
    from pathways.interop.ctdl_export import export_pathway
    from pathways.interop.records import write_atomically

    with exit_on_error():
        compiled = load(catalog)
        document = export_pathway(compiled, goal)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomically(out, text)
            typer.echo(f"wrote the CTDL pathway of {goal} to {out}", err=True)


# --------------------------------------------------------------------------- clr


clr_app = typer.Typer(help="CLR 2.0 (Comprehensive Learner Record) export.", no_args_is_help=True)


@clr_app.command("export")
def clr_export(
    learner: Annotated[Path, typer.Argument(help="Learner record file.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    resolve: ResolveOption = None,
    trust: TrustOption = None,
    as_of: AsOfOption = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Ed25519 signing key (Multikey JSON or PEM); unsigned without."),
    ] = None,
    issuer_name: Annotated[str, typer.Option(help="The CLR issuer's display name.")] = "Pathways",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write to this file.")] = None,
) -> None:
    """Export the learner's verified achievements as a CLR 2.0 credential."""
    from pathways.catalog.load import load_record
    from pathways.interop.clr import export_clr
    from pathways.interop.records import write_atomically
    from pathways.interop.signing import SigningKey

    day = as_of or date.today()
    with exit_on_error():
        compiled = load(catalog)
        record = load_record(learner, compiled)
        signing = SigningKey.load(key) if key is not None else None
        document = export_clr(
            record,
            catalog=compiled,
            as_of=day,
            resolver=_resolver(resolve),
            trust=trust or (),
            key=signing,
            issuer_name=issuer_name,
        )
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomically(out, text)
            count = len(document["credentialSubject"]["verifiableCredential"])
            signed = "signed" if signing is not None else "unsigned"
            achievements = counted(count, "achievement")
            typer.echo(f"wrote a {signed} CLR of {achievements} to {out}", err=True)


IssuerOption = Annotated[
    str | None,
    typer.Option(help="Issuer id (https URL or did:web); default: the key's own did:key."),
]


def _new_key(out: Path, issuer: str | None) -> None:
    """Write a new Ed25519 key to ``out`` (never over an existing file) and print its public
    half: issuer, verification method, publicKeyMultibase."""
    from pathways.interop.records import write_atomically
    from pathways.interop.signing import SigningKey

    if out.exists():
        raise _fail(f"{out} exists; refusing to overwrite a key")
    key = SigningKey.generate(issuer=issuer)
    with exit_on_error():
        write_atomically(out, json.dumps(key.to_json(), indent=2) + "\n", mode=0o600)
    typer.echo(f"wrote a signing key to {out} (keep it private)")
    typer.echo(f"issuer: {key.issuer}")
    typer.echo(f"verification method: {key.verification_method}")
    typer.echo(f"publicKeyMultibase: {key.public_multibase}")


@clr_app.command("keygen")
def clr_keygen(
    out: Annotated[Path, typer.Option("-o", "--out", help="Key file to create (Multikey JSON).")],
    issuer: IssuerOption = None,
) -> None:
    """Create an Ed25519 signing key (the same as ``pathways keys new``)."""
    _new_key(out, issuer)


keys_app = typer.Typer(
    help="Signing keys for the credentials Pathways issues.", no_args_is_help=True
)


@keys_app.command("new")
def keys_new(
    out: Annotated[Path, typer.Argument(help="Key file to create (Multikey JSON, mode 600).")],
    issuer: IssuerOption = None,
) -> None:
    """Create an Ed25519 signing key for ``clr export --key``; prints its public half."""
    _new_key(out, issuer)


def register(app: typer.Typer) -> None:
    """Add ``import-badge`` and the ``ctdl``, ``clr`` and ``keys`` command groups to ``app``."""
    app.command("import-badge")(import_badge)
    app.add_typer(ctdl_app, name="ctdl")
    app.add_typer(clr_app, name="clr")
    app.add_typer(keys_app, name="keys")
