"""Input at the boundary: control characters in answers, answers to an unpublished course,
GIFT text in [markdown] and [html] shown as Moodle shows it."""

import pytest
from bs4 import BeautifulSoup

from courses.models import Course
from quizzes.attempts import attempt_start
from quizzes.models import Answer, Attempt, Question
from quizzes.templatetags.quizzes import gift_text

HX = {"headers": {"HX-Request": "true"}}


@pytest.fixture
def attempt(basics_quiz, student) -> Attempt:
    return attempt_start(quiz=basics_quiz, user=student.user)


@pytest.mark.parametrize("text", ["Elastic\x00Compute", "bell\x07", "esc\x1b[31m"])
def test_a_control_character_in_an_answer_is_refused_with_a_message(student, attempt, text):
    short = Question.objects.get(quiz=attempt.quiz, key="Short")
    url = f"/attempts/{attempt.pk}/answers/{short.pk}/"
    autosave = student.post(url, {f"q{short.pk}": text}, **HX)
    assert autosave.status_code == 400
    assert "control characters" in autosave.content.decode()
    whole = student.post(f"/attempts/{attempt.pk}/submit/", {f"q{short.pk}": text, "confirm": "1"})
    assert whole.status_code == 400
    assert "control characters" in whole.content.decode()
    assert not Answer.objects.filter(attempt=attempt).exists()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_tabs_and_newlines_are_text(student, attempt):
    short = Question.objects.get(quiz=attempt.quiz, key="Short")
    response = student.post(
        f"/attempts/{attempt.pk}/answers/{short.pk}/", {f"q{short.pk}": "a\tb\r\nc"}, **HX
    )
    assert response.status_code == 200


def test_an_unpublished_course_takes_no_answers(student, attempt):
    Course.objects.filter(pk=attempt.quiz.course_id).update(is_published=False)
    tf = Question.objects.get(quiz=attempt.quiz, key="TF")
    for url in (
        f"/attempts/{attempt.pk}/answers/{tf.pk}/",
        f"/attempts/{attempt.pk}/answers/",
        f"/attempts/{attempt.pk}/submit/",
    ):
        assert student.post(url, {f"q{tf.pk}": "true"}).status_code == 404, url
    assert student.get(f"/attempts/{attempt.pk}/").status_code == 404
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_gift_markdown_and_html_are_rendered_and_sanitized():
    assert gift_text("What does **S3** store? `objects`", "markdown") == (
        "What does <strong>S3</strong> store? <code>objects</code>"
    )
    html = str(gift_text('<b>bold</b> <img src=x onerror="alert(1)"> <script>x</script>', "html"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("b") and soup.find("script") is None
    assert "onerror" not in html
    # Moodle's own format and plain text are text: markup shows as typed.
    assert gift_text("a <b> **c**\nd", "moodle") == "a &lt;b&gt; **c**<br>d"


def test_a_markdown_question_reads_as_markdown_on_the_attempt_page(tiny_dir, student):
    from courses.services import course_import
    from quizzes.models import Quiz

    (tiny_dir / "quizzes" / "basics.gift").write_text(
        "::Md::[markdown]Which service stores **objects**? {=S3 ~EC2}\n"
    )
    course_import(course_dir=tiny_dir)
    quiz = Quiz.objects.get(key="basics")
    attempt = attempt_start(quiz=quiz, user=student.user)
    page = BeautifulSoup(student.get(attempt.get_absolute_url()).content, "html.parser")
    legend = page.select_one("fieldset.question legend")
    assert legend.find("strong").get_text() == "objects"
    assert "**" not in legend.get_text()
