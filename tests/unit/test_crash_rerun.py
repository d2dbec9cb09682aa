"""A test whose worker dies runs once more; a second death, or any plain failure, fails."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = """
import os
from pathlib import Path

MARK = Path(__file__).parent / "died-once"


def test_dies_the_first_time():
    if not MARK.exists():
        MARK.touch()
        os._exit(9)


def test_always_dies():
    os._exit(9)


def test_fails_plainly():
    assert 1 == 2
"""


def test_a_dead_worker_runs_its_test_once_more_and_no_more(tmp_path):
    (tmp_path / "test_crashing.py").write_text(TESTS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "1",
            "-p",
            "tests.crash_rerun",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout
    assert run.returncode == 1, out
    assert "2 failed, 1 passed, 2 rerun" in out, out
    assert "FAILED test_crashing.py::test_fails_plainly" in out, out
    assert "FAILED test_crashing.py::test_always_dies" in out, out
    assert "test_dies_the_first_time' (ran again)" in out, out
    assert "test_always_dies' (ran again)" in out, out
    assert out.count("test_always_dies' (failed)") == 1, out
