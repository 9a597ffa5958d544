import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in


def test_a_student_logs_in_reads_a_lesson_and_follows_next_into_the_next_chapter(
    page: Page, live_server, reader, axe
):
    log_in(page, live_server, reader.email)
    axe(page)

    page.get_by_role("link", name="AWS Cloud Fundamentals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AWS Cloud Fundamentals")
    axe(page)

    page.get_by_role("link", name="MFA", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MFA")
    expect(page.locator(".breadcrumb")).to_contain_text("Chapter 1: AWS Introduction")
    axe(page)

    # Next crosses the chapter boundary, through htmx, and the address bar follows.
    page.locator("a[rel=next]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users and Groups")
    expect(page).to_have_url(re.compile(r"/chapter-2-iam/users-and-groups/$"))
    expect(page).to_have_title(re.compile(r"^Users and Groups ·"))
    expect(page.locator(".breadcrumb")).to_contain_text("Chapter 2: IAM")
    axe(page)

    # Back returns to the previous lesson.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("MFA")


def test_reading_works_without_javascript(browser, live_server, reader):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, reader.email)

    page.goto(f"{live_server.url}/courses/aws-cloud-fundamentals/chapter-1-aws-introduction/mfa/")
    page.locator("a[rel=next]").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Users and Groups")
    context.close()


def test_lesson_pages_pass_axe_on_a_phone_in_dark_mode(browser, live_server, reader, axe):
    context = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme="dark")
    page = context.new_page()
    log_in(page, live_server, reader.email)

    page.goto(
        f"{live_server.url}/courses/aws-cloud-fundamentals/chapter-3-ec2-compute/"
        "basic-format-of-ec2-instance-types/"
    )
    axe(page)
    # The instance-family table scrolls inside itself; the page never scrolls sideways.
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 320
    context.close()
