"""Page speed against a reference: each page's throughput as a share of a minimal Django page
served by the same gunicorn, in the same run (absolute figures drift on a shared machine; the
ratio is the figure).

Starts gunicorn (production settings, 2 sync workers) on a scratch database holding the seed
course, logs a student in, and drives each page with wrk (16 connections, keep-alive) for a
few seconds. The references (bench/urls.py): anonymous, a template through a base template;
logged in, session + auth + one row through the same templates. It prints one table: req/s,
p50 and p99, the ratio to the matching reference, and the queries the page runs on a repeat
view, each with its target and PASS or MISS (issue 13, bench/README.md).

    .venv/bin/python bench/http_bench.py [--seconds 5] [--connections 16] [--workers 2]
    .venv/bin/python bench/http_bench.py --postgres postgres://postgres@127.0.0.1:5432 \\
        --cache-url redis://127.0.0.1:6379/3

Needs wrk (Debian: apt-get install wrk). Traffic stays on 127.0.0.1; every run is bounded.
"""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402
from bench.served import seed_site  # noqa: E402

PORT = 8093
COURSE = "/courses/aws-cloud-fundamentals/"
CHAPTER = COURSE + "chapter-3-ec2-compute/"
LESSON = CHAPTER + "running-a-webserver-on-an-ec2-instance/"
REFERENCES = {False: "/bench/reference/anonymous/", True: "/bench/reference/logged-in/"}
# (name, path, logged in, most queries allowed on a repeat view or None)
PAGES = (
    ("catalog", "/", False, None),
    ("course (anonymous)", COURSE, False, None),
    ("course (student)", COURSE, True, None),
    ("chapter (student)", CHAPTER, True, None),
    ("lesson (student, repeat)", LESSON, True, 6),
    ("dashboard (student)", "/learning/", True, None),
)
RATIO_TARGET = 0.8
P99_TARGET_MS = 25.0

SETUP_SCRIPT = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.services import demo_user_ensure
from courses.services import enrollment_ensure
from courses.models import Course
user = demo_user_ensure(email="bench@example.com", password="bench-pass-123", is_instructor=False)
enrollment_ensure(user=user, course=Course.objects.get(slug="aws-cloud-fundamentals"))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
# The CSRF cookie a browser holds after its first page (forms carry tokens of this secret).
from django.utils.crypto import get_random_string
csrf = get_random_string(32)
queries = {}
for path, logged_in in PATHS:
    client = Client()
    if logged_in:
        client.cookies["sessionid"] = session.session_key
    client.cookies["csrftoken"] = csrf
    client.get(path)  # the first view may record things; the repeat view is measured
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    queries[path + str(logged_in)] = (status, len(captured))
print(json.dumps({"session": session.session_key, "csrf": csrf, "queries": queries}))
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, cookie: str, seconds: float, connections: int) -> dict:
    """One wrk run: requests per second, p50 and p99 in ms, and non-2xx responses."""
    command = ["wrk", "--threads", "2", "--connections", str(connections)]
    command += ["--duration", f"{seconds:.0f}s", "--latency", "--timeout", "5s"]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout

    def latency(share: str) -> float:
        value, unit = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)$", out, re.M).groups()
        return float(value) * _UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": (int(bad.group(1)) if bad else 0) + (1 if errors else 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--cache-url", help="a Redis cache URL (default: local memory)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    paths = [(path, logged_in) for _, path, logged_in, _ in PAGES]
    paths += [(path, logged_in) for logged_in, path in REFERENCES.items()]
    env = {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    with seed_site(
        name="http-bench",
        port=PORT,
        setup_script=f"PATHS = {paths!r}\n{SETUP_SCRIPT}",
        workers=args.workers,
        postgres=args.postgres,
        env=env,
    ) as site:
        # What a browser sends after its first page: the CSRF cookie, and signed in, the session.
        visitor = f"csrftoken={site.setup['csrf']}"
        cookie = f"sessionid={site.setup['session']}; {visitor}"
        return report(args, site.setup["queries"], cookie, visitor)


def report(args, queries: dict, cookie: str, visitor: str) -> int:
    database = "PostgreSQL" if args.postgres else "SQLite"
    cache = "Redis cache" if args.cache_url else "local-memory cache"
    print(
        f"gunicorn {args.workers} sync workers, wrk {args.connections} connections, "
        f"{args.seconds:.0f} s per page, {database}, {cache}"
    )

    def measure(path: str, logged_in: bool) -> dict:
        url = f"http://127.0.0.1:{PORT}{path}"
        wrk(url, cookie=cookie if logged_in else visitor, seconds=1, connections=args.connections)
        return wrk(
            url,
            cookie=cookie if logged_in else visitor,
            seconds=args.seconds,
            connections=args.connections,
        )

    # Each page is measured right after its reference, and its ratio is to that run: load
    # from elsewhere on a shared machine then moves both figures of a pair alike.
    header = f"{'page':<26} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'queries':>8}"
    rows = []
    runs: dict[bool, list[dict]] = {False: [], True: []}
    misses = 0
    for name, path, logged_in, most_queries in PAGES:
        status, count = queries[path + str(logged_in)]
        reference = measure(REFERENCES[logged_in], logged_in)
        runs[logged_in].append(reference)
        result = measure(path, logged_in)
        ratio = result["rps"] / reference["rps"]
        checks = [(f"ratio >= {RATIO_TARGET}", ratio >= RATIO_TARGET, f"{ratio:.2f}")]
        if not args.postgres:
            checks.append(
                (
                    f"p99 < {P99_TARGET_MS:.0f} ms",
                    result["p99"] < P99_TARGET_MS,
                    f"{result['p99']:.1f} ms",
                )
            )
        if most_queries is not None:
            checks.append((f"queries <= {most_queries}", count <= most_queries, str(count)))
        checks.append(("no errors", result["errors"] == 0 and status == 200, str(result["errors"])))
        misses += sum(not good for _, good, _ in checks)
        for label, good, value in checks:
            results.record(f"http ({database})", name, value, label, good)
        verdicts = ", ".join(f"{label} {'PASS' if good else 'MISS'}" for label, good, _ in checks)
        rows.append(
            f"{name:<26} {result['rps']:>7.0f} {result['p50']:>7.1f} {result['p99']:>7.1f} "
            f"{ratio:>6.2f} {count:>8}  {verdicts}"
        )
    print(header + "  targets")
    for logged_in, path in REFERENCES.items():
        # The median of the runs its pages were compared with.
        result = sorted(runs[logged_in], key=lambda run: run["rps"])[len(runs[logged_in]) // 2]
        count = queries[path + str(logged_in)][1]
        name = "reference (logged in)" if logged_in else "reference (anonymous)"
        print(
            f"{name:<26} {result['rps']:>7.0f} {result['p50']:>7.1f} {result['p99']:>7.1f} "
            f"{1:>6.2f} {count:>8}"
        )
    print("\n".join(rows))
    print(f"{misses} target(s) missed" if misses else "every target met")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
