"""An attempt keeps the questions it started with, even when a re-import edits one in place."""

import logging
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from courses.services import course_import
from quizzes.attempts import attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Answer, Attempt, Question
from quizzes.selectors import UNKNOWN_CHOICE
from quizzes.shuffle import choice_order

# "Pick" keeps its title, loses a wrong choice, and its right answer moves from first to last.
PICK_BEFORE = """::Pick:: Which is a compute service? {
=EC2 #Right: virtual machines.
~S3 #No: storage.
~IAM #No: identity.
}"""
PICK_AFTER = """::Pick:: Which is a compute service? {
~IAM #No: identity.
=EC2 #Right: virtual machines.
}"""


def _edit_pick(tiny_dir) -> None:
    path = tiny_dir / "quizzes" / "basics.gift"
    text = path.read_text()
    assert PICK_BEFORE in text
    path.write_text(text.replace(PICK_BEFORE, PICK_AFTER))
    course_import(course_dir=tiny_dir)


def _pick() -> Question:
    return Question.objects.get(quiz__key="basics", key="Pick")


def _position(attempt: Attempt, question: Question, text: str) -> str:
    parsed = attempt.gift_question(question)
    order = choice_order(seed=attempt.seed, question_id=question.pk, parsed=parsed, shuffle=True)
    return str(order.index([a.text for a in parsed.answers].index(text)))


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_a_graded_attempt_keeps_its_result_page_after_the_question_loses_a_choice(
    basics_quiz, tiny_dir, student, committed
):
    # Right answers on every result page, so the snapshot's right answer shows.
    toml = tiny_dir / "course.toml"
    toml.write_text(toml.read_text() + 'show_answers = "after-each-attempt"\n')
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    pick = _pick()
    with committed():
        student.post(
            f"/attempts/{attempt.pk}/submit/",
            {f"q{pick.pk}": _position(attempt, pick, "IAM"), "confirm": "1"},  # last of three
        )
    _edit_pick(tiny_dir)
    assert _pick().pk == pick.pk  # edited in place: same row, two answers now

    page = student.get(f"/attempts/{attempt.pk}/")

    assert page.status_code == 200
    first = _soup(page).select(".result")[0]
    assert "Your answer: IAM" in first.get_text(" ", strip=True)
    assert "Correct answer: EC2" in first.get_text(" ", strip=True)


def test_an_open_attempt_is_answered_and_scored_against_the_questions_it_started_with(
    basics_quiz, tiny_dir, student, committed
):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    pick = _pick()
    right = _position(attempt, pick, "EC2")  # shown before the re-import
    _edit_pick(tiny_dir)

    form = _soup(student.get(f"/attempts/{attempt.pk}/"))
    labels = [label.get_text() for label in form.select(f"#question-{pick.pk} label")]
    assert sorted(labels) == ["EC2", "IAM", "S3"]
    with committed():
        submitted = student.post(
            f"/attempts/{attempt.pk}/submit/", {f"q{pick.pk}": right, "confirm": "1"}
        )

    assert submitted.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert Answer.objects.get(attempt=attempt, question=pick).fraction == 1
    assert student.get(f"/attempts/{attempt.pk}/").status_code == 200


def test_a_response_that_no_longer_fits_scores_zero_and_the_attempt_is_still_graded(
    basics_quiz, tiny_dir, student, committed, caplog
):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    pick = _pick()
    tf = Question.objects.get(quiz=basics_quiz, key="TF")
    student.post(
        f"/attempts/{attempt.pk}/answers/{pick.pk}/",
        {f"q{pick.pk}": _position(attempt, pick, "IAM")},  # index 2
    )
    student.post(f"/attempts/{attempt.pk}/answers/{tf.pk}/", {f"q{tf.pk}": "true"})
    assert Answer.objects.get(attempt=attempt, question=pick).response == 2
    # An attempt from before snapshots were kept: it reads the live question.
    Attempt.objects.filter(pk=attempt.pk).update(questions_snapshot={})
    _edit_pick(tiny_dir)  # index 2 no longer exists

    with committed(), caplog.at_level(logging.WARNING, logger="quizzes.grading"):
        student.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert Answer.objects.get(attempt=attempt, question=pick).fraction == 0
    assert attempt.score == Decimal("16.67")  # TF right, 1 of 6
    assert "scored 0" in caplog.text
    page = student.get(f"/attempts/{attempt.pk}/")
    assert page.status_code == 200
    assert UNKNOWN_CHOICE in _soup(page).select(".result")[0].get_text()


@pytest.mark.parametrize("response", [7, [0, 9], {"9": "22"}, "x"])
def test_grading_never_raises_on_a_response_that_does_not_fit(basics_quiz, student, response):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    for key in ("Pick", "Many", "Match"):
        question = Question.objects.get(quiz=basics_quiz, key=key)
        Answer.objects.create(
            attempt=attempt, question=question, response=response, saved_at=attempt.started_at
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)

    assert attempt_grade(attempt_id=attempt.pk) is not None
    assert Attempt.objects.get(pk=attempt.pk).score == 0
