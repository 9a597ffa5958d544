"""Checks against a running compose stack, beyond the container kit's journey (.ci/run runs
them on the stack `smoke.sh` leaves up with KEEP=1):

1. /readyz reports every dependency up: database, cache, broker and a worker answering.
2. Beat recovers a stuck attempt with no student action: an attempt is made `submitted`
   with its scoring message lost (queued 10 minutes ago, nothing in the queue), and within
   two beat periods it is graded.

    python3 platform/stack_checks.py --base http://127.0.0.1:8400 --web kit-smoke-8400_web_1

Standard library only (it runs on the host); each check prints PASS or FAIL, and the exit
status is 1 if one failed.
"""

import argparse
import json
import subprocess
import sys
import time
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

STATUS = """
from quizzes.models import Attempt
print(Attempt.objects.get(pk={pk}).status)
"""


def _shell(container: str, code: str) -> str:
    done = subprocess.run(
        ["podman", "exec", container, "python", "manage.py", "shell", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return done.stdout.strip().splitlines()[-1]


def check_readyz(base: str) -> tuple[bool, str]:
    with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
        body = json.load(response)
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
