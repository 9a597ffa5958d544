"""Every page state a student and an instructor reach, in Chromium, in light and dark at 1280
and 390 px, checked by axe-core with the WCAG 2.0-2.2 A/AA rules and best practice: none may
have a violation. The table of pages x modes is printed (and written to A11Y_REPORT if set),
for the closing note of a change.
"""

import os
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.services import instructor_grant
from courses.models import Chapter, Course
from quizzes.attempts import attempt_start
from quizzes.models import Attempt, Quiz
from review.models import Card, ReviewLog
from review.services import deck_refresh
from tests.a11y.conftest import AXE_TAGS, graded_with_misses, violations
from tests.e2e.conftest import PASSWORD, log_in
from tests.factories import UserFactory

COURSE = "/courses/aws-cloud-fundamentals/"
MODES = [(scheme, width) for scheme in ("light", "dark") for width in (1280, 390)]


@dataclass
class World:
    reader: object
    instructor: object
    course: Course
    iam: Quiz
    timed: Attempt
    scoring: Attempt
    graded: Attempt


@pytest.fixture
def world(reader) -> World:
    course = Course.objects.get(slug="aws-cloud-fundamentals")
    iam = Quiz.objects.get(key="chapter-2-iam")
    # The answers shown after each attempt: the misses enter the review deck at once.
    iam.show_answers = "after-each-attempt"
    iam.save()
    graded = graded_with_misses(iam, reader)
    deck_refresh(user=reader)
    # An attempt being scored (no worker has got to it yet).
    storage = Quiz.objects.get(key="chapter-5-storage")
    scoring = attempt_start(quiz=storage, user=reader)
    Attempt.objects.filter(pk=scoring.pk).update(
        status=Attempt.Status.SUBMITTED,
        submitted_at=timezone.now(),
        scoring_requested_at=timezone.now(),
    )
    # A timed attempt under way.
    ec2 = Quiz.objects.get(key="chapter-3-ec2-compute")
    ec2.time_limit_minutes = 30
    ec2.save()
    timed = attempt_start(quiz=ec2, user=reader)
    instructor = instructor_grant(user=UserFactory(email="teacher@example.com"))
    return World(reader, instructor, course, iam, timed, scoring, graded)


def _cards_due_again(world: World) -> None:
    """Each mode reviews afresh: every card due, no review yet."""
    ReviewLog.objects.filter(card__user=world.reader).delete()
    Card.objects.filter(user=world.reader).update(due=timezone.now() - timedelta(minutes=1))


def _student_states(page: Page, base: str, world: World):
    """(state name, how to reach it) in journey order, for a signed-in student."""
    lesson = f"{COURSE}chapter-1-aws-introduction/what-is-aws/"
    empty = Chapter.objects.filter(course=world.course).order_by("-position").first()

    def go(url):
        return lambda: page.goto(base + url)

    def completed():
        page.goto(base + lesson)
        undo = page.get_by_role("button", name="Mark as not complete")
        if undo.count():  # completed in an earlier mode: undo first (focus follows too)
            undo.click()
            expect(page.get_by_role("button", name="Mark as complete")).to_be_focused()
        page.get_by_role("button", name="Mark as complete").click()
        expect(page.get_by_role("button", name="Mark as not complete")).to_be_focused()

    def check_answered():
        page.goto(
            base + f"{COURSE}chapter-1-aws-introduction/aws-points-of-presence-edge-locations/"
        )
        check = page.locator(".knowledge-check").first
        check.get_by_role("button", name="Check my answers").click()
        expect(check.get_by_role("heading", name="Your result")).to_be_focused()

    def review_outcome():
        page.goto(base + "/review/")
        page.get_by_role("button", name="Check my answer").click()
        expect(page.locator(".review-outcome h2")).to_be_focused()

    def authenticator():
        page.goto(base + "/accounts/2fa/totp/activate/")
        if "/reauthenticate/" in page.url:  # a recent password first (allauth)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_label("Authenticator secret")).to_be_visible()

    def password_error():
        page.goto(base + "/accounts/password/change/")
        page.get_by_label("Current Password").fill("not my password")
        page.get_by_label("New Password", exact=True).fill("x")
        page.get_by_label("New Password (again)").fill("y")
        page.get_by_role("button", name="Change password").click()
        expect(page).to_have_title(re.compile("^Error: "))

    return [
        ("dashboard", go("/learning/")),
        ("course page", go(COURSE)),
        ("chapter page", go(f"{COURSE}chapter-1-aws-introduction/")),
        ("empty chapter", go(empty.get_absolute_url())),
        ("lesson", go(lesson)),
        ("lesson, completed (htmx)", completed),
        ("lesson, knowledge check answered", check_answered),
        ("quiz intro", go(world.iam.get_absolute_url())),
        ("timed attempt", go(world.timed.get_absolute_url())),
        ("scoring", go(world.scoring.get_absolute_url())),
        ("result", go(world.graded.get_absolute_url())),
        ("review question", go("/review/")),
        ("review outcome", review_outcome),
        ("review reminder", go("/review/reminder/")),
        ("search results", go("/search/?q=security+group")),
        ("account: email", go("/accounts/email/")),
        ("account: password", go("/accounts/password/change/")),
        ("account: password error", password_error),
        ("account: two-factor", go("/accounts/2fa/")),
        ("account: confirm your password", go("/accounts/reauthenticate/")),
        ("account: authenticator", authenticator),
        ("account: data", go("/account/data/")),
        ("403 (a student on a staff page)", go("/teach/")),
        ("404", go("/no-such-page/")),
    ]


def _visitor_states(page: Page, base: str):
    def signup_error():
        page.goto(base + "/accounts/signup/")
        page.get_by_label("Email").fill("new@example.com")
        page.get_by_label("Password", exact=True).fill("short")
        page.get_by_label("Password (again)").fill("other")
        page.get_by_role("button", name="Sign up").click()
        expect(page).to_have_title(re.compile("^Error: "))
        expect(page.locator(".error-summary")).to_be_focused()

    def go(url):
        return lambda: page.goto(base + url)

    return [
        ("catalog", go("/")),
        ("course page (visitor)", go(COURSE)),
        ("log in", go("/accounts/login/")),
        ("sign up", go("/accounts/signup/")),
        ("sign up with errors", signup_error),
        ("password reset", go("/accounts/password/reset/")),
    ]


def _instructor_states(page: Page, base: str, world: World):
    slug = world.course.slug

    def go(url):
        return lambda: page.goto(base + url)

    return [
        ("teaching", go("/teach/")),
        ("gradebook", go(f"/teach/{slug}/gradebook/")),
        ("student detail", go(f"/teach/{slug}/students/{world.reader.pk}/")),
        ("analytics", go(f"/teach/{slug}/analytics/")),
        ("quiz statistics", go(f"/teach/{slug}/quizzes/{world.iam.pk}/statistics/")),
        ("marking", go(f"/teach/{slug}/marking/")),
        ("enrolment", go(f"/teach/{slug}/enrolment/")),
        ("admin", go("/admin/")),
        ("admin: courses", go("/admin/courses/course/")),
        ("admin: course", go(f"/admin/courses/course/{world.course.pk}/change/")),
        (
            "admin: lessons",
            go("/admin/courses/lesson/?chapter__course__id__exact=" + str(world.course.pk)),
        ),
        ("admin: attempts", go("/admin/quizzes/attempt/")),
        ("admin: attempt", go(f"/admin/quizzes/attempt/{world.graded.pk}/change/")),
        ("admin: upload", go("/admin/courses/importrun/add/")),
        ("admin: review cards", go("/admin/review/card/")),
    ]


def _sweep(page: Page, states, scheme: str, width: int, table: dict) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    for name, reach in states:
        reach()
        found = violations(page)
        table.setdefault(name, {})[f"{scheme} {width}"] = found


def _report(table: dict) -> str:
    modes = [f"{scheme} {width}" for scheme, width in MODES]
    lines = [
        f"axe-core {AXE_TAGS}",
        "| Page state | " + " | ".join(modes) + " |",
        "| --- |" + " --- |" * len(modes),
    ]
    for name, by_mode in table.items():
        cells = [str(len(by_mode.get(mode, []))) for mode in modes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    total = sum(len(found) for by_mode in table.values() for found in by_mode.values())
    lines.append(f"{len(table)} page states x {len(modes)} modes, {total} violations")
    return "\n".join(lines)


def test_every_page_state_in_every_mode_has_no_axe_violation(
    page: Page, live_server, world, browser
):
    base = live_server.url
    table: dict[str, dict[str, list]] = {}
    visitor = browser.new_page()
    teacher = browser.new_page()
    try:
        log_in(page, live_server, world.reader.email)
        teacher.goto(f"{base}/accounts/login/")
        teacher.get_by_label("Email").fill(world.instructor.email)
        teacher.get_by_label("Password").fill(PASSWORD)
        teacher.get_by_role("button", name="Log in").click()
        teacher.wait_for_url(f"{base}/")
        for scheme, width in MODES:
            _cards_due_again(world)
            _sweep(visitor, _visitor_states(visitor, base), scheme, width, table)
            _sweep(page, _student_states(page, base, world), scheme, width, table)
            _sweep(teacher, _instructor_states(teacher, base, world), scheme, width, table)
    finally:
        visitor.close()
        teacher.close()

    report = _report(table)
    print(report)
    if os.environ.get("A11Y_REPORT"):
        with open(os.environ["A11Y_REPORT"], "w") as out:
            out.write(report + "\n")
    failures = {
        f"{name} ({mode})": [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found]
        for name, by_mode in table.items()
        for mode, found in by_mode.items()
        if found
    }
    assert not failures, report + "\n" + "\n".join(f"{k}: {v}" for k, v in failures.items())
