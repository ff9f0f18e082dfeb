"""How the suite runs: hypothesis profiles and a heartbeat for long tests.

* :func:`profile_for` picks the hypothesis profile: ``ci`` whenever ``CI`` is ``true`` (the
  ``.ci/run`` script and most CI services set it), else ``dev``; ``HYPOTHESIS_PROFILE`` names
  one explicitly. ``ci`` is fixed: derandomized (the same examples on every run, so the same
  time), no example database read or written, no shrinking (a failure prints the blob that
  reproduces it). ``dev`` explores: random examples, and the local example database replays a
  failure until it is fixed.
* :class:`Heartbeat` (a pytest plugin) writes ``… still running <test> (N s)`` to the terminal
  every ``PATHWAYS_TEST_HEARTBEAT`` seconds (default 20) while one test runs, so a long test is
  never silent.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator, Mapping

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
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


def pytest_configure(config: pytest.Config) -> None:
    """Load the hypothesis profile and register the heartbeat."""
    settings.load_profile(profile_for(os.environ))
    interval = float(os.environ.get("PATHWAYS_TEST_HEARTBEAT", "20"))
    if interval > 0:
        config.pluginmanager.register(Heartbeat(config, interval), "pathways-heartbeat")
