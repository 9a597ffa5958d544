"""Celery beat's schedule, run inside the server process when there is no broker.

In the embedded default (SQLite, Celery eager) no beat process runs, so the sweeps of
CELERY_BEAT_SCHEDULE (an attempt left open past its deadline, an import a crash left
running) would only happen when someone came back to the page. ``manage.py quickstart``
starts an EmbeddedBeat beside the development server; it runs each scheduled task in a
daemon thread, eagerly, on the schedule's period. The tasks are idempotent, so an overlap
with ``manage.py requeue_stuck`` is harmless.
"""

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping

from django.db import close_old_connections

from config.celery_app import app

logger = logging.getLogger(__name__)


def _task(name: str):
    """The registered task: its module (a task is named after it) is imported first, as a
    worker's autodiscovery would."""
    if name not in app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    return app.tasks[name]


class EmbeddedBeat:
    def __init__(
        self,
        schedule: Mapping[str, Mapping],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        # name -> (task name, period in seconds); a crontab schedule is not supported here.
        self._entries = {
            name: (entry["task"], float(entry["schedule"])) for name, entry in schedule.items()
        }
        self._due = dict.fromkeys(self._entries, clock())
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        """Run every entry whose time has come; return their names. A failing task is
        logged and tried again next period, never stops the others."""
        ran = []
        now = self._clock()
        for name, (task, period) in self._entries.items():
            if self._due[name] > now:
                continue
            self._due[name] = now + period
            try:
                _task(task).apply(throw=True)
            except Exception:
                logger.exception("Embedded beat: %s (%s) failed", name, task)
            ran.append(name)
        return ran

    def start(self, *, tick: float = 1.0) -> None:
        def loop() -> None:
            while not self._stopping.wait(tick):
                try:
                    self.run_due()
                finally:
                    # This thread's own connection, as after a request: a broken or
                    # too old one is dropped before the next period.
                    close_old_connections()

        self._thread = threading.Thread(target=loop, name="embedded-beat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
