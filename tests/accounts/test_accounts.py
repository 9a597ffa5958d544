import json
import re

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client

from accounts.models import User
from courses.models import Enrollment, Lesson, LessonProgress
from courses.services import lesson_complete

PASSWORD = "correct horse battery"


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def _signup(client: Client, email: str = "new@example.com"):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_signup_sends_a_confirmation_link_that_verifies_and_logs_in(anonymous: Client, db):
    response = _signup(anonymous)

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.startswith("Hello from Lectern!")
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    assert not EmailAddress.objects.get(email="new@example.com").verified

    page = anonymous.get(link.group(1))
    assert page.status_code == 200
    confirmed = anonymous.post(link.group(1))

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert anonymous.get("/learning/").status_code == 200


def test_login_is_refused_until_the_email_is_verified(anonymous: Client, db):
    _signup(anonymous)
    anonymous.logout()

    response = anonymous.post(
        "/accounts/login/", {"login": "new@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert anonymous.get("/learning/").status_code == 302


def test_verified_people_log_in_with_email_and_password(anonymous: Client, db):
    user = User.objects.create_user("reader@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = anonymous.post(
        "/accounts/login/", {"login": "READER@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert anonymous.get("/learning/").status_code == 200


def test_repeated_failed_logins_are_rate_limited(anonymous: Client, db):
    user = User.objects.create_user("reader@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    for _ in range(5):
        failed = anonymous.post(
            "/accounts/login/", {"login": "reader@example.com", "password": "wrong"}
        )
        assert "Too many failed login attempts" not in failed.content.decode()

    # Now even the right password is refused for a while.
    response = anonymous.post(
        "/accounts/login/", {"login": "reader@example.com", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert anonymous.get("/learning/").status_code == 302


def test_password_reset_sends_an_email(anonymous: Client, db):
    User.objects.create_user("reader@example.com", PASSWORD)

    response = anonymous.post("/accounts/password/reset/", {"email": "reader@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "url", ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/account/data/"]
)
def test_account_pages_need_login_and_render_for_the_owner(anonymous: Client, student, url):
    assert anonymous.get(url).status_code == 302

    response = student.get(url)

    assert response.status_code == 200
    assert _soup(response).h1 is not None


def test_data_export_holds_only_your_own_progress(student, other_student, seed_course):
    billing = Lesson.objects.select_related("course", "chapter").get(slug="billing")
    mfa = Lesson.objects.select_related("course", "chapter").get(slug="mfa")
    lesson_complete(user=student.user, lesson=billing)
    lesson_complete(user=other_student.user, lesson=mfa)

    response = student.get("/account/data/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="lectern-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == student.user.email
    assert [p["lesson"] for p in data["lesson_progress"]] == ["billing"]
    assert data["enrollments"][0]["course"] == "aws-cloud-fundamentals"
    assert "other@example.com" not in response.content.decode()


def test_deleting_an_account_needs_the_password(student, seed_course):
    response = student.post("/account/delete/", {"password": "wrong"})

    assert response.status_code == 400
    assert User.objects.filter(pk=student.user.pk).exists()


def test_deleting_an_account_removes_its_progress(student, other_student, seed_course):
    billing = Lesson.objects.select_related("course", "chapter").get(slug="billing")
    lesson_complete(user=student.user, lesson=billing)
    lesson_complete(user=other_student.user, lesson=billing)

    response = student.post("/account/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(pk=student.user.pk).exists()
    assert not LessonProgress.objects.filter(user_id=student.user.pk).exists()
    assert not Enrollment.objects.filter(user_id=student.user.pk).exists()
    assert LessonProgress.objects.filter(user=other_student.user).count() == 1
    assert student.get("/learning/").status_code == 302


def test_data_export_includes_your_quiz_attempts(student, other_student, seed_course):
    from quizzes.attempts import attempt_start
    from quizzes.models import Quiz

    quiz = Quiz.objects.filter(kind="chapter").order_by("pk").first()
    attempt_start(quiz=quiz, user=student.user)
    attempt_start(quiz=quiz, user=other_student.user)

    data = json.loads(student.get("/account/data/export/").content)

    assert len(data["quiz_attempts"]) == 1
    assert data["quiz_attempts"][0]["quiz"] == quiz.title
