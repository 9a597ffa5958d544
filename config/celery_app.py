import os

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lectern")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The periodic sweeps live beside each app's tasks (courses.sweeps, quizzes.sweeps).
app.autodiscover_tasks(related_name="sweeps")


@signals.task_prerun.connect
@signals.task_postrun.connect
def _connections_as_around_a_request(sender=None, **kwargs) -> None:
    """A worker keeps its database connection from task to task, as a web process does from
    request to request: a broken one, or one older than CONN_MAX_AGE, is dropped before and
    after each task (Django does the same around each request). Celery's own Django fixup
    closes the connection around every task, which made each grading open a new PostgreSQL
    connection; CELERY_DB_REUSE_MAX (settings) turns that off. Eager tasks run inside the
    caller's request and transaction: theirs is the caller's connection to manage."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()
