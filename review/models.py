"""Each student's review deck: the quiz questions they missed (and, once a course is done,
the ones they got right), each with its FSRS memory (review.scheduling), and a log of every
review. Review never touches quiz attempts, grades or completion."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Deck(models.Model):
    """A student's deck as a whole: how far it has been brought up to date with their quiz
    results, and their reminder email (off unless they turn it on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="review_deck",
    )
    # The latest graded attempt or course completion of the student's that the deck has
    # taken in (review.services.deck_refresh): a later one means it has cards to add.
    synced_to = models.DateTimeField(null=True, blank=True)
    remind = models.BooleanField(
        "Email me when questions are due", default=False, help_text="At most one email a day."
    )
    remind_hour = models.PositiveSmallIntegerField(
        "Hour", default=8, help_text="In your time zone, 0 to 23."
    )
    time_zone = models.CharField(max_length=64, default="", blank=True)
    # The student's day (in their time zone) the last reminder was for: one a day at most.
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(remind_hour__gte=0, remind_hour__lte=23),
                name="review_deck_remind_hour_range",
            ),
        ]
        indexes = [
            # The reminder sweep reads only the students who asked for one.
            models.Index(
                fields=["reminded_on"], condition=Q(remind=True), name="review_deck_remind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}'s review deck"

    @property
    def zone(self):
        """The student's time zone (the site's until they choose one)."""
        return zone_get(self.time_zone)


def zone_get(name: str):
    """The time zone called ``name``, else the site's."""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


class CardReason(models.TextChoices):
    MISSED = "missed", "Answered wrongly or partly"
    MASTERED = "mastered", "Answered right, course done"


class Card(models.Model):
    """One question in one student's deck."""

    Reason = CardReason

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey("quizzes.Question", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    added_at = models.DateTimeField()
    # FSRS's memory of the card (review.scheduling.Memory).
    state = models.PositiveSmallIntegerField(default=1)
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0, help_text="Reviews answered wrongly.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="review_card_unique"),
            models.CheckConstraint(
                condition=Q(reason__in=CardReason.values), name="review_card_reason_valid"
            ),
        ]
        indexes = [
            # A student's due cards, soonest first (the session, the due counts).
            models.Index(fields=["user", "due"], name="review_card_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.question}"


class ReviewLog(models.Model):
    """One review of a card: the answer, its score and the grade FSRS got.

    ``token`` is the review form's: a second submit of the same form finds this log and
    changes nothing (a double click, a resent post)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="logs")
    token = models.CharField(max_length=32)
    response = models.JSONField(null=True, blank=True)
    fraction = models.DecimalField(max_digits=8, decimal_places=7)
    # 1 Again, 2 Hard, 3 Good, 4 Easy (review.scheduling.Rating); empty until the student
    # rates a right or partly right answer (a wrong one is Again at once).
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField()
    rated_at = models.DateTimeField(null=True, blank=True)
    due_before = models.DateTimeField()
    due_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "token"], name="review_log_token_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4),
                name="review_log_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["card", "answered_at"], name="review_log_card_idx")]

    def __str__(self) -> str:
        return f"{self.card} at {self.answered_at:%Y-%m-%d %H:%M}"
