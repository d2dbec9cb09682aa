"""`make bench-instructions`: each page's CPU instructions a request, as a share of hello's.

Requests a second on a shared machine swing by a third from one run to the next, more than
most changes move a page. The instructions a request costs, counted by valgrind's callgrind,
repeat within a fraction of a percent for the same code and data. Each page runs in-process
through Flask's test client, as the bench's roles see it on the council-sized SQLite data,
and so does the bare Flask 'hello'; the share is hello's instructions over the page's. The
SQLite engine's own work counts (it runs in-process); gunicorn's and the network's do not,
so a share here is lower than the bench's. BENCH_PAGES limits the pages as for `make bench`.
"""

import glob
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REQUESTS = 10  # counted a page, after as many unmeasured to warm its caches
# The one C function callgrind is told to count inside: nothing else the app runs calls it.
COUNTED = "math_fsum"


def _count(run) -> float:
    """Run `run` REQUESTS times where callgrind counts; 0.0 when it is not there."""
    return math.fsum(0.0 * run() for _ in range(REQUESTS))


def _child(url: str, order_file: str) -> None:
    """Under callgrind: hello, then each page, each counted in a dump of its own."""
    from bench import targets
    from bench.client import PASSWORD
    from bench.hello import app as hello
    from bench.pages import chosen
    from nqsw_visits import create_app

    bare = hello.test_client()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-only-secret-key-not-for-real-use",
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "SESSION_COOKIE_SECURE": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    clients = {None: app.test_client()}
    for role, email in targets.ROLES.items():
        client = clients[role] = app.test_client()
        form = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        data = {"email": email, "password": PASSWORD, "csrf_token": token}
        if client.post("/sign-in", data=data).status_code != 302:
            raise RuntimeError(f"{email} could not sign in")
    runs = [("hello", lambda: bare.get("/").status_code)]
    for page in chosen(targets.pages(url)):
        client = clients[page.role]
        runs.append(
            (page.name, lambda c=client, p=page: c.get(p.path, headers=p.headers).status_code)
        )
    with open(order_file, "w") as order:
        for name, run in runs:
            for _ in range(REQUESTS):
                if run() != 200:
                    raise RuntimeError(f"{name} did not answer 200")
            order.write(name + "\n")
            order.flush()
            _count(run)


def _totals(folder: str) -> list[float]:
    """Instructions a request in each dump, in the order they were made."""
    dumps = sorted(glob.glob(f"{folder}/cg.out.*"), key=lambda name: int(name.rsplit(".", 1)[1]))
    found = []
    for dump in dumps:
        with open(dump) as text:
            total = next(int(line.split()[1]) for line in text if line.startswith("totals:"))
        found.append(total / REQUESTS)
    return found


def main() -> int:
    if not shutil.which("valgrind"):
        print("make bench-instructions needs valgrind (Debian: apt-get install valgrind); skipped.")
        return 0
    from bench import databases

    url, note = databases.sqlite_copy("council")
    print(f"SQLite: {note}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        order = f"{folder}/order.txt"
        command = [
            "valgrind", "--tool=callgrind", "--collect-atstart=no",
            f"--toggle-collect={COUNTED}", f"--dump-after={COUNTED}",
            f"--callgrind-out-file={folder}/cg.out",
            sys.executable, "-m", "bench.instructions", "--child", url, order,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(databases.ROOT)}
        subprocess.run(command, cwd=databases.ROOT, env=env, check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        names = Path(order).read_text().splitlines()
        counts = _totals(folder)
    if len(counts) != len(names):
        raise RuntimeError(f"{len(counts)} counts for {len(names)} pages: something else ran")
    hello, pages = counts[0], dict(zip(names[1:], counts[1:], strict=True))
    print(f"hello: {hello / 1e6:.2f} million instructions a request\n")
    print("| page | million instructions a request | share of hello |")
    print("|---|---:|---:|")
    for name, count in pages.items():
        print(f"| {name} | {count / 1e6:.2f} | {100 * hello / count:.1f}% |")
    median = statistics.median(100 * hello / count for count in pages.values())
    print(f"\nMedian page: {median:.1f}% of hello's instructions ({len(pages)} pages).")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
