"""Wait, a bounded time, for what Lectern needs before it starts: the database, Redis (the
broker and the cache, when configured) and, with --migrations, an up-to-date schema.

The container entrypoint runs it first, so a web or worker container started beside a
database that is still booting waits for it instead of exiting after 3 s, and one started
before the `migrate` service finished waits for the migrations. Exits 1 with the reason
once --timeout seconds have passed.
"""

import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _database() -> str | None:
    try:
        connection.ensure_connection()
    except Exception as exc:
        connection.close()
        return f"the database is not reachable ({exc.__class__.__name__}: {exc})".strip()
    return None


def _redis(url: str, what: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"{what} at {url.split('@')[-1]} is not reachable ({exc})"
    return None


def _migrations() -> str | None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return f"{len(plan)} migration(s) not applied yet" if plan else None


class Command(BaseCommand):
    help = "Wait for the database and Redis (and with --migrations, the schema) to be ready."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=settings.LECTERN_WAIT_SECONDS)
        parser.add_argument(
            "--migrations", action="store_true", help="Also wait until every migration is applied."
        )

    def handle(self, *args, timeout: float, migrations: bool, **options) -> None:
        started = time.monotonic()
        said = 0.0
        while True:
            problem = self._problem(migrations)
            if problem is None:
                waited = time.monotonic() - started
                self.stdout.write(f"Services ready after {waited:.1f} s.")
                return
            waited = time.monotonic() - started
            if waited >= timeout:
                raise CommandError(f"Gave up after {timeout:.0f} s: {problem}.")
            if waited - said >= 5 or said == 0:
                self.stderr.write(f"Waiting ({waited:.0f} s): {problem}")
                said = waited or 0.001
            time.sleep(min(1.0, max(timeout - waited, 0.05)))

    def _problem(self, migrations: bool) -> str | None:
        checks = [_database]
        broker = getattr(settings, "REDIS_URL", "")
        cache = getattr(settings, "CACHE_URL", "")
        if broker:
            checks.append(lambda: _redis(broker, "Redis (the broker)"))
        if cache and cache != broker:
            checks.append(lambda: _redis(cache, "Redis (the cache)"))
        if migrations:
            checks.append(_migrations)
        for check in checks:
            problem = check()
            if problem:
                return problem
        return None
