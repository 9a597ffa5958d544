"""GIFT export: a quiz, or every quiz of a course, as Moodle's quiz text format.

The text is quizzes.gift.export's: Moodle imports it (Question bank > Import > GIFT), and so
does Lectern (as a quiz file in a course's quizzes/ folder), to the same questions, keys
included. Only live questions are written, as they are stored now.
"""

from __future__ import annotations

from courses.downloads import toml_string
from courses.models import Course
from quizzes import gift
from quizzes.models import QUIZ_SETTING_FIELDS, Question, Quiz, QuizKind


def quiz_gift(*, quiz: Quiz) -> str:
    """One quiz's live questions in order, as GIFT."""
    header = f"// {quiz.title} ({quiz.key}), exported from Lectern\n\n"
    return header + gift.export(_questions(quiz))


def course_gift(*, course: Course) -> str:
    """Every live quiz of a course, chapter quizzes first, each under a comment naming it.

    Each quiz keeps its questions' ``$CATEGORY`` (Lectern reads a category naming a lesson as
    "the question is about this lesson"). Imported into Moodle it is one file; imported into
    Lectern, each quiz goes back in its own file.
    """
    quizzes = Quiz.objects.filter(course=course, is_archived=False, chapter__is_archived=False)
    ordered = sorted(
        quizzes.select_related("chapter"),
        key=lambda quiz: (quiz.kind != QuizKind.CHAPTER, quiz.chapter.position, quiz.position),
    )
    parts = [f"// {course.title}: {len(ordered)} quizzes, exported from Lectern\n"]
    for quiz in ordered:
        questions = _questions(quiz)
        if questions:
            parts.append(f"// --- {quiz.title} ({quiz.key})\n\n{gift.export(questions)}")
    return "\n".join(parts)


def _questions(quiz: Quiz) -> list[gift.Question]:
    rows = Question.objects.filter(quiz=quiz, is_archived=False).order_by("position")
    return [row.as_gift() for row in rows]


def course_archive_files(*, course: Course) -> tuple[dict[str, bytes], str]:
    """A course download's quizzes: a GIFT file per quiz kept in a file, and every quiz's
    settings as ``[quizzes."<key>"]`` tables (knowledge-check fences travel in the lessons'
    Markdown). Registered as the quizzes app's ``archive_files`` hook."""
    files: dict[str, bytes] = {}
    tables: list[str] = []
    for quiz in Quiz.objects.filter(course=course, is_archived=False).order_by("key"):
        if "#" not in quiz.key:
            files[f"quizzes/{quiz.key}.gift"] = gift.export(_questions(quiz)).encode()
        lines = [f'\n[quizzes."{quiz.key}"]', f"title = {_toml(quiz.title)}"]
        for name in QUIZ_SETTING_FIELDS:
            lines.append(f"{name} = {_toml(getattr(quiz, name))}")
        tables.append("\n".join(lines) + "\n")
    return files, "".join(tables)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "0"  # "none" for max_attempts and the time limit
    if isinstance(value, int):
        return str(value)
    return toml_string(str(value))
