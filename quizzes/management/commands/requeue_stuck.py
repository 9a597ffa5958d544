"""Queue again what a fault left behind: attempts waiting for scoring whose message was
lost, open attempts past their deadline, imports whose worker or message was lost.

Celery beat runs the same sweeps every minute; this is for operators (after an outage, or
where beat does not run).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from courses.import_runs import import_runs_requeue_stuck
from quizzes.attempts import attempts_requeue_stuck


class Command(BaseCommand):
    help = "Queue again attempts and imports left stuck by a lost worker or message."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Queue attempts last queued this long ago (default: the sweep's 120 s); "
            "0 after an outage you know lost the queue.",
        )

    def handle(self, *args, **options) -> None:
        older = options["older_than"]
        attempts = attempts_requeue_stuck(
            **({} if older is None else {"stuck_after": timedelta(seconds=older)})
        )
        runs = import_runs_requeue_stuck()
        self.stdout.write(
            f"Attempts queued for scoring again: {len(attempts.requeued)}; "
            f"past their deadline and submitted: {len(attempts.closed)}."
        )
        self.stdout.write(
            f"Imports queued again: {len(runs.requeued)}; "
            f"given up (their worker was lost too often): {len(runs.failed)}."
        )
