"""Importing quizzes with a course: GIFT files and ```gift fences into Quiz and Question rows.

Import rules (docs/quizzes.md has the author's view):

* ``quizzes/<chapter-slug>.gift`` is the chapter quiz of that chapter;
* ``quizzes/<chapter-slug>/<lesson-slug>.gift`` is a knowledge check shown at the end of that
  lesson;
* a ```` ```gift ```` fence inside a lesson is a knowledge check shown where the fence is;
* ``[quizzes]`` in course.toml holds settings for chapter quizzes, and ``[quizzes."<key>"]``
  tables settings for one quiz.

courses.services.course_import runs course_quizzes_import inside its transaction: quizzes
registers it as an import step when its app is ready (quizzes.apps), so courses never imports
this module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from courses.markdown_engine import KNOWLEDGE_CHECK_LANGUAGE, knowledge_check_fences, parse_document
from courses.models import Chapter, Course, Lesson
from courses.rendering import html_to_text
from courses.services import CourseImportError
from courses.splitter import SourceError, decode_source
from quizzes import gift
from quizzes.models import (
    QUIZ_SETTING_FIELDS,
    AttemptCounts,
    Question,
    Quiz,
    QuizKind,
    ShowAnswers,
    question_to_data,
)

# Part of every quiz's content hash: bump it when what the import stores changes.
# 2: [html] text stored as plain text; knowledge checks shuffle their choices.
# 3: right answers shown once passed or out of attempts by default.
IMPORT_VERSION = "3"
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
    "show_answers": ShowAnswers.ONCE_PASSED_OR_DONE,
}
_CHAPTER_DEFAULTS = {
    "pass_mark": 70,
    "max_attempts": None,
    "time_limit_minutes": None,
    "shuffle_questions": False,
    "shuffle_choices": True,
    "show_answers": ShowAnswers.ONCE_PASSED_OR_DONE,
    "attempt_counts": AttemptCounts.HIGHEST,
}


def _import_error(message: str) -> Exception:
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
    # Keys of refused questions: their last good version stays instead of being archived.
    refused: frozenset[str] = frozenset()


@dataclass
class _Problems:
    """What parsing a course's GIFT sources found: hard errors abort the import; refused
    questions and warnings are reported, and the rest is imported."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept_quizzes: set[str] = field(default_factory=set)


def course_quizzes_import(*, course: Course, course_dir: Path, report) -> None:
    """Import a course's quizzes (called by courses.services.course_import, in its transaction).

    Every GIFT source is parsed before anything is written, as Moodle reads it
    (quizzes.gift.parse_all). A question Moodle would import but no author can have meant is
    refused on its own: reported as ``file:line: question '...': ... [question-refused]``,
    every one of every file in one run, while the rest of the file is imported and the
    refused question's last good version (same key) stays. Misplaced files, files that are
    not UTF-8 or hold no question at all raise CourseImportError: the course import rolls
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
    problems = _Problems()
    _plan_files(course_dir, chapters, lessons, plans, problems)
    _plan_fences(course, course_dir, chapters, plans, problems)
    if problems.errors:
        raise _import_error("\n".join(problems.errors))
    report.warnings.extend(problems.warnings)

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
    _write_quizzes(course, plans, report, keep=problems.kept_quizzes)


def _plan_files(course_dir, chapters, lessons, plans, problems: _Problems) -> None:
    errors = problems.errors
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
        key = "/".join(parts)
        parsed = _parse(text, display, key, problems)
        if parsed is None:
            continue
        questions, refused = parsed
        plans.append(
            _QuizPlan(
                key=key,
                kind=QuizKind.CHAPTER if lesson is None else QuizKind.CHECK,
                chapter=chapter,
                lesson=lesson,
                # After the fences of the lesson, which are numbered from 1.
                position=1000,
                path=display,
                questions=questions,
                refused=refused,
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


def _plan_fences(course, course_dir, chapters, plans, problems: _Problems) -> None:
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
            key = f"{chapter.slug}/{lesson.slug}#{number}"
            # Leading newlines make GiftError's line numbers the source file's.
            source = "\n" * (offset + line - 1) + text
            parsed = _parse(source, lesson.source_path, key, problems)
            if parsed is None:
                continue
            questions, refused = parsed
            plans.append(
                _QuizPlan(
                    key=key,
                    kind=QuizKind.CHECK,
                    chapter=chapter,
                    lesson=lesson,
                    position=number,
                    path=lesson.source_path,
                    questions=questions,
                    refused=refused,
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


def _parse(
    text: str, path: str, quiz_key: str, problems: _Problems
) -> tuple[list[gift.Question], frozenset[str]] | None:
    """The accepted questions and the keys of the refused ones; None when there is no quiz.

    A source whose every question is refused keeps its quiz as last imported.
    """
    result = gift.parse_all(text, path=path)
    problems.warnings.extend(str(warning) for warning in result.warnings)
    problems.warnings.extend(f"{error} [question-refused]" for error in result.errors)
    refused = frozenset(error.key for error in result.errors if error.key)
    if not any(q.kind is not gift.Kind.DESCRIPTION for q in result.questions):
        if result.errors:
            problems.kept_quizzes.add(quiz_key)
            return None
        problems.errors.append(f"{path}: no questions")
        return None
    return list(result.questions), refused


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
    *QUIZ_SETTING_FIELDS,
    "content_hash",
    "is_archived",
    "updated",
]
_QUESTION_FIELDS = ["kind", "position", "line", "data", "lesson", "is_archived", "updated"]


def _write_quizzes(course: Course, plans: list[_QuizPlan], report, *, keep: set[str]) -> None:
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
    archived = [q for q in existing.values() if not q.is_archived and q.key not in keep]
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
    gone = [q for q in existing.values() if not q.is_archived and q.key not in plan.refused]
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
