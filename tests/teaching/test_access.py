"""Every teaching URL: the login page for anonymous visitors, 403 for students, open to
staff; and nothing on a student's own pages names another student."""

import pytest
from django.urls import reverse

from quizzes.models import Answer, Quiz
from teaching.models import Invitation
from tests.factories import UserFactory


@pytest.fixture
def targets(klass, student, take):
    """(method, url) of every teaching page, with real objects behind each."""
    attempt = take(student.user, "basics", {"Pick": 0, "TF": True, "Essay": "A place."})
    essay = Answer.objects.get(attempt=attempt, question__key="Essay")
    quiz = Quiz.objects.get(course=klass, key="basics")
    invitation = Invitation.objects.create(course=klass, email="new@example.com")
    slug, uid = klass.slug, student.user.pk
    return [
        ("get", reverse("teaching:index")),
        ("get", reverse("teaching:gradebook", args=[slug])),
        ("get", reverse("teaching:gradebook-csv", args=[slug])),
        ("get", reverse("teaching:responses-csv", args=[slug])),
        ("get", reverse("teaching:student-detail", args=[slug, uid])),
        ("post", reverse("teaching:student-unenrol", args=[slug, uid])),
        ("post", reverse("teaching:student-enrol", args=[slug, uid])),
        ("get", reverse("teaching:analytics", args=[slug])),
        ("get", reverse("teaching:quiz-statistics", args=[slug, quiz.pk])),
        ("get", reverse("teaching:review-queue", args=[slug])),
        ("get", reverse("teaching:answer-mark", args=[slug, essay.pk])),
        ("post", reverse("teaching:answer-mark", args=[slug, essay.pk])),
        ("get", reverse("teaching:enrolment", args=[slug])),
        ("post", reverse("teaching:enrolment", args=[slug])),
        ("post", reverse("teaching:invitation-cancel", args=[slug, invitation.pk])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(targets, anonymous):
    for method, url in targets:
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_students_are_refused_every_teaching_page(targets, student, other_student):
    for client in (student, other_student):
        for method, url in targets:
            response = getattr(client, method)(url, {"percent": "100", "emails": "x@example.com"})
            assert response.status_code == 403, url
    # Nothing was changed by the refused posts.
    assert Answer.objects.get(question__key="Essay").needs_review
    assert Invitation.objects.filter(email="new@example.com").exists()


def test_staff_can_open_every_teaching_page(targets, instructor):
    for method, url in targets:
        if method == "get":
            response = instructor.get(url)
            assert response.status_code == 200, url


def test_staff_who_are_not_superusers_are_staff_enough(targets, db):
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(is_staff=True))
    for method, url in targets:
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_a_student_never_sees_another_students_name_or_score(klass, student, other_student, take):
    take(other_student.user, "basics", {"Pick": 1, "TF": False, "Essay": "Other words."})
    mine = take(student.user, "basics", {"Pick": 0, "TF": True, "Essay": "Mine."})
    pages = [
        reverse("courses:course-detail", args=[klass.slug]),
        reverse("courses:dashboard"),
        reverse("quizzes:quiz-detail", args=[mine.quiz_id]),
        mine.get_absolute_url(),
    ]
    for url in pages:
        html = student.get(url).content.decode()
        assert other_student.user.email not in html, url
        assert "Other words." not in html, url
    # The other student's attempt does not exist for this student.
    others = other_student.user.quiz_attempts.get()
    assert student.get(others.get_absolute_url()).status_code == 404
