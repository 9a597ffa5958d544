"""Review in Chromium: yesterday a student passed the IAM quiz with two questions missed;
today (the clock moved on a day) they review both, rate them, and watch the count drop."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from quizzes import gift
from quizzes.attempts import answer_save, attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Attempt, Quiz
from review.models import Deck
from tests.e2e.conftest import log_in

MISSED = {"Groups contain groups": True, "Policies": "Permissions"}  # the wrong answers given


@pytest.fixture
def browser_context_args(browser_context_args):
    """A student in Tokyo, whatever this machine's time zone."""
    return {**browser_context_args, "timezone_id": "Asia/Tokyo"}


def _right(parsed: gift.Question) -> object:
    match parsed.kind:
        case gift.Kind.MULTICHOICE:
            return next(i for i, a in enumerate(parsed.answers) if a.fraction == 1)
        case gift.Kind.MULTIRESPONSE:
            return [i for i, a in enumerate(parsed.answers) if a.fraction > 0]
        case gift.Kind.TRUEFALSE:
            return parsed.correct
        case gift.Kind.MATCHING:
            return {i: a.match for i, a in enumerate(parsed.answers) if a.text}
        case gift.Kind.NUMERICAL:
            return str(next(a.value for a in parsed.answers if a.fraction == 1))
        case _:
            return next(a.text for a in parsed.answers if a.fraction == 1)


def test_a_student_reviews_yesterdays_misses_rates_them_and_the_count_drops(
    page: Page, live_server, reader, axe, monkeypatch
):
    quiz = Quiz.objects.get(key="chapter-2-iam")
    attempt = attempt_start(quiz=quiz, user=reader)
    for question in quiz.questions.filter(is_archived=False):
        response = MISSED.get(question.key, _right(question.as_gift()))
        answer_save(attempt=attempt, question=question, response=response)
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    assert attempt_grade(attempt_id=attempt.pk).passed
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)  # the server's clock too

    log_in(page, live_server, reader.email)
    page.get_by_role("link", name="My learning").click()
    due = page.locator(".review-due")
    expect(due).to_have_text("2 questions to review today")
    axe(page)
    due.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/review/\?course={quiz.course.slug}$"))
    count = page.locator(".review__count")
    expect(count).to_have_text("2 questions to review today.")
    expect(page.locator("#review-streak")).to_be_hidden()  # no review yet: no streak
    axe(page)

    for left, rating in ((1, "Good"), (0, "Easy")):
        question = page.locator("form.review-question fieldset.question")
        if "contain other groups" in question.locator("legend").inner_text():
            question.get_by_label("False").check()
        else:
            question.get_by_role("textbox").fill("Policies")
        page.get_by_role("button", name="Check my answer").click()
        heading = page.get_by_role("heading", name="Right", exact=True)
        expect(heading).to_be_focused()  # focus follows the swap
        expect(page.locator("#review-streak")).to_have_text("You have reviewed 1 day in a row.")
        axe(page)
        page.get_by_role("button", name=rating, exact=True).click()
        if left:
            expect(count).to_have_text(f"{left} question to review today.")
            # The course page counts one left, and leads back to it.
            page.get_by_role("navigation", name="Breadcrumb").get_by_role(
                "link", name=quiz.course.title
            ).click()
            expect(due).to_have_text("1 question to review today")
            due.get_by_role("link").click()
    expect(page.locator(".empty-state")).to_contain_text("Nothing to review today.")
    expect(page.locator(".empty-state")).to_contain_text(re.compile(r"comes back"))
    axe(page)

    # The dashboard and the course page have nothing left to count.
    page.get_by_role("link", name="My learning").click()
    expect(page.locator(".dashboard-entry")).to_have_count(1)
    expect(due).to_have_count(0)
    page.get_by_role("link", name=quiz.course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz.course.title)
    expect(due).to_have_count(0)


def test_a_student_turns_on_the_daily_reminder_in_their_time_zone(
    page: Page, live_server, reader, axe
):
    log_in(page, live_server, reader.email)
    page.get_by_role("link", name="Review", exact=True).click()
    page.get_by_role("link", name="A daily reminder by email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review reminder")
    remind = page.get_by_label("Email me when questions are due")
    expect(remind).not_to_be_checked()  # off by default
    # The browser's time zone is offered first (the page's script), the site's without it.
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    axe(page)

    remind.check()
    page.get_by_label("At").select_option("07:00")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("Your reminder settings are saved.")
    expect(remind).to_be_checked()
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    deck = Deck.objects.get(user=reader)
    assert (deck.remind, deck.remind_hour, deck.time_zone) == (True, 7, "Asia/Tokyo")
    axe(page)
