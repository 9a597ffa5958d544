"""CSV exports for staff: the gradebook as shown (every page), and every response of every
attempt at a course's quizzes, one row per question. Both stream, a batch at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from courses.models import Course
from quizzes.models import Attempt
from quizzes.selectors import describe_correct, describe_response, seen_answers
from teaching.gradebook import GradebookQuery, all_rows, columns_for

# A cell a spreadsheet would run as a formula is prefixed with a quote (OWASP's advice on
# CSV injection): a student named "=HYPERLINK(...)" stays a name.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).replace("\x00", "")
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Rows as CSV text, line by line, with a byte-order mark so spreadsheets read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def _percent(value) -> str:
    return "" if value is None else f"{value:.2f}"


def gradebook_rows(*, course: Course, query: GradebookQuery) -> Iterator[list]:
    columns = columns_for(course=course)
    header = ["Email", "Name", "Status", "Enrolled", "Last activity", "Lessons done", "Lessons %"]
    for quiz in columns.quizzes:
        header += [f"{quiz.title}: score %", f"{quiz.title}: attempts", f"{quiz.title}: passed"]
    header += ["Course progress %", "Completed"]
    yield header
    for row in all_rows(course=course, query=query):
        line = [
            row.user.email,
            row.user.display_name,
            row.status,
            row.enrollment.enrolled_at,
            row.enrollment.last_activity_at,
            row.lessons_done,
            row.lessons_percent,
        ]
        for cell in row.cells:
            line += [_percent(cell.score), cell.attempts, cell.passed]
        line += [row.progress.percent, row.enrollment.completed_at]
        yield line


RESPONSE_HEADER = [
    "Email",
    "Quiz",
    "Quiz kind",
    "Attempt",
    "Status",
    "Started",
    "Submitted",
    "Attempt score %",
    "Question number",
    "Question",
    "Question kind",
    "Response",
    "Right answer",
    "Mark %",
    "Awaiting review",
    "Comment",
]


def response_rows(*, course: Course, batch: int = 500) -> Iterator[list]:
    """One row per question of every attempt (unanswered ones too), as the attempt saw the
    question. Three queries per batch of attempts."""
    yield RESPONSE_HEADER
    ids = list(
        Attempt.objects.filter(quiz__course=course)
        .order_by(
            "quiz__chapter__position", "quiz__kind", "quiz__position", "user__email", "number"
        )
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        attempts = Attempt.objects.filter(pk__in=chunk).select_related("quiz", "user").in_bulk()
        seen = seen_answers([attempts[pk] for pk in chunk])
        for pk in chunk:
            attempt = attempts[pk]
            graded = attempt.status == Attempt.Status.GRADED
            for row in seen[pk]:
                number, parsed, answer = row.number, row.question, row.answer
                yield [
                    attempt.user.email,
                    attempt.quiz.title,
                    attempt.quiz.get_kind_display(),
                    attempt.number,
                    attempt.get_status_display(),
                    attempt.started_at,
                    attempt.submitted_at,
                    _percent(attempt.score),
                    number,
                    parsed.text,
                    str(parsed.kind),
                    describe_response(parsed, answer.response if answer else None),
                    describe_correct(parsed),
                    _percent(answer.fraction * 100)
                    if graded and answer and answer.fraction is not None
                    else ("0.00" if graded and answer is None else ""),
                    bool(answer and answer.needs_review),
                    answer.comment if answer else "",
                ]
