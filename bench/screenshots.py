"""Screenshots of the pages a new student and a first-time demo visitor see, at 1280 and
390 px, light and dark: for comparing a change's before and after (run it on each commit).

Serves Lectern with gunicorn and production settings on a scratch SQLite database holding
the seed course (as bench/lighthouse_bench.py does), signs a student in through the login
form, and saves one PNG per page and mode into --out (default .ci/artifacts/screenshots):
``<page>-<light|dark>-<width>.png``. Each shot is the page's main content, not the window.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.served import ROOT, seed_site

PORT = 8096
COURSE = "/courses/aws-cloud-fundamentals/"
EMAIL, PASSWORD = "shots@example.com", "screenshots-123"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SETUP_SCRIPT = f"""
import json
from accounts.services import demo_user_ensure
from courses.models import Lesson
from courses.services import lesson_complete
from quizzes.attempts import answer_save, attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Attempt, Quiz
user = demo_user_ensure(email={EMAIL!r}, password={PASSWORD!r}, is_instructor=False)
for lesson in Lesson.objects.filter(chapter__slug="chapter-1-aws-introduction")[:3]:
    lesson_complete(user=user, lesson=lesson)
quiz = Quiz.objects.get(key="chapter-2-iam")
graded = attempt_start(quiz=quiz, user=user)
for number, question in enumerate(quiz.questions.filter(is_archived=False)):
    parsed = question.as_gift()
    kind = parsed.kind.value
    if kind == "truefalse":
        answer_save(attempt=graded, question=question, response=number % 2 == 0)
    elif kind == "multichoice":
        answer_save(attempt=graded, question=question, response=number % len(parsed.answers))
Attempt.objects.filter(pk=graded.pk).update(status=Attempt.Status.SUBMITTED)
attempt_grade(attempt_id=graded.pk)
open_attempt = attempt_start(quiz=Quiz.objects.get(key="chapter-3-ec2-compute"), user=user)
print(json.dumps({{
    "quiz": quiz.get_absolute_url(),
    "result": graded.get_absolute_url(),
    "attempt": open_attempt.get_absolute_url(),
}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".ci/artifacts/screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with seed_site(name="screenshots", port=PORT, setup_script=SETUP_SCRIPT) as site:
        shoot(site.base, site.setup, args.out)
    print(f"{len(list(args.out.glob('*.png')))} screenshots in {args.out}")
    return 0


def shoot(base: str, urls: dict, out: Path) -> None:
    pages = {
        "lesson-completion": f"{COURSE}chapter-1-aws-introduction/aws-cloud-facts/",
        "course-outline": COURSE,
        "chapter": f"{COURSE}chapter-1-aws-introduction/",
        "knowledge-check": (
            f"{COURSE}chapter-1-aws-introduction/aws-points-of-presence-edge-locations/"
        ),
        "quiz-intro": urls["quiz"],
        "result": urls["result"],
        "attempt": urls["attempt"],
        "wide-table": f"{COURSE}chapter-7-containers/docker-on-an-os/",
        "code-block": f"{COURSE}chapter-3-ec2-compute/running-a-webserver-on-an-ec2-instance/",
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for scheme in ("light", "dark"):
            for width in (1280, 390):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=scheme
                )
                page = context.new_page()
                for name, path in (
                    ("log-in", "/accounts/login/"),
                    ("sign-up", "/accounts/signup/"),
                ):
                    page.goto(base + path)
                    page.locator("main").screenshot(path=out / f"{name}-{scheme}-{width}.png")
                page.get_by_label("Email").fill(f"new-{scheme}-{width}@example.com")
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_label("Password (again)").fill(PASSWORD)
                page.get_by_role("button", name="Sign up").click()
                page.wait_for_load_state()
                page.locator("main").screenshot(path=out / f"verify-email-{scheme}-{width}.png")
                page.context.clear_cookies()
                page.goto(base + "/accounts/login/")
                page.get_by_label("Email").fill(EMAIL)
                page.get_by_label("Password").fill(PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_url(base + "/")
                for name, path in pages.items():
                    page.goto(base + path)
                    target = page.locator("main")
                    if name == "lesson-completion":
                        target = page.locator(".completion")
                        target.scroll_into_view_if_needed()
                        target = page.locator(".lesson-layout__main")
                    target.screenshot(path=out / f"{name}-{scheme}-{width}.png")
                context.close()
        browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
