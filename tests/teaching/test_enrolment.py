"""Enrolment by staff (a list or a CSV file, invitations for unknown addresses),
unenrolling, and a student's own "Leave course"."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Enrollment, Lesson, LessonProgress
from courses.services import lesson_complete
from quizzes.models import Attempt
from teaching.enrolment import emails_from_csv, emails_from_text, students_enrol
from teaching.models import Invitation
from tests.factories import UserFactory


def test_enrolling_a_list_enrols_accounts_and_invites_the_rest(
    klass, instructor, django_capture_on_commit_callbacks
):
    UserFactory(email="Known@Example.com")
    url = reverse("teaching:enrolment", args=[klass.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor.post(
            url, {"emails": "known@example.com, new@example.com\nnot-an-address\nNEW@example.com"}
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 enrolled, 0 already enrolled, 1 invited, 1 not valid" in text
    enrollment = Enrollment.objects.get(course=klass, user__email="Known@Example.com")
    assert enrollment.enrolled_by == instructor.user
    assert Invitation.objects.filter(course=klass).count() == 1
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "Klass" in mail.outbox[0].subject and "/accounts/signup/" in mail.outbox[0].body
    # The same list again: nothing new, no second email.
    with django_capture_on_commit_callbacks(execute=True):
        again = instructor.post(url, {"emails": "known@example.com new@example.com"})
    assert "0 enrolled, 1 already enrolled, 1 invited" in again.content.decode()
    assert len(mail.outbox) == 1


def test_a_csv_upload_reads_the_email_column(klass, instructor):
    UserFactory(email="a@example.com")
    UserFactory(email="b@example.com")
    data = "Name;E-mail;Group\nAnn;a@example.com;1\nBob;b@example.com;2\n".encode("utf-8-sig")
    upload = SimpleUploadedFile("class.csv", data, content_type="text/csv")
    response = instructor.post(
        reverse("teaching:enrolment", args=[klass.slug]), {"csv_file": upload}
    )
    assert "2 enrolled" in response.content.decode()
    assert Enrollment.objects.filter(course=klass).count() == 2


def test_lists_are_read_leniently_and_bad_files_refused(klass, instructor):
    assert emails_from_text('"Ann" <a@example.com>; b@example.com,\n\tc@example.com') == [
        "Ann",
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert emails_from_csv(b"x@example.com,y@example.com\nz@example.com\n") == [
        "x@example.com",
        "y@example.com",
        "z@example.com",
    ]
    binary = SimpleUploadedFile("class.csv", b"\x00\x01PK\x03\x04" * 10)
    response = instructor.post(
        reverse("teaching:enrolment", args=[klass.slug]), {"csv_file": binary}
    )
    assert response.status_code == 400
    assert "not text" in response.content.decode()
    empty = instructor.post(reverse("teaching:enrolment", args=[klass.slug]), {"emails": ""})
    assert empty.status_code == 400


def test_an_invitation_becomes_an_enrollment_when_the_address_is_confirmed(klass, instructor):
    students_enrol(course=klass, emails=["late@example.com"], by=instructor.user)
    user = UserFactory(email="Late@example.com")
    address = EmailAddress.objects.get(user=user)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    enrollment = Enrollment.objects.get(course=klass, user=user)
    assert enrollment.enrolled_by == instructor.user
    invitation = Invitation.objects.get(course=klass)
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    # Confirming again enrols nothing twice.
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert Enrollment.objects.filter(course=klass, user=user).count() == 1


def test_withdrawing_an_invitation(klass, instructor):
    students_enrol(course=klass, emails=["late@example.com"], by=instructor.user)
    invitation = Invitation.objects.get()
    instructor.post(reverse("teaching:invitation-cancel", args=[klass.slug, invitation.pk]))
    assert not Invitation.objects.exists()


def test_unenrolling_keeps_the_students_work_and_enrolling_brings_it_back(
    klass, student, instructor, take
):
    lesson = Lesson.objects.filter(course=klass).first()
    lesson_complete(user=student.user, lesson=lesson)
    take(student.user, "advanced", {"Storage": 0})
    uid = student.user.pk
    instructor.post(reverse("teaching:student-unenrol", args=[klass.slug, uid]))
    enrollment = Enrollment.objects.get(user=student.user, course=klass)
    assert enrollment.left_at is not None
    assert LessonProgress.objects.filter(user=student.user, completed_at__isnull=False).count() == 1
    assert Attempt.objects.filter(user=student.user).count() == 1
    assert student.get(reverse("courses:dashboard")).context["entries"] == []
    instructor.post(reverse("teaching:student-enrol", args=[klass.slug, uid]))
    enrollment.refresh_from_db()
    assert enrollment.left_at is None
    assert len(student.get(reverse("courses:dashboard")).context["entries"]) == 1


def test_a_student_leaves_a_course_and_comes_back(klass, student):
    lesson = Lesson.objects.filter(course=klass).first()
    lesson_complete(user=student.user, lesson=lesson)
    course_url = reverse("courses:course-detail", args=[klass.slug])
    assert "Leave course" in student.get(course_url).content.decode()
    response = student.post(reverse("courses:course-leave", args=[klass.slug]), follow=True)
    html = response.content.decode()
    assert "You left" in html and "Enroll again" in html
    # Reading a lesson after leaving does not sign them back up.
    student.get(lesson.get_absolute_url())
    assert Enrollment.objects.get(user=student.user).left_at is not None
    student.post(reverse("courses:course-enroll", args=[klass.slug]))
    assert Enrollment.objects.get(user=student.user).left_at is None
    assert LessonProgress.objects.get(user=student.user).completed_at is not None


def test_leaving_needs_a_post_and_a_login(klass, student, anonymous):
    url = reverse("courses:course-leave", args=[klass.slug])
    assert student.get(url).status_code == 405
    assert anonymous.post(url).status_code == 302


@pytest.mark.parametrize("count", [5001])
def test_a_list_too_long_is_refused(klass, instructor, count):
    emails = "\n".join(f"p{n}@example.com" for n in range(count))
    response = instructor.post(reverse("teaching:enrolment", args=[klass.slug]), {"emails": emails})
    assert response.status_code == 400
    assert not Invitation.objects.exists()
