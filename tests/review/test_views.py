"""The review page through real HTTP (Django's test client): a plain form post and htmx,
one question at a time, idempotent posts, and only the student's own cards."""

import re

import pytest
from bs4 import BeautifulSoup

from quizzes.shuffle import choice_order
from review.models import Card, ReviewLog
from review.services import deck_sync
from tests.review.test_deck import RIGHT, _graded

HX = {"HTTP_HX_REQUEST": "true"}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def deck(basics_quiz, student):
    """The student missed Pick and TF in both attempts (out of attempts: answers shown)."""
    wrong = {**RIGHT, "Pick": 1, "TF": False}
    _graded(basics_quiz, student.user, wrong)
    _graded(basics_quiz, student.user, wrong)
    deck_sync(user=student.user)
    return Card.objects.filter(user=student.user)


def _answer_fields(page, right: bool) -> dict:
    """The posted fields of the page's question, answered right or wrongly."""
    form = page.select_one("form.review-question")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    card = Card.objects.get(pk=int(re.search(r"/cards/(\d+)/", form["action"]).group(1)))
    question = card.question
    parsed = question.as_gift()
    if parsed.kind.value == "truefalse":
        fields[f"q{question.pk}"] = "true" if right else "false"
    else:
        order = choice_order(
            seed=int(fields["seed"]), question_id=question.pk, parsed=parsed, shuffle=True
        )
        fields[f"q{question.pk}"] = str(order.index(0 if right else 1))
    return fields, form["action"], card


def test_the_page_asks_the_due_questions_one_at_a_time(deck, student):
    page = _soup(student.get("/review/"))

    assert page.select_one(".review__count").get_text(strip=True) == "2 questions to review today."
    assert len(page.select("form.review-question fieldset.question")) == 1
    # The form holds no answer key: only display positions.
    assert "correct" not in str(page.select_one("form.review-question")).lower()


def test_a_wrong_answer_by_plain_post_shows_the_right_one_and_when_it_comes_back(deck, student):
    fields, action, card = _answer_fields(_soup(student.get("/review/")), right=False)

    response = student.post(action, fields)

    page = _soup(response)
    assert response.status_code == 200
    assert page.select_one("#review-outcome-heading").get_text() == "Not this time"
    assert "The right answer" in page.select_one(".review-outcome__answers").get_text()
    assert "comes back tomorrow" in page.select_one(".review-outcome__next").get_text()
    assert page.select_one(".review__count").get_text(strip=True) == (
        "1 more question to review today."
    )
    again = student.post(action, fields)  # the same form again: the same review
    assert again.status_code == 200 and ReviewLog.objects.filter(card=card).count() == 1


def test_a_right_answer_is_rated_through_htmx_and_the_next_question_follows(deck, student):
    fields, action, card = _answer_fields(_soup(student.get("/review/")), right=True)

    answered = student.post(action, fields, **HX)
    part = _soup(answered)
    assert part.select_one("html") is None  # the card's fragment alone
    assert part.select_one("#review-outcome-heading").get_text() == "Right"
    rate = part.select_one("form.review-rate")
    rated = student.post(rate["action"], {"rating": "3"}, follow=True, **HX)

    assert rated.redirect_chain[-1][0] == "/review/"
    log = ReviewLog.objects.get(card=card)
    assert log.rating == 3 and Card.objects.get(pk=card.pk).reviews == 1
    nxt = _soup(rated)
    assert nxt.select_one(".review__count").get_text(strip=True) == "1 question to review today."


def test_only_ones_own_cards_and_reviews(deck, student, other_student):
    fields, action, _ = _answer_fields(_soup(student.get("/review/")), right=True)
    assert other_student.post(action, fields).status_code == 404
    answered = _soup(student.post(action, fields))
    rate_url = answered.select_one("form.review-rate")["action"]
    assert other_student.post(rate_url, {"rating": "3"}).status_code == 404
    assert student.post(rate_url, {"rating": "7"}).status_code == 400
    assert student.post(action, {**fields, "seed": "x"}).status_code == 400
    assert _soup(other_student.get("/review/")).select_one(".empty-state")


def test_visitors_log_in_first_and_an_unknown_course_is_404(deck, anonymous, student):
    assert anonymous.get("/review/").status_code == 302
    assert student.get("/review/", {"course": "nope"}).status_code == 404
    course = student.get("/review/", {"course": "tiny"})
    assert _soup(course).select_one("input[name=course]")["value"] == "tiny"


def test_the_page_takes_the_same_queries_whatever_the_deck(
    deck, student, basics_quiz, django_assert_max_num_queries
):
    student.get("/review/")  # the session, the deck synced
    with django_assert_max_num_queries(14) as first:
        student.get("/review/")
    Card.objects.filter(user=student.user).update(due="2000-01-01T00:00:00Z")
    for key in ("Many", "Short", "Num"):
        Card.objects.create(
            user=student.user,
            question=basics_quiz.questions.get(key=key),
            course=basics_quiz.course,
            reason=Card.Reason.MISSED,
            added_at="2000-01-01T00:00:00Z",
            due="2000-01-01T00:00:00Z",
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        student.get("/review/")


def test_the_data_export_holds_ones_own_deck_and_reviews(deck, student, other_student):
    fields, action, card = _answer_fields(_soup(student.get("/review/")), right=False)
    student.post(action, fields)

    mine = student.get("/account/data/export/").json()["review"]
    theirs = other_student.get("/account/data/export/").json()["review"]

    assert theirs == []
    assert {c["question"] for c in mine} == {"Pick", "TF"}
    reviewed = next(c for c in mine if c["question"] == card.question.key)
    assert [r["rating"] for r in reviewed["reviews"]] == [1]
