"""Faults with real processes: a Celery worker process killed mid-burst, the broker (a Redis
this suite starts on its own port) unreachable at submit and back later, the cache
unreachable at login. After each, every attempt ends graded, exactly once, with no student
action: the sweep (what Celery beat runs every minute; here `manage.py requeue_stuck` as a
process of its own) queues again what was lost.

The worker processes share the test database, so these run on PostgreSQL (CI).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from config.celery_app import app as celery_app
from courses.services import course_import
from quizzes.attempts import answers_save, attempt_start, attempt_submit
from quizzes.models import Attempt, Question, Quiz
from tests.factories import UserFactory
from tests.processes import database_url
from tests.quizzes.conftest import BASICS_GIFT, COURSE_TOML, NOTES

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes share the test database: PostgreSQL (CI sets DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(settings.BASE_DIR)
REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, which the test can stop and start again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    yield redis
    redis.stop()


def _environment(broker_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "CACHE_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def worker_process(broker_url: str):
    """A real `celery worker` process (its own process group, so it can be killed whole)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=_environment(broker_url),
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def kill_hard(process: subprocess.Popen) -> None:
    """kill -9 the worker and its pool children: nothing gets to acknowledge anything."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(5)


def sweep(broker_url: str) -> str:
    """What beat runs every minute, as an operator's process: queue again what was lost."""
    done = subprocess.run(
        [sys.executable, "manage.py", "requeue_stuck", "--older-than", "0"],
        cwd=BASE_DIR,
        env=_environment(broker_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@contextmanager
def publishing_to(broker_url: str):
    """This process (the web side) publishes to ``broker_url`` instead of eager tasks."""

    def reset() -> None:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None

    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = broker_url, False
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
        reset()


def wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _graded() -> int:
    return Attempt.objects.filter(status=Attempt.Status.GRADED).count()


@pytest.fixture
def quiz(tmp_path) -> Quiz:
    """The quiz suite's small course, committed for the worker processes to see."""
    folder = tmp_path / "tiny"
    (folder / "quizzes").mkdir(parents=True)
    (folder / "course.toml").write_text(COURSE_TOML)
    (folder / "notes.md").write_text(NOTES)
    (folder / "quizzes" / "basics.gift").write_text(BASICS_GIFT)
    course_import(course_dir=folder)
    return Quiz.objects.get(course__slug="tiny", key="basics")


def _submit_many(quiz: Quiz, n: int) -> list[int]:
    tf = Question.objects.get(quiz=quiz, key="TF")
    ids = []
    for _ in range(n):
        attempt = attempt_start(quiz=quiz, user=UserFactory(password=None))
        answers_save(attempt=attempt, responses={tf: True})
        attempt_submit(attempt=attempt)  # autocommit: published at once
        ids.append(attempt.pk)
    return ids


def test_a_worker_killed_mid_burst_loses_no_attempt(quiz, own_redis):
    own_redis.start()
    with publishing_to(own_redis.url):
        with worker_process(own_redis.url) as first:
            ids = _submit_many(quiz, 40)
            assert wait_until(lambda: _graded() >= 1, 60), "the worker graded nothing"
            kill_hard(first)
        graded_before = dict(
            Attempt.objects.filter(status=Attempt.Status.GRADED).values_list("pk", "graded_at")
        )
        with worker_process(own_redis.url):
            # A new worker takes what was never delivered; what the killed one held stays
            # unacknowledged in Redis (for visibility_timeout) until the sweep queues it again.
            wait_until(lambda: _graded() == len(ids), 10)
            print(
                f"killed worker: {len(ids) - len(graded_before)} of {len(ids)} ungraded; "
                f"a new worker alone left {len(ids) - _graded()}"
            )
            out = sweep(own_redis.url)
            assert wait_until(lambda: _graded() == len(ids), 60), out
    attempts = Attempt.objects.filter(pk__in=ids)
    assert {a.status for a in attempts} == {Attempt.Status.GRADED}
    assert {a.score for a in attempts} == {a.score for a in attempts[:1]}  # the same answers
    # Graded exactly once: what was graded before the kill was never graded again.
    for pk, graded_at in graded_before.items():
        assert Attempt.objects.get(pk=pk).graded_at == graded_at


def test_a_submit_while_the_broker_is_down_is_graded_once_it_is_back(quiz, own_redis):
    student = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(student)
    with publishing_to(own_redis.url):  # not started yet: nothing listens there
        client.post(f"/quizzes/{quiz.pk}/attempts/")
        attempt = Attempt.objects.get(user=student)
        submitted = client.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})
        assert submitted.status_code == 302
        page = client.get(f"/attempts/{attempt.pk}/")
        assert page.status_code == 200
        assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED
        own_redis.start()
        with worker_process(own_redis.url):
            sweep(own_redis.url)
            assert wait_until(lambda: _graded() == 1, 60)
    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.status == Attempt.Status.GRADED


def test_a_login_and_submit_with_the_cache_down_are_graded(quiz, own_redis, settings):
    from config import cache as resilient

    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    resilient._down_since, resilient._retry_at = None, 0.0
    UserFactory(email="ann@example.com")
    client = Client(raise_request_exception=False)
    login = client.post(
        "/accounts/login/", {"login": "ann@example.com", "password": "correct horse battery"}
    )
    assert login.status_code == 302
    own_redis.start()
    with publishing_to(own_redis.url), worker_process(own_redis.url):
        client.post(f"/quizzes/{quiz.pk}/attempts/")
        attempt = Attempt.objects.get(user__email="ann@example.com")
        assert client.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"}).status_code == 302
        assert wait_until(lambda: _graded() == 1, 60)
    resilient._down_since, resilient._retry_at = None, 0.0


def test_gunicorn_workers_never_share_a_database_connection(quiz):
    """The production server under concurrent requests: every worker forks from a master that
    has waited for the database (platform/gunicorn.conf.py), and a connection it kept open
    would be one socket shared by every worker. Each would then read the others' results:
    the 50-student load run saw 1,435 of 2,835 requests fail that way."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import urlopen

    port = _free_port()
    env = {
        **_environment(""),
        "REDIS_URL": "",
        # DEBUG on: pages then need no collectstatic manifest (a fresh clone has none), and
        # the connections are the same either way.
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "3",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "platform/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "config.wsgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, bool]:
        try:
            with urlopen(base + path, timeout=10) as response:
                return response.status, b"Tiny" in response.read()
        except OSError as exc:
            return getattr(exc, "code", 0), False

    try:
        assert wait_until(lambda: get("/healthz")[0] == 200, 60)
        paths = ["/", "/courses/tiny/", "/courses/tiny/basics/"] * 200
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(get, paths))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    assert answers.count((200, True)) == len(paths), sorted(set(answers))
