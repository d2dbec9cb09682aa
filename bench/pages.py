"""`make bench`: every page of every role as a share of a bare Flask page, and the writes.

Runs the app under gunicorn on a council-sized data set (SQLite; PostgreSQL too when
TEST_DATABASE_URL is set) beside a bare Flask 'hello', drives each page with wrk (16
connections), counts each page's statements at demo and at council scale, then has 16
NQSWs ask at once. Prints Markdown tables, marks each page that misses one of the issue's
targets and ends with a line of the misses (still exiting 0: the bench is a measure, not a
test). BENCH_SECONDS sets each page's run (default 5; 1 or 2 for a quick, rough look);
BENCH_PAGES, a comma-separated list of page names, drives only those pages.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time

import sqlalchemy as sa

from bench import databases, queries, targets
from bench.client import Client
from bench.load import Server, writes, wrk

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ONLY = {name.strip() for name in os.environ.get("BENCH_PAGES", "").split(",") if name.strip()}
WRITE_SECONDS = 10
LIMITS = "5% of hello (median 10%), p99 <= 4 x p50, <= 60 KB, <= 12 queries, no 5xx"
MIN_SHARE, MEDIAN_SHARE, P99_OVER_P50, MAX_BYTES, MAX_QUERIES = 5.0, 10.0, 4.0, 60_000, 12


def misses(share: float, got, size: int, queries: tuple[int, int], status: int) -> list[str]:
    """Which of the issue's targets one page misses (queries: at demo and council scale)."""
    found = []
    if share < MIN_SHARE:
        found.append(f"< {MIN_SHARE:.0f}% of hello")
    if got.p99 > P99_OVER_P50 * got.p50:
        found.append(f"p99 > {P99_OVER_P50:.0f} x p50")
    if size > MAX_BYTES:
        found.append("> 60 KB")
    if max(queries) > MAX_QUERIES:
        found.append(f"> {MAX_QUERIES} queries")
    if queries[0] != queries[1]:
        found.append("queries grow")
    if got.errors or status >= 500:
        found.append("5xx")
    return found


def chosen(pages: list) -> list:
    """The pages BENCH_PAGES names (all of them when it is unset)."""
    return [page for page in pages if not ONLY or page.name in ONLY]


def _wrk_ready() -> bool:
    if shutil.which("wrk"):
        return True
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get install -y wrk)...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False,  # noqa: S607
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return bool(shutil.which("wrk"))


def _nqsws(url: str, count: int) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        emails = conn.execute(
            sa.text(
                "SELECT DISTINCT u.id, u.email FROM users u JOIN mentor_assignments a "
                "ON a.nqsw_id = u.id WHERE u.email NOT LIKE 'nqsw%' ORDER BY u.id"
            )
        ).all()
        # Spread over the teams, as people asking at once would be.
        found = [email for _, email in emails][:: max(len(emails) // count, 1)][:count]
    engine.dispose()
    return found


def run(label: str, demo_url: str, council_url: str) -> list[str]:
    """Bench one engine; the report's lines."""
    demo_pages, council_pages = chosen(targets.pages(demo_url)), chosen(targets.pages(council_url))
    counted_demo = queries.count(demo_url, demo_pages)
    counted_council = queries.count(council_url, council_pages)
    hello = Server("hello:app", databases.ROOT / "bench", dict(os.environ))
    app = Server("app:app", databases.ROOT, databases.environment(council_url))
    try:
        cookies = {None: ""}
        for role, email in targets.ROLES.items():
            cookies[role] = Client(app.port).sign_in(email).cookie_header()
        base = wrk(hello.port, "/", {}, SECONDS)
        rows, shares, missing = [], [], []
        for page in council_pages:
            headers = {**page.headers, **({"Cookie": cookies[page.role]} if page.role else {})}
            status, body = Client(app.port).send("GET", page.path, headers=headers)
            got = wrk(app.port, page.path, headers, SECONDS)
            share = 100 * got.rps / base.rps
            shares.append(share)
            q_demo, q_council = counted_demo[page.name][0], counted_council[page.name][0]
            missed = misses(share, got, len(body), (q_demo, q_council), status)
            if missed:
                missing.append(f"{page.name} ({', '.join(missed)})")
            rows.append(
                f"| {page.name} | {page.role or '-'} | {got.rps:.0f} | {share:.1f}% | "
                f"{got.p50:.1f} | {got.p99:.1f} | {got.p99 / max(got.p50, 0.001):.1f} | "
                f"{len(body)} | {q_demo} | {q_council} | {got.errors} | {got.timeouts} | {status} "
                f"| {'MISS: ' + ', '.join(missed) if missed else 'ok'} |"
            )
            print(f"  {page.name}: {got.rps:.0f}/s", file=sys.stderr, flush=True)
        written = writes(app.port, _nqsws(council_url, 16), WRITE_SECONDS)
        median = statistics.median(shares)
    finally:
        app.stop()
        hello.stop()
    return [
        f"### {label}: pages at council scale, 16 connections, {SECONDS} s each",
        "",
        f"hello: {base.rps:.0f} req/s, p50 {base.p50:.1f} ms, p99 {base.p99:.1f} ms",
        "",
        "| page | role | req/s | % of hello | p50 ms | p99 ms | p99/p50 | bytes "
        "| queries demo | queries council | 5xx | timeouts | status | targets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"Median page: {median:.1f}% of hello. Targets: {LIMITS}.",
        "",
        f"Misses: {len(missing)} of {len(rows)} pages"
        + (f": {'; '.join(missing)}" if missing else "")
        + (f"; the median page is under {MEDIAN_SHARE:.0f}%" if median < MEDIAN_SHARE else "")
        + ("; the write path gave 5xx" if written["5xx"] else "")
        + ".",
        "",
        f"Write path, 16 NQSWs asking at once for {WRITE_SECONDS} s: "
        f"{written['writes/s']:.1f} writes/s ({written['tries/s']:.1f} tries/s), "
        f"p50 {written['p50']:.0f} ms, p99 {written['p99']:.0f} ms, 5xx {written['5xx']}, "
        f"statuses {written['statuses']}",
        "",
    ]


def main() -> int:
    if not _wrk_ready():
        print("make bench needs wrk (Debian: apt-get install wrk); skipped.")
        return 0
    started = time.perf_counter()
    report = []
    demo_url, note = databases.sqlite_copy(None)
    council_url, council_note = databases.sqlite_copy("council")
    print(f"SQLite: {note}; {council_note}", file=sys.stderr, flush=True)
    report += run("SQLite", demo_url, council_url)
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        made = []
        try:
            demo_url, _ = databases.postgres_create(server, None)
            made.append(demo_url)
            council_url, council_note = databases.postgres_create(server, "council")
            made.append(council_url)
            print(f"PostgreSQL: {council_note}", file=sys.stderr, flush=True)
            report += run("PostgreSQL", demo_url, council_url)
        finally:
            for url in made:
                databases.postgres_drop(url)
    print("\n".join(report))
    print(f"Bench took {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
