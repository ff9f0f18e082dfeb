"""How the suite runs: hypothesis profiles and a heartbeat for long tests.

* :func:`profile_for` picks the hypothesis profile: ``ci`` whenever ``CI`` is ``true`` (the
  ``.ci/run`` script and most CI services set it), else ``dev``; ``HYPOTHESIS_PROFILE`` names
  one explicitly. ``ci`` is fixed: derandomized (the same examples on every run, so the same
  time), no example database read or written, no shrinking (a failure prints the blob that
  reproduces it). ``dev`` explores: random examples, and the local example database replays a
  failure until it is fixed.
* The 1EdTech/W3C conformance vectors (:data:`CONFORMANCE`: ``../shared/conformance`` beside
  the repository, or ``$PATHWAYS_CONFORMANCE_DIR``) are an extra check: tests marked
  ``conformance`` run when the folder is there and are not collected (deselected, never
  skipped) when it is not; the header of every run says which.
* :class:`Heartbeat` (a pytest plugin) writes ``… still running <test> (N s)`` to the terminal
  every ``PATHWAYS_TEST_HEARTBEAT`` seconds (default 20) while one test runs, so a long test is
  never silent.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    print_blob=True,
)


CONFORMANCE: Path = Path(
    os.environ.get("PATHWAYS_CONFORMANCE_DIR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
)
"""The conformance folder (read in place, never copied)."""


def conformance_present() -> bool:
    """Whether the conformance folder is there (its ``EXPECTED.md`` is the sign)."""
    return (CONFORMANCE / "EXPECTED.md").is_file()


def profile_for(environ: Mapping[str, str]) -> str:
    """The hypothesis profile for an environment: ``HYPOTHESIS_PROFILE`` if set, ``ci`` when
    ``CI`` is ``true`` or ``1``, otherwise ``dev``."""
    named = environ.get("HYPOTHESIS_PROFILE")
    if named:
        return named
    return "ci" if environ.get("CI", "").strip().lower() in {"true", "1"} else "dev"


class Heartbeat:
    """Reports, at a fixed interval, the test that is still running."""

    def __init__(self, config: pytest.Config, interval: float) -> None:
        self.config = config
        self.interval = interval

    def say(self, line: str) -> None:
        """Write one line to the terminal, past pytest's output capture."""
        capture = self.config.pluginmanager.getplugin("capturemanager")
        reporter = self.config.pluginmanager.getplugin("terminalreporter")
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        stop = threading.Event()
        started = time.monotonic()

        def beat() -> None:
            while not stop.wait(self.interval):
                elapsed = time.monotonic() - started
                self.say(f"… still running {item.nodeid} ({elapsed:.0f} s)")

        thread = threading.Thread(target=beat, name="pathways-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the conformance folder, deselect the tests that read it."""
    if conformance_present():
        return
    extra = [item for item in items if item.get_closest_marker("conformance")]
    if extra:
        config.hook.pytest_deselected(items=extra)
        items[:] = [item for item in items if not item.get_closest_marker("conformance")]
        config.stash[_LEFT_OUT] = len(extra)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say how many conformance checks were left out, and how to run them."""
    left = config.stash.get(_LEFT_OUT, 0)
    if left:
        terminalreporter.write_line(
            f"conformance vectors: {CONFORMANCE} is absent; {left} extra checks against them "
            "were deselected (set PATHWAYS_CONFORMANCE_DIR or place the folder there to run them)"
        )


def pytest_configure(config: pytest.Config) -> None:
    """Load the hypothesis profile and register the heartbeat."""
    settings.load_profile(profile_for(os.environ))
    interval = float(os.environ.get("PATHWAYS_TEST_HEARTBEAT", "20"))
    if interval > 0:
        config.pluginmanager.register(Heartbeat(config, interval), "pathways-heartbeat")
