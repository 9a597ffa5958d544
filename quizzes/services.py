"""Quizzes: importing GIFT files with a course, attempts, answers, scoring.

Import rules (docs/quizzes.md has the author's view):

* ``quizzes/<chapter-slug>.gift`` is the chapter quiz of that chapter;
* ``quizzes/<chapter-slug>/<lesson-slug>.gift`` is a knowledge check shown at the end of that
  lesson;
* a ```` ```gift ```` fence inside a lesson is a knowledge check shown where the fence is;
* ``[quizzes]`` in course.toml holds settings for chapter quizzes, and ``[quizzes."<key>"]``
  tables settings for one quiz.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from courses.markdown_engine import KNOWLEDGE_CHECK_LANGUAGE, knowledge_check_fences, parse_document
from courses.models import Chapter, Course, Lesson
from courses.rendering import html_to_text
from courses.splitter import SourceError, decode_source
from quizzes import gift, scoring, shuffle
from quizzes.forms import responses_from_post
from quizzes.models import (
    Answer,
    Attempt,
    AttemptCounts,
    Question,
    Quiz,
    QuizKind,
    ShowAnswers,
    question_from_data,
    question_to_data,
)

logger = logging.getLogger(__name__)

# Part of every quiz's content hash: bump it when what the import stores changes.
# 2: [html] text stored as plain text; knowledge checks shuffle their choices.
IMPORT_VERSION = "2"
GIFT_FENCE = KNOWLEDGE_CHECK_LANGUAGE

# --- settings from course.toml ---------------------------------------------------------------

_SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "pass_mark": int,
    "max_attempts": int,
    "time_limit_minutes": int,
    "shuffle_questions": bool,
    "shuffle_choices": bool,
    "show_answers": str,
    "attempt_counts": str,
}
# Knowledge checks are practice: unlimited tries, answers shown, no clock. Their choices are
# shuffled per student (the form is on the lesson page before any attempt exists, so the seed
# is derived from the student and the check: check_seed), else the right answer's position
# gives it away; their questions keep the author's order.
_CHECK_SETTINGS = {
    "max_attempts": None,
    "time_limit_minutes": None,
    "shuffle_questions": False,
    "shuffle_choices": True,
    "show_answers": ShowAnswers.AFTER_EACH_ATTEMPT,
}
_CHAPTER_DEFAULTS = {
    "pass_mark": 70,
    "max_attempts": None,
    "time_limit_minutes": None,
    "shuffle_questions": False,
    "shuffle_choices": True,
    "show_answers": ShowAnswers.AFTER_EACH_ATTEMPT,
    "attempt_counts": AttemptCounts.HIGHEST,
}


def _import_error(message: str) -> Exception:
    # courses.services imports this module, so its exception is looked up when needed.
    from courses.services import CourseImportError

    return CourseImportError(message)


def _check_settings(values: dict, where: str) -> dict:
    """Validate one table of quiz settings; 0 means "none" for max_attempts and time limit."""
    clean = {}
    for name, value in values.items():
        wanted = _SETTING_TYPES.get(name)
        if wanted is None:
            known = ", ".join(_SETTING_TYPES)
            raise _import_error(f"{where}: unknown quiz setting {name!r} (known: {known})")
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise _import_error(f"{where}: {name!r} must be {wanted.__name__}, not {value!r}")
        if name == "pass_mark" and not 0 <= value <= 100:
            raise _import_error(f"{where}: 'pass_mark' is a percent from 0 to 100, not {value}")
        if name in ("max_attempts", "time_limit_minutes"):
            if value < 0:
                raise _import_error(f"{where}: {name!r} cannot be negative")
            value = value or None
        if name == "show_answers" and value not in ShowAnswers.values:
            raise _import_error(f"{where}: 'show_answers' is one of {ShowAnswers.values}")
        if name == "attempt_counts" and value not in AttemptCounts.values:
            raise _import_error(f"{where}: 'attempt_counts' is one of {AttemptCounts.values}")
        clean[name] = value
    return clean


@dataclass(frozen=True)
class QuizSettings:
    defaults: dict
    per_quiz: dict[str, dict]


def read_quiz_settings(course_dir: Path) -> QuizSettings:
    """The `[quizzes]` table of course.toml: defaults, and per-quiz tables keyed by quiz key."""
    where = f"{course_dir.name}/course.toml"
    try:
        raw = tomllib.loads((course_dir / "course.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return QuizSettings({}, {})  # read_course_config has reported it already
    table = raw.get("quizzes", {})
    if not isinstance(table, dict):
        raise _import_error(f"{where}: 'quizzes' must be a table ([quizzes])")
    defaults = {k: v for k, v in table.items() if not isinstance(v, dict)}
    per_quiz = {
        key: _check_settings(value, f"{where} [quizzes.{key!r}]")
        for key, value in table.items()
        if isinstance(value, dict)
    }
    return QuizSettings(_check_settings(defaults, f"{where} [quizzes]"), per_quiz)


# --- import ----------------------------------------------------------------------------------


@dataclass
class _QuizPlan:
    key: str
    kind: str
    chapter: Chapter
    lesson: Lesson | None
    position: int
    path: str
    questions: list[gift.Question]
    settings: dict = field(default_factory=dict)
    content_hash: str = ""


def course_quizzes_import(*, course: Course, course_dir: Path, report) -> None:
    """Import a course's quizzes (called by courses.services.course_import, in its transaction).

    Every GIFT source is parsed before anything is written; a broken question raises
    CourseImportError naming ``file:line: question '...'`` so the whole course import rolls
    back. Unchanged quizzes are not written (content hash); a quiz or question that left the
    source is archived, never deleted, so attempts keep their questions.
    """
    settings = read_quiz_settings(course_dir)
    chapters = {
        c.slug: c for c in Chapter.objects.filter(course=course, is_archived=False).only("slug")
    }
    lessons = {
        (lesson.chapter_id, lesson.slug): lesson
        for lesson in Lesson.objects.filter(
            course=course, is_archived=False, chapter__is_archived=False
        ).only("chapter_id", "slug", "title")
    }
    plans: list[_QuizPlan] = []
    errors: list[str] = []
    _plan_files(course_dir, chapters, lessons, plans, errors)
    _plan_fences(course, course_dir, chapters, plans, errors)
    if errors:
        raise _import_error("\n".join(errors))

    for plan in plans:
        base = dict(_CHAPTER_DEFAULTS)
        if plan.kind == QuizKind.CHAPTER:
            base.update(settings.defaults)
        else:
            base.update({"pass_mark": base["pass_mark"], **_CHECK_SETTINGS})
        base.update(settings.per_quiz.get(plan.key, {}))
        base.setdefault("title", _default_title(plan))
        plan.settings = base
        plan.content_hash = _quiz_hash(plan)
    known = {plan.key for plan in plans}
    for key in settings.per_quiz:
        if key not in known:
            report.warnings.append(
                f"{course_dir.name}/course.toml: [quizzes.{key!r}] names no quiz; quiz keys are "
                "chapter slugs, '<chapter>/<lesson>' or '<chapter>/<lesson>#<n>' [unknown-quiz]"
            )
    _write_quizzes(course, plans, report)


def _plan_files(course_dir, chapters, lessons, plans, errors) -> None:
    folder = course_dir / "quizzes"
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*.gift")):
        relative = path.relative_to(folder)
        display = f"{course_dir.name}/quizzes/{relative}"
        parts = relative.with_suffix("").parts
        if len(parts) > 2:
            errors.append(f"{display}: quiz files go in quizzes/ or quizzes/<chapter-slug>/")
            continue
        chapter = chapters.get(parts[0])
        if chapter is None:
            errors.append(
                f"{display}: no chapter with the address {parts[0]!r}; name a chapter quiz "
                f"after its chapter's slug ({', '.join(chapters) or 'none'})"
            )
            continue
        lesson = None
        if len(parts) == 2:
            lesson = lessons.get((chapter.pk, parts[1]))
            if lesson is None:
                errors.append(f"{display}: chapter {parts[0]!r} has no lesson {parts[1]!r}")
                continue
        try:
            text = decode_source(path.read_bytes(), display)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        questions = _parse(text, display, errors)
        if questions is None:
            continue
        plans.append(
            _QuizPlan(
                key="/".join(parts),
                kind=QuizKind.CHAPTER if lesson is None else QuizKind.INLINE,
                chapter=chapter,
                lesson=lesson,
                # After the fences of the lesson, which are numbered from 1.
                position=1000,
                path=display,
                questions=questions,
            )
        )


def gift_fences(markdown: str) -> list[tuple[int, str]]:
    """The ```gift fences of a lesson's Markdown: (line of the first GIFT line, GIFT text).

    Numbered in document order, as courses.rendering numbers its placeholders: both use
    courses.markdown_engine.knowledge_check_fences.
    """
    return [
        (token.map[0] + 2 if token.map else 1, token.content)
        for token in knowledge_check_fences(parse_document(markdown).tokens)
    ]


def _plan_fences(course, course_dir, chapters, plans, errors) -> None:
    by_pk = {c.pk: c for c in chapters.values()}
    candidates = Lesson.objects.filter(
        course=course,
        is_archived=False,
        chapter__is_archived=False,
        body_markdown__contains=GIFT_FENCE,
    ).only("chapter_id", "slug", "title", "body_markdown", "source_path")
    sources: dict[str, str] = {}
    for lesson in candidates:
        fences = gift_fences(lesson.body_markdown)
        if not fences:
            continue
        offset = _lesson_offset(lesson, course_dir, sources)
        chapter = by_pk[lesson.chapter_id]
        for number, (line, text) in enumerate(fences, start=1):
            # Leading newlines make GiftError's line numbers the source file's.
            questions = _parse("\n" * (offset + line - 1) + text, lesson.source_path, errors)
            if questions is None:
                continue
            plans.append(
                _QuizPlan(
                    key=f"{chapter.slug}/{lesson.slug}#{number}",
                    kind=QuizKind.INLINE,
                    chapter=chapter,
                    lesson=lesson,
                    position=number,
                    path=lesson.source_path,
                    questions=questions,
                )
            )


def _lesson_offset(lesson: Lesson, course_dir: Path, sources: dict[str, str]) -> int:
    """Lines before the lesson's body in its source file (0 if it cannot be found)."""
    name = lesson.source_path.split("/", 1)[-1]
    if name not in sources:
        try:
            sources[name] = decode_source((course_dir / name).read_bytes(), name)
        except (OSError, SourceError):
            sources[name] = ""
    at = sources[name].find(lesson.body_markdown)
    return sources[name].count("\n", 0, at) if at > 0 else 0


def _parse(text: str, path: str, errors: list[str]) -> list[gift.Question] | None:
    try:
        questions = gift.parse(text, path=path)
    except gift.GiftError as exc:
        errors.append(str(exc))
        return None
    if not any(q.kind is not gift.Kind.DESCRIPTION for q in questions):
        errors.append(f"{path}: no questions")
        return None
    return questions


def _default_title(plan: _QuizPlan) -> str:
    if plan.kind == QuizKind.CHAPTER:
        return f"{plan.chapter.title} quiz"
    return "Knowledge check"


def _quiz_hash(plan: _QuizPlan) -> str:
    payload = {
        "v": IMPORT_VERSION,
        "chapter": plan.chapter.pk,
        "lesson": plan.lesson.pk if plan.lesson else None,
        "kind": str(plan.kind),
        "position": plan.position,
        "path": plan.path,
        "settings": plan.settings,
        "questions": [question_to_data(q) for q in plan.questions],
    }
    blob = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


_QUIZ_FIELDS = [
    "chapter",
    "lesson",
    "kind",
    "title",
    "position",
    "source_path",
    "pass_mark",
    "max_attempts",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_choices",
    "show_answers",
    "attempt_counts",
    "content_hash",
    "is_archived",
    "updated",
]
_QUESTION_FIELDS = ["kind", "position", "line", "data", "lesson", "is_archived", "updated"]


def _write_quizzes(course: Course, plans: list[_QuizPlan], report) -> None:
    now = timezone.now()
    existing = {quiz.key: quiz for quiz in Quiz.objects.filter(course=course)}
    written: list[tuple[Quiz, _QuizPlan]] = []
    for plan in plans:
        quiz = existing.pop(plan.key, None)
        if quiz is None:
            quiz = Quiz(course=course, key=plan.key)
            report.quizzes.created += 1
        elif quiz.is_archived:
            report.quizzes.restored += 1
        elif quiz.content_hash != plan.content_hash:
            report.quizzes.updated += 1
        else:
            report.quizzes.unchanged += 1
            report.questions.unchanged += len(plan.questions)
            continue
        quiz.chapter = plan.chapter
        quiz.lesson = plan.lesson
        quiz.kind = plan.kind
        quiz.position = plan.position
        quiz.source_path = plan.path
        for name, value in plan.settings.items():
            setattr(quiz, name, value)
        quiz.content_hash = plan.content_hash
        quiz.is_archived = False
        quiz.updated = now
        quiz.full_clean(validate_unique=False, validate_constraints=False)
        quiz.save()
        written.append((quiz, plan))
    archived = [quiz for quiz in existing.values() if not quiz.is_archived]
    for quiz in archived:
        quiz.is_archived = True
        quiz.updated = now
    if archived:
        Quiz.objects.bulk_update(archived, ["is_archived", "updated"])
    report.quizzes.archived += len(archived)

    for quiz, plan in written:
        _write_questions(quiz, plan, now, report)


def _write_questions(quiz: Quiz, plan: _QuizPlan, now, report) -> None:
    lessons_by_slug = {}
    if plan.kind == QuizKind.CHAPTER:
        # A $CATEGORY naming a lesson of the chapter says what lesson a question is about.
        lessons_by_slug = {
            lesson.slug: lesson
            for lesson in Lesson.objects.filter(chapter=plan.chapter, is_archived=False).only(
                "slug"
            )
        }
    existing = {q.key: q for q in Question.objects.filter(quiz=quiz)}
    new: list[Question] = []
    changed: list[Question] = []
    for position, parsed in enumerate(plan.questions, start=1):
        data = question_to_data(_as_plain_text(parsed))
        lesson = plan.lesson or lessons_by_slug.get((parsed.category or "").strip())
        question = existing.pop(parsed.key, None)
        if question is None:
            question = Question(quiz=quiz, key=parsed.key)
            new.append(question)
            report.questions.created += 1
        elif question.is_archived:
            changed.append(question)
            report.questions.restored += 1
        elif (question.data, question.position, question.lesson_id) != (
            data,
            position,
            lesson.pk if lesson else None,
        ):
            changed.append(question)
            report.questions.updated += 1
        else:
            report.questions.unchanged += 1
            continue
        question.kind = str(parsed.kind)
        question.position = position
        question.line = parsed.line
        question.data = data
        question.lesson = lesson
        question.is_archived = False
        question.updated = now
    gone = [q for q in existing.values() if not q.is_archived]
    for question in gone:
        question.is_archived = True
        question.updated = now
    report.questions.archived += len(gone)
    Question.objects.bulk_create(new)
    if changed or gone:
        Question.objects.bulk_update([*changed, *gone], _QUESTION_FIELDS)


_TEXT_ANSWER_KINDS = (gift.Kind.MULTICHOICE, gift.Kind.MULTIRESPONSE, gift.Kind.MATCHING)


def _as_plain_text(question: gift.Question) -> gift.Question:
    """The question with its `[html]` texts turned into plain text, as pages show them.

    Pages show question text as plain text; stored HTML would be shown as literal tags. Short
    answer and numerical answers are patterns, not text shown to students: left alone. The
    key (identity across re-imports) is taken from the question as written, before this.
    """

    def plain(text: str, text_format: gift.TextFormat) -> tuple[str, gift.TextFormat]:
        if text_format is gift.TextFormat.HTML:
            return html_to_text(text), gift.TextFormat.PLAIN
        return text, text_format

    answers = []
    for answer in question.answers:
        changes = {}
        if question.kind in _TEXT_ANSWER_KINDS:
            changes["text"], changes["text_format"] = plain(answer.text, answer.text_format)
        changes["feedback"], changes["feedback_format"] = plain(
            answer.feedback, answer.feedback_format
        )
        answers.append(dataclasses.replace(answer, **changes))
    text, text_format = plain(question.text, question.text_format)
    tail = question.tail_text
    if tail is not None and question.text_format is gift.TextFormat.HTML:
        tail = html_to_text(tail)
    general, general_format = plain(question.general_feedback, question.general_feedback_format)
    return dataclasses.replace(
        question,
        text=text,
        text_format=text_format,
        tail_text=tail,
        answers=tuple(answers),
        general_feedback=general,
        general_feedback_format=general_format,
    )


# --- attempts --------------------------------------------------------------------------------


class AttemptError(Exception):
    """A request the attempt's state refuses: no attempts left, time is up, already submitted."""


class AttemptsExhausted(AttemptError):
    pass


class AttemptClosed(AttemptError):
    """The attempt is submitted or past its deadline: answers are no longer accepted."""


class NotAChapterQuiz(AttemptError):
    """Knowledge checks are answered in one post on their lesson page (check_submit)."""


class NotAKnowledgeCheck(AttemptError):
    pass


def attempts_left(*, quiz: Quiz, used: int) -> int | None:
    return None if quiz.max_attempts is None else max(0, quiz.max_attempts - used)


def check_seed(*, user, quiz: Quiz) -> int:
    """The seed of one student's knowledge check: its lesson-page form and its attempts show
    the choices in the same order."""
    return shuffle.check_seed(secret=django_settings.SECRET_KEY, user_id=user.pk, quiz_id=quiz.pk)


def attempt_start(*, quiz: Quiz, user) -> Attempt:
    """The student's open attempt at a chapter quiz, or a new one if attempts are left.

    Raises AttemptsExhausted when max_attempts graded or submitted attempts exist, and
    NotAChapterQuiz for a knowledge check (an attempt started here would stay open, with no
    deadline; checks go through check_submit). Two concurrent starts give one attempt: the
    partial unique constraint admits one in progress.
    """
    if quiz.kind != QuizKind.CHAPTER:
        raise NotAChapterQuiz("Knowledge checks are answered on their lesson page.")
    return _attempt_open(quiz=quiz, user=user)[0]


@transaction.atomic
def _attempt_open(*, quiz: Quiz, user) -> tuple[Attempt, bool]:
    """(the open attempt, True if this call started it)."""
    open_attempt = Attempt.objects.filter(
        quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS
    ).first()
    if open_attempt is not None and not attempt_close_if_expired(attempt=open_attempt):
        return open_attempt, False
    used = Attempt.objects.filter(quiz=quiz, user=user).aggregate(n=Max("number"))["n"] or 0
    if attempts_left(quiz=quiz, used=used) == 0:
        raise AttemptsExhausted(f"All {quiz.max_attempts} attempts at this quiz are used.")
    live = _live_questions(quiz)
    question_ids = [pk for pk, _ in live]
    if quiz.kind == QuizKind.INLINE:
        seed = check_seed(user=user, quiz=quiz)
    else:
        seed = secrets.randbits(48)
    if quiz.shuffle_questions:
        random.Random(seed).shuffle(question_ids)
    now = timezone.now()
    attempt = Attempt(
        quiz=quiz,
        user=user,
        number=used + 1,
        seed=seed,
        question_ids=question_ids,
        # What the questions were at the start: a re-import editing one in place (it keeps its
        # ::title::) must not change what this attempt's answers are read against.
        questions_snapshot={str(pk): data for pk, data in live},
        started_at=now,
        deadline=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None,
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        # Another request started one in the meantime: use it.
        return Attempt.objects.get(quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS), False
    return attempt, True


def _live_questions(quiz: Quiz) -> list[tuple[int, dict]]:
    """(pk, data) of the quiz's questions that take an answer, in the author's order."""
    return list(
        Question.objects.filter(quiz=quiz, is_archived=False)
        .exclude(kind=gift.Kind.DESCRIPTION)
        .order_by("position")
        .values_list("pk", "data")
    )


def attempt_close_if_expired(*, attempt: Attempt) -> bool:
    """Submit an open attempt whose deadline has passed, with what was saved by then.

    Returns True if the attempt is no longer open (already closed, or closed now).
    """
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return True
    if attempt.deadline is None or timezone.now() <= attempt.deadline:
        return False
    attempt_submit(attempt=attempt)
    return True


def answer_save(*, attempt: Attempt, question: Question, response: object) -> Answer:
    """Save one response to an open attempt (validated by the scorer first).

    Raises scoring.ResponseError for a response that does not fit the question and
    AttemptClosed when the attempt is submitted or its time is up (it is submitted then).
    """
    answers_save(attempt=attempt, responses={question: response})
    return Answer.objects.get(attempt=attempt, question=question)


def answers_save(*, attempt: Attempt, responses: dict[Question, object]) -> None:
    """Save several responses at once; all or none (see answer_save). Responses are checked
    against the questions as the attempt started with them."""
    for question, response in responses.items():
        if question.pk not in attempt.question_ids:
            raise scoring.ResponseError(f"question {question.pk} is not part of this attempt")
        scoring.score(attempt.gift_question(question), response)
    now = timezone.now()
    with transaction.atomic():
        # Lock the attempt so a save racing a submit lands before it or is refused after it.
        locked = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if locked.status != Attempt.Status.IN_PROGRESS:
            raise AttemptClosed("This attempt is submitted; answers can no longer change.")
        expired = locked.deadline is not None and now > locked.deadline
        if not expired:
            for question, response in responses.items():
                Answer.objects.update_or_create(
                    attempt=attempt,
                    question=question,
                    defaults={"response": _jsonable(response), "saved_at": now},
                )
    if expired:
        attempt_submit(attempt=locked)
        raise AttemptClosed("Time is up: the answers saved before the deadline are scored.")


def answers_save_posted(
    *, attempt: Attempt, data: Mapping, question_id: int | None = None
) -> Answer | None:
    """Save the answers of a posted attempt form (or only question `question_id`'s: the
    autosave), returning that question's answer. ResponseError or AttemptClosed as above."""
    responses = responses_from_post(attempt=attempt, data=data, only=question_id)
    answers_save(attempt=attempt, responses=responses)
    if question_id is None:
        return None
    return Answer.objects.get(attempt=attempt, question_id=question_id)


def _jsonable(response: object) -> object:
    if isinstance(response, (set, frozenset, tuple)):
        return sorted(response)
    if isinstance(response, dict):
        return {str(k): v for k, v in response.items()}
    return response


def _from_json(question: gift.Question, response: object) -> object:
    if question.kind is gift.Kind.MATCHING and isinstance(response, dict):
        try:
            return {int(k): v for k, v in response.items()}
        except ValueError:
            return response  # the scorer refuses it
    return response


def attempt_submit(*, attempt: Attempt) -> bool:
    """Mark an open attempt submitted and queue its scoring once committed.

    Safe to call twice (a double click): only the call whose conditional UPDATE changes the
    row queues the task. Past the deadline, the submission time is the deadline.
    """
    now = timezone.now()
    submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    with transaction.atomic():
        claimed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
            status=Attempt.Status.SUBMITTED,
            submitted_at=submitted_at,
            scoring_requested_at=now,
            grade_enqueued_at=now,
        )
        if claimed:
            transaction.on_commit(partial(attempt_grade_enqueue, attempt.pk))
    if claimed:
        attempt.status = Attempt.Status.SUBMITTED
        attempt.submitted_at = submitted_at
        attempt.scoring_requested_at = attempt.grade_enqueued_at = now
    return bool(claimed)


def attempt_grade_enqueue(attempt_id: int) -> None:
    """Hand an attempt to the scorer. A dead broker must not fail the student's request: the
    attempt stays submitted and the result page queues it again (attempt_requeue_if_stuck)."""
    from quizzes.tasks import attempt_grade as attempt_grade_task

    try:
        attempt_grade_task.delay(attempt_id)
    except Exception:
        logger.exception("Could not queue scoring of attempt %s", attempt_id)


# A submitted attempt still unscored this long after it was last queued is queued again (the
# task is idempotent); at most once per this interval, however many pages poll it.
REQUEUE_AFTER = timedelta(seconds=30)


def attempt_requeue_if_stuck(*, attempt: Attempt) -> bool:
    """Queue a submitted attempt's scoring again if it was last queued REQUEUE_AFTER ago.

    The claim is a conditional UPDATE of grade_enqueued_at, so pollers in several tabs (or a
    poll every second) queue it once per interval. It counts from when scoring was queued,
    not from submitted_at: a late attempt is submitted "at" its old deadline. Returns True if
    this call queued it.
    """
    if attempt.status != Attempt.Status.SUBMITTED:
        return False
    now = timezone.now()
    claimed = Attempt.objects.filter(
        Q(grade_enqueued_at__lt=now - REQUEUE_AFTER) | Q(grade_enqueued_at__isnull=True),
        pk=attempt.pk,
        status=Attempt.Status.SUBMITTED,
    ).update(grade_enqueued_at=now)
    if claimed:
        attempt.grade_enqueued_at = now
        transaction.on_commit(partial(attempt_grade_enqueue, attempt.pk))
    return bool(claimed)


def _percent(fractions: list[Decimal]) -> Decimal:
    if not fractions:
        return Decimal("0.00")
    total = sum(fractions, Decimal(0)) * 100 / len(fractions)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _mark(attempt: Attempt, question_id: int, parsed: gift.Question | None, response: object):
    """(fraction, feedback) for one saved response; a response that no longer fits its
    question (or a question that is gone) scores 0, so an attempt can never get stuck."""
    try:
        if parsed is None:
            raise scoring.ResponseError("the question is gone")
        return scoring.score(parsed, response), scoring.feedback_for(parsed, response)
    except (scoring.ResponseError, LookupError, TypeError) as exc:
        logger.warning(
            "Attempt %s, question %s: response %r scored 0: %s",
            attempt.pk,
            question_id,
            response,
            exc,
        )
        return Decimal(0), []


def attempt_grade(*, attempt_id: int) -> bool:
    """Score a submitted attempt with quizzes.scoring and mark it graded.

    Idempotent: the attempt is claimed by a conditional UPDATE from ``submitted`` to
    ``graded``; a second run (a redelivered task) finds nothing to claim and writes nothing.
    Questions are scored as the attempt started with them (its snapshot). Essays are left for
    an instructor (``needs_review``); until then the score counts only the other questions.
    Returns True if this call graded the attempt.
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__course", "user")
            .filter(pk=attempt_id, status=Attempt.Status.SUBMITTED)
            .first()
        )
        if attempt is None:
            return False
        missing = [pk for pk in attempt.question_ids if str(pk) not in attempt.questions_snapshot]
        questions = Question.objects.in_bulk(missing) if missing else {}
        answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
        marked: list[Decimal] = []
        needs_review = False
        for question_id in attempt.question_ids:
            data = attempt.questions_snapshot.get(str(question_id))
            if data is None and question_id in questions:
                data = questions[question_id].data
            parsed = question_from_data(data) if data is not None else None
            answer = answers.get(question_id)
            if answer is None:
                # Unanswered: 0, or nothing to mark for an essay left blank.
                marked.append(Decimal(0))
                continue
            response = _from_json(parsed, answer.response) if parsed else answer.response
            fraction, feedback = _mark(attempt, question_id, parsed, response)
            answer.fraction = fraction
            answer.feedback = feedback
            answer.needs_review = fraction is None and response not in (None, "")
            if fraction is None and not answer.needs_review:
                answer.fraction = Decimal(0)  # an essay left blank needs no reader
            if answer.needs_review:
                needs_review = True
            else:
                marked.append(answer.fraction)
        Answer.objects.bulk_update(answers.values(), ["fraction", "feedback", "needs_review"])
        score = _percent(marked)
        claimed = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.SUBMITTED).update(
            status=Attempt.Status.GRADED,
            score=score,
            passed=score >= attempt.quiz.pass_mark,
            needs_review=needs_review,
            graded_at=timezone.now(),
        )
        if not claimed:  # pragma: no cover - the row lock makes this unreachable
            transaction.set_rollback(True)
            return False
    # Under "highest", a failed attempt cannot change what the student passed; skipping the
    # refresh then halves the cost of grading it.
    if score >= attempt.quiz.pass_mark or attempt.quiz.attempt_counts == AttemptCounts.LAST:
        _completion_refresh(attempt)
    return True


@transaction.atomic
def attempt_review_apply(*, attempt: Attempt) -> None:
    """Recompute a graded attempt's score after an instructor marked its essays (admin)."""
    attempt = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
    if attempt.status != Attempt.Status.GRADED:
        return
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    marked = []
    pending = False
    for question_id in attempt.question_ids:
        answer = answers.get(question_id)
        if answer is None:
            marked.append(Decimal(0))
        elif answer.fraction is None:
            pending = True
        else:
            if answer.needs_review:
                answer.needs_review = False
                answer.save(update_fields=["needs_review"])
            marked.append(answer.fraction)
    attempt.score = _percent(marked)
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    attempt.needs_review = pending
    attempt.save(update_fields=["score", "passed", "needs_review"])
    transaction.on_commit(partial(_completion_refresh, attempt))


def _completion_refresh(attempt: Attempt) -> None:
    if attempt.quiz.kind != QuizKind.CHAPTER:
        return
    # Imported here: courses.services imports this module to import quizzes with a course.
    from courses.services import enrollment_completion_refresh

    enrollment_completion_refresh(user=attempt.user, course=attempt.quiz.course)


@transaction.atomic
def check_submit(*, quiz: Quiz, user, data: Mapping) -> Attempt:
    """A knowledge check answered on the lesson page, in one post: open an attempt, save
    every posted answer to it, submit.

    Only the attempt's own questions are answered; a field naming another question (a lesson
    page from before a re-import) is a ResponseError. Raises NotAKnowledgeCheck for a chapter
    quiz and AttemptsExhausted when a check's max_attempts are used.
    """
    if quiz.kind != QuizKind.INLINE:
        raise NotAKnowledgeCheck("Not a knowledge check.")
    attempt, created = _attempt_open(quiz=quiz, user=user)
    if not created:
        # A check is started, answered and submitted in this one transaction, so an open
        # attempt found here was left by something else (an older version, a crash). With no
        # answers it takes the questions the lesson page shows now, and in any case the
        # page's choice order (saved answers are indexes, not positions).
        attempt.seed = check_seed(user=user, quiz=quiz)
        update = ["seed"]
        if not Answer.objects.filter(attempt=attempt).exists():
            live = _live_questions(quiz)
            attempt.question_ids = [pk for pk, _ in live]
            attempt.questions_snapshot = {str(pk): data for pk, data in live}
            update += ["question_ids", "questions_snapshot"]
        attempt.save(update_fields=update)
    answers_save(attempt=attempt, responses=responses_from_post(attempt=attempt, data=data))
    attempt_submit(attempt=attempt)
    return attempt
