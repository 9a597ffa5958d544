"""Reads for quizzes: the pieces shown on course pages, attempts, and progress."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils import timezone

from courses.models import Course, Lesson
from quizzes import course_quizzes, gift
from quizzes.models import (
    Answer,
    Attempt,
    AttemptCounts,
    Question,
    Quiz,
    ShowAnswers,
)
from quizzes.shuffle import choice_order

_LIVE_QUIZ = Q(
    is_archived=False,
    chapter__is_archived=False,
    chapter__is_published=True,
    course__is_published=True,
)


def counted_first(graded: QuerySet[Attempt], *, highest: bool) -> QuerySet[Attempt]:
    """A student's graded attempts ordered so the one that counts comes first: the highest
    score (the later attempt on a tie) or the last one, as the quiz's attempt_counts says."""
    return graded.order_by(F("score").desc(), "-number") if highest else graded.order_by("-number")


def _with_result(quizzes: QuerySet[Quiz], user) -> QuerySet[Quiz]:
    """Annotate each quiz with the student's counted result, as the quiz's settings count it:
    `result_score`, `result_passed` (None without a graded attempt) and `attempts_used`."""
    if not user.is_authenticated:
        return quizzes
    graded = Attempt.objects.filter(quiz=OuterRef("pk"), user=user, status=Attempt.Status.GRADED)
    best = counted_first(graded, highest=True)
    last = counted_first(graded, highest=False)
    highest = Q(attempt_counts=AttemptCounts.HIGHEST)
    used = (
        Attempt.objects.filter(quiz=OuterRef("pk"), user=user)
        .values("quiz")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return quizzes.annotate(
        result_score=Case(
            When(highest, then=Subquery(best.values("score")[:1])),
            default=Subquery(last.values("score")[:1]),
        ),
        result_passed=Case(
            When(highest, then=Subquery(best.values("passed")[:1])),
            default=Subquery(last.values("passed")[:1]),
        ),
        attempts_used=Subquery(used[:1]),
    )


def counted_results(*, quiz: Quiz, user_ref: OuterRef, prefix: str) -> dict:
    """Annotations of a queryset of students' rows (``user_ref`` names their user) with each
    one's counted result at ``quiz``: ``<prefix>_score``, ``_passed``, ``_used`` (attempts
    started) and ``_review`` (an attempt waits for marking). For staff pages."""
    graded = counted_first(
        Attempt.objects.filter(quiz=quiz, user=user_ref, status=Attempt.Status.GRADED),
        highest=quiz.attempt_counts == AttemptCounts.HIGHEST,
    )
    used = (
        Attempt.objects.filter(quiz=quiz, user=user_ref)
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    review = Attempt.objects.filter(quiz=quiz, user=user_ref, needs_review=True)
    return {
        f"{prefix}_score": Subquery(graded.values("score")[:1]),
        f"{prefix}_passed": Subquery(graded.values("passed")[:1]),
        f"{prefix}_used": Subquery(used[:1]),
        f"{prefix}_review": Exists(review),
    }


# --- course pages ----------------------------------------------------------------------------


@dataclass
class ShownQuestion:
    """A question as a form shows it: no fractions, feedback or matches (the page must never
    hold an answer key before submission)."""

    pk: int
    kind: str
    text: str
    tail_text: str | None
    choices: list[tuple[int, str]]  # (value posted, text) in display order
    subquestions: list[tuple[int, str]]  # matching: (answer index, text)
    response: object = None
    number: int = 0
    text_format: str = "moodle"

    @property
    def field(self) -> str:
        return f"q{self.pk}"

    @property
    def answered(self) -> bool:
        response = self.response
        if isinstance(response, dict):
            return any(value not in (None, "") for value in response.values())
        return response not in (None, "", [])


def shown_question(
    *,
    question: Question,
    parsed: gift.Question,
    seed: int,
    shuffle: bool,
    response: object = None,
) -> ShownQuestion:
    """What a form needs for one question (`parsed`: as the attempt started with it). Choice
    values are display positions, mapped back to answers through the seeded order."""
    kind = parsed.kind
    texts: list[str] = []
    if kind in (gift.Kind.MULTICHOICE, gift.Kind.MULTIRESPONSE):
        texts = [a.text for a in parsed.answers]
    elif kind is gift.Kind.MATCHING:
        texts = list(parsed.choices)
    order = choice_order(seed=seed, question_id=question.pk, parsed=parsed, shuffle=shuffle)
    choices = [(position, texts[index]) for position, index in enumerate(order)]
    subquestions = (
        [(i, a.text) for i, a in enumerate(parsed.answers) if a.text]
        if kind is gift.Kind.MATCHING
        else []
    )
    return ShownQuestion(
        pk=question.pk,
        kind=str(kind),
        text=parsed.text,
        tail_text=parsed.tail_text,
        choices=choices,
        subquestions=subquestions,
        response=_shown_response(kind, response, order, texts),
        text_format=str(parsed.text_format),
    )


def _shown_response(kind, response, order, texts) -> object:
    """A saved response in the form's terms (display positions), to check the right inputs."""
    if response is None:
        return None
    position = {index: pos for pos, index in enumerate(order)}
    if kind is gift.Kind.MULTICHOICE:
        return position.get(response)
    if kind is gift.Kind.MULTIRESPONSE:
        return [position.get(i) for i in response]
    if kind is gift.Kind.MATCHING:
        by_text = {text: position[i] for i, text in enumerate(texts)}
        return {int(k): by_text.get(v) for k, v in response.items() if str(k).isdigit()}
    if kind is gift.Kind.TRUEFALSE:
        return "true" if response else "false"
    return response


def lesson_quiz_context(*, user, lesson: Lesson) -> tuple[dict, tuple[int, int]]:
    """Template context the lesson page needs for its knowledge checks and chapter quiz, and
    the course's (chapter quizzes passed, total) for its progress bar: one query (the
    student's attempts) while the course's quizzes are kept (quizzes.course_quizzes)."""
    kept = course_quizzes.course_quizzes(course=lesson.course)
    results = course_quizzes.quiz_results(user=user, quizzes=kept.all)
    checks = [
        course_quizzes.for_student(quiz, results, own=True)  # shown_questions is set below
        for quiz in kept.checks.get(lesson.pk, [])
    ]
    chapter_quiz = kept.chapter_quizzes.get(lesson.chapter_id)
    for quiz in checks:
        # Seeded per student and check: the attempt check_submit opens reads the post with
        # the same order.
        seed = quiz.check_seed(user) if user.is_authenticated else 0
        quiz.shown_questions = [
            shown_question(question=q, parsed=q.as_gift(), seed=seed, shuffle=quiz.shuffle_choices)
            for q in quiz.live_questions
        ]
        for number, shown in enumerate(quiz.shown_questions, start=1):
            shown.number = number
    context = {
        # Fences are placed where they were written; file checks (position 1000) at the end.
        "knowledge_checks": {quiz.position: quiz for quiz in checks if quiz.position < 1000},
        "knowledge_checks_after": [quiz for quiz in checks if quiz.position >= 1000],
        "chapter_quiz": (
            course_quizzes.for_student(chapter_quiz, results) if chapter_quiz is not None else None
        ),
    }
    counts = course_quizzes.requirements(course=lesson.course, quizzes=kept, results=results)
    # Everything of the student's this page shows (the lesson page is cached on it).
    context["page_state"] = sorted(results.items())
    return context, counts


def chapter_page(*, user, course: Course, chapter) -> dict:
    """The chapter page's quiz context: `chapter_quiz`, with the student's result (one query
    while the course's quizzes are kept, none for a visitor or a chapter without a quiz)."""
    quiz = course_quizzes.course_quizzes(course=course).chapter_quizzes.get(chapter.pk)
    if quiz is None:
        return {"chapter_quiz": None, "page_state": None}
    results = course_quizzes.quiz_results(user=user, quizzes=[quiz])
    return {
        "chapter_quiz": course_quizzes.for_student(quiz, results),
        "page_state": sorted(results.items()),
    }


def course_page(*, user, course: Course, chapter_ids: list[int]) -> tuple[dict, tuple[int, int]]:
    """The course page's quiz context (one query while the course's quizzes are kept):
    `chapter_quizzes` maps a chapter id to its quiz, with the student's result; and (chapter
    quizzes passed, total) of the chapters the page shows."""
    kept = course_quizzes.course_quizzes(course=course)
    results = course_quizzes.quiz_results(user=user, quizzes=kept.chapter_quizzes.values())
    shown = [kept.chapter_quizzes[pk] for pk in chapter_ids if pk in kept.chapter_quizzes]
    passed = sum(1 for quiz in shown if results.get(quiz.pk, course_quizzes.QuizResult()).passed)
    context = {
        "chapter_quizzes": {
            chapter_id: course_quizzes.for_student(quiz, results)
            for chapter_id, quiz in kept.chapter_quizzes.items()
        },
        # Everything of the student's this page shows (the course page is cached on it).
        "page_state": sorted(results.items()),
    }
    return context, (passed, len(shown))


# --- progress, for the dashboard and course completion ---------------------------------------


def quiz_progress_for_courses(*, user, courses: Sequence[Course]) -> dict[int, tuple[int, int]]:
    """course id -> (chapter quizzes passed, live chapter quizzes), in one query."""
    kept = {course.pk: course_quizzes.course_quizzes(course=course) for course in courses}
    results = course_quizzes.quiz_results(
        user=user,
        quizzes=[q for quizzes in kept.values() for q in quizzes.chapter_quizzes.values()],
    )
    progress = {}
    for course in courses:
        counts = course_quizzes.requirements(
            course=course, quizzes=kept[course.pk], results=results
        )
        if counts[1]:
            progress[course.pk] = counts
    return progress


# --- quiz and attempt pages ------------------------------------------------------------------


def quiz_get(*, quiz_id: int, user) -> Quiz:
    """A live quiz with its course, chapter and lesson, and the student's result; else 404."""
    quiz = (
        _with_result(Quiz.objects.filter(_LIVE_QUIZ), user)
        .select_related("course", "chapter", "lesson")
        .filter(pk=quiz_id)
        .first()
    )
    if quiz is None:
        raise Http404("No such quiz")
    quiz.chapter.course = quiz.course
    if quiz.lesson is not None:
        quiz.lesson.course = quiz.course
        quiz.lesson.chapter = quiz.chapter
    return quiz


def answer_get(*, attempt: Attempt, question_id: int) -> Answer:
    return Answer.objects.get(attempt=attempt, question_id=question_id)


def attempts_for_quiz(*, quiz: Quiz, user) -> list[Attempt]:
    return list(Attempt.objects.filter(quiz=quiz, user=user).order_by("-number"))


def quiz_page_context(*, quiz: Quiz, user) -> dict:
    """What the quiz page shows: the student's attempts, attempts left, the question count."""
    attempts = attempts_for_quiz(quiz=quiz, user=user)
    return {
        "quiz": quiz,
        "course": quiz.course,
        "chapter": quiz.chapter,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
        "attempts_left": quiz.attempts_left(len(attempts)),
        "question_count": quiz.questions.filter(is_archived=False)
        .exclude(kind=gift.Kind.DESCRIPTION)
        .count(),
    }


def attempt_get(*, attempt_id: int, user, drafts: bool = False) -> Attempt:
    """The student's own attempt (another student's is a 404, not a 403: it does not exist
    for them), in a published course unless ``drafts`` (staff): an unpublished course takes
    no answers and shows no results."""
    published = {} if drafts else {"quiz__course__is_published": True}
    attempt = (
        Attempt.objects.select_related("quiz__course", "quiz__chapter", "quiz__lesson")
        .filter(pk=attempt_id, user=user, **published)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt")
    quiz = attempt.quiz
    quiz.chapter.course = quiz.course
    if quiz.lesson is not None:
        quiz.lesson.course = quiz.course
        quiz.lesson.chapter = quiz.chapter
    return attempt


def attempt_questions(*, attempt: Attempt) -> list[Question]:
    """The attempt's questions in the order it shows them (one query)."""
    by_pk = Question.objects.select_related("lesson__chapter").in_bulk(attempt.question_ids)
    return [by_pk[pk] for pk in attempt.question_ids if pk in by_pk]


def attempt_form(*, attempt: Attempt) -> list[ShownQuestion]:
    """The questions of an open attempt with the answers saved so far (two queries)."""
    questions = attempt_questions(attempt=attempt)
    saved = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    shown = []
    for number, question in enumerate(questions, start=1):
        item = shown_question(
            question=question,
            parsed=attempt.gift_question(question),
            seed=attempt.seed,
            shuffle=attempt.quiz.shuffle_choices,
            response=saved.get(question.pk),
        )
        item.number = number
        shown.append(item)
    return shown


@dataclass
class QuestionResult:
    number: int
    question: Question
    parsed: gift.Question
    answer: Answer | None
    your_answer: str
    correct_answer: str
    fraction: object
    feedback: list[str]
    needs_review: bool
    # The right answer and explanation may be shown (the attempt's Review, this question).
    reveal: bool = False

    @property
    def answered(self) -> bool:
        return self.answer is not None and self.answer.response not in (None, "", [], {})

    @property
    def outcome(self) -> str:
        if self.needs_review:
            return "review"
        if self.fraction is None or self.fraction == 0:
            return "wrong"
        return "right" if self.fraction == 1 else "partial"


@dataclass(frozen=True)
class Review:
    """What a graded attempt's result page may show, under its quiz's show_answers policy."""

    feedback: bool  # right/wrong and the feedback on the answer the student chose
    right_answers: bool  # the right answer and the explanation of answered questions
    unanswered: bool  # ... and of questions left unanswered


def review_for(*, attempt: Attempt, passed_before: bool, attempts_left: int | None) -> Review:
    """The review a result page gives (see ShowAnswers)."""
    return review_policy(
        quiz=attempt.quiz,
        passed=bool(attempt.passed) or passed_before,
        attempts_left=attempts_left,
    )


def review_policy(*, quiz: Quiz, passed: bool, attempts_left: int | None) -> Review:
    """What a student who has ``passed`` the quiz (or not) with ``attempts_left`` may see of
    its answers, under the quiz's show_answers policy: the one rule for result pages and for
    whatever else shows a quiz's answers (the review deck)."""
    policy = quiz.show_answers
    if policy == ShowAnswers.NEVER:
        return Review(feedback=False, right_answers=False, unanswered=False)
    if policy == ShowAnswers.AFTER_EACH_ATTEMPT:
        return Review(feedback=True, right_answers=True, unanswered=True)
    if policy == ShowAnswers.ONCE_PASSED:
        return Review(feedback=True, right_answers=passed, unanswered=passed)
    return Review(feedback=True, right_answers=passed or attempts_left == 0, unanswered=False)


def answers_visible(*, attempt: Attempt, passed_before: bool) -> bool:
    """Whether a data export may include this attempt's marks and feedback."""
    return review_for(attempt=attempt, passed_before=passed_before, attempts_left=None).feedback


def attempt_results(*, attempt: Attempt, review: Review | None = None) -> list[QuestionResult]:
    """Per-question results of a graded attempt (two queries); ``reveal`` set by ``review``."""
    questions = attempt_questions(attempt=attempt)
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    results = []
    for number, question in enumerate(questions, start=1):
        parsed = attempt.gift_question(question)
        answer = answers.get(question.pk)
        response = answer.response if answer else None
        results.append(
            QuestionResult(
                number=number,
                question=question,
                parsed=parsed,
                answer=answer,
                your_answer=describe_response(parsed, response),
                correct_answer=describe_correct(parsed),
                fraction=answer.fraction if answer else 0,
                feedback=answer.feedback if answer else [],
                needs_review=bool(answer and answer.needs_review),
            )
        )
        if review is not None and review.right_answers:
            result = results[-1]
            results[-1] = dataclasses.replace(result, reveal=result.answered or review.unanswered)
    return results


UNKNOWN_CHOICE = "(a choice that is no longer part of this question)"


def describe_response(parsed: gift.Question, response: object) -> str:
    """A saved response as the student saw it. Never raises: a response that does not fit
    the question (saved before snapshots were kept, then the question changed) is described
    as such rather than breaking the result page."""
    if response is None or response == "" or response == []:
        return "(no answer)"

    def answer_text(index: object) -> str:
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        valid = isinstance(index, int) and not isinstance(index, bool)
        if valid and 0 <= index < len(parsed.answers):
            return parsed.answers[index].text
        return UNKNOWN_CHOICE

    kind = parsed.kind
    if kind is gift.Kind.MULTICHOICE:
        return answer_text(response)
    if kind is gift.Kind.MULTIRESPONSE:
        if not isinstance(response, list):
            return UNKNOWN_CHOICE
        return "; ".join(answer_text(i) for i in response)
    if kind is gift.Kind.TRUEFALSE:
        return "True" if response else "False"
    if kind is gift.Kind.MATCHING:
        if not isinstance(response, dict):
            return UNKNOWN_CHOICE
        return "; ".join(f"{answer_text(k)} → {v}" for k, v in response.items() if v is not None)
    return str(response)


def describe_correct(parsed: gift.Question) -> str:
    kind = parsed.kind
    if kind is gift.Kind.MULTICHOICE:
        return "; ".join(a.text for a in parsed.answers if a.fraction == 1)
    if kind is gift.Kind.MULTIRESPONSE:
        return "; ".join(a.text for a in parsed.answers if a.fraction > 0)
    if kind is gift.Kind.TRUEFALSE:
        return "True" if parsed.correct else "False"
    if kind is gift.Kind.SHORTANSWER:
        return " or ".join(a.text for a in parsed.answers if a.fraction == 1)
    if kind is gift.Kind.NUMERICAL:
        best = [a for a in parsed.answers if a.fraction == 1 and a.value is not None]
        return " or ".join(
            f"{a.value.normalize():f}"
            + (f" (± {a.tolerance.normalize():f})" if a.tolerance else "")
            for a in best
        )
    if kind is gift.Kind.MATCHING:
        return "; ".join(f"{a.text} → {a.match}" for a in parsed.answers if a.text)
    return ""


# --- waiting for the scorer ----------------------------------------------------------------


# After this long, the "Scoring…" page says scoring is delayed and the answers are safe.
SCORING_DELAYED_AFTER = 20
# (seconds waited so far, seconds between polls from then on): poll often at first, when the
# score usually arrives, then back off so a dead worker does not cost a request a second.
_POLL_STEPS = ((0, 1), (10, 3), (60, 10), (300, 30))


@dataclass(frozen=True)
class ScoringWait:
    seconds: float
    poll_seconds: int
    delayed: bool


def scoring_wait(*, attempt: Attempt, now: datetime | None = None) -> ScoringWait:
    """How long a submitted attempt has waited for its score, how often to poll it now, and
    whether to say it is delayed. Counted from when scoring was requested (not submitted_at,
    which is the deadline for a late attempt)."""
    now = now or timezone.now()
    since = attempt.scoring_requested_at or attempt.submitted_at or now
    seconds = max(0.0, (now - since).total_seconds())
    poll = next(every for after, every in reversed(_POLL_STEPS) if seconds >= after)
    return ScoringWait(seconds, poll, seconds >= SCORING_DELAYED_AFTER)


# --- the student's data export ---------------------------------------------------------------


def _number(value) -> float | None:
    return None if value is None else float(value)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class SeenAnswer:
    number: int  # the question's place in the attempt, from 1
    question: gift.Question  # as the attempt saw it
    answer: Answer | None  # None when left unanswered


def seen_answers(attempts: Sequence[Attempt]) -> dict[int, list[SeenAnswer]]:
    """attempt pk -> each of its questions as it saw them, with the saved answer, in order;
    a question that is gone is left out. Two queries however many attempts (a third for
    attempts from before questions were snapshotted)."""
    answers: dict[int, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(attempt__in=[a.pk for a in attempts]):
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = answer
    wanted = {pk for attempt in attempts for pk in attempt.unsnapshotted_ids()}
    live = Question.objects.in_bulk(wanted) if wanted else {}
    seen: dict[int, list[SeenAnswer]] = {}
    for attempt in attempts:
        rows = seen[attempt.pk] = []
        for number, question_id in enumerate(attempt.question_ids, start=1):
            parsed = attempt.seen_question(question_id, live)
            if parsed is not None:
                answer = answers.get(attempt.pk, {}).get(question_id)
                rows.append(SeenAnswer(number=number, question=parsed, answer=answer))
    return seen


def attempts_export(*, user) -> list[dict]:
    """Every quiz attempt of one student, as JSON-ready data (their right of access).

    Each answer has the question's text and the response as the student saw it, both from
    the attempt's own copy of its questions. Fractions and feedback appear once the attempt
    is graded, and only when the quiz's show_answers lets the student see them on the result
    page (they would give the key away otherwise). Two queries however many attempts (a
    third for attempts from before questions were snapshotted).
    """
    attempts = list(
        Attempt.objects.filter(user=user)
        .select_related("quiz__course")
        .order_by("quiz__course__slug", "quiz__key", "number")
    )
    seen = seen_answers(attempts)
    passed_quizzes = {a.quiz_id for a in attempts if a.passed}
    exported = []
    for attempt in attempts:
        graded = attempt.status == Attempt.Status.GRADED
        visible = graded and answers_visible(
            attempt=attempt, passed_before=attempt.quiz_id in passed_quizzes
        )
        rows = []
        for row in seen[attempt.pk]:
            answer = row.answer
            rows.append(
                {
                    "number": row.number,
                    "question": row.question.text,
                    "response": describe_response(
                        row.question, answer.response if answer else None
                    ),
                    "saved_at": _iso(answer.saved_at) if answer else None,
                    "fraction": _number(answer.fraction) if answer and visible else None,
                    "feedback": list(answer.feedback) if answer and visible else [],
                    "awaiting_review": bool(answer and answer.needs_review),
                    # An instructor's comment is written for the student: always theirs.
                    "comment": answer.comment if answer else "",
                }
            )
        exported.append(
            {
                "quiz": attempt.quiz.title,
                "quiz_key": attempt.quiz.key,
                "course": attempt.quiz.course.slug,
                "course_title": attempt.quiz.course.title,
                "number": attempt.number,
                "status": attempt.status,
                "started_at": _iso(attempt.started_at),
                "deadline": _iso(attempt.deadline),
                "submitted_at": _iso(attempt.submitted_at),
                "graded_at": _iso(attempt.graded_at),
                "score": _number(attempt.score),
                "passed": attempt.passed,
                "awaiting_review": attempt.needs_review,
                "answers": rows,
            }
        )
    return exported
