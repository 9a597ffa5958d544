"""Scoring benchmark: attempts graded per second through Redis and one Celery worker, and the
submit-to-graded latency (p50 / p99), against a scratch test database.

    .venv/bin/python bench/scoring_bench.py              # REDIS_URL or redis://127.0.0.1:6379/15
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern .venv/bin/python bench/scoring_bench.py
    .venv/bin/python bench/scoring_bench.py --attempts 1000

One worker runs as a subprocess (`celery worker --pool solo`), pointed at the scratch database.
Two phases over the same number of attempts:

* paced: submit one attempt, wait until it is graded, repeat: the latency a student sees on an
  idle system (p50 / p99);
* burst: submit every attempt at once: the worker's throughput (attempts/s), and the latency
  under that backlog.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from config.celery_app import app  # noqa: E402

SEED = ROOT / "content" / "aws-cloud-fundamentals"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _worker(database_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
            *("--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        if app.control.ping(timeout=0.5):
            return worker
    worker.terminate()
    raise SystemExit("the Celery worker did not answer a ping in 50 s")


def _prepare(count: int, offset: int):
    from accounts.models import User
    from quizzes.attempts import answers_save, attempt_start
    from quizzes.models import Question, Quiz

    quiz = Quiz.objects.get(key="chapter-3-ec2-compute")
    questions = list(Question.objects.filter(quiz=quiz, kind__in=["truefalse", "multichoice"]))
    users = User.objects.bulk_create(
        [User(email=f"bench{offset + n}@example.com") for n in range(count)]
    )
    attempts = []
    for user in users:
        attempt = attempt_start(quiz=quiz, user=user)
        responses = {q: True if q.kind == "truefalse" else 0 for q in questions}
        answers_save(attempt=attempt, responses=responses)
        attempts.append(attempt)
    return attempts, len(questions)


def _wait(pks: set[int], graded_at: dict[int, float], poll: float, limit: float = 300) -> None:
    from quizzes.models import Attempt

    started = time.perf_counter()
    pending = set(pks)
    while pending:
        done = set(
            Attempt.objects.filter(pk__in=pending, status="graded").values_list("pk", flat=True)
        )
        now = time.perf_counter()
        for pk in done:
            graded_at[pk] = now
        pending -= done
        if pending:
            if now - started > limit:
                raise SystemExit(f"{len(pending)} attempts not graded after {limit} s")
            time.sleep(poll)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=500)
    args = parser.parse_args()

    from courses.services import course_import
    from quizzes.attempts import attempt_submit

    settings = connection.settings_dict
    old_name = settings["NAME"]
    if connection.vendor == "sqlite":
        # The worker is another process: the scratch database must be a file.
        settings["TEST"]["NAME"] = str(Path(tempfile.gettempdir()) / "lectern-scoring.sqlite3")
    else:
        # Its own name: a test suite running beside it uses test_<name>.
        settings["TEST"]["NAME"] = f"bench_scoring_{old_name}"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{test_name}"
    else:
        database_url = (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{test_name}"
        )
    print(f"database: {connection.vendor} ({test_name}); broker: {app.conf.broker_url}")
    worker = None
    try:
        course_import(course_dir=SEED)
        paced, answered = _prepare(args.attempts, 0)
        burst, _ = _prepare(args.attempts, args.attempts)
        connection.close()  # let the worker's SQLite writes through
        app.control.purge()
        worker = _worker(database_url)

        submitted: dict[int, float] = {}
        graded: dict[int, float] = {}
        for attempt in paced:
            submitted[attempt.pk] = time.perf_counter()
            attempt_submit(attempt=attempt)  # autocommit: queued at once
            _wait({attempt.pk}, graded, poll=0.0005)
        paced_ms = [(graded[pk] - submitted[pk]) * 1000 for pk in submitted]

        submitted.clear()
        started = time.perf_counter()
        for attempt in burst:
            submitted[attempt.pk] = time.perf_counter()
            attempt_submit(attempt=attempt)
        _wait(set(submitted), graded, poll=0.02)
        elapsed = max(graded[pk] for pk in submitted) - started
        burst_ms = [(graded[pk] - submitted[pk]) * 1000 for pk in submitted]

        print(f"attempts:   {args.attempts} paced + {args.attempts} burst, {answered} answers each")
        print(
            f"paced:      submit -> graded p50 {statistics.median(paced_ms):.1f} ms, "
            f"p99 {_percentile(paced_ms, 0.99):.1f} ms"
        )
        print(
            f"burst:      {args.attempts / elapsed:.0f} attempts/s through 1 worker (solo); "
            f"submit -> graded p50 {statistics.median(burst_ms):.0f} ms, "
            f"p99 {_percentile(burst_ms, 0.99):.0f} ms"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
