"""Lighthouse's accessibility and best-practices scores of the catalog, a lesson and a quiz
attempt: each must be 100. Slow (a Chromium per page), so a benchmark, not a CI gate.

Serves Lectern with gunicorn and production settings on a scratch SQLite database holding
the seed course, signs a student in (a session cookie Lighthouse sends), starts them on a
quiz, and runs Lighthouse 12.2.3 (from npm, `make a11y-lighthouse` installs it) against
Debian's Chromium. Prints one line per page, and each audit that is not passed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import results
from bench.served import ROOT, seed_site

PORT = 8095
LIGHTHOUSE = ROOT / ".tools/lighthouse/node_modules/.bin/lighthouse"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking"
    " --disable-component-update --disable-sync --no-first-run --disable-quic"
)
TARGET = 100

SETUP_SCRIPT = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.services import demo_user_ensure
from quizzes.attempts import attempt_start
from quizzes.models import Quiz
user = demo_user_ensure(
    email="lighthouse@example.com", password="lighthouse-123", is_instructor=False
)
attempt = attempt_start(quiz=Quiz.objects.get(key="chapter-3-ec2-compute"), user=user)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "attempt": attempt.get_absolute_url()}))
"""


def lighthouse(url: str, cookie: str | None, out: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--only-categories=accessibility,best-practices",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--form-factor=desktop",
        "--screenEmulation.disabled",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    subprocess.run(
        command, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, timeout=300
    )
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: make a11y-lighthouse installs it", file=sys.stderr)
        return 2
    with seed_site(name="lighthouse-bench", port=PORT, setup_script=SETUP_SCRIPT) as site:
        base, setup = site.base, site.setup
        cookie = f"sessionid={setup['session']}"
        pages = [
            ("catalog", base + "/", None),
            (
                "lesson",
                # A lesson of code blocks and lists, no image: this machine has no
                # network, and the course's images (on GitHub) would log a load error.
                base + "/courses/aws-cloud-fundamentals/chapter-3-ec2-compute/"
                "running-a-webserver-on-an-ec2-instance/",
                cookie,
            ),
            ("attempt", base + setup["attempt"], cookie),
        ]
        missed = 0
        with tempfile.TemporaryDirectory() as reports:
            for name, url, session in pages:
                report = lighthouse(url, session, Path(reports) / f"{name}.json")
                for category in ("accessibility", "best-practices"):
                    score = round(100 * (report["categories"][category]["score"] or 0))
                    ok = score >= TARGET
                    missed += not ok
                    print(f"{name:<10} {category:<15} {score:>3}  {'PASS' if ok else 'MISS'}")
                    results.record("lighthouse", f"{category}: {name}", str(score), f"{TARGET}", ok)
                    for ref in report["categories"][category]["auditRefs"]:
                        audit = report["audits"][ref["id"]]
                        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                            print(f"    {ref['id']}: {audit['title']}")
        return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
