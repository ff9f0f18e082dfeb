"""What a newcomer meets first: readable help, --version, finding ids, key files, where the
service keeps its data, a busy port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathways.cli import app, command


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, sub in getattr(group, "commands", {}).items():
        found.extend(_commands(sub, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", _commands(command()), ids=lambda p: " ".join(p) or "pathways")
def test_help_shows_plain_placeholders_and_whole_option_names(path: tuple[str, ...]) -> None:
    code, out, err = _run(*path, "--help")
    assert code == 0, err
    for leak in ("<bool>", "<str>", "<list", "<file>", "<path>", "<dir>", "<int>", "{"):
        assert leak not in out, f"{' '.join(path)} --help shows {leak!r}:\n{out}"
    cut = [line for line in out.splitlines()[1:] if line.rstrip().endswith("...")]
    assert not cut, cut  # no summary cut short
    assert "│" not in out  # no box that cuts option names at 80 columns


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    code, out, _ = _run("--version")
    assert code == 0
    assert out == f"pathways {version('pathways')}\n"


def test_find_lists_ids_by_words_of_id_or_title() -> None:
    code, out, _ = _run("find", "cybersecurity", "certificate")
    assert code == 0
    assert out.splitlines()[0].startswith("tri-c.cert.cybersecurity  Cybersecurity Certificate")
    code, out, _ = _run("find", "capstone", "--kind", "course", "--json")
    assert code == 0
    ids = [c["id"] for c in json.loads(out)["credentials"]]
    assert "tri-c.itnt-2380" in ids
    code, _, err = _run("find", "no-such-words-anywhere")
    assert code == 1 and "no credential" in err


def test_keys_new_writes_a_private_key_once(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    code, out, _ = _run("keys", "new", str(key))
    assert code == 0
    assert f"wrote a signing key to {key}" in out
    document = json.loads(key.read_text())
    assert document["type"] == "Multikey" and document["secretKeyMultibase"].startswith("z")
    assert key.stat().st_mode & 0o077 == 0
    code, _, err = _run("keys", "new", str(key))
    assert code == 1 and "refusing to overwrite" in err


def test_users_without_db_use_the_data_folder_and_say_so(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "PATHWAYS_DATABASE_URL": "", "PATHWAYS_HOME": ""}
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pathways.cli", "users", "add", "ada", "--role", "registrar"],
        cwd=work,
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    database = tmp_path / "xdg" / "pathways" / "pathways.db"
    assert f"database: sqlite:///{database}" in done.stderr
    assert database.is_file()
    assert list(work.iterdir()) == []


def test_serve_on_a_busy_port_exits_1_before_starting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = _run("serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "startup complete" not in err
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("generate", "--institutions", "1", "--courses-per", "40", "--learners", "2", "OUT"),
        ("import-badge", "BADGE", "--resolve", "RESOLVE"),
    ],
    ids=["generate", "import-badge"],
)
def test_long_commands_show_progress_on_a_terminal(tmp_path: Path, args: tuple[str, ...]) -> None:
    badges = Path(__file__).resolve().parents[1] / "data" / "badges"
    names = {"OUT": str(tmp_path / "out"), "BADGE": str(badges / "teamwork.json"),
             "RESOLVE": str(badges)}  # fmt: skip
    argv = [names.get(a, a) for a in args]
    env = {**__import__("os").environ, "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}
    shown = subprocess.run(
        [sys.executable, "-m", "pathways.cli", *argv],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "generating" in shown.stderr or "verifying" in shown.stderr, shown.stderr
    plain = {k: v for k, v in env.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    quiet = subprocess.run(
        [sys.executable, "-m", "pathways.cli", *argv],
        env=plain, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "generating" not in quiet.stderr and "verifying" not in quiet.stderr


@pytest.mark.parametrize(
    "command_args",
    [("transfer", "RECORD", "--to", "tri-c"), ("clr", "export", "RECORD"),
     ("plan", "RECORD", "--goal", "tri-c.cert.cybersecurity")],
    ids=["transfer", "clr-export", "plan"],
)  # fmt: skip
def test_unknown_credential_in_a_learner_file_is_located(
    tmp_path: Path, command_args: tuple[str, ...]
) -> None:
    record = tmp_path / "typo.yaml"
    record.write_text(
        "learner: {id: l-typo}\nholdings:\n"
        "  - {credential: tri-c.eng-1010, earned: 2025-05-01, grade: A}\n"
        "  - {credential: tri-c.eng-10100, earned: 2025-05-01, grade: B, at: tri-cc}\n",
        encoding="utf-8",
    )
    args = [str(record) if a == "RECORD" else a for a in command_args]
    code, out, err = _run(*args)
    assert code == 1 and out == ""
    assert f"{record}:4:6: holdings.1.credential: unknown credential 'tri-c.eng-10100'" in err
    assert "did you mean 'tri-c.eng-1010'?" in err
    assert (
        f"{record}:4:65: holdings.1.at: unknown institution 'tri-cc'; did you mean 'tri-c'?" in err
    )


def test_every_command_writing_a_file_says_where(tmp_path: Path) -> None:
    """``-o``/``--export`` name the file written on stderr, in words (issue 19 point 14)."""
    key, clr, ctdl, guide = (tmp_path / n for n in ("k.json", "c.json", "p.json", "g.csv"))
    assert _run("keys", "new", str(key))[0] == 0
    learner = "data/learners/ladder-accounting.yaml"
    code, _, err = _run("clr", "export", learner, "--key", str(key), "-o", str(clr))
    assert code == 0 and err.startswith("wrote a signed CLR of ") and err.endswith(f"{clr}\n")
    nested = json.loads(clr.read_text())["credentialSubject"]["verifiableCredential"]
    assert "(s)" not in err and f" {len(nested)} achievements " in err
    code, _, err = _run("ctdl", "export", "tri-c.cert.accounting", "-o", str(ctdl))
    assert (code, err) == (0, f"wrote the CTDL pathway of tri-c.cert.accounting to {ctdl}\n")
    code, _, err = _run("import-equivalencies", "--export", str(guide), "--from", "sinclair")
    rows = len(guide.read_text().splitlines()) - 1
    assert (code, err) == (0, f"wrote {rows} equivalency rows to {guide}\n") and rows > 1
