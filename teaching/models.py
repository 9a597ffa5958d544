from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from courses.models import Course


class Invitation(models.Model):
    """Staff invited an email address that has no account yet onto a course; whoever
    confirms that address joins the course (teaching.enrolment)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["course", "email"]
        constraints = [
            # One invitation per address and course, whatever its case.
            models.UniqueConstraint("course", Lower("email"), name="teaching_invite_email_unique"),
        ]
        indexes = [
            # Accepting on email confirmation: pending invitations of one address.
            models.Index(
                Lower("email"),
                condition=Q(accepted_at__isnull=True),
                name="teaching_invite_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.course}"
