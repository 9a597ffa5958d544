"""Page speed: gunicorn (production settings, 2 sync workers) serving the seed course.

Starts its own server on 127.0.0.1 with a scratch SQLite database, logs a student in, then
requests each page from several keep-alive client threads for a few seconds and prints
requests per second and latency percentiles. Traffic stays on the loopback interface and
every loop is bounded in time.

    .venv/bin/python bench/http_bench.py [--seconds 5] [--threads 8] [--workers 2]
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8093
PAGES = {
    "catalog (anonymous)": ("/", False),
    "course outline (anonymous)": ("/courses/aws-cloud-fundamentals/", False),
    "course outline (student)": ("/courses/aws-cloud-fundamentals/", True),
    "lesson (student)": (
        "/courses/aws-cloud-fundamentals/chapter-3-ec2-compute/"
        "running-a-webserver-on-an-ec2-instance/",
        True,
    ),
    "dashboard (student)": ("/learning/", True),
}

SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.services import demo_user_ensure
user = demo_user_ensure(email="bench@example.com", password="bench-pass-123", is_instructor=False)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _hammer(path: str, cookie: str, seconds: float, threads: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
            "DEBUG": "false",
            "SECRET_KEY": "http-bench-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        env.pop("CACHE_URL", None)

        def manage(*cmd: str) -> str:
            return subprocess.run(
                [python, "manage.py", *cmd],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout

        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("import_course", "content/aws-cloud-fundamentals")
        session_key = manage("shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]
        cookie = f"sessionid={session_key}"

        server = subprocess.Popen(
            [
                str(Path(python).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                    break
                except OSError:
                    time.sleep(0.1)
            print(
                f"gunicorn {args.workers} sync workers, {args.threads} client threads, "
                f"{args.seconds:.0f} s per page, SQLite"
            )
            print(f"{'page':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
            for name, (path, logged_in) in PAGES.items():
                _hammer(path, cookie if logged_in else "", 0.5, args.threads)  # warm up
                errors, latencies = _hammer(
                    path, cookie if logged_in else "", args.seconds, args.threads
                )
                print(
                    f"{name:<28} {len(latencies) / args.seconds:>7.0f} "
                    f"{statistics.median(latencies) * 1000:>7.1f} "
                    f"{_percentile(latencies, 0.99) * 1000:>7.1f} {errors:>7}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
