"""Scoring benchmark: ten-question attempts graded per second by one Celery worker of
concurrency 2, and the submit-to-graded latency (p50 / p99), against a scratch test database.

    .venv/bin/python bench/scoring_bench.py              # REDIS_URL or redis://127.0.0.1:6379/15
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern .venv/bin/python bench/scoring_bench.py
    .venv/bin/python bench/scoring_bench.py --attempts 1000

The worker runs as a subprocess the way platform/entrypoint.sh runs it (prefork,
``--concurrency 2``, log level INFO; its log goes to a file), pointed at the scratch database.
Every attempt is at the seed course's EC2 chapter quiz and answers all ten of its questions
(multiple choice, true/false, multiple answers, matching, numerical). Three phases, each over
``--attempts`` attempts:

* paced: submit one attempt, wait until it is graded, repeat: the latency a student sees on an
  idle system (p50 / p99);
* backlog: the worker stops consuming, every attempt is submitted, the worker resumes: the
  worker's own throughput (attempts/s), the submitter idle meanwhile;
* burst: submit every attempt at once while the worker consumes: throughput and latency with
  the submitter on the same two cores (no target; it shows what the submitter costs).

Submit-to-graded runs from just before ``attempt_submit`` to the attempt's ``graded_at``,
stamped by the worker in the grading transaction (its commit follows within a millisecond);
polling for graded attempts then never adds its own interval to a figure. Targets (issue 13)
are for PostgreSQL + Redis and printed next to each figure with PASS or MISS; the exit status
is 1 when one is missed. CPU per attempt (the worker's processes, PostgreSQL's, Redis's, this
process's, from /proc) shows where the two cores go during the backlog.
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

from bench import results  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from config.celery_app import app  # noqa: E402

SEED = ROOT / "content" / "aws-cloud-fundamentals"
QUIZ = "chapter-3-ec2-compute"
CONCURRENCY = 2
QUEUE = "celery"

# Issue 13, on PostgreSQL + Redis.
P50_TARGET_MS = 25
P99_TARGET_MS = 100
RATE_TARGET = 300


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def scratch_database(stem: str) -> str:
    """Create the scratch database this bench runs on and return its name (destroy it with
    ``connection.creation.destroy_test_db``). On SQLite a file, since the worker is another
    process; on PostgreSQL a name of its own, since a test suite beside it uses test_<name>."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        settings["TEST"]["NAME"] = str(Path(tempfile.gettempdir()) / f"lectern-{stem}.sqlite3")
    else:
        settings["TEST"]["NAME"] = f"bench_{stem}_{settings['NAME']}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True)


def analyze() -> None:
    """Give the planner the statistics of the rows just made, as autovacuum keeps them on a
    live site. Without them PostgreSQL planned grading's reads for empty tables (scans where
    an index serves) and spent three times the CPU on them."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _worker(database_url: str, log: Path) -> subprocess.Popen:
    # Production settings, as the container's (docker-compose.yml): with DEBUG on, Django
    # would also time and keep every query the worker runs.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "DEBUG": "false",
        "SECRET_KEY": "scoring-bench-only-" + "x" * 40,
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "--app", "config", "worker"),
                *("--concurrency", str(CONCURRENCY), "--loglevel", "INFO"),
                *("--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    for _ in range(100):
        if app.control.ping(timeout=0.5):
            return worker
    worker.terminate()
    raise SystemExit(f"the Celery worker did not answer a ping in 50 s (log: {log})")


def _response(question) -> object:
    """A response to one question as a form saves it (JSON), whatever its kind."""
    from quizzes import gift

    parsed = question.as_gift()
    match parsed.kind:
        case gift.Kind.MULTICHOICE:
            return 0
        case gift.Kind.TRUEFALSE:
            return True
        case gift.Kind.MULTIRESPONSE:
            return [0, 1]
        case gift.Kind.MATCHING:
            return {str(i): a.match for i, a in enumerate(parsed.answers) if a.text}
        case gift.Kind.NUMERICAL:
            return "80"
        case _:
            return "an answer"


def _prepare(count: int, offset: int):
    """``count`` attempts by new students, every question answered, not yet submitted."""
    from django.utils import timezone

    from accounts.models import User
    from quizzes.attempts import attempt_start
    from quizzes.models import Answer, Question, Quiz

    quiz = Quiz.objects.get(key=QUIZ)
    questions = list(
        Question.objects.filter(quiz=quiz, is_archived=False).exclude(kind="description")
    )
    responses = {q.pk: _response(q) for q in questions}
    users = User.objects.bulk_create(
        [User(email=f"bench{offset + n}@example.com") for n in range(count)]
    )
    attempts = [attempt_start(quiz=quiz, user=user) for user in users]
    now = timezone.now()
    # Saved in bulk: answers_save (one update_or_create per answer) is not what is measured.
    Answer.objects.bulk_create(
        Answer(attempt=attempt, question_id=pk, response=response, saved_at=now)
        for attempt in attempts
        for pk, response in responses.items()
    )
    return attempts, len(questions)


def _wait(pks: set[int], poll: float, limit: float = 300) -> dict[int, float]:
    """Wait until every attempt is graded; their graded_at (epoch seconds)."""
    from quizzes.models import Attempt

    started = time.perf_counter()
    pending = set(pks)
    graded: dict[int, float] = {}
    while pending:
        for pk, graded_at in Attempt.objects.filter(pk__in=pending, status="graded").values_list(
            "pk", "graded_at"
        ):
            graded[pk] = graded_at.timestamp()
            pending.discard(pk)
        if pending:
            if time.perf_counter() - started > limit:
                raise SystemExit(f"{len(pending)} attempts not graded after {limit} s")
            time.sleep(poll)
    return graded


def _cpu_seconds(worker: subprocess.Popen) -> dict[str, float]:
    """CPU time (user + system) used so far by the worker and its children, PostgreSQL's
    processes, Redis and this process (anything else on the machine PostgreSQL serves counts
    too: run it on an otherwise idle machine). A process that has ended counts in its
    parent's reaped children (an autovacuum worker in the postmaster's): without them, a
    backend ending during the backlog made PostgreSQL's figure negative."""
    ticks = os.sysconf("SC_CLK_TCK")
    worker_pids = {worker.pid}
    try:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text()
        worker_pids |= {int(pid) for pid in children.split()}
    except OSError:
        pass
    used = {"worker": 0.0, "postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, and cutime, cstime: the children it has reaped
        seconds = sum(int(field) for field in fields[11:15]) / ticks
        if int(entry.name) in worker_pids:
            used["worker"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
        elif name.startswith("redis-server"):
            used["redis"] += seconds
    times = os.times()
    used["bench"] = times.user + times.system
    return used


def _submit(attempts) -> dict[int, float]:
    from quizzes.attempts import attempt_submit

    submitted = {}
    for attempt in attempts:
        submitted[attempt.pk] = time.time()
        attempt_submit(attempt=attempt)  # autocommit: queued at once
    return submitted


def _verdict(good: bool) -> str:
    return "PASS" if good else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=500, help="per phase")
    args = parser.parse_args()

    from courses.services import course_import

    settings = connection.settings_dict
    old_name = settings["NAME"]
    test_name = scratch_database("scoring")
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{test_name}"
    else:
        database_url = (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{test_name}"
        )
    log = Path(tempfile.gettempdir()) / "lectern-scoring-worker.log"
    print(
        f"database: {connection.vendor} ({test_name}); broker: {app.conf.broker_url}; "
        f"worker: prefork, concurrency {CONCURRENCY} (log: {log})"
    )
    worker = None
    try:
        course_import(course_dir=SEED)
        paced, answered = _prepare(args.attempts, 0)
        backlog, _ = _prepare(args.attempts, args.attempts)
        burst, _ = _prepare(args.attempts, 2 * args.attempts)
        analyze()
        connection.close()  # let the worker's SQLite writes through
        app.control.purge()
        worker = _worker(database_url, log)

        # Paced: one at a time.
        paced_ms = []
        for attempt in paced:
            submitted = _submit([attempt])
            graded = _wait({attempt.pk}, poll=0.002)
            paced_ms.append((graded[attempt.pk] - submitted[attempt.pk]) * 1000)

        # Backlog: queued while the worker does not consume, then drained.
        app.control.cancel_consumer(QUEUE, reply=True)
        _submit(backlog)
        cpu_before = _cpu_seconds(worker)
        resumed = time.time()
        app.control.add_consumer(QUEUE, reply=True)
        graded = _wait({a.pk for a in backlog}, poll=0.05)
        drained = max(graded.values()) - resumed
        cpu_after = _cpu_seconds(worker)
        backlog_rate = args.attempts / drained
        cpu_ms = {k: (cpu_after[k] - cpu_before[k]) * 1000 / args.attempts for k in cpu_after}

        # Burst: submitted while the worker consumes.
        started = time.time()
        submitted = _submit(burst)
        submit_seconds = time.time() - started
        graded = _wait(set(submitted), poll=0.05)
        burst_rate = args.attempts / (max(graded.values()) - started)
        burst_ms = [(graded[pk] - submitted[pk]) * 1000 for pk in submitted]
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    p50, p99 = statistics.median(paced_ms), _percentile(paced_ms, 0.99)
    checks = [
        (f"p50 <= {P50_TARGET_MS} ms", p50 <= P50_TARGET_MS),
        (f"p99 <= {P99_TARGET_MS} ms", p99 <= P99_TARGET_MS),
        (f">= {RATE_TARGET} attempts/s", backlog_rate >= RATE_TARGET),
    ]
    on_target = connection.vendor == "postgresql"
    print(f"attempts:   {args.attempts} per phase, {answered} answers each")
    print(
        f"paced:      submit -> graded p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        f"  {checks[0][0]} {_verdict(checks[0][1])}, {checks[1][0]} {_verdict(checks[1][1])}"
    )
    print(
        f"backlog:    {backlog_rate:.0f} attempts/s through 1 worker (concurrency {CONCURRENCY})"
        f"  {checks[2][0]} {_verdict(checks[2][1])}"
    )
    print(
        "            CPU per attempt: "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu_ms.items())
        + f"; {sum(cpu_ms.values()):.2f} ms in all, {os.cpu_count()} cores"
    )
    print(
        f"burst:      {burst_rate:.0f} attempts/s with the submitter beside it "
        f"({args.attempts / submit_seconds:.0f} submits/s); submit -> graded "
        f"p50 {statistics.median(burst_ms):.0f} ms, p99 {_percentile(burst_ms, 0.99):.0f} ms"
        "  (no target)"
    )
    misses = sum(not good for _, good in checks)
    bench = f"scoring ({connection.vendor})"
    figures = (f"{p50:.1f} ms", f"{p99:.1f} ms", f"{backlog_rate:.0f}/s")
    names = ("submit to graded p50", "submit to graded p99", "attempts graded a second")
    for name, value, (label, good) in zip(names, figures, checks, strict=True):
        results.record(bench, name, value, label, good if on_target else None)
    if not on_target:
        print("targets are for PostgreSQL + Redis: DATABASE_URL=postgres://... to check them")
        return 0
    print(f"{misses} target(s) missed" if misses else "every target met")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
