"""What the analytics and quiz statistics pages show: figures with their charts (SVG from
teaching.charts) and the rows of each chart's data table."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from courses.models import Course
from quizzes import analysis
from quizzes.models import Quiz
from quizzes.tasks import quiz_statistics_refresh_soon
from teaching import charts
from teaching.analytics import CourseAnalytics, course_analytics

WHICH_LABELS = {"first": "First attempts", "all": "All attempts"}
BIN_LABELS = [f"{low} to {low + 10} %" for low in range(0, 100, 10)]


@dataclass(frozen=True)
class AnalyticsReport:
    analytics: CourseAnalytics
    enrolments_chart: SafeString
    funnel_chart: SafeString
    lessons_chart: SafeString
    stopped_chart: SafeString


def analytics_report(*, course: Course) -> AnalyticsReport:
    data = course_analytics(course=course)

    def share(point) -> charts.Bar:
        return charts.Bar(point.label, point.percent, f"{point.percent} % ({point.value})")

    period = "day" if data.enrolments_period == "day" else "week"
    return AnalyticsReport(
        analytics=data,
        enrolments_chart=mark_safe(
            charts.column_chart(
                [charts.Bar(p.label, p.value, f"{p.value} enrolled") for p in data.enrolments],
                title=f"Enrolments per {period}",
                chart_id="enrolments",
                y_label="Students",
            )
        ),
        funnel_chart=mark_safe(
            charts.bar_chart(
                [share(p) for p in data.funnel],
                title="Completion funnel, chapter by chapter",
                chart_id="funnel",
                x_max=100,
            )
        ),
        lessons_chart=mark_safe(
            charts.bar_chart(
                [share(p) for p in data.lessons],
                title="Lesson completion rates",
                chart_id="lessons",
                x_max=100,
            )
        ),
        stopped_chart=mark_safe(
            charts.bar_chart(
                [charts.Bar(p.label, p.value, f"{p.value} students") for p in data.stopped],
                title="Where students stop: the last lesson opened",
                chart_id="stopped",
            )
        ),
    )


@dataclass(frozen=True)
class QuestionReport:
    number: int
    question: dict  # id, title, text, kind, archived
    stats: dict  # quizzes.statistics.QuestionStats as a dict
    responses: list[dict]  # quizzes.statistics.ChoiceCount as dicts
    chart: SafeString


@dataclass(frozen=True)
class QuizReport:
    quiz: Quiz
    which: str
    which_label: str
    computed_at: object
    fresh: bool
    summary: dict | None  # quizzes.statistics.QuizStats as a dict
    distribution: list[tuple[str, int]]
    distribution_chart: SafeString | None
    questions: list[QuestionReport]

    @property
    def pending(self) -> bool:
        return self.summary is None or not self.fresh


def quiz_report(*, quiz: Quiz, which: str = "first") -> QuizReport:
    """The stored statistics of a quiz. Stale or missing ones are queued for recomputation
    (computed at once when Celery runs eagerly); until then the last figures are shown."""
    which = which if which in WHICH_LABELS else "first"
    stored = analysis.quiz_statistics_get(quiz=quiz)
    if stored is None or not stored.fresh:
        quiz_statistics_refresh_soon(quiz.pk, delay=0)
        stored = analysis.quiz_statistics_get(quiz=quiz)
    if stored is None or which not in stored.data:
        return QuizReport(quiz, which, WHICH_LABELS[which], None, False, None, [], None, [])
    part = stored.data[which]
    summary = part["quiz"]
    distribution = list(zip(BIN_LABELS, summary["distribution"], strict=True))
    questions = []
    for number, (question, stats) in enumerate(
        zip(stored.data["questions"], part["questions"], strict=True), start=1
    ):
        responses = part["responses"].get(question["key"], [])
        questions.append(
            QuestionReport(
                number=number,
                question=question,
                stats=stats,
                responses=responses,
                chart=mark_safe(
                    charts.bar_chart(
                        [
                            charts.Bar(r["label"], r["count"], f"{r['count']} ({r['share']:.0f} %)")
                            for r in responses
                        ],
                        title=f"Question {number}: how often each response was given",
                        chart_id=f"responses-{question['id']}",
                    )
                ),
            )
        )
    return QuizReport(
        quiz=quiz,
        which=which,
        which_label=WHICH_LABELS[which],
        computed_at=stored.computed_at,
        fresh=stored.fresh,
        summary=summary,
        distribution=distribution,
        distribution_chart=mark_safe(
            charts.column_chart(
                [charts.Bar(label, n, f"{n} attempts") for label, n in distribution],
                title=f"Score distribution ({WHICH_LABELS[which].lower()})",
                chart_id="distribution",
                y_label="Attempts",
            )
        ),
        questions=questions,
    )
