import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in


def test_a_student_searches_the_course_as_they_type_and_lands_on_the_lesson(
    page: Page, live_server, reader, axe
):
    log_in(page, live_server, reader.email)
    page.get_by_role("link", name="AWS Cloud Fundamentals").click()

    # The course page's form is a plain GET form: it opens the search page.
    page.get_by_role("searchbox", name="Search this course").fill("security")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=security&course=aws-cloud-fundamentals$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search AWS Cloud Fundamentals")
    axe(page)

    # On the search page, results follow the typing (htmx), and the address bar with them.
    box = page.get_by_role("searchbox", name="Search this course")
    box.fill("")
    box.press_sequentially("security grou", delay=30)
    first = page.locator(".search-hit__title a").first
    expect(first).to_have_text("Introduction to Security Groups")
    expect(page.locator("#search-status")).to_contain_text("found for “security grou”")
    expect(page).to_have_url(re.compile(r"q=security(\+|%20)grou"))
    expect(page.locator(".search-hit mark").first).to_be_visible()
    axe(page)

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Introduction to Security Groups")


def test_search_works_without_javascript(browser, live_server, reader):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, reader.email)

    page.get_by_role("searchbox", name="Search all courses").fill("security group")
    page.get_by_role("button", name="Search").click()

    expect(page.locator(".search-hit__title a").first).to_have_text(
        "Introduction to Security Groups"
    )
    context.close()
