"""What a container does before it serves: wait (a bounded time) for the database, Redis and
the migrations; and two imports of one new course at once leave one course."""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from courses.models import Course
from courses.services import course_import

BASE_DIR = settings.BASE_DIR


def _wait(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "wait_for_services", *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_waiting_for_a_redis_that_never_comes_times_out_cleanly():
    started = time.monotonic()
    done = _wait("--timeout", "2", env={"REDIS_URL": "redis://127.0.0.1:1/0", "CACHE_URL": ""})
    assert done.returncode == 1
    assert "Gave up after 2 s: Redis (the broker)" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 20


def test_waiting_for_a_database_that_is_not_there_times_out_cleanly(tmp_path):
    env = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "REDIS_URL": "", "CACHE_URL": ""}
    done = _wait("--timeout", "1", env=env)
    assert done.returncode == 1
    assert "the database is not reachable" in done.stderr


def test_waiting_for_migrations_on_a_fresh_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3", "REDIS_URL": "", "CACHE_URL": ""}
    waiting = _wait("--timeout", "1", "--migrations", env=env)
    assert waiting.returncode == 1 and "not applied yet" in waiting.stderr
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    ready = _wait("--timeout", "5", "--migrations", env=env)
    assert ready.returncode == 0, ready.stderr
    assert "Services ready" in ready.stdout


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers; the race runs on PostgreSQL (CI sets DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_new_course_at_once_make_one_course(tmp_path):
    from conftest import SEED_COURSE_DIR

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            course_import(course_dir=SEED_COURSE_DIR)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Course.objects.filter(slug="aws-cloud-fundamentals").count() == 1


OVERDUE = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from quizzes.attempts import attempt_start
from quizzes.models import Attempt, Quiz
quiz = Quiz.objects.filter(kind="chapter").first()
quiz.time_limit_minutes = 5
quiz.save()
attempt = attempt_start(quiz=quiz, user=User.objects.get(email="student@lectern.localhost"))
Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
print(attempt.pk)
"""


def test_the_quickstart_server_closes_an_attempt_past_its_deadline(tmp_path):
    """No beat runs in the embedded default: quickstart's server runs the sweeps itself."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3",
        "REDIS_URL": "",
        "CACHE_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    manage("quickstart", "--no-serve")
    pk = manage("shell", "-c", OVERDUE)
    status = f"from quizzes.models import Attempt; print(Attempt.objects.get(pk={pk}).status)"
    assert manage("shell", "-c", status) == "in_progress"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "quickstart", "--addrport", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while (now := manage("shell", "-c", status)) != "graded" and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert now == "graded"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers; the race runs on PostgreSQL (CI sets DATABASE_URL)",
)
def test_two_migrates_of_a_fresh_database_at_once_both_succeed():
    """Two `migrate` one-shots at once (two `up`s, a Job retried while the first still runs,
    an operator's `manage.py migrate`): they take turns on a lock; neither dies with
    `relation ... already exists`."""
    name = f"lectern_migrate_race_{uuid.uuid4().hex[:8]}"
    server = settings.DATABASES["default"]
    dsn = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    url = f"postgres://{server['USER']}:{server['PASSWORD']}@{dsn['host']}:{dsn['port']}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    with psycopg.connect(**dsn) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        runs = [
            subprocess.Popen(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    finally:
        with psycopg.connect(**dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for returncode, _out, err in results:
        assert returncode == 0, err
