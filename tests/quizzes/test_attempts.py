"""Attempts through the services: scoring per question type, idempotency, deadlines, essays."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from quizzes.attempts import (
    AttemptClosed,
    AttemptsExhausted,
    answer_save,
    attempt_grade_enqueue,
    attempt_start,
    attempt_submit,
)
from quizzes.grading import attempt_grade, attempt_review_apply
from quizzes.models import Answer, Attempt, Question, Quiz
from quizzes.shuffle import choice_order
from tests.factories import UserFactory


def _q(key: str) -> Question:
    return Question.objects.get(quiz__key="basics", key=key)


RIGHT = {
    "Pick": 0,  # index of "EC2" in the answers
    "Many": [0, 1],
    "TF": True,
    "Short": "elastic compute cloud",
    "Num": "3",
    "Match": {0: "22", 1: "443"},
}


@pytest.mark.parametrize(
    ("key", "response", "fraction"),
    [
        ("Pick", 0, Decimal(1)),
        ("Pick", 1, Decimal(0)),
        ("Many", [0], Decimal("0.5")),
        ("Many", [0, 1, 2], Decimal(0)),
        ("TF", True, Decimal(1)),
        ("TF", False, Decimal(0)),
        ("Short", "Elastic Compute Cloud", Decimal(1)),
        ("Short", "nothing", Decimal(0)),
        ("Num", "3", Decimal(1)),
        ("Num", "4", Decimal(0)),
        ("Match", {0: "22", 1: "80"}, Decimal("0.5")),
    ],
)
def test_each_question_type_is_scored_through_the_service(
    basics_quiz, student, key, response, fraction, committed
):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=attempt, question=_q(key), response=response)
    with committed():
        attempt_submit(attempt=attempt)  # eager Celery grades it on commit

    answer = Answer.objects.get(attempt=attempt, question=_q(key))
    assert answer.fraction == fraction
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == (fraction * 100 / 6).quantize(Decimal("0.01"))


def test_all_right_scores_100_and_passes(basics_quiz, student, committed):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    for key, response in RIGHT.items():
        answer_save(attempt=attempt, question=_q(key), response=response)
    with committed():
        attempt_submit(attempt=attempt)

    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (Decimal("100.00"), True)
    assert Answer.objects.get(attempt=attempt, question=_q("Pick")).feedback == [
        "Right: virtual machines."
    ]


def test_grading_twice_changes_nothing(basics_quiz, student, django_capture_on_commit_callbacks):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=attempt, question=_q("TF"), response=True)
    with django_capture_on_commit_callbacks(execute=False):
        attempt_submit(attempt=attempt)  # scoring queued, not run

    assert attempt_grade(attempt_id=attempt.pk) is not None
    graded = Attempt.objects.get(pk=attempt.pk)
    assert attempt_grade(attempt_id=attempt.pk) is None
    assert Attempt.objects.get(pk=attempt.pk).graded_at == graded.graded_at


def test_double_submit_queues_one_scoring(
    basics_quiz, student, django_capture_on_commit_callbacks, committed
):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert attempt_submit(attempt=attempt) is True
        assert attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk)) is False

    # One scoring queued (grading it then asks for the quiz's statistics: a second callback).
    queued = [c for c in callbacks if getattr(c, "func", None) is attempt_grade_enqueue]
    assert len(queued) == 1
    assert Attempt.objects.filter(quiz=basics_quiz, status="graded").count() == 1


def test_submitted_attempt_refuses_answers(basics_quiz, student, committed):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    with committed():
        attempt_submit(attempt=attempt)

    with pytest.raises(AttemptClosed):
        answer_save(attempt=attempt, question=_q("TF"), response=True)
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_answers_after_the_deadline_are_refused_and_the_attempt_scored_with_earlier_ones(
    basics_quiz, student, committed
):
    Quiz.objects.filter(pk=basics_quiz.pk).update(time_limit_minutes=10)
    basics_quiz.refresh_from_db()
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=attempt, question=_q("TF"), response=True)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    attempt.refresh_from_db()

    with committed(), pytest.raises(AttemptClosed):
        answer_save(attempt=attempt, question=_q("Pick"), response=0)

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.submitted_at == attempt.deadline
    assert list(Answer.objects.filter(attempt=attempt).values_list("question__key", flat=True)) == [
        "TF"
    ]
    assert attempt.score == Decimal("16.67")


def test_max_attempts_is_enforced(basics_quiz, student, committed):
    assert basics_quiz.max_attempts == 2
    for _ in range(2):
        with committed():
            attempt_submit(attempt=attempt_start(quiz=basics_quiz, user=student.user))

    with pytest.raises(AttemptsExhausted):
        attempt_start(quiz=basics_quiz, user=student.user)


def test_starting_twice_gives_the_same_open_attempt(basics_quiz, student, committed):
    first = attempt_start(quiz=basics_quiz, user=student.user)
    second = attempt_start(quiz=basics_quiz, user=student.user)

    assert first.pk == second.pk
    assert Attempt.objects.filter(quiz=basics_quiz).count() == 1


def test_shuffling_is_seeded_per_attempt_and_stable(basics_quiz, student, committed):
    Quiz.objects.filter(pk=basics_quiz.pk).update(shuffle_questions=True)
    basics_quiz.refresh_from_db()
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    pick = _q("Pick")

    def order_of(attempt: Attempt) -> list[int]:
        return choice_order(
            seed=attempt.seed, question_id=pick.pk, parsed=pick.as_gift(), shuffle=True
        )

    order = order_of(attempt)
    assert order_of(Attempt.objects.get(pk=attempt.pk)) == order
    assert sorted(attempt.question_ids) == sorted(
        basics_quiz.questions.values_list("pk", flat=True)
    )


def test_highest_or_last_attempt_counts(basics_quiz, student, committed):
    from courses.content_version import content_changed
    from quizzes.selectors import quiz_progress_for_courses

    good = attempt_start(quiz=basics_quiz, user=student.user)
    for key, response in RIGHT.items():
        answer_save(attempt=good, question=_q(key), response=response)
    with committed():
        attempt_submit(attempt=good)
    with committed():
        attempt_submit(attempt=attempt_start(quiz=basics_quiz, user=student.user))  # blank: 0 %

    course = basics_quiz.course
    assert quiz_progress_for_courses(user=student.user, courses=[course]) == {course.pk: (1, 1)}
    # As a staff edit in the admin does it: the quiz's settings are part of the content.
    Quiz.objects.filter(pk=basics_quiz.pk).update(attempt_counts="last")
    content_changed(course_ids=[course.pk])
    course.refresh_from_db()
    assert quiz_progress_for_courses(user=student.user, courses=[course]) == {course.pk: (0, 1)}
    other = UserFactory()
    assert quiz_progress_for_courses(user=other, courses=[course]) == {course.pk: (0, 1)}


def test_essay_waits_for_review_and_the_score_excludes_it(tiny, tiny_dir, student, committed):
    from courses.services import course_import

    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(gift_path.read_text() + "\n::Essay:: Explain regions. {}\n")
    course_import(course_dir=tiny_dir)
    quiz = Quiz.objects.get(key="basics")
    attempt = attempt_start(quiz=quiz, user=student.user)
    answer_save(attempt=attempt, question=_q("TF"), response=True)
    answer_save(attempt=attempt, question=_q("Essay"), response="A region is a cluster.")
    with committed():
        attempt_submit(attempt=attempt)

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.needs_review
    assert attempt.score == Decimal("16.67")  # 1 of the 6 auto-marked questions
    essay = Answer.objects.get(attempt=attempt, question=_q("Essay"))
    assert essay.needs_review and essay.fraction is None

    essay.fraction = Decimal(1)
    essay.save()
    attempt_review_apply(attempt=attempt)

    attempt.refresh_from_db()
    assert not attempt.needs_review
    assert attempt.score == Decimal("28.57")  # 2 of 7
