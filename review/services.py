"""The review deck: what enters it, and reviewing a card (answer, then rate).

What enters a student's deck (``deck_sync``, idempotent):
- every question they answered wrongly or partly in a graded attempt, chapter quiz or
  knowledge check;
- once they have completed a course, every question of it they answered right.
Only questions whose answers the quiz already shows them (its show_answers policy, as the
result page applies it: quizzes.selectors.review_policy): a review shows the right answer,
so it must never come before the quiz would. Essays (marked by hand) and archived questions
stay out; a question archived later leaves the deck, an edited one is reviewed as it now
reads, as a new attempt would show it.

Review never changes an attempt, a grade or a course's completion.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone

from courses.models import Enrollment
from quizzes import gift, scoring
from quizzes.forms import response_for
from quizzes.grading import from_json
from quizzes.models import Answer, Attempt, Quiz
from quizzes.selectors import describe_correct, describe_response, review_policy
from review import due_cache, scheduling, selectors
from review.models import Card, Deck, ReviewLog


class ReviewError(ValueError):
    """A review post that does not fit: not the student's card, an unknown rating."""


def deck_sync(*, user, now: datetime | None = None) -> int:
    """Add to ``user``'s deck every question that belongs there and is not in it yet; return
    how many. New cards are due at once."""
    now = now or timezone.now()
    revealed = _revealed_quizzes(user)
    if not revealed:
        return 0
    completed = set(
        Enrollment.objects.filter(user=user, completed_at__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    answers = (
        Answer.objects.filter(
            attempt__user=user,
            attempt__status=Attempt.Status.GRADED,
            attempt__quiz_id__in=revealed,
            question__is_archived=False,
            fraction__isnull=False,
        )
        .exclude(question__kind=gift.Kind.ESSAY)
        .values_list("question_id", "attempt__quiz__course_id", "fraction")
    )
    wanted: dict[int, tuple[int, str]] = {}
    for question_id, course_id, fraction in answers:
        if fraction < 1:
            wanted[question_id] = (course_id, Card.Reason.MISSED)
        elif course_id in completed:
            wanted.setdefault(question_id, (course_id, Card.Reason.MASTERED))
    have = set(
        Card.objects.filter(user=user, question_id__in=wanted).values_list("question_id", flat=True)
    )
    memory = scheduling.new_memory(now=now)
    cards = [
        Card(
            user=user,
            question_id=question_id,
            course_id=course_id,
            reason=reason,
            added_at=now,
            **_memory_fields(memory),
        )
        for question_id, (course_id, reason) in wanted.items()
        if question_id not in have
    ]
    # A second sync at the same moment (two tabs) adds nothing twice: one card per question.
    Card.objects.bulk_create(cards, ignore_conflicts=True)
    if cards:
        due_cache.forget(user_ids=[user.pk])
    return len(cards)


def deck_refresh(*, user, now: datetime | None = None) -> int:
    """Bring the deck up to date with the student's quiz results (``deck_sync``), and record
    how far (Deck.synced_to): the due counts on the dashboard and course page tell from it,
    in the query they make anyway, whether there is anything new to take in
    (review.selectors.due). Returns how many cards it added."""
    watermark = selectors.deck_watermark(user=user)  # before the sync: nothing is missed
    added = deck_sync(user=user, now=now)
    deck, created = Deck.objects.get_or_create(user=user, defaults={"synced_to": watermark})
    if (
        not created
        and watermark is not None
        and (deck.synced_to is None or deck.synced_to < watermark)
    ):
        Deck.objects.filter(pk=deck.pk).update(synced_to=watermark)
    return added


def due_now(*, user, course=None, now: datetime | None = None) -> selectors.Due:
    """The due counts (of ``course`` alone, if given), the deck first brought up to date if it
    is behind. Kept in the cache until something changes them (review.due_cache): no query
    then, one when they are counted. Counts at a given ``now`` (a reminder's, a test's) are
    counted and never kept."""
    if not user.is_authenticated:
        return selectors.Due()
    kept = now is None
    now = now or timezone.now()
    due, stamp = due_cache.lookup(user_id=user.pk, now=now) if kept else (None, None)
    if due is None:
        due = selectors.due(user=user, now=now)
        if due.stale:
            deck_refresh(user=user, now=now)
            if kept:
                stamp = due_cache.stamp(user_id=user.pk)  # the refresh forgot the last counts
            due = selectors.due(user=user, now=now)
        if kept:
            due_cache.keep(user_id=user.pk, due=due, stamp=stamp)
    return due.of(course) if course is not None else due


def reminder_save(*, user, remind: bool, remind_hour: int, time_zone: str) -> Deck:
    """The student's daily reminder settings. Turning it on, or moving the hour, never sends
    a second email for a day that already had one (Deck.reminded_on stays)."""
    deck, _ = Deck.objects.update_or_create(
        user=user,
        defaults={"remind": remind, "remind_hour": remind_hour, "time_zone": time_zone},
    )
    due_cache.forget(user_ids=[user.pk])  # the counts carry the time zone
    return deck


def _revealed_quizzes(user) -> set[int]:
    """The live quizzes whose right answers ``user`` may see now."""
    quizzes = (
        Quiz.objects.filter(
            is_archived=False,
            attempts__user=user,
            attempts__status=Attempt.Status.GRADED,
        )
        .annotate(
            used=Count("attempts", filter=Q(attempts__user=user)),
            passes=Count("attempts", filter=Q(attempts__user=user, attempts__passed=True)),
        )
        .only("pk", "show_answers", "max_attempts")
    )
    revealed = set()
    for quiz in quizzes:
        left = None if quiz.max_attempts is None else max(quiz.max_attempts - quiz.used, 0)
        if review_policy(quiz=quiz, passed=quiz.passes > 0, attempts_left=left).right_answers:
            revealed.add(quiz.pk)
    return revealed


def _memory_fields(memory: scheduling.Memory) -> dict:
    """The Card fields that store ``memory``: Card names them as Memory does."""
    return dataclasses.asdict(memory)


def _memory(card: Card) -> scheduling.Memory:
    return scheduling.Memory(
        **{field.name: getattr(card, field.name) for field in dataclasses.fields(scheduling.Memory)}
    )


@dataclass(frozen=True)
class Outcome:
    """A card answered: what the page shows next."""

    card: Card
    log: ReviewLog
    parsed: gift.Question
    your_answer: str
    correct_answer: str
    feedback: list[str]

    @property
    def result(self) -> str:
        if self.log.fraction <= 0:
            return "wrong"
        return "right" if self.log.fraction >= 1 else "partial"

    @property
    def rated(self) -> bool:
        return self.log.rating is not None

    @property
    def lesson_link(self) -> bool:
        """Whether to send the student back to the lesson: after a wrong answer, and after a
        right one that follows a lapse (they got it back; the lesson says why)."""
        return self.result != "right" or self.card.lapses > 0


def review_answer(
    *,
    user,
    card_id: int,
    data: QueryDict,
    seed: int,
    token: str,
    now: datetime | None = None,
    schedule=None,
) -> Outcome:
    """Score a student's answer to a card, shown with its choices in ``seed``'s order. A
    wrong answer is rated Again and rescheduled at once; a right or partly right one waits
    for the student's rating (``review_rate``). Idempotent: a second submit of the same form
    (``token``) returns the first one's outcome and writes nothing.

    Raises Card.DoesNotExist for another student's card, and quizzes.scoring.ResponseError
    for an answer that does not fit the question.
    """
    now = now or timezone.now()
    with transaction.atomic():
        card = (
            Card.objects.select_for_update(of=("self",))
            .select_related("question")
            .get(pk=card_id, user=user, question__is_archived=False)
        )
        question = card.question
        parsed = question.as_gift()
        log = ReviewLog.objects.filter(card=card, token=token).first()
        if log is None:
            response = response_for(
                question_id=question.pk,
                parsed=parsed,
                seed=seed,
                shuffle=True,
                data=data,
            )
            fraction = Decimal(0) if response is None else scoring.score(parsed, response)
            log = ReviewLog(
                card=card,
                token=token,
                response=response,
                fraction=fraction if fraction is not None else Decimal(0),
                answered_at=now,
                due_before=card.due,
            )
            if log.fraction <= 0:
                _apply(card, log, scheduling.Rating.AGAIN, now=now, schedule=schedule)
            log.save()
            card.save()
            due_cache.forget(user_ids=[user.pk])
    return _outcome(card, log, parsed)


def review_rate(
    *, user, log_id: int, rating: int, now: datetime | None = None, schedule=None
) -> Outcome:
    """The student's rating of a right or partly right answer (Hard, Good or Easy; Again if
    they say they guessed): FSRS reschedules the card. A second rating changes nothing.

    Raises ReviewLog.DoesNotExist for another student's review, ReviewError for a rating
    that is not one.
    """
    try:
        chosen = scheduling.Rating(int(rating))
    except (TypeError, ValueError):
        raise ReviewError("A rating is Again, Hard, Good or Easy.") from None
    now = now or timezone.now()
    with transaction.atomic():
        log = ReviewLog.objects.select_related("card").get(pk=log_id, card__user=user)
        card = (
            Card.objects.select_for_update(of=("self",))
            .select_related("question")
            .get(pk=log.card_id)
        )
        log = ReviewLog.objects.get(pk=log.pk)  # read again under the card's lock
        if log.rating is None:
            _apply(
                card, log, scheduling.rating_for(log.fraction, chosen), now=now, schedule=schedule
            )
            log.save(update_fields=["rating", "rated_at", "due_after"])
            card.save()
            due_cache.forget(user_ids=[user.pk])
    return _outcome(card, log, card.question.as_gift())


def _apply(card: Card, log: ReviewLog, rating: scheduling.Rating, *, now, schedule) -> None:
    memory = scheduling.review(_memory(card), rating, now=now, schedule=schedule)
    for name, value in _memory_fields(memory).items():
        setattr(card, name, value)
    card.reviews += 1
    if rating is scheduling.Rating.AGAIN:
        card.lapses += 1
    log.rating = int(rating)
    log.rated_at = now
    log.due_after = card.due


def _outcome(card: Card, log: ReviewLog, parsed: gift.Question) -> Outcome:
    response = from_json(parsed, log.response)  # as saved (JSON): matching keys are text
    try:
        feedback = scoring.feedback_for(parsed, response) if response is not None else []
    except scoring.ResponseError:  # the question changed since (an edit): no feedback
        feedback = []
    return Outcome(
        card=card,
        log=log,
        parsed=parsed,
        your_answer=describe_response(parsed, response),
        correct_answer=describe_correct(parsed),
        feedback=feedback,
    )
