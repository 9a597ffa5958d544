"""gunicorn settings for Lectern's container; each can be overridden from the environment."""

import os
from pathlib import Path


def _cpus() -> float:
    """The CPUs this container may use: its cgroup quota (docker --cpus, Kubernetes limits),
    else the CPUs it may run on. os.cpu_count() is the host's, which a container rarely has."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            return max(int(quota) / int(period), 1.0)
    except (OSError, ValueError):
        pass
    return float(len(os.sched_getaffinity(0)))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: measured here, gthread workers balanced keep-alive connections badly.
worker_class = "sync"
# Two per CPU the container may use, 2 to 8: each costs about 95 MiB and a database
# connection. WEB_CONCURRENCY sets it outright (docs/self-hosting.md).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(max(round(2 * _cpus()), 2), 8))
# Load Django once, before forking: workers start in well under a second, share memory, and
# an import error stops the start instead of a crash loop of workers.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never takes the site down.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25's control socket defaults to a file in the working directory (/app), which
# the unprivileged user cannot write; nobody uses it in a container.
control_socket_disable = True


def on_starting(server) -> None:
    """Before the app is loaded, in the master: wait (LECTERN_WAIT_SECONDS) for the database,
    Redis and the migrations, and give up with the reason. Done here rather than in a process
    of its own so that one Django start-up serves both the wait and preload_app: a restart
    is seconds shorter."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    call_command("wait_for_services", "--migrations")
    # The workers fork from this process (preload_app): a connection left open here would be
    # one socket shared by every worker, each reading the others' results (under load: 500s,
    # and a query answered with another request's rows). Each worker opens its own.
    from django.db import connections

    connections.close_all()


def worker_exit(server, worker) -> None:
    """A worker that has finished its requests leaves at once: tearing down an interpreter
    that holds the preloaded app touches every page it shares with the master, which took
    seconds of a restart on a busy host. Responses are sent and logs are unbuffered, so
    nothing is lost."""
    os._exit(0)


def on_exit(server) -> None:
    """The master, likewise, once its workers are gone."""
    os._exit(0)
