"""Fair review: an empty or incomplete submit asks first, and never harvests the answers."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from quizzes.attempts import attempt_start
from quizzes.models import Attempt, Question, Quiz
from tests.quizzes.test_views import HX, _right_answers, _value

# Every right answer of the basics quiz, as the result page would word it.
KEYS = ("Correct answer", "Elastic Compute Cloud", "S3, EBS", "22", "443")


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def _q(key: str) -> Question:
    return Question.objects.get(quiz__key="basics", key=key)


@pytest.fixture
def attempt(basics_quiz, student) -> Attempt:
    return attempt_start(quiz=basics_quiz, user=student.user)


def test_submitting_with_questions_unanswered_asks_to_confirm_first(
    student: Client, attempt, committed
):
    pick = _q("Pick")
    with committed():
        response = student.post(
            f"/attempts/{attempt.pk}/submit/", {f"q{pick.pk}": _value(attempt, pick, "EC2")}
        )

    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.answers.count() == 1  # what was given is saved
    confirm = _soup(response).select_one(".quiz-confirm")
    assert confirm["role"] == "alert"
    assert confirm.h2.get_text(" ", strip=True) == "5 of 6 questions unanswered: submit anyway?"
    links = [a["href"] for a in confirm.select(".quiz-confirm__list a")]
    assert links == [f"#question-{q.pk}" for q in attempt_questions_after(attempt, pick)]
    button = confirm.find("button", attrs={"name": "confirm"})
    assert button["formaction"] == f"/attempts/{attempt.pk}/submit/"
    # The button sits in the attempt's form, so answers changed meanwhile go with it.
    assert button.find_parent("form").select(f"#question-{pick.pk}")


def attempt_questions_after(attempt: Attempt, answered: Question) -> list[Question]:
    by_pk = Question.objects.in_bulk(attempt.question_ids)
    return [by_pk[pk] for pk in attempt.question_ids if pk != answered.pk]


def test_submit_anyway_submits_with_what_was_saved(student: Client, attempt, committed):
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {})
        response = student.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == 0


def test_a_complete_attempt_is_submitted_without_a_question(student: Client, attempt, committed):
    with committed():
        response = student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_an_empty_submit_under_the_default_policy_reveals_no_correct_answer(
    student: Client, attempt, committed
):
    assert attempt.quiz.show_answers == Quiz.ShowAnswers.ONCE_PASSED_OR_DONE
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))

    assert page.select(".result")  # the result page, with every question
    text = page.select_one(".results").get_text(" ", strip=True)
    for key in KEYS:
        assert key not in text
    assert not page.select(".result__explanation")


def test_out_of_attempts_the_answered_questions_show_their_answers_but_never_the_unanswered(
    student: Client, basics_quiz, committed
):
    pick = _q("Pick")
    for _ in range(2):  # max_attempts = 2 in the tiny course
        attempt = attempt_start(quiz=basics_quiz, user=student.user)
        with committed():
            student.post(
                f"/attempts/{attempt.pk}/submit/",
                {f"q{pick.pk}": _value(attempt, pick, "IAM"), "confirm": "1"},
            )

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))

    results = page.select(".result")  # in the attempt's order
    answered = results.pop(attempt.question_ids.index(pick.pk))
    assert "Correct answer: EC2" in answered.get_text(" ", strip=True)
    assert len(results) == 5
    assert all("Correct answer" not in r.get_text() for r in results)


def test_a_check_answered_in_place_drops_the_earlier_score_with_the_form(
    student: Client, tiny, committed
):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    question = check.questions.get()
    with committed():
        student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "false"})

    page = _soup(student.get("/courses/tiny/basics/first-lesson/"))

    body = page.select_one(f"#check-{check.pk}-body")
    assert "Last time you scored 0\xa0%. Try again any time." in body.get_text(" ", strip=True)
    form = body.find("form")
    # htmx swaps the new result into the whole body: the old score goes with the form.
    assert form["data-hx-target"] == f"#check-{check.pk}-body"
    assert form["data-hx-swap"] == "innerHTML"
    with committed():
        fragment = student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"}, **HX)
    assert "Last time" not in fragment.content.decode()


def test_after_a_full_score_the_check_result_page_does_not_say_try_again(
    student: Client, tiny, committed
):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    question = check.questions.get()
    with committed():
        response = student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"})

    page = _soup(student.get(response["Location"]))

    assert "100\xa0%" in page.get_text()
    link = page.select_one(".attempt-result__next a")
    assert link.get_text() == "Back to the lesson"
    assert "try again" not in page.select_one(".attempt-result__next").get_text()
