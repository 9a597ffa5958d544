"""What each query of a student's repeat view costs PostgreSQL to plan and to run, and what the
review counts and a cache read cost: the figures behind the pages' ratios (bench/README.md).

Each page is viewed twice through Django's test client (production settings are not needed:
only the queries are looked at); each query of the second view is run again under
``EXPLAIN (ANALYZE, SUMMARY)`` fifteen times, and the medians printed. Then the review
counts, counted (``review.selectors.due``) and kept (``review.due_cache.lookup``), and a
three-key cache read are timed over 1,000 calls each. No target: this explains, the HTTP
bench measures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern CACHE_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/page_queries.py
"""

import os
import re
import statistics
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.cache import cache, caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

COURSE = "/courses/aws-cloud-fundamentals/"
CHAPTER = COURSE + "chapter-3-ec2-compute/"
PAGES = {
    "lesson": CHAPTER + "running-a-webserver-on-an-ec2-instance/",
    "chapter": CHAPTER,
    "course": COURSE,
    "dashboard": "/learning/",
}


def _explained(sql: str, params) -> tuple[float, float]:
    """Median planning and execution ms of ``sql`` over fifteen EXPLAIN ANALYZE runs."""
    plans, runs = [], []
    with connection.cursor() as cursor:
        for _ in range(15):
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)
            out = "\n".join(line for (line,) in cursor.fetchall())
            plans.append(float(re.search(r"Planning Time: ([\d.]+)", out).group(1)))
            runs.append(float(re.search(r"Execution Time: ([\d.]+)", out).group(1)))
    return statistics.median(plans), statistics.median(runs)


def _ms_per_call(function, number: int = 1000) -> float:
    return min(timeit.repeat(function, number=number, repeat=3)) / number * 1000


def main() -> int:
    if connection.vendor != "postgresql":
        print("PostgreSQL only (EXPLAIN ANALYZE): set DATABASE_URL", file=sys.stderr)
        return 2
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"bench_queries_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _report()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _report() -> int:
    from accounts.services import demo_user_ensure
    from courses.models import Course
    from courses.services import course_import, enrollment_ensure
    from review import due_cache, selectors

    cache.clear()
    course_import(course_dir=ROOT / "content" / "aws-cloud-fundamentals")
    user = demo_user_ensure(email="bench@example.com", password="bench-pass-1", is_instructor=False)
    enrollment_ensure(user=user, course=Course.objects.get(slug="aws-cloud-fundamentals"))
    client = Client()
    client.force_login(user)
    # The CSRF cookie a browser holds after its first page: without one a page is not kept.
    client.cookies["csrftoken"] = get_random_string(32)

    print(f"{'page':<10} {'plan ms':>8} {'run ms':>7}  query")
    for name, path in PAGES.items():
        client.get(path)  # the first view records and keeps; the repeat view is measured
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        # The queries again, as the page sent them (CaptureQueriesContext keeps the SQL
        # with its parameters inlined, which psycopg's client-side binding sends too).
        for query in captured.captured_queries:
            plan, run = _explained(query["sql"], None)
            print(f"{name:<10} {plan:>8.3f} {run:>7.3f}  {query['sql'][:70]}")

    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        selectors.due(user=user, now=now)  # what a page runs when the counts are not kept
    plan, run = _explained(captured.captured_queries[0]["sql"], None)
    print(f"{'counts':<10} {plan:>8.3f} {run:>7.3f}  {captured.captured_queries[0]['sql'][:70]}")

    counted = _ms_per_call(lambda: selectors.due(user=user, now=now))
    due_cache.keep(user_id=user.pk, due=selectors.due(user=user, now=now), stamp=(None, None))
    kept = _ms_per_call(lambda: due_cache.lookup(user_id=user.pk, now=now))
    read = _ms_per_call(lambda: cache.get_many(["a", "b", "c"]))
    select_one = _ms_per_call(lambda: connection.cursor().execute("SELECT 1"))
    backend = type(caches["default"]).__name__
    print(f"review counts, counted (one query): {counted:.3f} ms a call")
    print(f"review counts, kept ({backend}): {kept:.3f} ms a call")
    print(f"a three-key cache read ({backend}): {read:.3f} ms a call")
    print(f"SELECT 1 (a round trip): {select_one:.3f} ms a call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
