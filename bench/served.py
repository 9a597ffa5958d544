"""Lectern served for a benchmark or a browser tool: gunicorn with production settings on a
scratch database holding the seed course, on 127.0.0.1, for the length of a ``with`` block.

The HTTP, Lighthouse and screenshot benches all measure the site as it runs in production;
this is the one place that builds it: the environment, the migrations, the static files, the
seed import, a setup script of the caller's (its last printed line is JSON, handed back), and
gunicorn, waited for on /healthz and stopped afterwards.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_database(postgres: str | None):
    """A database URL for this run: a scratch SQLite file, or a scratch PostgreSQL database
    on the given server, dropped afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        if not postgres:
            yield f"sqlite:///{scratch}/bench.sqlite3", scratch
            return
        import psycopg  # only the PostgreSQL run needs it

        name = f"lectern_bench_{uuid.uuid4().hex[:8]}"
        server = postgres.rstrip("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}", scratch
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Site:
    base: str  # http://127.0.0.1:<port>
    setup: dict  # what the setup script printed


@contextmanager
def seed_site(
    *,
    name: str,
    port: int,
    setup_script: str,
    workers: int = 2,
    postgres: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Site]:
    """The seed course served on ``port``. ``env`` adds settings (it may set REDIS_URL or
    CACHE_URL, which are otherwise unset: local memory, eager tasks); ``name`` goes into the
    throwaway SECRET_KEY."""
    with scratch_database(postgres) as (database_url, scratch):
        environ = {key: value for key, value in os.environ.items() if key not in _UNSET}
        environ.update(
            DATABASE_URL=database_url,
            DEBUG="false",
            SECRET_KEY=f"{name}-only-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1,testserver",
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            LOG_LEVEL="WARNING",
            MEDIA_ROOT=f"{scratch}/media",
            **(env or {}),
        )

        def manage(*cmd: str) -> str:
            return subprocess.run(
                [sys.executable, "manage.py", *cmd],
                cwd=ROOT,
                env=environ,
                check=True,
                capture_output=True,
                text=True,
            ).stdout

        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("import_course", "content/aws-cloud-fundamentals")
        setup = json.loads(manage("shell", "-c", setup_script).strip().splitlines()[-1])
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                *("--worker-class", "sync", "--log-level", "warning"),
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=environ,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            yield Site(base=base, setup=setup)
        finally:
            server.terminate()
            server.wait(timeout=10)


# Services a bench site never shares with this machine's own (mail goes to the console).
_UNSET = ("REDIS_URL", "CACHE_URL", "EMAIL_HOST")
