"""Where a running import is: its stage and how many lessons it has rendered.

The import runs in one transaction, so its rows say nothing until it commits; the stage
goes through the cache instead (Redis in production, shared by web and worker), for the
job page to poll.
"""

from django.core.cache import cache

STAGES = ("queued", "unpacking", "parsing", "rendering", "writing", "quizzes", "done")
_TIMEOUT = 60 * 60


def _key(run_id: int) -> str:
    return f"lectern:import-run:{run_id}:progress"


def run_progress_set(run_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    """Record a run's stage (one of STAGES) and, while rendering, lessons done of total."""
    try:
        cache.set(_key(run_id), {"stage": stage, "done": done, "total": total}, _TIMEOUT)
    except Exception:
        return


def run_progress_get(run_id: int) -> dict:
    """The last recorded progress of a run: {"stage", "done", "total"}."""
    try:
        found = cache.get(_key(run_id))
    except Exception:
        found = None
    return found or {"stage": "queued", "done": 0, "total": 0}
