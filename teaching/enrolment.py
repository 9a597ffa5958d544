"""Enrolment by staff: enrolling a list of email addresses (typed or a CSV file), inviting
the ones without an account, unenrolling (which keeps everything the student did).

An invitation turns into an enrollment when its address is confirmed (allauth's
``email_confirmed``, connected in teaching.apps), so nobody joins a course through an
address they do not own.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from courses.models import Course, Enrollment
from courses.services import enrollment_ensure, enrollment_leave
from teaching.models import Invitation

logger = logging.getLogger(__name__)

# One request enrols at most this many addresses (a class list, not a mailing list).
MAX_EMAILS = 5000
_SEPARATORS = re.compile(r"[\s,;]+")


class EnrolmentError(ValueError):
    """A list that cannot be read: too long, not text, not CSV."""


@dataclass
class EnrolmentReport:
    enrolled: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def emails_from_text(text: str) -> list[str]:
    """Addresses typed or pasted: separated by commas, semicolons, spaces or lines; a
    "Name <address>" form keeps the address."""
    found = []
    for part in _SEPARATORS.split(text.replace("\x00", "")):
        part = part.strip().strip("<>\"'")
        if part:
            found.append(part)
    return found


def emails_from_csv(data: bytes) -> list[str]:
    """Addresses of a CSV file (a spreadsheet's export): the column headed "email" (any
    case), else every cell with an @ in it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise EnrolmentError("The file is not text: export the sheet as CSV.") from exc
    if "\x00" in text:
        raise EnrolmentError("The file is not text: export the sheet as CSV.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    for name in ("email", "e-mail", "email address", "e-mail address", "mail"):
        if name in header:
            column = header.index(name)
            return [row[column].strip() for row in rows[1:] if len(row) > column and row[column]]
    return [cell.strip() for row in rows for cell in row if "@" in cell]


def _valid(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return len(email) <= 254


def students_enrol(
    *, course: Course, emails: list[str], by, signup_url: str = ""
) -> EnrolmentReport:
    """Enrol each address's account on the course (back on, if they had left) and invite
    the addresses without one. Repeats and case differences count once; running it twice
    changes nothing the second time. Invitations are emailed after commit."""
    if len(emails) > MAX_EMAILS:
        raise EnrolmentError(
            f"At most {MAX_EMAILS} addresses at a time; this list has {len(emails)}."
        )
    report = EnrolmentReport()
    wanted: dict[str, str] = {}
    for email in emails:
        if not _valid(email):
            report.invalid.append(email)
        else:
            wanted.setdefault(email.lower(), email)
    users = {
        user.email.lower(): user
        for user in get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=list(wanted))
    }
    active = set(
        Enrollment.objects.filter(
            course=course, user__in=users.values(), left_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    with transaction.atomic():
        for key, email in wanted.items():
            user = users.get(key)
            if user is None:
                _, created = Invitation.objects.get_or_create(
                    course=course, email=key, defaults={"invited_by": by}
                )
                report.invited.append(email)
                if created:
                    transaction.on_commit(
                        partial(_invitation_send, course=course, email=key, signup_url=signup_url)
                    )
            elif user.pk in active:
                report.already.append(user.email)
            else:
                enrollment_ensure(user=user, course=course, enrolled_by=by)
                report.enrolled.append(user.email)
    return report


def _invitation_send(*, course: Course, email: str, signup_url: str) -> None:
    """Email an invitation; a mail server that is down is logged (the invitation stays)."""
    lines = [
        f"You are invited to the course “{course.title}” on Lectern.",
        "",
        f"Sign up with this address ({email}) and confirm it: the course will be waiting on",
        "your dashboard.",
    ]
    if signup_url:
        lines += ["", signup_url]
    try:
        send_mail(
            subject=f"Invitation: {course.title}",
            message="\n".join(lines),
            from_email=None,
            recipient_list=[email],
        )
    except Exception:
        logger.exception("Could not email the invitation of %s to %s", email, course.slug)


def invitations_pending(*, course: Course) -> list[Invitation]:
    return list(Invitation.objects.filter(course=course, accepted_at__isnull=True))


def invitations_accept(*, user, email: str) -> list[Course]:
    """Enrol a person on every course their (confirmed) address was invited to."""
    pending = list(
        Invitation.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower(), accepted_at__isnull=True)
        .select_related("course", "invited_by")
    )
    courses = []
    for invitation in pending:
        with transaction.atomic():
            claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
                accepted_at=timezone.now(), accepted_by=user
            )
            if claimed:
                enrollment_ensure(
                    user=user, course=invitation.course, enrolled_by=invitation.invited_by
                )
                courses.append(invitation.course)
    return courses


def on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    invitations_accept(user=email_address.user, email=email_address.email)


def student_unenrol(*, course: Course, user) -> bool:
    """Take a student off a course's roster. Their progress, attempts and marks stay, and
    enrolling them again brings it all back."""
    return enrollment_leave(user=user, course=course)


def invitation_cancel(*, course: Course, invitation_id: int) -> bool:
    """Withdraw an invitation nobody has accepted yet."""
    deleted, _ = Invitation.objects.filter(
        pk=invitation_id, course=course, accepted_at__isnull=True
    ).delete()
    return bool(deleted)
