"""The README's tour of the CLI runs exactly as written (all but ``pathways serve``).

Each line of the tour's ``bash`` block runs through ``bash -c`` in a scratch folder that sees
the repository's ``data/`` (read only) and keeps everything the tour writes (``map.svg``,
``out/``, the service database through ``XDG_DATA_HOME``). Every line must exit 0 without a
traceback, and what it promises to write must be there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def tour_lines() -> list[str]:
    """The command lines of the first ``bash`` block under "A tour of the CLI"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A tour of the CLI") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "the tour has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_tour_block_is_found_and_names_no_placeholder() -> None:
    lines = tour_lines()
    assert any(line.startswith("pathways batch") for line in lines)
    for line in lines:
        command = line.split("#", 1)[0]
        assert "…" not in command and "x.yaml" not in command, line


def test_readme_tour_runs_verbatim(tmp_path: Path) -> None:
    assert shutil.which("pathways"), "install first: python3 -m pip install -e '.[dev]'"
    (tmp_path / "data").symlink_to(REPO / "data", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k != "PATHWAYS_DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env.pop("PATHWAYS_HOME", None)
    failures = []
    outputs: dict[str, str] = {}
    for line in tour_lines():
        if line.startswith("pathways serve"):
            continue  # a server runs until stopped; tests/test_api_cli.py covers it
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        outputs[line] = done.stdout + done.stderr
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures.append(f"{line}\n  exit {done.returncode}: {done.stderr.strip()[-600:]}")
    assert not failures, "\n".join(failures)
    assert (tmp_path / "map.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "demo.badge.teamwork" in (tmp_path / "out" / "luis.yaml").read_text(encoding="utf-8")
    clr = json.loads((tmp_path / "out" / "luis-clr.json").read_text(encoding="utf-8"))
    assert "ClrCredential" in clr["type"] and "proof" in clr
    assert (tmp_path / "out" / "ctdl" / "ctdl.yaml").is_file()
    assert json.loads((tmp_path / "out" / "aas.json").read_text(encoding="utf-8"))
    assert (tmp_path / "xdg" / "pathways" / "pathways.db").is_file()
    batch = next(text for line, text in outputs.items() if line.startswith("pathways batch"))
    assert "audited 60 (30 learners × 2 goals)" in batch
