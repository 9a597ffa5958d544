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
