"""Layout a keyboard and a small screen depend on, in Chromium: at 320 px nothing scrolls
the page sideways (a wide table scrolls in its own box), and focus rings inside the lesson
page's scrolling side column are drawn inside it, where its box cannot clip them."""

from playwright.sync_api import Page, expect

from quizzes.models import Quiz
from tests.a11y.conftest import graded_with_misses
from tests.e2e.conftest import log_in

COURSE = "/courses/aws-cloud-fundamentals/"


def _page_scrolls_sideways(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def test_nothing_scrolls_the_page_sideways_at_320_px(page: Page, live_server, reader):
    quiz = Quiz.objects.get(key="chapter-2-iam")
    graded_with_misses(quiz, reader)
    log_in(page, live_server, reader.email)
    page.set_viewport_size({"width": 320, "height": 800})

    for path in (
        quiz.get_absolute_url(),  # the attempts table
        f"{COURSE}chapter-1-aws-introduction/what-is-aws/",
        "/learning/",
        COURSE,
        "/review/",
        "/search/?q=security+group",
    ):
        page.goto(live_server.url + path)
        assert not _page_scrolls_sideways(page), path
    page.goto(live_server.url + quiz.get_absolute_url())
    table = page.locator(".table-scroll").first
    expect(table).to_have_attribute("role", "region")
    table.focus()
    expect(table).to_be_focused()  # a keyboard can scroll it


def test_focus_rings_in_the_side_column_are_drawn_inside_it(page: Page, live_server, reader):
    log_in(page, live_server, reader.email)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}{COURSE}chapter-1-aws-introduction/what-is-aws/")

    for selector in (".side-heading a", ".chapter-nav a"):
        link = page.locator(selector).first
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
        offset = link.evaluate("(e) => parseFloat(getComputedStyle(e).outlineOffset)")
        width = link.evaluate("(e) => parseFloat(getComputedStyle(e).outlineWidth)")
        assert width > 0 and offset <= -width, (selector, offset, width)
