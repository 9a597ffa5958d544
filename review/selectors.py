"""Reading a student's review deck: what is due, and how much."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from courses.models import Course
from quizzes.selectors import shown_question
from review.models import Card, ReviewLog


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


def streak(*, user, now: datetime | None = None) -> int:
    """How many days in a row, up to today or yesterday, the student reviewed at least one
    question (days as the site's time zone counts them): a streak lasts until a whole day
    passes without a review. One query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = set(
        ReviewLog.objects.filter(card__user=user, answered_at__gte=now - timedelta(days=400))
        .dates("answered_at", "day")
        .order_by()
    )
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


def session_context(*, user, course: Course | None, outcome=None, now=None) -> dict:
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
        "streak": streak(user=user, now=now),
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
