"""The due counts on the dashboard and the course page ("2 questions to review today"): the
deck brought up to date from the student's quiz results without a visit to the review page,
the count following reviews and the clock, and one query for it on each page."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from courses.models import Lesson
from courses.services import lesson_complete
from review import due_cache
from review.models import Card, Deck, ReviewLog
from review.selectors import due, streak
from review.services import deck_refresh, due_now
from tests.review.test_deck import RIGHT, _graded

WRONG = {**RIGHT, "Pick": 1, "TF": False}


def _due_text(client, url: str) -> str | None:
    found = BeautifulSoup(client.get(url).content, "html.parser").select_one(".review-due a")
    return found.get_text(strip=True) if found else None


@pytest.fixture
def missed_twice(basics_quiz, student):
    """The student missed Pick and TF in both attempts (so the quiz shows its answers); no one
    has opened the review page."""
    _graded(basics_quiz, student.user, WRONG)
    _graded(basics_quiz, student.user, WRONG)
    return basics_quiz


def test_the_dashboard_and_course_page_count_what_is_due(missed_twice, student):
    course = missed_twice.course

    assert _due_text(student, "/learning/") == "2 questions to review today"
    assert _due_text(student, course.get_absolute_url()) == "2 questions to review today"
    link = BeautifulSoup(student.get("/learning/").content, "html.parser").select_one(
        ".review-due a"
    )
    assert link["href"] == f"/review/?course={course.slug}"
    # The deck was brought up to date by the first page, as far as the latest result.
    deck = Deck.objects.get(user=student.user)
    assert deck.synced_to == student.user.quiz_attempts.latest("graded_at").graded_at
    assert Card.objects.filter(user=student.user).count() == 2


def test_a_review_lowers_the_count_on_both_pages(missed_twice, student):
    course = missed_twice.course
    assert _due_text(student, "/learning/") == "2 questions to review today"  # kept now

    page = BeautifulSoup(student.get("/review/").content, "html.parser")
    form = page.select_one("form.review-question")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    student.post(form["action"], fields)  # no answer: wrong, back tomorrow

    assert ReviewLog.objects.filter(card__user=student.user).count() == 1
    assert _due_text(student, "/learning/") == "1 question to review today"
    assert _due_text(student, course.get_absolute_url()) == "1 question to review today"


def test_a_course_with_nothing_due_shows_no_count(basics_quiz, student):
    _graded(basics_quiz, student.user, RIGHT)  # all right, course not done: nothing to review

    assert _due_text(student, "/learning/") is None
    assert _due_text(student, basics_quiz.course.get_absolute_url()) is None


def test_a_later_result_is_taken_in_on_the_next_page(basics_quiz, student):
    _graded(basics_quiz, student.user, WRONG)
    assert _due_text(student, "/learning/") is None  # failed, one attempt left: not shown yet
    assert not due(user=student.user).stale

    _graded(basics_quiz, student.user, WRONG)  # out of attempts: both misses are shown now

    assert due(user=student.user).stale
    assert _due_text(student, "/learning/") == "2 questions to review today"
    assert not due(user=student.user).stale


def test_the_count_follows_the_clock(missed_twice, student):
    now = timezone.now()
    deck_refresh(user=student.user, now=now)
    Card.objects.filter(user=student.user, question__key="TF").update(due=now + timedelta(days=3))

    assert due_now(user=student.user, now=now).total == 1
    assert due_now(user=student.user, now=now + timedelta(days=3)).total == 2


def test_the_counts_leave_out_archived_questions_and_unpublished_courses(missed_twice, student):
    deck_refresh(user=student.user)
    missed_twice.questions.filter(key="TF").update(is_archived=True)
    assert due(user=student.user).by_course == {missed_twice.course_id: 1}

    type(missed_twice.course).objects.filter(pk=missed_twice.course_id).update(is_published=False)
    assert due(user=student.user).by_course == {}


def test_the_count_is_kept_until_it_changes_and_counted_in_one_query_whatever_the_deck(
    missed_twice, student, django_assert_num_queries
):
    course = missed_twice.course
    student.get("/learning/")  # the deck brought up to date, its counts kept
    # session, user, enrollments, quiz results: the count is kept (review.due_cache)
    with django_assert_num_queries(4):
        student.get("/learning/")
    with django_assert_num_queries(4):
        student.get(course.get_absolute_url())

    for key in ("Many", "Short", "Num"):
        Card.objects.create(
            user=student.user,
            question=missed_twice.questions.get(key=key),
            course=course,
            reason=Card.Reason.MISSED,
            added_at=timezone.now(),
            due=timezone.now(),
        )
    due_cache.forget(user_ids=[student.user.pk])  # as review's services do when cards change
    with django_assert_num_queries(5):  # and the due counts, one query
        assert "5 questions" in student.get("/learning/").content.decode()
    with django_assert_num_queries(4):
        assert "5 questions" in student.get(course.get_absolute_url()).content.decode()


def test_another_students_deck_is_not_counted(missed_twice, student, other_student):
    deck_refresh(user=student.user)

    assert _due_text(other_student, missed_twice.course.get_absolute_url()) is None
    assert due(user=other_student.user).by_course == {}


def test_a_visitor_spends_no_query_on_review(missed_twice, anonymous, django_assert_num_queries):
    anonymous.get(missed_twice.course.get_absolute_url())
    with django_assert_num_queries(0):  # the visitor's page is kept whole
        anonymous.get(missed_twice.course.get_absolute_url())


def test_the_streak_counts_days_in_the_students_time_zone(missed_twice, student):
    deck_refresh(user=student.user)
    card = Card.objects.filter(user=student.user).first()
    # 23:30 and 00:30 UTC: two days in UTC, one day in Tokyo (08:30 and 09:30).
    for hour, minute in ((23, 30), (0, 30)):
        day = 3 if hour == 23 else 4
        ReviewLog.objects.create(
            card=card,
            token=f"{hour:032x}",
            fraction=0,
            answered_at=datetime(2026, 12, day, hour, minute, tzinfo=UTC),
            due_before=timezone.now(),
        )
    now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert streak(user=student.user, now=now, zone=ZoneInfo("UTC")) == 2
    assert streak(user=student.user, now=now, zone=ZoneInfo("Asia/Tokyo")) == 1


def test_a_completed_course_brings_its_right_answers_into_the_deck(basics_quiz, student):
    _graded(basics_quiz, student.user, RIGHT)
    assert _due_text(student, "/learning/") is None
    course = basics_quiz.course
    for lesson in Lesson.objects.filter(course=course):
        lesson_complete(user=student.user, lesson=lesson)

    count = _due_text(student, course.get_absolute_url())

    assert Card.objects.filter(user=student.user, reason=Card.Reason.MASTERED).exists()
    assert count and count.endswith("to review today")
