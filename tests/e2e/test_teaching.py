"""An instructor in Chromium: the gradebook, sorting, a student's detail, marking an essay;
then the student sees the new score and the comment."""

import re

import pytest
from playwright.sync_api import Page, expect

from quizzes.attempts import answers_save, attempt_start, attempt_submit
from quizzes.models import Question, Quiz
from tests.e2e.conftest import log_in
from tests.factories import UserFactory

NOTES = "# Basics\n\n## First lesson\n\nText.\n\n## Second lesson\n\nMore.\n"
GIFT = """\
::Pick:: Which is a compute service? {=EC2 ~S3 ~IAM}

::Essay:: Explain what a region is. {}
"""


@pytest.fixture
def marked_course(transactional_db, tmp_path):
    from courses.models import Course
    from courses.services import course_import

    folder = tmp_path / "klass"
    (folder / "quizzes").mkdir(parents=True)
    (folder / "course.toml").write_text('title = "Klass"\nslug = "klass"\n')
    (folder / "notes.md").write_text(NOTES)
    (folder / "quizzes" / "basics.gift").write_text(GIFT)
    course_import(course_dir=folder)
    quiz = Quiz.objects.get(key="basics")
    questions = {q.key: q for q in Question.objects.filter(quiz=quiz)}
    people = {}
    for email, pick, essay in [
        ("zed@example.com", 0, "A region is a geographic area with several zones."),
        ("amy@example.com", 1, "No idea."),
    ]:
        user = UserFactory(email=email)
        attempt = attempt_start(quiz=quiz, user=user)
        answers_save(
            attempt=attempt, responses={questions["Pick"]: pick, questions["Essay"]: essay}
        )
        attempt_submit(attempt=attempt)  # eager Celery grades it on commit
        people[email] = (user, attempt)
    UserFactory(email="teacher@example.com", is_staff=True)
    return Course.objects.get(slug="klass"), people


def test_an_instructor_marks_an_essay_from_the_gradebook_and_the_student_sees_it(
    page: Page, live_server, marked_course, axe, browser
):
    _course, people = marked_course
    log_in(page, live_server, "teacher@example.com")
    page.get_by_role("link", name="Teaching").click()
    page.get_by_role("link", name="Klass").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gradebook")
    rows = page.locator("table.gradebook__table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("amy@example.com")  # by name, A to Z
    axe(page)

    # Sort by the quiz, then highest first (htmx swaps the table; the URL follows).
    title = Quiz.objects.get(key="basics").title
    page.locator("thead").get_by_role("link", name=title).click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text(title)
    page.locator("thead").get_by_role("link", name=title).click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text(title)
    expect(page).to_have_url(re.compile(r"desc=1"))
    expect(rows.first).to_contain_text("zed@example.com")

    page.get_by_role("link", name="zed@example.com").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("zed@example.com")
    expect(page.get_by_text("To mark").first).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Mark this answer").click()
    expect(page.get_by_text("A region is a geographic area")).to_be_visible()
    axe(page)
    page.get_by_label("Mark (%)").fill("80")
    page.get_by_label("Comment for the student").fill("Good; name two zones next time.")
    page.get_by_role("button", name="Save the mark").click()
    # Back on the student's page, which came here: the mark and the comment are there.
    expect(page.get_by_role("status").first).to_contain_text("Marked")
    expect(page.get_by_role("heading", level=1)).to_have_text("zed@example.com")
    expect(page.locator(".attempt-card").first).to_contain_text("score 90 %")
    expect(page.get_by_text("Good; name two zones next time.")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Marking").click()
    expect(page.locator(".lead")).to_contain_text("1 answer waits")  # Amy's, not Zed's
    expect(page.locator(".marking-item")).to_contain_text("amy@example.com")
    axe(page)

    # The student logs in elsewhere and sees (100 + 80) / 2 = 90 % and the comment.
    user, attempt = people["zed@example.com"]
    context = browser.new_context()
    student_page = context.new_page()
    log_in(student_page, live_server, user.email)
    student_page.goto(f"{live_server.url}{attempt.get_absolute_url()}")
    expect(student_page.locator(".attempt-result__score")).to_contain_text("90 %")
    expect(student_page.get_by_text("Good; name two zones next time.")).to_be_visible()
    context.close()
