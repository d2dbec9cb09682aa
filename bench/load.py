"""Servers under gunicorn, wrk runs parsed into figures, and the write path."""

import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.client import CSRF, Client

GUNICORN = [sys.executable, "-m", "gunicorn", "-w", "2", "--no-control-socket", "-b"]
COUNT_STATUSES = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s5 = 0 end
function response(status, headers, body) if status >= 500 then s5 = s5 + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("s5") end
  io.write(string.format("STATUS5XX %d\\n", total))
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn of two sync workers on a free port; stopped by its own pid."""

    def __init__(self, app: str, cwd: Path, env: dict[str, str]):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
            [*GUNICORN, f"127.0.0.1:{self.port}", app], cwd=cwd, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Figures:
    """One wrk run: requests a second, median and 99th percentile in ms, 5xx, timeouts."""

    rps: float
    p50: float
    p99: float
    errors: int
    timeouts: int


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(found.group(1)) * UNITS[found.group(2)] if found else float("nan")


def wrk(port: int, path: str, headers: dict[str, str], seconds: int) -> Figures:
    """Drive one page with 16 connections for `seconds`; wrk's figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(COUNT_STATUSES)
    # A long timeout: a slow page is measured, not dropped from the figures.
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603  (wrk, fixed arguments)
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Anchored: the thread stats also end in percentages such as "69.99%".
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = int(re.search(r"STATUS5XX (\d+)", out).group(1))
    timeouts = re.search(r"timeout (\d+)", out)
    return Figures(rps, p50, p99, errors, int(timeouts.group(1)) if timeouts else 0)


def _ask_form(client: Client) -> dict:
    _, page = client.send("GET", "/requests/new")
    text = page.decode("utf-8", "replace")
    mentors = re.findall(r'name="mentor"[^>]*value="(\d+)"', text)
    return {
        "csrf_token": CSRF.search(text).group(1), "mentor": mentors[0],
        "kind": "case_discussion", "venue_type": "office", "purpose": "Talk the case through",
        "consent": "not_applicable",
    }  # fmt: skip


def _when(rng: random.Random) -> dict:
    day = date.today() + timedelta(days=rng.randint(7, 55))
    day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 4 else 0)
    hour = rng.randint(9, 15)
    return {
        "day": [str(day.day), str(day.month), str(day.year)],
        "starts": f"{hour}:{rng.choice(['00', '30'])}", "ends": f"{hour + 1}:30",
        "case_reference": f"CR-{rng.randint(1000, 9999)}",
    }  # fmt: skip


def writes(port: int, emails: list[str], seconds: int) -> dict[str, float]:
    """Each NQSW asks again and again for `seconds`, all at once; writes/s, p99, statuses."""
    clients = [Client(port).sign_in(email) for email in emails]
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run(number: int, client: Client) -> None:
        rng = random.Random(number)
        base = _ask_form(client)
        while time.perf_counter() < stop_at:
            form = {**base, **_when(rng)}
            started = time.perf_counter()
            status, _ = client.send("POST", "/requests/new", form)
            took = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(took)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    timings.sort()
    return {
        "writes/s": statuses.get(302, 0) / elapsed,
        "tries/s": len(timings) / elapsed,
        "p50": statistics.median(timings) if timings else 0,
        "p99": timings[int(len(timings) * 0.99)] if timings else 0,
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "statuses": dict(sorted(statuses.items())),
    }
