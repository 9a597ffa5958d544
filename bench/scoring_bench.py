"""Scoring benchmark: attempts graded per second through Redis and one Celery worker, and the
submit-to-graded latency (p50 / p99), in a scratch test database.

    .venv/bin/python bench/scoring_bench.py              # REDIS_URL or redis://127.0.0.1:6379/15
    .venv/bin/python bench/scoring_bench.py --attempts 1000

The worker runs in a thread of this process (solo pool), against the same database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

import django  # noqa: E402

django.setup()

from celery.contrib.testing.worker import start_worker  # noqa: E402
from django.db import connection  # noqa: E402

from config.celery_app import app  # noqa: E402

SEED = ROOT / "content" / "aws-cloud-fundamentals"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=500)
    args = parser.parse_args()

    from accounts.models import User
    from courses.services import course_import
    from quizzes.models import Attempt, Question, Quiz
    from quizzes.services import answers_save, attempt_start, attempt_submit

    app.conf.task_always_eager = False
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor} ({test_name}); broker: {app.conf.broker_url}")
    try:
        course_import(course_dir=SEED)
        quiz = Quiz.objects.get(key="chapter-3-ec2-compute")
        questions = list(Question.objects.filter(quiz=quiz, kind="truefalse"))
        users = User.objects.bulk_create(
            [User(email=f"bench{n}@example.com") for n in range(args.attempts)]
        )
        attempts = []
        for user in users:
            attempt = attempt_start(quiz=quiz, user=user)
            answers_save(attempt=attempt, responses={q: True for q in questions})
            attempts.append(attempt)
        app.control.purge()
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            started = time.perf_counter()
            submitted_at = {}
            for attempt in attempts:
                submitted_at[attempt.pk] = time.perf_counter()
                attempt_submit(attempt=attempt)  # autocommit: queued at once
            graded_at: dict[int, float] = {}
            pending = set(submitted_at)
            while pending:
                done = Attempt.objects.filter(pk__in=pending, status="graded").values_list(
                    "pk", flat=True
                )
                now = time.perf_counter()
                for pk in done:
                    graded_at[pk] = now
                pending -= set(done)
                if time.perf_counter() - started > 300:
                    raise SystemExit(f"{len(pending)} attempts not graded after 300 s")
                time.sleep(0.005)
            elapsed = time.perf_counter() - started
        latencies = sorted((graded_at[pk] - submitted_at[pk]) * 1000 for pk in submitted_at)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"attempts scored:  {len(latencies)} ({len(questions)} saved answers each)")
        print(f"throughput:       {len(latencies) / elapsed:.0f} attempts/s (1 worker, solo)")
        print(f"submit -> graded: p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
