import time

import pytest
from django.db import transaction

from config.celery_app import app as celery_app
from conftest import SEED_COURSE_DIR
from courses.import_runs import import_run_create
from courses.models import ImportRun, Lesson
from courses.services import import_run_execute


def _wait_for(run: ImportRun, seconds: float = 20) -> ImportRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED):
            return run
        time.sleep(0.05)
    raise AssertionError(f"import run still {run.status} after {seconds}s")


def test_a_worker_imports_a_queued_course(celery_worker, settings):
    settings.LECTERN_CONTENT_DIR = SEED_COURSE_DIR.parent

    with transaction.atomic():
        run = import_run_create(source_dir=SEED_COURSE_DIR.name)
        # Enqueued only after commit: the worker must never see a run that is not there yet.
        assert run.status == ImportRun.Status.QUEUED

    run = _wait_for(run)
    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    assert run.report["lessons"]["created"] == 38
    assert run.course.slug == "aws-cloud-fundamentals"
    assert Lesson.objects.count() == 38


def test_a_worker_records_a_broken_course_as_failed(celery_worker, settings, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.toml").write_text('title = "Broken"\n')
    (broken / "notes.md").write_text("No headings at all.\n")
    settings.LECTERN_CONTENT_DIR = tmp_path

    with transaction.atomic():
        run = import_run_create(source_dir="broken")

    run = _wait_for(run)
    assert run.status == ImportRun.Status.FAILED
    assert "no chapters" in run.error
    assert Lesson.objects.count() == 0


def test_running_an_import_twice_does_the_work_once(db, settings):
    settings.LECTERN_CONTENT_DIR = SEED_COURSE_DIR.parent
    run = ImportRun.objects.create(source_dir=SEED_COURSE_DIR.name)

    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    finished = run.finished
    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.finished == finished
    assert Lesson.objects.count() == 38


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_marks_the_run_failed_instead_of_losing_it(settings):
    settings.LECTERN_CONTENT_DIR = SEED_COURSE_DIR.parent
    celery_app.conf.task_always_eager = False
    # Point publishing at a port where nothing listens, keeping the working pools aside: they
    # are put back untouched (closing them would break every later publish in this process).
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        with transaction.atomic():
            run = import_run_create(source_dir=SEED_COURSE_DIR.name)
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "Could not reach the task queue" in run.error


def test_a_run_left_running_by_a_dead_worker_is_closed_when_a_new_one_starts(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LECTERN_CONTENT_DIR = SEED_COURSE_DIR.parent
    stale = ImportRun.objects.create(
        source_dir=SEED_COURSE_DIR.name,
        status=ImportRun.Status.RUNNING,
        started=timezone.now() - timedelta(hours=1),
    )
    recent = ImportRun.objects.create(
        source_dir=SEED_COURSE_DIR.name,
        status=ImportRun.Status.RUNNING,
        started=timezone.now(),
    )

    import_run_create(source_dir=SEED_COURSE_DIR.name)

    stale.refresh_from_db()
    recent.refresh_from_db()
    assert stale.status == ImportRun.Status.FAILED
    assert "worker stopped" in stale.error
    assert recent.status == ImportRun.Status.RUNNING


def test_a_listed_file_that_is_a_folder_ends_the_run_as_failed(db, settings, tmp_path):
    course = tmp_path / "odd"
    course.mkdir()
    (course / "course.toml").write_text('title = "Odd"\nfiles = ["chapters"]\n')
    # A folder where a Markdown file is listed.
    (course / "chapters").mkdir()
    settings.LECTERN_CONTENT_DIR = tmp_path
    run = ImportRun.objects.create(source_dir="odd")

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "not found" in run.error
