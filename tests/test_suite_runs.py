"""The suite itself: fixed hypothesis runs in CI, exploring ones locally, no silent long test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import settings
from suite_support import profile_for

TESTS = Path(__file__).parent


def test_ci_profile_is_fixed_and_local_profile_explores() -> None:
    assert profile_for({"CI": "true"}) == "ci"
    assert profile_for({"CI": "1"}) == "ci"
    assert profile_for({}) == "dev"
    assert profile_for({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}) == "dev"
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None
    assert not settings.get_profile("dev").derandomize


def test_ci_script_runs_the_fixed_profile() -> None:
    script = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "CI=true" in script


def test_a_long_test_says_it_is_still_running(tmp_path: Path) -> None:
    (tmp_path / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(1.0)\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "PATHWAYS_TEST_HEARTBEAT": "0.3",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "suite_support",
            "-p",
            "no:cacheprovider",
            "-q",
            "test_slow.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "… still running test_slow.py::test_slow" in done.stdout


def test_without_the_conformance_folder_its_tests_are_deselected_not_skipped(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "PATHWAYS_CONFORMANCE_DIR": str(tmp_path / "absent"),
        "PATHWAYS_TEST_HEARTBEAT": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs",
         "tests/test_interop_conformance.py", "tests/test_interop_ctdl.py"],
        cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" not in done.stdout
    assert re.search(r"\d+ passed, \d+ deselected", done.stdout), done.stdout
    assert f"conformance vectors: {tmp_path / 'absent'} is absent" in done.stdout
