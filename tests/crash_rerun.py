"""A test whose xdist worker dies runs once more on a fresh worker; a second death fails.

Only a dead worker counts (the interpreter or a library it loads crashing, as happened
once in a browser test under libfaketime): an assertion or an error in a test is never
run again. Each run again is named in the summary, so none goes unseen.
"""

import pytest

RUNS_AFTER_A_CRASH = 1
_crashes: dict[str, list[str]] = {}


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem, report, sched):
    """Put the test back in the queue the first time its worker dies."""
    seen = _crashes.setdefault(crashitem, [])
    seen.append(str(report.longrepr))
    if len(seen) <= RUNS_AFTER_A_CRASH:
        sched.mark_test_pending(crashitem)
        report.outcome = "rerun"


def pytest_report_teststatus(report):
    """Show a test put back after a crash as R and RERUN, not as a failure."""
    if report.outcome == "rerun":
        return "rerun", "R", ("RERUN", {"yellow": True})
    return None


def pytest_terminal_summary(terminalreporter):
    """Name every worker that died, and what it was running."""
    if not _crashes:
        return
    terminalreporter.section("workers that died", sep="-", yellow=True)
    for messages in _crashes.values():
        for number, message in enumerate(messages, start=1):
            outcome = "ran again" if number <= RUNS_AFTER_A_CRASH else "failed"
            terminalreporter.line(f"{message} ({outcome})")
