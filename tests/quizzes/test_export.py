"""quizzes.selectors.attempts_export: a student's attempts for their data export."""

import json

from quizzes.attempts import answer_save, attempt_start, attempt_submit
from quizzes.models import Question, Quiz
from quizzes.selectors import attempts_export


def _q(key: str) -> Question:
    return Question.objects.get(quiz__key="basics", key=key)


def test_attempts_export_holds_every_attempt_of_the_student_and_no_one_elses(
    basics_quiz, student, other_student, committed, django_assert_num_queries
):
    graded = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=graded, question=_q("Pick"), response=0)
    answer_save(attempt=graded, question=_q("Match"), response={0: "22", 1: "80"})
    with committed():
        attempt_submit(attempt=graded)
    open_attempt = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=open_attempt, question=_q("TF"), response=False)
    theirs = attempt_start(quiz=basics_quiz, user=other_student.user)
    answer_save(attempt=theirs, question=_q("Short"), response="their secret answer")

    with django_assert_num_queries(2):  # attempts with quiz and course, answers
        exported = attempts_export(user=student.user)

    assert json.loads(json.dumps(exported)) == exported  # JSON-ready as it is
    assert [(a["number"], a["status"]) for a in exported] == [(1, "graded"), (2, "in_progress")]
    first, second = exported
    assert first["quiz"] == basics_quiz.title and first["course"] == "tiny"
    assert first["submitted_at"] and first["graded_at"] and first["started_at"]
    assert (first["score"], first["passed"]) == (25.0, False)  # 1.5 of 6
    pick = first["answers"][0]
    assert pick["question"] == "Which is a compute service?"
    assert (pick["response"], pick["fraction"]) == ("EC2", 1.0)
    assert pick["feedback"] == ["Right: virtual machines."]
    match = next(a for a in first["answers"] if a["question"].startswith("Match"))
    assert match["response"] == "SSH → 22; HTTPS → 80"
    assert match["fraction"] == 0.5
    assert len(first["answers"]) == 6  # unanswered questions are listed too
    tf = next(a for a in second["answers"] if a["response"] != "(no answer)")
    assert (tf["response"], tf["fraction"], tf["feedback"]) == ("False", None, [])
    assert second["score"] is None and second["graded_at"] is None
    assert "their secret answer" not in json.dumps(exported)


def test_attempts_export_keeps_the_key_hidden_when_the_quiz_never_shows_answers(
    basics_quiz, student, committed
):
    Quiz.objects.filter(pk=basics_quiz.pk).update(show_answers=Quiz.ShowAnswers.NEVER)
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    answer_save(attempt=attempt, question=_q("Pick"), response=1)
    with committed():
        attempt_submit(attempt=attempt)

    [exported] = attempts_export(user=student.user)

    assert exported["score"] == 0.0
    pick = exported["answers"][0]
    assert pick["response"] == "S3"
    assert (pick["fraction"], pick["feedback"]) == (None, [])
