"""The synthetic state catalog: it loads, compiles, covers the language, and is deterministic."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import yaml
import yaml_rs
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.load import load_catalog, load_record
from pathways.catalog.model import Catalog, LearnerRecord, Requirement
from pathways.cli import app
from pathways.tools.generate import GenerateSummary, generate_catalog, to_yaml

# The fourth institution runs on quarter hours.
SIZES = {"institutions": 5, "courses_per": 60, "learners": 40, "programs_per": 24}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    root = tmp_path_factory.mktemp("generated")
    return root, generate_catalog(root, seed=7, **SIZES)


@pytest.fixture(scope="module")
def compiled(generated: tuple[Path, GenerateSummary]) -> CompiledCatalog:
    return load_catalog(generated[0] / "catalog", cache=False)


def _requirements(req: Requirement | None) -> list[Requirement]:
    if req is None:
        return []
    found = [req]
    for child in req.children:
        found += _requirements(child)
    return found


def test_generate_catalog_loads_and_compiles(
    generated: tuple[Path, GenerateSummary], compiled: CompiledCatalog
) -> None:
    root, summary = generated
    catalog = compiled.catalog
    public = [i for i in catalog.institutions if i.control == "public" and i.state == "OH"]
    assert len([i for i in public if i.kind != "agency"]) == summary.institutions
    assert len(catalog.credentials) == summary.credentials
    assert len(catalog.equivalences) == summary.equivalences
    assert len(catalog.transfer_rules) == summary.transfer_rules
    assert summary.catalog_bytes == sum(p.stat().st_size for p in (root / "catalog").glob("*"))
    assert compiled.topo_order


def test_generate_learners_load_and_name_catalog_credentials(
    generated: tuple[Path, GenerateSummary], compiled: CompiledCatalog
) -> None:
    root, summary = generated
    files = sorted((root / "learners").glob("*.yaml"))
    assert len(files) == summary.learners
    known = {c.id for c in compiled.catalog.credentials}
    for path in files:
        record = load_record(path)
        assert {h.credential for h in record.holdings} <= known
    with (root / "targets.csv").open(newline="") as handle:
        targets = list(csv.DictReader(handle))
    assert [t["learner"] for t in targets] == [p.stem for p in files]
    assert {t["goal"] for t in targets} <= known


def test_generate_covers_the_catalog_language(compiled: CompiledCatalog) -> None:
    catalog: Catalog = compiled.catalog
    reqs = [
        r
        for c in catalog.credentials
        for r in _requirements(c.requires) + _requirements(c.prerequisites)
    ] + [r for rule in catalog.transfer_rules for r in _requirements(rule.when)]
    kinds = Counter(r.kind for r in reqs)
    assert {"has", "all", "any", "at_least", "credits", "count"} <= set(kinds)
    assert any(r.min_grade for r in reqs)
    assert any(r.min_score for r in reqs)
    assert any(r.earned_within for r in reqs)
    assert any(r.shares for r in reqs)
    assert any(r.distinct for r in reqs)
    limits = [limit for c in catalog.credentials for limit in c.limits]
    assert any(limit.max_share is not None for limit in limits)
    assert any(limit.max_credits is not None and limit.from_.via for limit in limits)
    assert any(
        limit.min_credits is not None and limit.from_.earned_at == ("self",) for limit in limits
    )
    assert any(c.min_gpa for c in catalog.credentials)
    credential_kinds = {c.kind for c in catalog.credentials}
    assert {"certificate", "associate", "bachelor", "micro-credential", "badge"} <= credential_kinds
    # Stacking: a composite nested inside another one.
    composites = {c.id for c in catalog.credentials if c.composite}
    assert any(r.has in composites for c in catalog.credentials for r in _requirements(c.requires))
    ids = Counter(c.id for c in catalog.credentials)
    assert any(n > 1 for n in ids.values()), "no credential with catalog-year versions"
    assert any(len(m.all) > 1 for e in catalog.equivalences for m in e.members)
    assert any(m.effective for e in catalog.equivalences for m in e.members)
    assert any(e.effective and e.effective.to for e in catalog.equivalences)
    rules = catalog.transfer_rules
    assert any(r.supersedes for r in rules)
    assert any(r.counts_toward for r in rules)
    assert any(g.credits == "as_earned" for r in rules for g in r.grants)
    assert any(g.credential is None and g.credits != "as_earned" for r in rules for g in r.grants)
    assert {p.guarantee for p in catalog.policies} == {"guaranteed", "recommended", "discretionary"}
    assert any(c.credits.denominator == 3 for c in catalog.credentials), "no quarter-hour course"


def test_generate_learners_have_realistic_transcripts(
    generated: tuple[Path, GenerateSummary],
) -> None:
    root, _ = generated
    records = [load_record(p) for p in sorted((root / "learners").glob("*.yaml"))]
    holdings = [h for r in records for h in r.holdings]
    grades = Counter(h.grade for h in holdings)
    assert {"A", "B", "C", "W", "F", "P"} <= set(grades)
    assert any(h.status == "in_progress" for h in holdings)
    assert any(h.score is not None for h in holdings)
    # Repeats: the same course twice in one record.
    assert any(
        max(Counter(h.credential for h in r.holdings if h.grade).values(), default=0) > 1
        for r in records
    )
    # Transfer: a course from an institution other than the learner's home.
    assert any(
        h.credential
        and not h.credential.startswith(f"{r.learner.institution}.")
        and h.grade is not None
        for r in records
        for h in r.holdings
    )


def test_generate_is_deterministic_by_seed(tmp_path: Path) -> None:
    sizes = {"institutions": 3, "courses_per": 50, "learners": 10, "programs_per": 12}
    generate_catalog(tmp_path / "a", seed=3, **sizes)
    generate_catalog(tmp_path / "b", seed=3, **sizes)
    generate_catalog(tmp_path / "c", seed=4, **sizes)

    def snapshot(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    assert snapshot(tmp_path / "a") != snapshot(tmp_path / "c")


def test_generate_replaces_previous_output(tmp_path: Path) -> None:
    sizes = {"institutions": 2, "courses_per": 50, "programs_per": 10}
    generate_catalog(tmp_path, learners=6, **sizes)
    generate_catalog(tmp_path, learners=2, **sizes)
    assert len(list((tmp_path / "learners").glob("*.yaml"))) == 2


@pytest.mark.parametrize(
    "sizes",
    [
        {"institutions": 0, "courses_per": 50, "learners": 1},
        {"institutions": 2, "courses_per": 10, "learners": 1},
        {"institutions": 2, "courses_per": 50, "learners": -1},
    ],
)
def test_generate_rejects_bad_sizes(tmp_path: Path, sizes: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate_catalog(tmp_path, **sizes)
    assert not (tmp_path / "catalog").exists()


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_keys = st.one_of(st.sampled_from(["id", "no", "on", "null", "y", "from", "2024", "a b"]), _text)
_scalars = st.one_of(_text, st.integers(-(10**6), 10**6), st.booleans())
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.dictionaries(_keys, inner, min_size=1, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_keys, _documents, min_size=1, max_size=4))
def test_to_yaml_round_trips_through_both_parsers(document: dict[str, object]) -> None:
    text = to_yaml(document)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == document
    assert yaml_rs.loads(text) == document


def test_generate_titles_every_tag_a_report_names(
    generated: tuple[Path, GenerateSummary], compiled: CompiledCatalog
) -> None:
    """Reports name a ``tags`` filter by its title, never as "tagged ID" (issue 19, point 12)."""
    root, _ = generated
    named = {
        tag
        for cred in compiled.catalog.credentials
        for req in _requirements(cred.requires)
        if req.from_ is not None
        for tag in req.from_.tags or ()
    }
    assert named and named <= set(compiled.tags)
    assert all(tag.title and tag.title != tag.id for tag in compiled.tags.values())
    goals = [r.split(",")[1] for r in (root / "targets.csv").read_text().splitlines()[1:6]]
    learners = sorted((root / "learners").glob("*.yaml"))[:5]
    for learner, goal in zip(learners, goals, strict=True):
        result = CliRunner().invoke(
            app, ["audit", str(learner), "--goal", goal, "--catalog", str(root / "catalog")]
        )
        assert result.exit_code == 0, result.output
        assert "needs" in result.stdout and "tagged" not in result.stdout


def test_generated_records_validate_as_models(generated: tuple[Path, GenerateSummary]) -> None:
    root, _ = generated
    for path in sorted((root / "learners").glob("*.yaml"))[:5]:
        LearnerRecord.model_validate(yaml.safe_load(path.read_text()))


def test_cli_generate_writes_and_reports(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["generate", str(tmp_path), "--institutions", "2", "--courses-per", "50",
         "--learners", "3", "--programs-per", "10", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"learners": 3' in result.stdout
    assert len(list((tmp_path / "learners").glob("*.yaml"))) == 3


def test_cli_generate_usage_error_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", str(tmp_path), "--institutions", "0"])
    assert result.exit_code == 2
    assert not (tmp_path / "catalog").exists()


def test_cli_generate_unwritable_target_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(
        app, ["generate", str(blocker), "--institutions", "1", "--learners", "1"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
