"""Reading a student's review deck: what is due, and how much."""

from __future__ import annotations

import dataclasses
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from config.sql import field_value, json_rows, json_rows_decoded, rows
from courses.models import Course, Enrollment
from quizzes.models import Attempt, Question, Quiz
from quizzes.selectors import shown_question
from review.models import Card, Deck, ReviewLog, zone_get


def _live(user, course: Course | None) -> QuerySet[Card]:
    """The student's cards whose question is still asked: not archived, nor its quiz, in a
    published course (a question edited since is reviewed as it now reads)."""
    cards = Card.objects.filter(
        user=user,
        question__is_archived=False,
        question__quiz__is_archived=False,
        course__is_published=True,
    )
    return cards.filter(course=course) if course is not None else cards


def due_cards(*, user, course: Course | None = None, now: datetime | None = None):
    """The cards due by ``now``, soonest first, with their question, quiz and lesson: one
    query, whatever the size of the deck."""
    now = now or timezone.now()
    return (
        _live(user, course)
        .filter(due__lte=now)
        .select_related(
            "question",
            "question__quiz",
            "question__lesson__chapter",
            "question__lesson__course",
            "course",
        )
        .order_by("due", "pk")
    )


def due_count(*, user, course: Course | None = None, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return _live(user, course).filter(due__lte=now).count()


@dataclass(frozen=True)
class Due:
    """How many of a student's questions are due, by course; and whether their deck is behind
    their quiz results (``stale``: review.services.deck_refresh brings it up to date)."""

    by_course: dict[int, int] = field(default_factory=dict)
    stale: bool = False
    time_zone: str = ""  # the student's (Deck.time_zone): their days for the streak
    # When the student's next card falls due (any card of theirs: the counts hold until then).
    next_due: datetime | None = None

    def of(self, course: Course) -> Due:
        """The counts of one course alone."""
        count = self.by_course.get(course.pk)
        return dataclasses.replace(self, by_course={course.pk: count} if count else {})

    @property
    def zone(self):
        return zone_get(self.time_zone)

    @property
    def total(self) -> int:
        return sum(self.by_course.values())


def due(*, user, now: datetime | None = None) -> Due:
    """The due counts the dashboard and course page show, by course (``Due.of`` takes one
    course's), and whether the deck is stale: one query, whatever the size of the deck (the
    pages' budget: tests/review/test_due.py)."""
    now = now or timezone.now()
    card, question, quiz = Card._meta.db_table, Question._meta.db_table, Quiz._meta.db_table
    course_table = Course._meta.db_table
    # The deck is stale when a graded attempt or a completion came after what it took in.
    # Timestamps compare as timestamps on PostgreSQL, and as their ISO text on SQLite.
    sql = (
        "SELECT CASE WHEN w.latest IS NULL THEN 0"
        " WHEN d.synced_to IS NULL OR w.latest > d.synced_to THEN 1 ELSE 0 END, d.time_zone,"
        f" (SELECT {json_rows('k.course_id')} FROM {card} k"
        f" JOIN {question} q ON q.id = k.question_id JOIN {quiz} z ON z.id = q.quiz_id"
        f" JOIN {course_table} c ON c.id = k.course_id"
        " WHERE k.user_id = %s AND k.due <= %s AND NOT q.is_archived AND NOT z.is_archived"
        " AND c.is_published),"
        f" (SELECT MIN(n.due) FROM {card} n WHERE n.user_id = %s AND n.due > %s)"
        " FROM (SELECT MAX(t) AS latest FROM ("
        f"SELECT MAX(a.graded_at) AS t FROM {Attempt._meta.db_table} a"
        " WHERE a.user_id = %s AND a.status = %s"
        f" UNION ALL SELECT MAX(e.completed_at) FROM {Enrollment._meta.db_table} e"
        " WHERE e.user_id = %s) u) w"
        f" LEFT JOIN {Deck._meta.db_table} d ON d.user_id = %s"
    )
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [user.pk, moment, user.pk, moment]
    params += [user.pk, Attempt.Status.GRADED, user.pk, user.pk]
    ((stale, time_zone, due_ids, next_due),) = rows(sql, params)
    counts = Counter(course_id for (course_id,) in json_rows_decoded(due_ids))
    return Due(
        by_course=dict(counts),
        stale=bool(stale),
        time_zone=time_zone or "",
        next_due=field_value(Card, "due", next_due),  # SQLite's MIN is text
    )


def deck_watermark(*, user):
    """The latest graded attempt or course completion of the student's: what a deck brought
    up to date now has taken in (``due`` compares it with Deck.synced_to)."""
    latest = [
        Attempt.objects.filter(user=user, status=Attempt.Status.GRADED)
        .order_by("-graded_at")
        .values_list("graded_at", flat=True)
        .first(),
        Enrollment.objects.filter(user=user, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first(),
    ]
    return max((moment for moment in latest if moment is not None), default=None)


def deck_get(*, user) -> Deck:
    """The student's deck settings (unsaved defaults if they have none yet)."""
    return Deck.objects.filter(user=user).first() or Deck(user=user)


def streak(*, user, now: datetime | None = None, zone=None) -> int:
    """How many days in a row, up to today or yesterday, the student reviewed at least one
    question (days as ``zone``, the student's time zone, counts them; the site's by
    default): a streak lasts until a whole day passes without a review. One query."""
    now = now or timezone.now()
    zone = zone or timezone.get_default_timezone()
    today = timezone.localdate(now, zone)
    days = {
        moment.date()
        for moment in ReviewLog.objects.filter(
            card__user=user, answered_at__gte=now - timedelta(days=400)
        )
        .datetimes("answered_at", "day", tzinfo=zone)
        .order_by()
    }
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def new_token() -> str:
    """The token of one presentation of a card (its form): a second submit of it is the
    same review (review.services.review_answer)."""
    return secrets.token_hex(16)


def new_seed() -> int:
    """The order one presentation shows a card's choices in: shuffled afresh each time."""
    return secrets.randbits(48)


def session_context(*, user, course: Course | None, outcome=None, now=None, zone=None) -> dict:
    """What the review page shows: the card just answered (``outcome``), else the next due
    card as a form with its choices freshly shuffled; how many are due; when the next one is
    due once none is; the streak. Four queries at most, whatever the size of the deck."""
    now = now or timezone.now()
    due = due_count(user=user, course=course, now=now)
    context = {
        "course": course,
        "due": due,
        "outcome": outcome,
        "card": None,
        "next_due": None,
        "streak": streak(user=user, now=now, zone=zone),
    }
    if outcome is not None:
        # The card answered is still due until it is rated: not one of those left.
        context["left"] = due - (1 if outcome.card.due <= now else 0)
        return context
    card = due_cards(user=user, course=course, now=now).first() if due else None
    if card is None:
        upcoming = _live(user, course).filter(due__gt=now).order_by("due").first()
        context["next_due"] = upcoming.due if upcoming else None
        return context
    seed = new_seed()
    context.update(
        card=card,
        seed=seed,
        token=new_token(),
        shown=shown_question(
            question=card.question, parsed=card.question.as_gift(), seed=seed, shuffle=True
        ),
    )
    return context


def review_export(*, user) -> list[dict]:
    """A student's review deck and every review of it, for their data export."""
    cards = (
        Card.objects.filter(user=user)
        .select_related("question__quiz", "course")
        .prefetch_related("logs")
        .order_by("course__slug", "added_at", "pk")
    )
    return [
        {
            "course": card.course.slug,
            "quiz": card.question.quiz.title,
            "question": card.question.key,
            "reason": card.reason,
            "added_at": card.added_at.isoformat(),
            "due": card.due.isoformat(),
            "reviews": [
                {
                    "answered_at": log.answered_at.isoformat(),
                    "response": log.response,
                    "score": float(log.fraction),
                    "rating": log.rating,
                }
                for log in sorted(card.logs.all(), key=lambda log: log.answered_at)
            ],
        }
        for card in cards
    ]


@dataclass(frozen=True)
class Forgotten:
    """A question students of a course forget in review (rated Again)."""

    question: Question
    forgotten: int  # reviews rated Again
    students: int  # students who forgot it at least once
    reviews: int

    @property
    def percent(self) -> int:
        return round(100 * self.forgotten / self.reviews) if self.reviews else 0


@dataclass(frozen=True)
class CourseFigures:
    """How a course's students use review, for its staff (teaching's analytics page)."""

    students_with_cards: int
    students_reviewing: int  # reviewed at least once in the last ACTIVE_DAYS
    reviews: int  # in the last ACTIVE_DAYS
    forgotten: list[Forgotten]


ACTIVE_DAYS = 30


def course_figures(*, course: Course, now: datetime | None = None, limit: int = 10):
    """Who reviews this course, and its questions most often forgotten (most Again ratings
    first): four queries, whatever the course."""
    now = now or timezone.now()
    cards = Card.objects.filter(course=course)
    recent = ReviewLog.objects.filter(
        card__course=course, answered_at__gte=now - timedelta(days=ACTIVE_DAYS)
    )
    activity = recent.aggregate(students=Count("card__user", distinct=True), reviews=Count("pk"))
    forgotten = (
        ReviewLog.objects.filter(card__course=course)
        .values("card__question")
        .annotate(
            forgotten=Count("pk", filter=Q(rating=1)),
            students=Count("card__user", distinct=True, filter=Q(rating=1)),
            reviews=Count("pk"),
        )
        .filter(forgotten__gt=0)
        .order_by("-forgotten", "-students", "card__question")[:limit]
    )
    rows_by_question = {row["card__question"]: row for row in forgotten}
    questions = Question.objects.select_related(
        "quiz", "lesson__chapter", "lesson__course"
    ).in_bulk(rows_by_question)
    return CourseFigures(
        students_with_cards=cards.values("user").distinct().count(),
        students_reviewing=activity["students"],
        reviews=activity["reviews"],
        forgotten=[
            Forgotten(
                question=questions[question_id],
                forgotten=row["forgotten"],
                students=row["students"],
                reviews=row["reviews"],
            )
            for question_id, row in rows_by_question.items()
            if question_id in questions
        ],
    )
