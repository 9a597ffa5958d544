"""Import runs: a course import requested from the admin, run by a Celery worker.

The worker's side is courses.services.import_run_execute (through courses.tasks); this
module records the request and queues it once the row is committed.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from courses.models import ImportRun
from courses.tasks import course_import_run

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".zip", ".md", ".markdown")

# A run still "running" after this long lost its worker (a crash or a deploy mid-import);
# one still "queued" this long after it was handed to Celery lost its message. Both are
# queued again by the sweep, a run at most IMPORT_RUN_MAX_TRIES times.
IMPORT_RUN_STALE_AFTER = timedelta(minutes=15)
IMPORT_RUN_LOST_AFTER = timedelta(minutes=2)
IMPORT_RUN_MAX_TRIES = 3


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


@dataclass(frozen=True)
class SweepReport:
    requeued: list[int]
    failed: list[int]


def import_runs_requeue_stuck(*, now: datetime | None = None) -> SweepReport:
    """Queue again every run whose worker was lost (running past IMPORT_RUN_STALE_AFTER) or
    whose message was lost (queued, last handed to Celery IMPORT_RUN_LOST_AFTER ago).

    Idempotent and safe beside a live worker: each run is claimed by a conditional UPDATE,
    and a run claimed twice is still executed once (import_run_execute claims it too). A run
    that lost its worker IMPORT_RUN_MAX_TRIES times is closed as failed instead: an import
    that kills its worker must not loop forever.
    """
    now = now or timezone.now()
    running = ImportRun.objects.filter(
        status=ImportRun.Status.RUNNING, started__lt=now - IMPORT_RUN_STALE_AFTER
    )
    failed = list(running.filter(tries__gte=IMPORT_RUN_MAX_TRIES).values_list("pk", flat=True))
    ImportRun.objects.filter(pk__in=failed, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.FAILED,
        error=f"The worker stopped {IMPORT_RUN_MAX_TRIES} times before finishing this import.",
        finished=now,
    )
    requeued = []
    for pk in running.filter(tries__lt=IMPORT_RUN_MAX_TRIES).values_list("pk", flat=True):
        if ImportRun.objects.filter(
            pk=pk, status=ImportRun.Status.RUNNING, started__lt=now - IMPORT_RUN_STALE_AFTER
        ).update(
            status=ImportRun.Status.QUEUED, started=None, tries=F("tries") + 1, enqueued_at=now
        ):
            requeued.append(pk)
    lost = ImportRun.objects.filter(
        Q(enqueued_at__lt=now - IMPORT_RUN_LOST_AFTER)
        | Q(enqueued_at__isnull=True, created__lt=now - IMPORT_RUN_LOST_AFTER),
        status=ImportRun.Status.QUEUED,
    ).exclude(pk__in=requeued)
    for pk in lost.values_list("pk", flat=True):
        if (
            ImportRun.objects.filter(pk=pk, status=ImportRun.Status.QUEUED)
            .filter(Q(enqueued_at__lt=now - IMPORT_RUN_LOST_AFTER) | Q(enqueued_at__isnull=True))
            .update(enqueued_at=now)
        ):
            requeued.append(pk)
    for pk in requeued:
        transaction.on_commit(partial(_import_run_enqueue, pk, stamp=False))
    if requeued or failed:
        logger.warning("Import runs queued again: %s; given up: %s", requeued, failed)
    return SweepReport(requeued=requeued, failed=failed)


def _import_run_enqueue(run_id: int, *, stamp: bool = True) -> None:
    if stamp:
        ImportRun.objects.filter(pk=run_id).update(enqueued_at=timezone.now())
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
