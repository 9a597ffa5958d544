"""What automated checkers cannot see, through real HTTP: live regions that exist before the
news and hold one short sentence, the chapter quiz linked from its chapter, valid times,
error pages that say so in their title and sum up what to fix, a usable two-factor secret,
and the admin's inline answers labelled."""

import re

from bs4 import BeautifulSoup
from django.test import Client

from courses.content_version import content_changed
from quizzes.models import Attempt, Quiz
from quizzes.templatetags.quizzes import percent
from tests.a11y.conftest import graded_with_misses
from tests.e2e.conftest import PASSWORD
from tests.factories import UserFactory

COURSE = "/courses/aws-cloud-fundamentals/"
HX = {"HTTP_HX_REQUEST": "true"}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_the_chapter_page_links_its_chapter_quiz_with_the_students_result(
    seed_course, student: Client
):
    quiz = Quiz.objects.get(key="chapter-2-iam")
    page = _soup(student.get(f"{COURSE}chapter-2-iam/"))
    link = page.select_one(".chapter-quiz-cta a.button")
    assert link["href"] == quiz.get_absolute_url()
    assert link.get_text(strip=True) == "Take the chapter quiz"

    attempt = graded_with_misses(quiz, student.user)
    page = _soup(student.get(f"{COURSE}chapter-2-iam/"))
    assert (
        f"Your result: {percent(attempt.score)}" in page.select_one(".chapter-quiz-cta").get_text()
    )
    assert page.select_one(".chapter-quiz-cta a.button").get_text(strip=True) == "Go to the quiz"


def test_a_chapter_whose_quiz_is_archived_shows_none(seed_course, student: Client):
    quiz = Quiz.objects.get(key="chapter-2-iam")
    Quiz.objects.filter(pk=quiz.pk).update(is_archived=True)
    content_changed(course_ids=[seed_course.pk])

    assert _soup(student.get(f"{COURSE}chapter-2-iam/")).select(".chapter-quiz-cta") == []


def test_times_are_valid_html_datetimes(seed_course, student: Client):
    quiz = Quiz.objects.get(key="chapter-3-ec2-compute")
    quiz.time_limit_minutes = 30
    quiz.save()
    start = student.post(f"/quizzes/{quiz.pk}/attempts/")
    attempt = Attempt.objects.get(user=student.user, quiz=quiz)
    question = attempt.question_ids[0]
    student.post(f"/attempts/{attempt.pk}/answers/{question}/", {f"q{question}": "0"}, **HX)

    page = _soup(student.get(start["Location"]))

    times = [time["datetime"] for time in page.select("time[datetime]")]
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.select_one("[data-deadline]")["data-deadline"]
    )


def test_htmx_attributes_are_written_as_valid_data_attributes(seed_course, student: Client):
    page = student.get(f"{COURSE}chapter-1-aws-introduction/what-is-aws/").content.decode()
    assert "data-hx-post=" in page and "data-hx-get=" in page
    assert re.search(r"\shx-[a-z]", page) is None


def test_a_knowledge_checks_live_region_is_there_before_the_answer(
    seed_course_transactional, student: Client
):
    # Committed: the check is scored as it is answered (on commit, eagerly), as in the
    # embedded default; with a worker, the poll brings the news into the result's region.
    lesson = f"{COURSE}chapter-1-aws-introduction/aws-points-of-presence-edge-locations/"
    page = _soup(student.get(lesson))
    section = page.select_one(".knowledge-check")
    quiz_id = section["id"].removeprefix("check-")
    live = section.select_one(f"#check-{quiz_id}-live")
    assert live["role"] == "status" and live.get_text(strip=True) == ""
    form = section.select_one("form")

    answer = _soup(student.post(form["action"], {}, **HX))

    news = answer.select_one(f'[data-hx-swap-oob="innerHTML:#check-{quiz_id}-live"]')
    assert re.fullmatch(r"Scored: [\d.]+\xa0%, (passed|not passed)\.", news.get_text(strip=True))
    assert len(news.get_text().split()) < 12  # a sentence, not the result


def test_an_error_page_says_error_in_its_title_and_sums_up_what_to_fix(db, anonymous: Client):
    page = _soup(
        anonymous.post(
            "/accounts/signup/",
            {"email": "new@example.com", "password1": "short", "password2": "other"},
        )
    )

    assert page.title.get_text(strip=True).startswith("Error: ")
    summary = page.select_one(".error-summary")
    assert summary["role"] == "alert" and summary.has_attr("data-focus-on-load")
    links = {a["href"]: a.get_text(strip=True) for a in summary.select("a")}
    assert "#id_password1" in links or "#id_password2" in links
    for href in links:
        assert page.select_one(href) is not None  # each link leads to its field


def test_a_page_without_errors_keeps_its_title(db, anonymous: Client):
    page = _soup(anonymous.get("/accounts/signup/"))
    assert not page.title.get_text(strip=True).startswith("Error")
    assert page.select(".error-summary") == []


def test_the_authenticator_secret_is_readable_and_the_qr_code_says_what_it_is(db):
    client = Client()
    user = UserFactory(email="mfa@example.com")
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    page = _soup(client.get("/accounts/2fa/totp/activate/"))

    secret = page.select_one("#authenticator_secret")
    assert secret.has_attr("readonly") and not secret.has_attr("disabled")
    assert not secret.has_attr("name")  # shown, never posted
    image = page.select_one("img[src^='data:']")
    assert secret["value"] not in image["alt"]
    assert "QR code" in image["alt"]


def test_the_admins_answers_each_have_a_labelled_mark_input(seed_course, instructor: Client):
    quiz = Quiz.objects.get(key="chapter-2-iam")
    attempt = graded_with_misses(quiz, UserFactory())

    page = _soup(instructor.get(f"/admin/quizzes/attempt/{attempt.pk}/change/"))

    inputs = page.select(".inline-group input:not([type=hidden]), .inline-group textarea")
    assert inputs
    for field in inputs:
        assert page.select_one(f"label[for={field['id']}]") is not None, field["name"]
    assert page.select_one("link[href$='admin-lectern/admin.css']") is not None
