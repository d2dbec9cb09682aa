"""The test process can sleep and wait for a child with a timeout at any moment."""

import subprocess
import sys
import time


def test_sleep_returns_after_about_the_time_asked():
    started = time.monotonic()
    time.sleep(0.05)
    assert 0.04 <= time.monotonic() - started < 5


def test_a_child_process_is_waited_for_with_a_timeout():
    finished = subprocess.run([sys.executable, "-c", "pass"], timeout=30, check=True)
    assert finished.returncode == 0
