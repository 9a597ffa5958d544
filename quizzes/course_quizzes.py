"""A course's quizzes as the course and lesson pages show them, read once per content version
(courses.structure) and kept in the process's memory, and a student's results at them read
in one query per page.

The quizzes and questions kept here are shared by every request of the process: pages get
copies carrying the student's result (``for_student``), or the kept quiz itself where the
student has none and the page only reads it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from config.sql import placeholders, rows
from courses.kept import KeptPerVersion
from courses.models import Course
from courses.structure import course_structure
from quizzes import gift
from quizzes.models import Attempt, AttemptCounts, Question, Quiz, QuizKind


@dataclass(frozen=True)
class CourseQuizzes:
    # Live (not archived) chapter quizzes by chapter id.
    chapter_quizzes: dict[int, Quiz]
    # Lesson id -> its live knowledge checks in order, each with `live_questions`: the live
    # questions a form shows (no descriptions), their GIFT already parsed.
    checks: dict[int, list[Quiz]]

    @property
    def all(self) -> list[Quiz]:
        return [
            *self.chapter_quizzes.values(),
            *(q for quizzes in self.checks.values() for q in quizzes),
        ]


def _build(course: Course) -> CourseQuizzes:
    """Two queries: the live quizzes, and the questions of the knowledge checks."""
    chapter_quizzes: dict[int, Quiz] = {}
    checks: dict[int, list[Quiz]] = {}
    check_by_pk: dict[int, Quiz] = {}
    for quiz in Quiz.objects.filter(course=course, is_archived=False).order_by("position", "pk"):
        _carry(quiz, QuizResult())  # as a student with no attempt sees it
        if quiz.kind == QuizKind.CHAPTER:
            chapter_quizzes.setdefault(quiz.chapter_id, quiz)
        else:
            quiz.live_questions = []
            checks.setdefault(quiz.lesson_id, []).append(quiz)
            check_by_pk[quiz.pk] = quiz
    if check_by_pk:
        for question in Question.objects.filter(
            quiz__in=list(check_by_pk), is_archived=False
        ).order_by("position"):
            if question.kind != gift.Kind.DESCRIPTION:
                question.as_gift()  # parsed once, here, not per page
                check_by_pk[question.quiz_id].live_questions.append(question)
    return CourseQuizzes(chapter_quizzes=chapter_quizzes, checks=checks)


_kept = KeptPerVersion(_build)
_HUNDREDTH = Decimal("0.01")


def course_quizzes(*, course: Course) -> CourseQuizzes:
    return _kept.get(course)


@dataclass(frozen=True)
class QuizResult:
    """A student's counted result at one quiz, as the quiz's attempt_counts counts it."""

    score: Decimal | None = None  # None without a graded attempt
    passed: bool | None = None
    used: int = 0  # attempts started


def quiz_results(*, user, quizzes: Iterable[Quiz]) -> dict[int, QuizResult]:
    """Quiz id -> the student's result, for each of these quizzes they attempted (one query,
    none without quizzes). The attempt that counts is the highest score (the later one on a
    tie) or the last one graded, as quizzes.selectors.counted_first orders them."""
    highest = {quiz.pk: quiz.attempt_counts == AttemptCounts.HIGHEST for quiz in quizzes}
    if not user.is_authenticated or not highest:
        return {}
    # SQL: every page of a signed-in student runs it, and the ORM took longer to build it
    # than the database to answer it (bench/README.md).
    found = rows(
        f"SELECT quiz_id, number, status, score, passed FROM {Attempt._meta.db_table}"
        f" WHERE user_id = %s AND quiz_id IN ({placeholders(len(highest))})",
        [user.pk, *highest],
    )
    used: dict[int, int] = {}
    counted: dict[int, tuple] = {}
    for quiz_id, number, status, score, passed in found:
        score, passed = _decimal(score), None if passed is None else bool(passed)
        used[quiz_id] = used.get(quiz_id, 0) + 1
        if status != Attempt.Status.GRADED:
            continue
        rank = (score, number) if highest[quiz_id] else (number,)
        best = counted.get(quiz_id)
        if best is None or rank > best[0]:
            counted[quiz_id] = (rank, score, passed)
    return {
        quiz_id: QuizResult(
            score=counted[quiz_id][1] if quiz_id in counted else None,
            passed=counted[quiz_id][2] if quiz_id in counted else None,
            used=n,
        )
        for quiz_id, n in used.items()
    }


def _decimal(value) -> Decimal | None:
    """A score as the ORM gives it, to the hundredth (SQLite returns a number)."""
    return None if value is None else Decimal(str(value)).quantize(_HUNDREDTH)


def for_student(quiz: Quiz, results: dict[int, QuizResult], *, own: bool = False) -> Quiz:
    """A kept quiz carrying the student's `result_score`, `result_passed` and `attempts_used`,
    as quizzes.selectors annotates them: a copy, or, when they have no result at it and the
    caller sets nothing on it (not ``own``), the kept quiz itself (it carries no result)."""
    result = results.get(quiz.pk)
    if result is None and not own:
        return quiz
    shown = copy.copy(quiz)
    _carry(shown, result or QuizResult())
    return shown


def _carry(quiz: Quiz, result: QuizResult) -> None:
    quiz.result_score = result.score
    quiz.result_passed = result.passed
    quiz.attempts_used = result.used


def requirements(
    *, course: Course, quizzes: CourseQuizzes, results: dict[int, QuizResult]
) -> tuple[int, int]:
    """(chapter quizzes passed, live chapter quizzes) of one course: the quizzes of its
    published, live chapters, and none while the course is unpublished."""
    if not course.is_published:
        return 0, 0
    live = [
        quizzes.chapter_quizzes[chapter.pk]
        for chapter in course_structure(course=course).chapters()
        if chapter.pk in quizzes.chapter_quizzes
    ]
    passed = sum(1 for quiz in live if results.get(quiz.pk, QuizResult()).passed)
    return passed, len(live)
