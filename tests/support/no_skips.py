"""A pytest plugin for CI: any skipped test fails the run (`-p tests.support.no_skips`).

Outside CI a skip is only named (-rs): a developer without PostgreSQL still gets a run. In CI every
test must run, so that a machine without `initdb`, `redis-server` or Chromium cannot pass green
with the tests that need them skipped.
"""

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
