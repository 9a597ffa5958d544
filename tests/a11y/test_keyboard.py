"""The student's journey by keyboard alone, in Chromium: log in, skip to the content, open a
lesson, mark it complete, go on to the next, reach the chapter quiz from the chapter page,
answer, submit, read the result. After each step the test says where focus must be: never
lost to <body>, always on what the student acts on next."""

import re

from playwright.sync_api import Page, expect

from quizzes.models import Quiz
from tests.e2e.conftest import PASSWORD

COURSE = "/courses/aws-cloud-fundamentals/"


def _focused(page: Page) -> str:
    """The focused element, as a short description for failure messages."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? `${e.tagName.toLowerCase()}#${e.id} ${(e.innerText || e.value || '')"
        ".trim().slice(0, 40)}` : 'none'; }"
    )


def _tab_to(page: Page, locator, *, limit: int = 80, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has focus; fail after ``limit`` presses."""
    for _ in range(limit):
        if locator.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{limit} Tabs never reached {locator}; focus is on {_focused(page)}")


def _not_lost(page: Page) -> None:
    assert page.evaluate("() => document.activeElement !== document.body"), "focus fell to body"


def test_the_whole_journey_works_by_keyboard_and_focus_lands_where_it_should(
    page: Page, live_server, reader
):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")

    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    # Log in: Tab to the fields, type, Enter.
    email = page.get_by_label("Email")
    _tab_to(page, email)
    page.keyboard.type(reader.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")

    # From the catalog to the course, by its link.
    course_link = page.get_by_role("link", name="AWS Cloud Fundamentals").first
    _tab_to(page, course_link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{COURSE}")

    # The skip link moves focus into the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # The first lesson, from the outline.
    first = page.get_by_role("link", name="What is AWS?", exact=True)
    _tab_to(page, first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("What is AWS?")

    # Mark as complete: focus moves to the new "Mark as not complete" button (not <body>),
    # and the status line says what happened in one sentence.
    complete = page.get_by_role("button", name="Mark as complete")
    _tab_to(page, complete)
    page.keyboard.press("Enter")
    undo = page.get_by_role("button", name="Mark as not complete")
    expect(undo).to_be_focused()
    expect(page.locator("#lesson-completion-status")).to_have_text(
        re.compile(r"You completed this lesson: 1 of 38 done\.")
    )
    # The next Tab goes on from there, to what follows the button.
    page.keyboard.press("Tab")
    _not_lost(page)
    assert not undo.evaluate("(e) => e === document.activeElement")

    # Next lesson (an htmx swap): focus on its heading, as a page load would start.
    next_link = page.locator("a[rel=next]")
    _tab_to(page, next_link)
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("AWS Cloud facts")
    expect(heading).to_be_focused()

    # The chapter page links its chapter quiz.
    page.goto(f"{base}{COURSE}chapter-2-iam/")
    quiz = Quiz.objects.get(key="chapter-2-iam")
    take = page.get_by_role("link", name="Take the chapter quiz")
    _tab_to(page, take)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz.title)
    start = page.get_by_role("button", name="Start the quiz")
    _tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/$"))

    # Answer the first question with the keyboard: Tab into its group, arrows pick.
    first_group = page.locator("fieldset.question").first
    first_input = first_group.locator("input").first
    _tab_to(page, first_input)
    if first_input.get_attribute("type") == "radio":
        page.keyboard.press("Space")
        expect(first_input).to_be_checked()
    else:
        page.keyboard.type("A user")
        page.keyboard.press("Tab")
    expect(page.get_by_role("status")).to_contain_text("Saved")

    # Submit: the unanswered questions are named in an alert that takes focus.
    submit = page.get_by_role("button", name="Submit for scoring")
    _tab_to(page, submit)
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alert")
    expect(confirm).to_be_focused()
    anyway = confirm.get_by_role("button", name=re.compile("Submit anyway"))
    _tab_to(page, anyway)
    page.keyboard.press("Enter")

    # The result is a new page (the form was posted without htmx): focus starts at its top,
    # so the first Tab is the skip link, which leads straight to the score.
    result = page.get_by_role("heading", name="Your result")
    expect(result).to_be_visible()
    expect(page.locator(".attempt-result__score")).to_contain_text("Your score")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
