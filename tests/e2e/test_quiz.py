"""Taking the EC2 chapter quiz in Chromium: autosave survives a reload, submit, graded result."""

import re

from playwright.sync_api import Page, expect

from quizzes.models import Answer, Attempt, Quiz
from tests.e2e.conftest import log_in


def test_a_student_takes_the_ec2_quiz_reloads_midway_and_sees_the_graded_result(
    page: Page, live_server, reader, axe
):
    quiz = Quiz.objects.get(key="chapter-3-ec2-compute")
    log_in(page, live_server, reader.email)

    page.goto(f"{live_server.url}/courses/aws-cloud-fundamentals/")
    page.get_by_role("link", name=quiz.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz.title)
    axe(page)
    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/$"))
    axe(page)

    # Answer two questions by their labels; each change is saved at once.
    page.get_by_role("group", name=re.compile("What kind of cloud service")).get_by_label(
        "Infrastructure as a service"
    ).check()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    port = page.get_by_role("group", name=re.compile("plain HTTP traffic")).get_by_role("textbox")
    port.fill("80")
    port.press("Tab")
    attempt = Attempt.objects.get(user=reader)
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)
    assert Answer.objects.filter(attempt=attempt).count() == 2

    page.reload()
    expect(
        page.get_by_role("group", name=re.compile("What kind of cloud service")).get_by_label(
            "Infrastructure as a service"
        )
    ).to_be_checked()
    expect(
        page.get_by_role("group", name=re.compile("plain HTTP traffic")).get_by_role("textbox")
    ).to_have_value("80")

    # Eight questions are unanswered: Lectern asks before submitting.
    page.get_by_role("button", name="Submit for scoring").click()
    confirm = page.get_by_role("alert")
    expect(confirm.get_by_role("heading")).to_have_text(
        "8 of 10 questions unanswered: submit anyway?"
    )
    expect(confirm.get_by_role("link", name=re.compile(r"^Question \d+$"))).to_have_count(8)
    assert attempt.status == Attempt.Status.IN_PROGRESS
    axe(page)
    # "Answer them first" goes to the first unanswered question; the answers are still there.
    confirm.get_by_role("link", name="Answer them first").click()
    expect(
        page.get_by_role("group", name=re.compile("plain HTTP traffic")).get_by_role("textbox")
    ).to_have_value("80")
    page.get_by_role("button", name="Submit for scoring").click()
    page.get_by_role("alert").get_by_role("button", name="Submit anyway").click()

    expect(page.locator(".attempt-result__score")).to_contain_text("20 %", timeout=15000)
    expect(page.locator(".attempt-result__score")).to_contain_text("Not passed")
    expect(page.locator(".result--right")).to_have_count(2)
    # Not passed, attempts left: no right answer is given away, the feedback on each is.
    expect(page.locator(".result__correct")).to_have_count(0)
    axe(page)


def test_a_knowledge_check_at_the_end_of_a_lesson_answers_in_place(
    page: Page, live_server, reader, axe
):
    log_in(page, live_server, reader.email)
    page.goto(
        f"{live_server.url}/courses/aws-cloud-fundamentals/chapter-6-load-balancing-scalability/"
        "load-balancing/"
    )
    check = page.locator("section.knowledge-check")
    axe(page)

    check.get_by_label("Through the load balancer's DNS endpoint").check()
    check.get_by_role("group", name=re.compile("SSL termination")).get_by_label("True").check()
    check.get_by_role("button", name="Check my answers").click()

    expect(check.locator(".attempt-result__score")).to_contain_text("100 %", timeout=15000)
    expect(page).to_have_url(re.compile(r"/load-balancing/$"))
    axe(page)
