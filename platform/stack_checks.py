"""Checks against a running compose stack, beyond the container kit's journey (.ci/run runs
them on the stack `smoke.sh` leaves up with KEEP=1):

1. /readyz reports every dependency up: database, cache, broker and a worker answering.
2. Beat recovers a stuck attempt with no student action: an attempt is made `submitted`
   with its scoring message lost (queued 10 minutes ago, nothing in the queue), and within
   two beat periods it is graded.
3. Web scales out: a second web container, started as `--scale web=2` would (same image,
   environment, volumes and network), serves the same students: a session made on one
   works on the other, and logging out on the second ends it on the first (sessions, the
   secret key and CSRF are shared, nothing lives in one replica's memory).
4. Workers scale out: a second worker joins and /readyz counts two answering.
5. A web restart (`podman restart`, as `docker compose restart web`) serves again within
   5 s: no migrate, no import and no slow boot in web's start.

    python3 platform/stack_checks.py --base http://127.0.0.1:8400 --web kit-smoke-8400_web_1

The replicas are removed afterwards (they carry the compose project's label, so the kit's
teardown would find them too).

Standard library only (it runs on the host); each check prints PASS or FAIL, and the exit
status is 1 if one failed.
"""

import argparse
import contextlib
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

STUCK = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from quizzes.attempts import attempt_start
from quizzes.models import Attempt, Quiz
user, _ = User.objects.get_or_create(email="stack-check@example.org")
quiz = Quiz.objects.filter(kind="chapter", is_archived=False).first()
Attempt.objects.filter(user=user).delete()
attempt = attempt_start(quiz=quiz, user=user)
lost = timezone.now() - timedelta(minutes=10)
Attempt.objects.filter(pk=attempt.pk).update(
    status="submitted", submitted_at=lost, scoring_requested_at=lost, grade_enqueued_at=lost
)
print(attempt.pk)
"""

SCALE_USER = """
from accounts.services import demo_user_ensure
demo_user_ensure(email="stack-scale@example.org", password="{password}", is_instructor=False)
print("ok")
"""

RESOLVE_WEB = "import socket; print(*sorted({a[4][0] for a in socket.getaddrinfo('web', 8000)}))"

STATUS = """
from quizzes.models import Attempt
print(Attempt.objects.get(pk={pk}).status)
"""


def _shell(container: str, code: str) -> str:
    return _podman("exec", container, "python", "manage.py", "shell", "-c", code).splitlines()[-1]


def _readyz(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
        return json.load(response)


def check_readyz(base: str) -> tuple[bool, str]:
    body = _readyz(base)
    checks = body["checks"]
    good = (
        body["status"] == "ok"
        and all(checks[name] == "ok" for name in ("database", "cache", "broker"))
        and checks.get("workers", "").startswith("ok")
    )
    return good, json.dumps(checks)


def check_beat_requeues(web: str, wait: float) -> tuple[bool, str]:
    pk = _shell(web, STUCK)
    started = time.monotonic()
    status = "submitted"
    while time.monotonic() - started < wait:
        status = _shell(web, STATUS.format(pk=pk))
        if status == "graded":
            waited = time.monotonic() - started
            return True, f"attempt {pk}, its message lost, graded {waited:.0f} s later"
        time.sleep(3)
    return False, f"attempt {pk} still {status} after {wait:.0f} s"


@contextlib.contextmanager
def _replica(container: str, name: str, publish: str | None = None):
    """Another container like ``container`` (what `--scale` starts), removed on exit."""
    info = json.loads(_podman("inspect", container))[0]
    config = info["Config"]
    args = ["run", "-d", "--name", name]
    for network, settings in info["NetworkSettings"]["Networks"].items():
        args += ["--network", network]
        # The service name (`web`), which Caddy's dynamic upstreams resolve to every replica.
        aliases = [a for a in settings.get("Aliases") or [] if not info["Id"].startswith(a)]
        for alias in aliases:
            args += ["--network-alias", alias]
    for variable in config["Env"]:
        args += ["--env", variable]
    for mount in info["Mounts"]:
        source = mount["Name"] if mount["Type"] == "volume" else mount["Source"]
        mode = "" if mount.get("RW", True) else ":ro"
        args += ["--volume", f"{source}:{mount['Destination']}{mode}"]
    for key, value in (config.get("Labels") or {}).items():
        if key.endswith("compose.project"):
            args += ["--label", f"{key}={value}"]
    if publish:
        args += ["--publish", publish]
    args += [info["ImageName"], *config["Cmd"]]
    _podman(*args)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rm", "--force", "--time", "5", name], capture_output=True)


def _podman(*args: str) -> str:
    """podman's output; its last line of errors (a command's exception) if it failed."""
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=120)
    if done.returncode:
        error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        raise RuntimeError(f"podman {args[0]}: {error}")
    return done.stdout.strip()


def _wait_for(url: str, wait: float) -> None:
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() - started > wait:
            raise RuntimeError(f"{url} did not answer within {wait:.0f} s")
        # Fine-grained: the restart check times downtime with this.
        time.sleep(0.2)


class _Browser:
    """One student's cookies, sent to whichever replica a request goes to."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=10) as response:
            return response.read().decode()

    def post(self, url: str, page: str, fields: dict[str, str]) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()


def _logged_in(page: str) -> bool:
    return 'action="/accounts/logout/"' in page


def check_web_scales_out(base: str, web: str, wait: float) -> tuple[bool, str]:
    first = base.rstrip("/")
    port = int(urllib.parse.urlsplit(first).port or 80) + 1
    second = f"http://127.0.0.1:{port}"
    password = "stack-scale-Passw0rd"
    _shell(web, SCALE_USER.format(password=password))
    with _replica(web, f"{web.rsplit('_', 1)[0]}_2", f"127.0.0.1:{port}:8000"):
        _wait_for(f"{second}/healthz", wait)
        # What the proxy sees: the service name resolves to both replicas.
        addresses = _podman("exec", web, "python", "-c", RESOLVE_WEB).split()
        if len(addresses) != 2:
            return False, f"`web` resolves to {addresses}, not to both replicas"
        student = _Browser()
        login = student.get(f"{first}/accounts/login/")
        student.post(
            f"{first}/accounts/login/",
            login,
            {"login": "stack-scale@example.org", "password": password},
        )
        if not _logged_in(student.get(f"{first}/")):
            return False, "could not log in on the first web replica"
        on_second = student.get(f"{second}/")
        if not _logged_in(on_second):
            return False, "the session made on web 1 is not known to web 2"
        student.post(f"{second}/accounts/logout/", on_second, {})
        if _logged_in(student.get(f"{first}/")):
            return False, "logged out on web 2, still logged in on web 1"
    return True, (
        f"`web` resolves to {' and '.join(addresses)}; logged in on {first}, same session on "
        f"{second}, logged out there: gone on both"
    )


def check_workers_scale_out(base: str, web: str, wait: float) -> tuple[bool, str]:
    worker = web.replace("_web_", "_worker_")
    with _replica(worker, f"{worker.rsplit('_', 1)[0]}_2"):
        started = time.monotonic()
        answering = ""
        while time.monotonic() - started < wait:
            answering = _readyz(base)["checks"].get("workers", "")
            if answering == "ok: 2":
                waited = time.monotonic() - started
                return True, f"a second worker answers {waited:.0f} s after its start: {answering}"
            time.sleep(2)
    return False, f"/readyz workers: {answering!r} after {wait:.0f} s"


def check_web_restart(base: str, web: str) -> tuple[bool, str]:
    started = time.monotonic()
    _podman("restart", "--time", "10", web)
    stopped = time.monotonic() - started
    _wait_for(f"{base}/healthz", 60)
    took = time.monotonic() - started
    return (
        took < 5,
        f"serving again {took:.1f} s after the restart began (stop took {stopped:.1f} s)",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--web", required=True, help="the web container's name")
    parser.add_argument("--wait", type=float, default=150, help="seconds beat may take")
    args = parser.parse_args()
    failed = 0
    for name, check in (
        ("/readyz reports every dependency", lambda: check_readyz(args.base)),
        ("beat re-queues a stuck attempt", lambda: check_beat_requeues(args.web, args.wait)),
        (
            "a second web replica serves the same session",
            lambda: check_web_scales_out(args.base, args.web, args.wait),
        ),
        ("web restarts in under 5 s", lambda: check_web_restart(args.base, args.web)),
        ("a second worker joins", lambda: check_workers_scale_out(args.base, args.web, args.wait)),
    ):
        try:
            good, detail = check()
        except Exception as exc:  # a check that cannot run has failed
            good, detail = False, f"{type(exc).__name__}: {exc}"
        print(f"{'PASS' if good else 'FAIL'} {name}: {detail}", flush=True)
        failed += not good
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
