"""State-scale commands: ``generate``, ``batch`` and ``bench``.

* ``pathways generate OUT`` writes a synthetic state catalog and learner records.
* ``pathways batch --learners SRC --goals ID …`` audits every learner against every goal and
  reports who completed a credential without being awarded it, and who is within N credits.
* ``pathways bench`` measures load, audit, batch and memory figures against issue 8's targets.

Exit codes: 0 ok, 1 invalid input (errors on stderr), 2 usage error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pathways.cli.common import (
    DEFAULT_CATALOG,
    AsOfOption,
    CatalogOption,
    DiscretionaryOption,
    JsonOption,
    counted,
    exit_on_error,
    load,
    print_json,
    working,
)
from pathways.errors import RecordError
from pathways.options import Options

__all__ = ["register"]


class ScaleName(StrEnum):
    small = "small"
    state = "state"


class EngineName(StrEnum):
    local = "local"
    ray = "ray"


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


# --------------------------------------------------------------------------- generate


def generate(
    out: Annotated[
        Path, typer.Argument(help="Directory to write catalog/, learners/ and targets.csv into.")
    ],
    scale: Annotated[
        ScaleName | None, typer.Option(help="Preset sizes (explicit options override them).")
    ] = None,
    institutions: Annotated[int | None, typer.Option(min=1, help="Public institutions.")] = None,
    courses_per: Annotated[
        int | None, typer.Option("--courses-per", min=40, help="Courses per institution.")
    ] = None,
    learners: Annotated[int | None, typer.Option(min=0, help="Learner records.")] = None,
    programs_per: Annotated[
        int, typer.Option("--programs-per", min=1, help="Programs per college or university.")
    ] = 150,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed writes the same bytes.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic catalog shaped like a state system, and learner records."""
    from pathways.tools.generate import SCALES, generate_catalog

    sizes = dict(SCALES[(scale or ScaleName.small).value])
    for name, value in (
        ("institutions", institutions),
        ("courses_per", courses_per),
        ("learners", learners),
    ):
        if value is not None:
            sizes[name] = value
    try:
        with working(f"generating {sizes['institutions']} institutions into {out}"):
            summary = generate_catalog(out, seed=seed, programs_per=programs_per, **sizes)
    except OSError as error:
        raise _fail(f"{out}: cannot write: {error.strerror or error}") from None
    if as_json:
        print_json(summary.as_dict())
        return
    typer.echo(
        f"wrote {summary.catalog_files} catalog files ({summary.catalog_bytes / 2**20:.1f} MiB): "
        f"{summary.institutions} institutions, {summary.courses} courses, "
        f"{summary.programs} programs, {summary.equivalences} equivalences, "
        f"{summary.transfer_rules} transfer rules; {summary.learners} learners → {out}"
    )


# --------------------------------------------------------------------------- batch


def _record_files(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(
            p for p in source.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
        )
    return [source]


def _load_records(source: Path) -> list[Any]:
    from pathways.catalog.load import load_record

    if not source.exists():
        raise _fail(f"{source}: no such file or directory")
    records = []
    errors: list[str] = []
    for path in _record_files(source):
        try:
            records.append(load_record(path))
        except RecordError as error:
            errors.append(str(error))
    if errors:
        raise _fail("\n".join(errors))
    if not records:
        raise _fail(f"{source}: no learner records (.yaml, .yml or .json files)")
    return records


def _shortfall(gap: float, unmet: int) -> str:
    """A batch row's distance in words: "3 credits short, 2 requirements unmet" (the credit
    part left out when no credit is missing, only named requirements)."""
    from pathways.evaluate.results import credit_count

    unmet_words = f"{counted(unmet, 'requirement')} unmet"
    return f"{credit_count(gap)} short, {unmet_words}" if gap > 0 else unmet_words


def _split_goals(goals: list[str]) -> list[str]:
    return [g.strip() for item in goals for g in item.split(",") if g.strip()]


def batch(
    learners: Annotated[
        Path, typer.Option("--learners", help="A learner record file or a directory of them.")
    ],
    goals: Annotated[
        list[str], typer.Option("--goals", help="Goal credential ids (repeat, or comma-separate).")
    ],
    catalog: CatalogOption = DEFAULT_CATALOG,
    engine: Annotated[
        EngineName, typer.Option(help="local (process pool) or ray.")
    ] = EngineName.local,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: CPU count).")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster address (ray engine; default: a local instance)."),
    ] = None,
    within: Annotated[
        float, typer.Option(min=0, help="Report learners within this many credits of a goal.")
    ] = 6.0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every row to FILE.csv or FILE.parquet.")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Also store the run in this database URL.")
    ] = None,
    as_of: AsOfOption = None,
    include_discretionary: DiscretionaryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Audit many learners against many goals: completed-but-not-awarded and within-N."""
    from pathways.batch import parquet_available, run_batch, write_rows

    if address and engine is not EngineName.ray:
        raise typer.BadParameter("--address goes with --engine ray", param_hint="--address")
    goal_ids = _split_goals(goals)
    if not goal_ids:
        raise typer.BadParameter("name at least one goal", param_hint="--goals")
    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise typer.BadParameter("the output file ends in .csv or .parquet", param_hint="--out")
    if out is not None and out.suffix == ".parquet" and not parquet_available():
        raise _fail("Parquet output needs pyarrow: pip install 'pathways[parquet]' (or use .csv)")
    with exit_on_error():
        with working(f"loading the catalog {catalog} and the records in {learners}"):
            compiled = load(catalog)
            records = _load_records(learners)
        total = len(records) * len(set(goal_ids))
        with _progress(total, enabled=not as_json) as advance:
            result = run_batch(
                compiled,
                records,
                goal_ids,
                Options(as_of=as_of, include_discretionary=include_discretionary),
                within=within,
                engine=engine.value,
                workers=workers or os.cpu_count() or 1,
                address=address,
                progress=advance,
            )
        if out is not None:
            write_rows(result.rows, out)
        run_id = None
        if db:
            from api.batch_sink import store_rows  # the database side lives with the service

            run_id = store_rows(result, db, goals=goal_ids)
    summary = result.summary()
    if out is not None:
        summary["out"] = str(out)
    if run_id is not None:
        summary["db_run_id"] = run_id
    if as_json:
        summary["findings"] = [
            {k: v for k, v in row.as_dict().items() if k not in ("seq", "error")}
            for row in result.findings()
        ]
        print_json(summary)
        return
    counts = summary["counts"]
    typer.echo(
        f"audited {summary['audits']} ({summary['learners']} learners × {len(set(goal_ids))} "
        f"goals) in {summary['elapsed_s']:.1f} s on {result.engine} × {result.workers}: "
        f"{counts['completed_not_awarded']} completed but not awarded, "
        f"{counts['within_n']} within {within:g} credits, {counts['awarded']} awarded, "
        f"{counts['error']} errors"
        + (f" → {out}" if out else "")
        + (f" (database run {run_id})" if run_id is not None else "")
    )
    for row in result.findings():
        what = (
            "completed, not awarded"
            if row.finding == "completed_not_awarded"
            else _shortfall(row.gap, row.unmet)
        )
        typer.echo(f"  {row.learner}  {row.goal}  {what}")


@contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (only on a terminal); yields the advance callback."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not (enabled and console.is_terminal),
        transient=True,
    )
    task = bar.add_task("audits", total=total)
    with bar:
        yield lambda n: bar.advance(task, n)


# --------------------------------------------------------------------------- bench


def bench(
    scale: Annotated[
        ScaleName, typer.Option(help="small: seconds, state figures left out; state: the full run.")
    ] = ScaleName.state,
    as_json: JsonOption = False,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the generated catalogs here (default: a temporary directory)."),
    ] = None,
    audits: Annotated[int, typer.Option(min=10, help="Learner/goal pairs timed per scale.")] = 200,
    batch_learners: Annotated[
        int, typer.Option("--batch-learners", min=1, help="Learners per batch run (× 4 goals).")
    ] = 60,
    rounds: Annotated[
        int, typer.Option(min=1, help="Batch rounds per setting (each keeps its best).")
    ] = 2,
    no_ray: Annotated[bool, typer.Option("--no-ray", help="Skip the Ray measurement.")] = False,
    load_3x: Annotated[
        bool,
        typer.Option(
            "--load-3x", help="Also time cold and warm loads of a catalog 3x the state one."
        ),
    ] = False,
) -> None:
    """Measure load, audit, batch and memory figures in one process."""
    from pathways.tools.bench import format_report, run_bench

    with exit_on_error(), working("benchmark: starting") as show:

        def log(message: str) -> None:
            typer.echo(f"… {message}", err=True)
            show(f"benchmark: {message}")

        figures = run_bench(
            scale.value,
            workdir=workdir,
            audits=audits,
            batch_learners=batch_learners,
            rounds=rounds,
            ray=not no_ray,
            load_3x=load_3x,
            log=log,
        )
    if as_json:
        print_json(figures)
    else:
        typer.echo(format_report(figures))


def register(app: typer.Typer) -> None:
    """Add ``generate``, ``batch`` and ``bench`` to the ``pathways`` app."""
    app.command("generate")(generate)
    app.command("batch")(batch)
    app.command("bench")(bench)
