"""Fixtures shared by the whole suite: people, logged-in clients, the seed course, Celery."""

import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from config.celery_app import app as celery_app
from tests.factories import UserFactory

BASE_DIR = Path(settings.BASE_DIR)
SEED_COURSE_DIR = BASE_DIR / "content" / "aws-cloud-fundamentals"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, the test database is a file, as the embedded default's is, not Django's
    shared-cache in-memory one: there, an FTS5 table (search) makes a worker thread's writes
    fail with "database table is locked", which no real deployment would see."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"lectern-test-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: login rate limits must not leak between tests,
    nor kept pages (courses.page_cache keeps them in the process too), nor the published
    courses' versions a process holds for a second (courses.selectors.published_versions)."""
    from courses.page_cache import local
    from courses.selectors import published_versions

    cache.clear()
    local.clear()
    published_versions.forget()


@pytest.fixture(autouse=True)
def _due_counts_kept(monkeypatch):
    """A test's requests run in one process, where a change forgets a student's kept review
    counts at once whatever the cache: keep them as a shared cache does, so that a page's
    queries do not depend on how long the test took (review.due_cache; its one-second bound
    in another process's memory is tested in tests/review/test_due_cache.py)."""
    from review import due_cache

    monkeypatch.setattr(due_cache, "KEEP_LOCAL", due_cache.KEEP_SHARED)


@pytest.fixture(autouse=True)
def _course_files_storage(settings, tmp_path_factory):
    """Course files, uploads and uploaded courses of tests land in the test run's temporary
    folder, not media/."""
    base = tmp_path_factory.getbasetemp()
    settings.STORAGES = {
        **settings.STORAGES,
        "course_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": base / "course-files"},
        },
        "course_uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": base / "uploads"},
        },
    }
    settings.LECTERN_UPLOADED_COURSES_DIR = base / "uploaded-courses"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test asks for the `celery_worker` fixture."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def instructor(db) -> Client:
    return _client_for(
        UserFactory(email="instructor@example.com", is_staff=True, is_superuser=True)
    )


@pytest.fixture
def student(db) -> Client:
    return _client_for(UserFactory(email="student@example.com"))


@pytest.fixture
def other_student(db) -> Client:
    return _client_for(UserFactory(email="other@example.com"))


@pytest.fixture
def terminal(settings) -> io.StringIO:
    """The demo's mail, printed as `make run` prints it (config.mail.ReadableConsoleBackend),
    into this buffer, which stands for the terminal."""
    stream = io.StringIO()
    settings.MAILERS = {
        "default": {"BACKEND": "config.mail.ReadableConsoleBackend", "OPTIONS": {"stream": stream}}
    }
    return stream


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the seed course, for tests that edit the source."""
    target = tmp_path / "aws-cloud-fundamentals"
    shutil.copytree(SEED_COURSE_DIR, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def seed_course(db):
    from courses.services import course_import

    course_import(course_dir=SEED_COURSE_DIR)
    from courses.models import Course

    return Course.objects.get(slug="aws-cloud-fundamentals")


@pytest.fixture
def seed_course_transactional(transactional_db):
    """The seed course, committed: for tests whose threads or workers use their own connections."""
    from courses.models import Course
    from courses.services import course_import

    course_import(course_dir=SEED_COURSE_DIR)
    return Course.objects.get(slug="aws-cloud-fundamentals")


@pytest.fixture(scope="session")
def celery_worker_session(django_db_blocker):
    """A real Celery worker thread for the whole session: the in-memory broker locally,
    Redis when REDIS_URL is set (CI). Starting one costs seconds, so it is shared."""
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.broker_transport_options = {
        **celery_app.conf.broker_transport_options,
        "polling_interval": 0.05,
    }
    from celery import signals
    from django.db import connections

    def close_connections(**kwargs) -> None:
        # A worker keeps its connection between tasks (config.celery_app); this thread's
        # would still be open when the test database is dropped at the end of the session.
        connections.close_all()

    celery_app.conf.task_always_eager = False
    signals.task_postrun.connect(close_connections)
    with django_db_blocker.unblock():
        celery_app.control.purge()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield celery_app
    signals.task_postrun.disconnect(close_connections)


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    """Use with tests that need a worker; they see committed data only, hence transactional_db."""
    celery_app.conf.task_always_eager = False
    yield celery_worker_session


_BROWSER_TESTS = (
    "tests/e2e/",
    "tests/a11y/test_sweep.py",
    "tests/a11y/test_keyboard.py",
    "tests/a11y/test_layout.py",
)


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium. Outside CI they are skipped if it is missing;
    in CI (LECTERN_REQUIRE_BROWSER) a missing browser fails them instead."""
    if Path("/usr/bin/chromium").exists() or os.environ.get("LECTERN_REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason="/usr/bin/chromium is not installed (apt-get install chromium)")
    for item in items:
        if item.nodeid.startswith(_BROWSER_TESTS):
            item.add_marker(skip)
