"""Import runs: a course import requested from the admin, run by a Celery worker.

The worker's side is courses.services.import_run_execute (through courses.tasks); this
module records the request and queues it once the row is committed.
"""

import logging
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from courses.models import ImportRun
from courses.tasks import course_import_run

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".zip", ".md", ".markdown")

# A run still "running" after this long lost its worker (a crash or a deploy mid-import).
IMPORT_RUN_STALE_AFTER = timedelta(minutes=15)


def import_run_create(*, source_dir: str, dry_run: bool = False, requested_by=None) -> ImportRun:
    """Record an import request and hand it to a Celery worker once the row is committed.

    Earlier runs of the same folder that have been "running" too long are closed as failed,
    so the admin never shows an import that seems to go on forever.
    """
    ImportRun.objects.filter(
        source_dir=source_dir,
        status=ImportRun.Status.RUNNING,
        started__lt=timezone.now() - IMPORT_RUN_STALE_AFTER,
    ).update(
        status=ImportRun.Status.FAILED,
        error="The worker stopped before finishing this import.",
        finished=timezone.now(),
    )
    run = ImportRun(source_dir=source_dir, dry_run=dry_run, requested_by=requested_by)
    run.full_clean()
    run.save()
    transaction.on_commit(partial(_import_run_enqueue, run.pk))
    return run


def import_run_upload(*, upload: UploadedFile, dry_run: bool, requested_by) -> ImportRun:
    """Record an uploaded course (a .zip of its folder, or one .md file) and queue its import.

    The file is kept in the ``course_uploads`` storage; the worker unpacks and checks it
    (courses.services.import_run_execute), so a request never waits for a big course.
    """
    name = Path(upload.name or "course.zip").name
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise ValueError(f"'{name}' is neither a .zip nor a Markdown (.md) file")
    run = ImportRun(upload_name=name[:255], dry_run=dry_run, requested_by=requested_by)
    run.upload.save(name, upload, save=False)
    run.full_clean()
    run.save()
    transaction.on_commit(partial(_import_run_enqueue, run.pk))
    return run


def import_run_apply(*, run: ImportRun, requested_by) -> ImportRun:
    """Import for real what a dry run showed: the same upload, or the same folder."""
    if not run.dry_run or run.status != ImportRun.Status.SUCCEEDED:
        raise ValueError("Only a finished dry run can be applied.")
    applied = ImportRun(
        source_dir="" if run.upload else run.source_dir,
        upload=run.upload.name,
        upload_name=run.upload_name,
        dry_run=False,
        requested_by=requested_by,
    )
    applied.full_clean()
    applied.save()
    transaction.on_commit(partial(_import_run_enqueue, applied.pk))
    return applied


def _import_run_enqueue(run_id: int) -> None:
    try:
        course_import_run.delay(run_id)
    except Exception as exc:
        # A dead Redis must not turn a request into a 500 after the run row was committed:
        # record why the run never started, so the instructor sees it and can retry.
        logger.exception("Could not queue import run %s", run_id)
        ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
            status=ImportRun.Status.FAILED,
            error=f"Could not reach the task queue: {exc}",
            finished=timezone.now(),
        )
