"""A course's quizzes are kept per content version (quizzes.course_quizzes), and a student's
results at them are read in one query: the same results the SQL annotations give, never
another student's, and staff edits show at once."""

import random
from decimal import Decimal

from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from quizzes import selectors
from quizzes.course_quizzes import quiz_results
from quizzes.models import Attempt, AttemptCounts, Question, Quiz
from tests.factories import UserFactory
from tests.test_admin_pages import _form_data


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _attempt(quiz: Quiz, user, number: int, score: int | None = None) -> Attempt:
    """A graded attempt with this score (passed from 60 %), or without one a submitted
    attempt still waiting for its score."""
    graded = score is not None
    return Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        status=Attempt.Status.GRADED if graded else Attempt.Status.SUBMITTED,
        seed=0,
        started_at=timezone.now(),
        graded_at=timezone.now() if graded else None,
        score=Decimal(score) if graded else None,
        passed=score >= 60 if graded else None,
    )


def test_results_match_the_sql_annotation_for_both_ways_of_counting(tiny, basics_quiz):
    rng = random.Random(13)
    students = [UserFactory(password=None) for _ in range(16)]
    for user in students:
        for number in range(1, rng.randint(0, 5) + 1):
            _attempt(basics_quiz, user, number, rng.choice([None, 0, 40, 60, 60, 100]))
    for counts in AttemptCounts.values:
        Quiz.objects.filter(pk=basics_quiz.pk).update(attempt_counts=counts)
        for user in students:
            annotated = selectors._with_result(Quiz.objects.filter(pk=basics_quiz.pk), user).get()
            quiz = Quiz.objects.get(pk=basics_quiz.pk)
            result = quiz_results(user=user, quizzes=[quiz]).get(basics_quiz.pk)
            got = (result.score, result.passed, result.used) if result else (None, None, None)
            assert got == (
                annotated.result_score,
                annotated.result_passed,
                annotated.attempts_used,
            ), (counts, user.pk)


def test_a_students_result_never_shows_on_another_students_pages(
    tiny, basics_quiz, student: Client, other_student: Client
):
    _attempt(basics_quiz, student.user, 1, 100)
    lesson = tiny.lessons.get(slug="second-lesson")  # the chapter's last: the quiz footer
    for client, shown in ((student, True), (other_student, False), (student, True)):
        for url in (tiny.get_absolute_url(), lesson.get_absolute_url()):
            page = _soup(client.get(url))
            assert bool(page.select(".badge--success")) is shown, url


def test_an_admin_edit_of_a_quiz_shows_on_the_course_page_at_once(
    tiny, basics_quiz, instructor: Client, student: Client
):
    assert basics_quiz.title in _soup(student.get(tiny.get_absolute_url())).get_text()
    url = f"/admin/quizzes/quiz/{basics_quiz.pk}/change/"
    data = _form_data(_soup(instructor.get(url)))
    data["title"] = "Basics, the quiz"

    assert instructor.post(url, data).status_code == 302

    assert "Basics, the quiz" in _soup(student.get(tiny.get_absolute_url())).get_text()


def test_archiving_a_question_takes_it_out_of_the_knowledge_check_at_once(
    tiny, instructor: Client, student: Client
):
    lesson = tiny.lessons.get(slug="first-lesson")
    question = Question.objects.get(quiz__lesson=lesson)
    check = f"#check-{question.quiz_id}"
    assert _soup(student.get(lesson.get_absolute_url())).select_one(check).select("fieldset")

    response = instructor.post(
        "/admin/quizzes/question/", {"action": "archive", "_selected_action": [question.pk]}
    )

    assert response.status_code == 302
    assert not _soup(student.get(lesson.get_absolute_url())).select_one(check).select("fieldset")
