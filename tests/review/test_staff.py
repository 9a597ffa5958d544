"""What staff see of review: per course, how many students review and the questions most
often forgotten (teaching's analytics page); the decks in the admin, read only."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import instructor_grant
from review.models import Card, Deck, ReviewLog
from review.selectors import course_figures
from review.services import deck_refresh, reminder_save
from tests.factories import UserFactory
from tests.review.test_deck import _graded
from tests.review.test_due import WRONG


def _forget(card: Card, times: int, *, days_ago: int = 1) -> None:
    for number in range(times):
        ReviewLog.objects.create(
            card=card,
            token=f"{card.pk:016x}{number:016x}",
            fraction=0,
            rating=1,
            answered_at=timezone.now() - timedelta(days=days_ago),
            due_before=card.due,
            due_after=card.due,
        )


@pytest.fixture
def reviewers(basics_quiz):
    """Three students missed Pick and TF; two forgot Pick in review (one twice), one got TF
    right, one reviewed only long ago."""
    students = [UserFactory() for _ in range(3)]
    for user in students:
        _graded(basics_quiz, user, WRONG)
        _graded(basics_quiz, user, WRONG)
        deck_refresh(user=user)
    first, second, third = students
    pick = {u.pk: Card.objects.get(user=u, question__key="Pick") for u in students}
    tf = {u.pk: Card.objects.get(user=u, question__key="TF") for u in students}
    _forget(pick[first.pk], 2)
    _forget(pick[second.pk], 1)
    ReviewLog.objects.create(
        card=tf[first.pk],
        token="f" * 32,
        fraction=1,
        rating=3,
        answered_at=timezone.now() - timedelta(days=2),
        due_before=timezone.now(),
    )
    _forget(tf[third.pk], 1, days_ago=60)
    return students


def test_the_figures_count_reviewers_and_rank_what_is_forgotten(basics_quiz, reviewers):
    figures = course_figures(course=basics_quiz.course)

    assert figures.students_with_cards == 3
    assert figures.students_reviewing == 2  # the third reviewed 60 days ago
    assert figures.reviews == 4
    assert [
        (item.question.key, item.forgotten, item.students, item.reviews, item.percent)
        for item in figures.forgotten
    ] == [("Pick", 3, 2, 3, 100), ("TF", 1, 1, 2, 50)]


def test_the_figures_take_the_same_queries_whatever_the_course(
    basics_quiz, reviewers, django_assert_num_queries
):
    with django_assert_num_queries(4):
        course_figures(course=basics_quiz.course)
    _forget(Card.objects.get(user=reviewers[2], question__key="Pick"), 5)
    with django_assert_num_queries(4):
        course_figures(course=basics_quiz.course)


def test_the_analytics_page_shows_them(basics_quiz, reviewers, instructor: Client):
    page = BeautifulSoup(
        instructor.get(reverse("teaching:analytics", args=[basics_quiz.course.slug])).content,
        "html.parser",
    )

    section = page.select_one("section[aria-labelledby=review-heading]")
    facts = [div.get_text(" ", strip=True) for div in section.select(".facts div")]
    assert facts == [
        "Students with questions to review 3",
        "Students who reviewed in the last 30 days 2",
        "Reviews in the last 30 days 4",
    ]
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in section.select("tbody tr")
    ]
    assert [row[0] for row in rows] == ["Which is a compute service?", "IAM is a global service."]
    assert [row[3:] for row in rows] == [["3", "2", "100 %"], ["1", "1", "50 %"]]


def test_the_page_is_for_staff(basics_quiz, reviewers, student: Client):
    response = student.get(reverse("teaching:analytics", args=[basics_quiz.course.slug]))
    assert response.status_code in (302, 403)


def test_an_instructor_reads_decks_in_the_admin_and_changes_nothing(basics_quiz, reviewers):
    instructor = Client()
    instructor.force_login(instructor_grant(user=UserFactory()))
    user = reviewers[0]
    reminder_save(user=user, remind=True, remind_hour=8, time_zone="UTC")
    card = Card.objects.get(user=user, question__key="Pick")

    for model, pk in ((Card, card.pk), (ReviewLog, card.logs.first().pk), (Deck, user.pk)):
        meta = model._meta
        changelist = instructor.get(reverse(f"admin:review_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.label
        change_url = reverse(f"admin:review_{meta.model_name}_change", args=[pk])
        page = BeautifulSoup(instructor.get(change_url).content, "html.parser")
        assert page.select_one("input[name=_save]") is None, meta.label
        assert instructor.post(change_url, {"remind": ""}).status_code == 403, meta.label

    card_page = instructor.get(reverse("admin:review_card_change", args=[card.pk]))
    assert len(BeautifulSoup(card_page.content, "html.parser").select("tr.has_original")) == 2
    assert Deck.objects.get(user=user).remind is True
