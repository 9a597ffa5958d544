import re

from django.core import mail
from playwright.sync_api import Page, expect

from conftest import SEED_COURSE_DIR
from courses.services import course_import
from tests.e2e.conftest import PASSWORD

LESSONS = "/courses/aws-cloud-fundamentals/chapter-1-aws-introduction/"


def test_sign_up_confirm_read_complete_and_continue_after_logging_back_in(
    page: Page, live_server, transactional_db, axe
):
    course_import(course_dir=SEED_COURSE_DIR)
    base = live_server.url

    # Sign up.
    page.goto(f"{base}/accounts/signup/")
    axe(page)
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your email")
    axe(page)

    # Confirm the email from the link in the message Lectern sent.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(base + link[link.index("/accounts/") :])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{base}/")

    # Read two lessons and mark them complete (htmx swaps the button and the bar).
    page.goto(f"{base}/courses/aws-cloud-fundamentals/")
    page.get_by_role("link", name="What is AWS?").click()
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.locator("#lesson-completion")).to_contain_text("You completed this lesson")
    expect(page.locator("#course-progress")).to_contain_text("1 of 38")
    axe(page)

    page.locator("a[rel=next]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS Cloud facts")
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.locator("#course-progress")).to_contain_text("2 of 38")
    current = page.locator(".chapter-nav [aria-current=page]")
    expect(current).to_contain_text("Completed")

    # The course page and the dashboard agree.
    page.goto(f"{base}/learning/")
    expect(page.locator(".dashboard-entry .progress")).to_contain_text("2 of 38")
    axe(page)

    # Log out, log back in: "Continue" returns to the last lesson read.
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/courses/aws-cloud-fundamentals/")
    expect(page.locator("#course-progress")).to_contain_text("2 of 38")
    axe(page)
    page.locator("a.continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS Cloud facts")
    expect(page).to_have_url(re.compile(LESSONS + "aws-cloud-facts/$"))
