"""What a command imports before it does anything: heavy libraries only when a command needs
them, and OR-Tools' CP-SAT without pandas (pathways.ortools_import). Each check runs in a
fresh interpreter, since this test process has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathways.catalog.load import DEFAULT_CATALOG

LEARNER = DEFAULT_CATALOG.parent / "learners" / "cyber-security-plus.yaml"
HEAVY = ("fastapi", "starlette", "sqlalchemy", "ortools", "networkx", "pandas", "numpy", "rich")


def _fresh(code: str, **env: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON document, returned here."""
    found = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert found.returncode == 0, found.stderr
    result: dict[str, object] = json.loads(found.stdout.strip().splitlines()[-1])
    return result


_LOADED = "sorted({m.split('.')[0] for m in sys.modules})"


def test_importing_the_cli_imports_no_heavy_library() -> None:
    loaded = _fresh(f"import json, sys\nimport pathways.cli\nprint(json.dumps({_LOADED}))")
    assert isinstance(loaded, list)
    assert not set(HEAVY) & set(loaded)
    assert "pydantic" not in loaded and "yaml" not in loaded


def test_a_bundled_audit_imports_neither_pandas_nor_the_web_stack(tmp_path: Path) -> None:
    code = f"""
import contextlib, io, json, sys
from pathways.cli import app
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app([
            "audit", {str(LEARNER)!r}, "--goal", "tri-c.cert.cybersecurity",
            "--as-of", "2026-07-01",
        ], prog_name="pathways")
    except SystemExit as done:
        assert done.code in (0, None), done.code
assert "Cybersecurity" in out.getvalue()
print(json.dumps({_LOADED}))
"""
    for _run in range(2):  # the first run writes the compiled cache, the second reads it
        loaded = _fresh(code, PATHWAYS_CACHE=str(tmp_path / "cache"))
        assert isinstance(loaded, list)
        assert not {"pandas", "fastapi", "starlette", "sqlalchemy"} & set(loaded)
    assert "networkx" not in loaded  # a warm load never builds the graph


_SOLVE = """
import json, sys
from pathways.ortools_import import load_cp_model, new_cp_model
cp_model = load_cp_model()
from ortools.sat.python import cp_model as imported
model = new_cp_model()
x = model.new_int_var(0, 10, "x")
model.add(x >= 3)
model.minimize(x)
solver = cp_model.CpSolver()
status = solver.solve(model)
found = {
    "same_module": imported is cp_model,
    "optimal": status == cp_model.OPTIMAL,
    "x": solver.value(x),
    "pandas_after_solve": "pandas" in sys.modules,
    "is_cp_model": isinstance(model, cp_model.CpModel),
    "camel_case_aliases": hasattr(model, "NewIntVar") or hasattr(model, "AddImplication"),
    "ordinary_model_has_them": hasattr(cp_model.CpModel(), "NewIntVar"),
}
import pandas
series = model.new_int_var_series("v", pandas.Index(range(3)), 0, 5)
found["series_is_pandas"] = isinstance(series, pandas.Series) and len(series) == 3
found["pd_is_pandas"] = cp_model.pd.Series is pandas.Series
print(json.dumps(found))
"""


@pytest.mark.parametrize("plain", ["", "1"], ids=["without pandas", "plain import"])
def test_cp_model_solves_and_its_pandas_helpers_still_work(plain: str) -> None:
    found = _fresh(_SOLVE, PATHWAYS_PLAIN_ORTOOLS_IMPORT=plain)
    assert found["same_module"] is True
    assert found["optimal"] is True and found["x"] == 3
    assert found["pandas_after_solve"] is bool(plain)
    assert found["is_cp_model"] is True
    assert found["camel_case_aliases"] is False  # new_cp_model skips them, nothing else
    assert found["ordinary_model_has_them"] is True
    assert found["series_is_pandas"] is True
    assert found["pd_is_pandas"] is True


def test_cp_model_after_pandas_is_the_ordinary_import() -> None:
    found = _fresh(
        "import json, pandas\n"
        "from pathways.ortools_import import load_cp_model\n"
        "print(json.dumps({'pd': load_cp_model().pd is pandas}))"
    )
    assert found == {"pd": True}


def test_each_command_runs_alone_as_it_does_in_the_whole_app() -> None:
    from typer.testing import CliRunner

    from pathways.cli import app, app_for

    names = [info.name for info in app.registered_commands]
    assert len(names) >= 15 and all(names)
    runner = CliRunner()
    for name in names:
        assert name is not None
        alone = app_for([name, "--help"])
        assert alone is not app
        whole = runner.invoke(app, [name, "--help"])
        assert whole.exit_code == 0, (name, whole.output)
        assert runner.invoke(alone, [name, "--help"]).output == whole.output, name
    for args in ([], ["--help"], ["--version"], ["keys", "new"], ["audti"]):
        assert app_for(args) is app


def test_catalog_models_give_json_schemas_before_any_validation() -> None:
    # Validators are built on first use: a schema asked first must still serialise defaults.
    found = _fresh(
        "import json\n"
        "from pydantic import BaseModel\n"
        "from pathways.catalog import model\n"
        "found = [getattr(model, n) for n in model.__all__]\n"
        "models = [m for m in found if isinstance(m, type) and issubclass(m, BaseModel)]\n"
        "sizes = {m.__name__: len(json.dumps(m.model_json_schema())) for m in models}\n"
        "print(json.dumps(sizes))"
    )
    assert {"Catalog", "LearnerRecord", "Institution", "Funding"} <= set(found)
    assert all(isinstance(size, int) and size > 50 for size in found.values())


def test_a_thread_never_gets_cp_model_half_imported() -> None:
    # The server answers an audit and a plan at once on two threads. Thread A's private import
    # is held in the middle of running cp_model's code; thread B asking then must wait for the
    # whole module (it once got the half-made one: "no attribute 'CpModel'", a 500).
    code = """
import importlib.util, json, threading
import pathways.ortools_import as oi
spec = importlib.util.find_spec(oi._NAME)
running, release = threading.Event(), threading.Event()
real_exec = spec.loader.exec_module
def held_exec(module):
    running.set()
    release.wait(30)
    real_exec(module)
spec.loader.exec_module = held_exec
oi.importlib.util.find_spec = lambda name: spec
got = {}
a = threading.Thread(target=lambda: got.setdefault("a", oi.load_cp_model()))
a.start()
running.wait(30)
b = threading.Thread(target=lambda: got.setdefault("b", oi.load_cp_model()))
b.start()
b.join(0.5)
waited = b.is_alive()
release.set()
a.join(30)
b.join(30)
whole = hasattr(got["b"], "CpModel")
print(json.dumps({"waited": waited, "whole": whole, "same": got["a"] is got["b"]}))
"""
    assert _fresh(code) == {"waited": True, "whole": True, "same": True}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_read_only_command_flushes_all_its_output_before_it_skips_teardown() -> None:
    # audit, transfer, reasons, plan and compare end with os._exit once their output is
    # flushed: the whole document arrives through a pipe, and the exit status is kept.
    done = _cli(
        "plan", str(LEARNER), "--goal", "wright-state.bsb.accountancy", "--as-of",
        "2026-06-01", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)  # a long document, cut nowhere
    assert plan["goal"] == "wright-state.bsb.accountancy" and plan["steps"]
    refused = _cli("audit", str(LEARNER), "--goal", "tri-c.cert.cybersecurty")
    assert refused.returncode == 1 and not refused.stdout
    assert "did you mean tri-c.cert.cybersecurity" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_an_audit_outside_the_flow_family_never_loads_the_flow_solver() -> None:
    # The certificate has a declared total (outside the flow family); its electives are
    # proven by the certificate, so neither OR-Tools solver is needed at all.
    code = f"""
import contextlib, io, json, sys
from pathways.cli import app
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app(["audit", {str(LEARNER)!r}, "--goal", "tri-c.cert.cybersecurity", "--json"])
    except SystemExit:
        pass
loaded = sorted(m for m in sys.modules if m.startswith("ortools."))
print(json.dumps({{"goal": json.loads(out.getvalue())["goal"], "loaded": loaded}}))
"""
    found = _fresh(code)
    assert found["goal"] == "tri-c.cert.cybersecurity"
    assert isinstance(found["loaded"], list)
    assert "ortools.graph.python.min_cost_flow" not in found["loaded"]
    assert "ortools.sat.python.cp_model" not in found["loaded"]
