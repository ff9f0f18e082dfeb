"""Hostile numbers, dates and text in catalogs and records (issue 18, items 1, 2 and 5):
each is refused with a located error or handled, never a traceback.

* far dates: duration arithmetic saturates at the calendar's ends instead of overflowing;
* huge or non-finite numbers: every credit, hour, score, cost and count has a bound;
* an allocation too large for the solver's 64-bit integers is a clear error, not a crash;
* NUL characters, unpaired surrogates, NaN and Infinity in learner data are refused with the
  field that holds them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import CatalogWriter
from pydantic import ValidationError

from pathways.catalog.load import load_catalog, parse_record
from pathways.catalog.model import (
    MAX_CREDITS,
    Credential,
    Holding,
    LearnerRecord,
    add_duration,
    unstorable,
)
from pathways.errors import CatalogError, PathwaysError, RecordError
from pathways.evaluate import audit
from pathways.options import Options
from pathways.solver import Item, Node, Problem, ProblemTooLarge, solve_cpsat

REPO = Path(__file__).resolve().parent.parent

CATALOG = """\
institutions:
  - {id: cc, name: Community College, kind: community-college, state: OH, control: public}
credentials:
  - {id: cc.it-1500, title: IT Basics, kind: course, issuer: cc, credits: 3}
  - {id: cc.sec, title: Security, kind: industry-certification, valid_for: P3Y}
  - id: cc.cert
    title: Certificate
    kind: certificate
    issuer: cc
    credits: 6
    requires:
      all:
        - {has: cc.sec, label: Security}
        - {label: Credit, credits: 3, from: {}, earned_within: P5Y}
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize(
    ("start", "duration", "sign", "expected"),
    [
        (date(9999, 12, 31), "P3Y", 1, date.max),
        (date(9999, 12, 1), "P90D", 1, date.max),
        (date(1, 1, 1), "P5Y", -1, date.min),
        (date(1, 3, 1), "P90D", -1, date.min),
        (date(2024, 1, 1), "P99999999999Y", 1, date.max),
        (date(2024, 1, 1), "P99999999999D", -1, date.min),
        (date(2024, 2, 29), "P1Y", 1, date(2025, 2, 28)),
    ],
)
def test_duration_arithmetic_saturates_at_the_calendar_ends(
    start: date, duration: str, sign: int, expected: date
) -> None:
    assert add_duration(start, duration, sign) == expected


@pytest.mark.parametrize("as_of", [date(2026, 6, 1), date(9999, 12, 31), date(1, 1, 1)])
def test_far_dates_in_a_record_are_audited(write_catalog: CatalogWriter, as_of: date) -> None:
    catalog = load_catalog(write_catalog({"c.yaml": CATALOG}), cache=False)
    record = parse_record(
        {
            "learner": {"id": "far"},
            "holdings": [
                {"credential": "cc.sec", "earned": "9999-12-31"},
                {"credential": "cc.it-1500", "earned": "0001-01-01"},
            ],
        },
        name="record",
    )
    decision = audit(catalog, record, "cc.cert", Options(as_of=as_of))
    assert decision.status in ("complete", "in_progress")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credits", 100000000000000000000, f"at most {MAX_CREDITS}"),
        ("credits", 3e8, f"at most {MAX_CREDITS}"),
        ("credits", "1e999999999", "must be a number"),
        ("credits", "1/1000003", "finer than"),
        ("credits", float("nan"), "must be a number"),
        ("cost", 1e30, "less than or equal"),
        ("hours", float("inf"), "finite"),
        ("weeks", 1e9, "less than or equal"),
    ],
)
def test_catalog_numbers_are_bounded(field: str, value: Any, message: str) -> None:
    fields = {"id": "x.y", "title": "T", "kind": "course", field: value}
    with pytest.raises(ValidationError) as caught:
        Credential.model_validate(fields)
    assert message in str(caught.value)


def test_a_huge_catalog_credit_is_a_located_error_on_the_cli(
    write_catalog: CatalogWriter,
) -> None:
    text = CATALOG.replace("credits: 3}", "credits: 100000000000000000000}", 1)
    directory = write_catalog({"c.yaml": text})
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory, cache=False)
    assert str(caught.value).startswith(f"{directory / 'c.yaml'}:4:")
    checked = _run("validate", "--catalog", str(directory))
    assert checked.returncode == 1
    assert "credentials.0.credits: credits must be at most 1000" in checked.stderr
    assert "Traceback" not in checked.stderr


@pytest.mark.parametrize(
    ("holding", "where"),
    [
        ({"credential": "cc.it-1500", "earned": "2020-01-01", "score": 1e300}, "score"),
        ({"credential": "cc.it-1500", "earned": "2020-01-01", "hours": 1e12}, "hours"),
        ({"credential": "cc.it-1500", "earned": "2020-01-01", "credits": 1e9}, "credits"),
        ({"credential": "cc.it-1500", "earned": "2020-01-01", "score": float("nan")}, "score"),
    ],
)
def test_record_numbers_are_bounded_with_their_field(holding: dict[str, Any], where: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_record({"learner": {"id": "l"}, "holdings": [holding]}, name="record")
    message = str(caught.value)
    assert f"holdings.0.{where}" in message or f"holdings.0: {where}:" in message


def test_an_allocation_beyond_64_bit_integers_is_a_clear_error() -> None:
    # Fine fractions of a credit (1/p for many primes p) make the common unit their product:
    # every holding is then a huge number of units. The objective is solved in stages (one
    # term at a time when needed), so only a single term beyond 64 bits is refused.
    items = tuple(Item(key=f"h{i}", units=10**17 + i) for i in range(40))
    leaf = Node(kind="credits", need=10**18, options=tuple((item.key,) for item in items))
    problem = Problem(items=items, nodes=(Node(kind="all", children=(1,)), leaf))
    with pytest.raises(ProblemTooLarge) as caught:
        solve_cpsat(problem, time_limit=5)
    assert isinstance(caught.value, PathwaysError)
    assert "too many to allocate exactly" in str(caught.value)


def test_large_credit_units_are_solved_in_stages() -> None:
    # 4·10^10 units: too many for one weighted objective, fine one term at a time.
    items = tuple(Item(key=f"h{i}", units=10**9 + i) for i in range(40))
    leaf = Node(kind="credits", need=10**10, options=tuple((item.key,) for item in items))
    problem = Problem(items=items, nodes=(Node(kind="all", children=(1,)), leaf))
    solution = solve_cpsat(problem, time_limit=5)
    assert solution.met[0]
    assert 10**10 <= solution.applied_units(problem) < 10**10 + 10**9 + 40  # whole, not beyond


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"note": "a\x00b"}, "note"),
        ({"badge": {"name": "x", "proof": [{"v": "\x00"}]}}, "badge.proof.0.v"),
        ({"badge": {"n\x00": 1}}, "badge.n\x00"),
        ({"badge": {"score": float("inf")}}, "badge.score"),
        ({"issuer": "\ud800"}, "issuer"),
    ],
)
def test_unstorable_learner_data_is_refused_with_its_field(
    data: dict[str, Any], where: str
) -> None:
    problem = unstorable(data)
    assert problem is not None and problem.startswith(f"{where}:")
    holding: dict[str, Any] = {"credential": "cc.it-1500", "status": "planned", **data}
    if "badge" in data:
        holding.pop("credential")
    with pytest.raises(ValidationError) as caught:
        Holding.model_validate(holding)
    assert problem in str(caught.value)


def test_unstorable_learner_names_and_exceptions_are_refused() -> None:
    for record in (
        {"learner": {"id": "a\x00"}},
        {"learner": {"id": "a", "name": "N\x00"}},
        {"learner": {"id": "a", "identity": {"email": "e\x00"}}},
        {"learner": {"id": "a"}, "exceptions": [{"waive": "W", "by": "b", "reason": "\x00"}]},
    ):
        with pytest.raises(ValidationError) as caught:
            LearnerRecord.model_validate(record)
        assert "NUL" in str(caught.value)
    assert unstorable({"ok": ["text", 1.5, 3, None, {"deep": "é"}]}) is None
    assert (
        Fraction(3)
        == Holding.model_validate(
            {"credential": "cc.it-1500", "earned": "2020-01-01", "credits": "3"}
        ).credits
    )
