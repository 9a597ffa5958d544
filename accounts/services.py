from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from courses.models import Enrollment, LessonProgress
from quizzes.selectors import attempts_export
from review.selectors import review_export

INSTRUCTORS_GROUP = "Instructors"
# What instructors manage in the admin: course content, quizzes and the students' records of
# them. Not people's accounts: that stays with superusers.
_INSTRUCTOR_APPS = ("courses", "quizzes")
# What they may look into and not change: the students' review decks.
_INSTRUCTOR_VIEW_APPS = ("review",)


@transaction.atomic
def instructors_group_ensure() -> Group:
    """The "Instructors" group, with every permission on courses and quizzes and the view
    permission on review decks (idempotent)."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=_INSTRUCTOR_APPS)
            | Q(content_type__app_label__in=_INSTRUCTOR_VIEW_APPS, codename__startswith="view_")
        )
    )
    return group


@transaction.atomic
def instructor_grant(*, user: User) -> User:
    """Let someone author courses in the admin: staff status and the Instructors group."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(instructors_group_ensure())
    return user


@transaction.atomic
def demo_user_ensure(*, email: str, password: str, is_instructor: bool) -> User:
    """Create or reset a demo account with a verified email address (used by quickstart)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email)
    user.is_staff = False
    user.is_superuser = False
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if is_instructor:
        instructor_grant(user=user)
    return user


@transaction.atomic
def admin_ensure(*, email: str, password: str) -> tuple[User, bool]:
    """A superuser whose address is already verified, so they log in at once (no email to
    confirm). An existing account with that address becomes a superuser and takes the new
    password. Returns (user, created)."""
    email = email.strip().lower()  # as allauth keeps addresses
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def user_data_export(*, user: User) -> dict:
    """Everything Lectern keeps about a person, as JSON-ready data (their right of access)."""
    enrollments = Enrollment.objects.filter(user=user).select_related("course", "last_lesson")
    progress = (
        LessonProgress.objects.filter(user=user)
        .select_related("lesson__chapter", "course")
        .order_by("course__slug", "lesson__chapter__position", "lesson__position")
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user)
            ],
        },
        "enrollments": [
            {
                "course": e.course.slug,
                "course_title": e.course.title,
                "enrolled_at": _iso(e.enrolled_at),
                "last_activity_at": _iso(e.last_activity_at),
                "last_lesson": e.last_lesson.title if e.last_lesson else None,
                "completed_at": _iso(e.completed_at),
                "left_at": _iso(e.left_at),
            }
            for e in enrollments
        ],
        "lesson_progress": [
            {
                "course": p.course.slug,
                "chapter": p.lesson.chapter.slug,
                "lesson": p.lesson.slug,
                "lesson_title": p.lesson.title,
                "first_viewed_at": _iso(p.first_viewed_at),
                "last_viewed_at": _iso(p.last_viewed_at),
                "completed_at": _iso(p.completed_at),
            }
            for p in progress
        ],
        "quiz_attempts": attempts_export(user=user),
        "review": review_export(user=user),
    }


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account and, by cascade, its enrollments, progress, quiz attempts and review
    deck."""
    user.delete()
