"""Every student page is valid HTML by the Nu HTML Checker (vnu.jar, the W3C's validator,
from npm: `make vnu`; Java from Debian): 0 errors. Broken markup is what assistive
technology trips on first, and htmx's attributes are written as data-hx-* so that the
checker's report holds only real errors.

The pages come through Django's test client, as a browser would get them, signed in as a
student with quiz results, a deck to review, an attempt being scored and a timed one.
"""

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from conftest import SEED_COURSE_DIR
from courses.models import Chapter, Course
from courses.services import course_import
from quizzes.attempts import answer_save, attempt_start
from quizzes.models import Attempt, Quiz
from review.services import deck_refresh
from tests.a11y.conftest import graded_with_misses
from tests.e2e.conftest import PASSWORD
from tests.factories import UserFactory

VNU_JAR = Path(
    os.environ.get(
        "LECTERN_VNU_JAR",
        Path(__file__).resolve().parents[2] / ".tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar",
    )
)
COURSE = "/courses/aws-cloud-fundamentals/"


def _pages(student: Client, visitor: Client) -> dict:
    course = Course.objects.get(slug="aws-cloud-fundamentals")
    user = student.user
    iam = Quiz.objects.get(key="chapter-2-iam")
    iam.show_answers = "after-each-attempt"  # the misses enter the review deck at once
    iam.save()
    graded = graded_with_misses(iam, user)
    deck_refresh(user=user)
    scoring = attempt_start(quiz=Quiz.objects.get(key="chapter-5-storage"), user=user)
    Attempt.objects.filter(pk=scoring.pk).update(
        status=Attempt.Status.SUBMITTED,
        submitted_at=timezone.now(),
        scoring_requested_at=timezone.now() - timedelta(seconds=30),
    )
    ec2 = Quiz.objects.get(key="chapter-3-ec2-compute")
    ec2.time_limit_minutes = 30
    ec2.save()
    timed = attempt_start(quiz=ec2, user=user)
    answer_save(attempt=timed, question=ec2.questions.first(), response=0)
    empty = Chapter.objects.filter(course=course).order_by("-position").first()
    lesson = f"{COURSE}chapter-1-aws-introduction/what-is-aws/"
    check = f"{COURSE}chapter-1-aws-introduction/aws-points-of-presence-edge-locations/"

    pages = {
        "catalog": visitor.get("/"),
        "course page (visitor)": visitor.get(COURSE),
        "log in": visitor.get("/accounts/login/"),
        "sign up": visitor.get("/accounts/signup/"),
        "sign up with errors": visitor.post(
            "/accounts/signup/", {"email": "nope", "password1": "x", "password2": "y"}
        ),
        "password reset": visitor.get("/accounts/password/reset/"),
        "404": visitor.get("/no-such-page/"),
        "dashboard": student.get("/learning/"),
        "course page": student.get(COURSE),
        "chapter page": student.get(f"{COURSE}chapter-1-aws-introduction/"),
        "empty chapter": student.get(empty.get_absolute_url()),
        "lesson": student.get(lesson),
        "lesson with a knowledge check": student.get(check),
        "quiz intro": student.get(iam.get_absolute_url()),
        "timed attempt": student.get(timed.get_absolute_url()),
        "scoring": student.get(scoring.get_absolute_url()),
        "result": student.get(graded.get_absolute_url()),
        "review": student.get("/review/"),
        "review reminder": student.get("/review/reminder/"),
        "search": student.get("/search/?q=security+group"),
        "account: email": student.get("/accounts/email/"),
        "account: password": student.get("/accounts/password/change/"),
        "account: two-factor": student.get("/accounts/2fa/"),
        "account: authenticator": student.get("/accounts/2fa/totp/activate/"),
        "account: data": student.get("/account/data/"),
        "403": student.get("/teach/"),
    }
    return pages


@pytest.mark.skipif(
    not os.environ.get("CI") and (shutil.which("java") is None or not VNU_JAR.exists()),
    reason="the Nu HTML Checker needs Java and vnu.jar (make vnu); CI installs both",
)
def test_every_student_page_is_valid_html(db, anonymous, tmp_path):
    course_import(course_dir=SEED_COURSE_DIR)
    # Signed in through the login form: the two-factor pages want a recent password.
    student = Client()
    student.user = UserFactory(email="html@example.com")
    response = student.post("/accounts/login/", {"login": student.user.email, "password": PASSWORD})
    assert response.status_code == 302
    reauthenticate = student.get("/accounts/reauthenticate/")
    student.post("/accounts/reauthenticate/", {"password": PASSWORD})
    pages = {"account: confirm your password": reauthenticate, **_pages(student, anonymous)}
    files = {}
    for number, (name, response) in enumerate(pages.items()):
        assert response.status_code in (200, 403, 404), (name, response.status_code)
        path = tmp_path / f"{number:02d}.html"
        path.write_bytes(response.content)
        files[str(path)] = name

    checked = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(checked.stderr)["messages"]
    errors: dict[str, list[str]] = {name: [] for name in files.values()}
    for message in messages:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = files[message["url"].removeprefix("file:")]
            errors[name].append(f"line {message.get('lastLine')}: {message['message']}")
    table = "\n".join(f"| {name} | {len(found)} |" for name, found in errors.items())
    print(f"Nu HTML Checker, {len(files)} pages:\n| Page | Errors |\n| --- | --- |\n{table}")
    assert {name: found for name, found in errors.items() if found} == {}
