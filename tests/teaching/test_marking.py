"""Marking essays by hand: the queue, the mark, and what the student then sees."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from courses.models import Enrollment, Lesson
from courses.services import lesson_complete
from quizzes.grading import MarkError, answer_mark
from quizzes.models import Answer, Attempt


@pytest.fixture
def essay_attempt(klass, student, take):
    # Pick wrong, TF right, essay waiting: 1 of 2 marked = 50 %, below the 60 % pass mark.
    return take(
        student.user, "basics", {"Pick": 1, "TF": True, "Essay": "Regions <b>hold</b> zones."}
    )


def _essay(attempt) -> Answer:
    return Answer.objects.get(attempt=attempt, question__key="Essay")


def test_the_queue_lists_answers_waiting_for_a_person(klass, essay_attempt, instructor):
    response = instructor.get(reverse("teaching:review-queue", args=[klass.slug]))
    soup = BeautifulSoup(response.content, "html.parser")
    items = soup.select(".marking-item")
    assert len(items) == 1
    assert "1 answer waits" in soup.select_one(".lead").get_text()
    # The answer is shown as text: the student's markup is escaped, not run.
    answer = items[0].select_one(".marking-item__answer")
    assert answer.find("b") is None and "<b>hold</b>" in answer.get_text()
    assert items[0].find("input", attrs={"name": "percent"})["max"] == "100"


def test_marking_rescores_the_attempt_and_the_student_sees_it(
    klass, essay_attempt, instructor, student, committed
):
    essay = _essay(essay_attempt)
    url = reverse("teaching:answer-mark", args=[klass.slug, essay.pk])
    with committed():
        response = instructor.post(url, {"percent": "100", "comment": "Clear and right."})
    assert response.status_code == 302
    assert response["Location"] == reverse("teaching:review-queue", args=[klass.slug])
    essay_attempt.refresh_from_db()
    # (0 + 1 + 1) / 3 = 66.67 %: passed now.
    assert (essay_attempt.score, essay_attempt.passed, essay_attempt.needs_review) == (
        Decimal("66.67"),
        True,
        False,
    )
    essay.refresh_from_db()
    assert essay.reviewed_by == instructor.user and essay.comment == "Clear and right."
    html = student.get(essay_attempt.get_absolute_url()).content.decode()
    assert "66.67\xa0%" in html
    assert "Clear and right." in html
    # Nothing left to mark.
    queue = instructor.get(reverse("teaching:review-queue", args=[klass.slug]))
    assert not BeautifulSoup(queue.content, "html.parser").select(".marking-item")


def test_marking_again_changes_the_score_and_completion(
    klass, essay_attempt, instructor, student, take, committed
):
    for lesson in Lesson.objects.filter(course=klass):
        lesson_complete(user=student.user, lesson=lesson)
    take(student.user, "advanced", {"Storage": 0})
    essay = _essay(essay_attempt)
    url = reverse("teaching:answer-mark", args=[klass.slug, essay.pk])
    with committed():
        instructor.post(url, {"percent": "100", "comment": ""})
    enrollment = Enrollment.objects.get(user=student.user, course=klass)
    assert enrollment.completed_at is not None  # every lesson, both quizzes passed
    with committed():
        instructor.post(url, {"percent": "0", "comment": "On second reading: no."})
    essay_attempt.refresh_from_db()
    assert (essay_attempt.score, essay_attempt.passed) == (Decimal("33.33"), False)
    enrollment.refresh_from_db()
    assert enrollment.completed_at is None


@pytest.mark.parametrize("percent", ["101", "-1", "abc", "", "NaN"])
def test_a_mark_out_of_range_is_refused_with_the_form(klass, essay_attempt, instructor, percent):
    essay = _essay(essay_attempt)
    url = reverse("teaching:answer-mark", args=[klass.slug, essay.pk])
    response = instructor.post(url, {"percent": percent, "comment": "x"})
    assert response.status_code == 400
    assert _essay(essay_attempt).needs_review


def test_only_essays_of_graded_attempts_are_marked_by_hand(klass, essay_attempt, instructor):
    pick = Answer.objects.get(attempt=essay_attempt, question__key="Pick")
    with pytest.raises(MarkError):
        answer_mark(answer_id=pick.pk, fraction=Decimal(1), comment="", by=instructor.user)
    response = instructor.post(
        reverse("teaching:answer-mark", args=[klass.slug, pick.pk]), {"percent": "100"}
    )
    assert response.status_code == 400
    assert Answer.objects.get(pk=pick.pk).fraction == 0
    Attempt.objects.filter(pk=essay_attempt.pk).update(status=Attempt.Status.SUBMITTED)
    with pytest.raises(MarkError):
        answer_mark(answer_id=_essay(essay_attempt).pk, fraction=Decimal(1), comment="", by=None)


def test_an_answer_of_another_course_is_not_found(klass, essay_attempt, instructor, tmp_path):
    from courses.models import Course

    other = Course.objects.create(slug="other", title="Other")
    url = reverse("teaching:answer-mark", args=[other.slug, _essay(essay_attempt).pk])
    assert instructor.get(url).status_code == 404


def test_the_posted_next_page_must_be_on_this_site(klass, essay_attempt, instructor):
    url = reverse("teaching:answer-mark", args=[klass.slug, _essay(essay_attempt).pk])
    response = instructor.post(url, {"percent": "50", "next": "https://evil.example/"})
    assert response["Location"] == reverse("teaching:review-queue", args=[klass.slug])
