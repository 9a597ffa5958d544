"""The daily reminder email: off unless a student turns it on (review.forms.ReminderForm).

Celery beat runs ``reminders_send`` every quarter of an hour (config/settings.py
CELERY_BEAT_SCHEDULE). A student who asked for one gets at most one email a day, on their
day in their time zone, at the first run at or after their hour, and only when questions are
due then. Each email is claimed first (Deck.reminded_on set to that day, in the transaction
that sends it): two beats running at once, or a run repeated, send it once; an email the mail
server refused rolls the claim back and the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from review.models import Deck
from review.services import due_now

logger = logging.getLogger(__name__)

# Time zones run from UTC-12 to UTC+14: no student's day is later than this much past UTC.
_LATEST_OFFSET = timedelta(hours=14)


def reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders due by ``now``; return how many went out."""
    now = now or timezone.now()
    # Only decks not yet reminded on the latest day any time zone has reached.
    latest_day = (now + _LATEST_OFFSET).date()
    decks = (
        Deck.objects.filter(remind=True, user__is_active=True)
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=latest_day))
        .select_related("user")
        .order_by("pk")
    )
    sent = 0
    for deck in decks:
        local = timezone.localtime(now, deck.zone)
        if local.hour >= deck.remind_hour and deck.reminded_on != local.date():
            sent += reminder_send(deck=deck, day=local.date(), now=now)
    return sent


def reminder_send(*, deck: Deck, day: date, now: datetime) -> bool:
    """The student's reminder for ``day``, if it has not gone yet and questions are due."""
    try:
        with transaction.atomic():
            claimed = (
                Deck.objects.filter(pk=deck.pk, remind=True)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=day))
                .update(reminded_on=day)
            )
            if not claimed:
                return False
            due = due_now(user=deck.user, now=now).total
            if not due:
                return False  # nothing due at their hour: no email today
            _email(deck, due).send()
    except Exception:
        # The claim rolled back with the transaction: the next run tries again.
        logger.exception("Could not send the review reminder of user %s", deck.pk)
        return False
    return True


def _email(deck: Deck, due: int) -> EmailMessage:
    site = settings.LECTERN_SITE_URL.rstrip("/")
    review_url = site + reverse("review:session")
    settings_url = site + reverse("review:reminder")
    questions = f"{due} question{'' if due == 1 else 's'}"
    body = "\n".join(
        [
            f"You have {questions} to review today on Lectern.",
            "",
            "A few minutes now keeps what you learnt:",
            review_url,
            "",
            "You get this email because you asked for a daily reminder. To change the hour or",
            "turn it off:",
            settings_url,
        ]
    )
    return EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{questions} to review today",
        body=body,
        to=[deck.user.email],
        headers={"List-Unsubscribe": f"<{settings_url}>"},
    )
