"""The small things a student or a first-time visitor notices, in Chromium: one check mark
per completed lesson, the chapter page's ticks and quiz link, the same button style before
and after an htmx swap, no "without JavaScript" hint when JavaScript runs, a copy button on
code blocks and a scroll hint on wide tables, and the demo's sign-up: the verify page says
where the email went, and the printed link works when copied."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, log_in

COURSE = "/courses/aws-cloud-fundamentals/"
LESSON = f"{COURSE}chapter-1-aws-introduction/what-is-aws/"
DOCKER = f"{COURSE}chapter-7-containers/docker-on-an-os/"


def _style(locator, prop: str, pseudo: str | None = None) -> str:
    return locator.evaluate(
        f"(e) => getComputedStyle(e, {pseudo!r} || null).getPropertyValue({prop!r})"
        if pseudo
        else f"(e) => getComputedStyle(e).getPropertyValue({prop!r})"
    )


def test_a_completed_lesson_has_one_check_mark_and_the_chapter_page_shows_it(
    page: Page, live_server, reader
):
    log_in(page, live_server, reader.email)
    page.goto(live_server.url + LESSON)
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_role("button", name="Mark as not complete")).to_be_visible()

    for url in (COURSE, f"{COURSE}chapter-1-aws-introduction/"):
        page.goto(live_server.url + url)
        done = page.locator(".outline__lesson--done")
        expect(done).to_have_count(1)
        link = done.get_by_role("link")
        marks = [
            _style(link, "content", "::before"),
            _style(link, "content", "::after"),
            done.inner_text(),
        ]
        assert sum(part.count("✓") for part in marks) == 1, (url, marks)
        expect(done).to_contain_text("(Completed)")  # said to screen readers

    # The chapter page: its quiz, and where to go on.
    expect(page.get_by_role("link", name="Take the chapter quiz")).to_be_visible()
    expect(page.locator(".chapter-next a")).to_have_text(re.compile(r"^Continue: "))


def test_mark_as_complete_looks_the_same_after_a_full_load_and_after_the_swap(
    page: Page, live_server, reader
):
    log_in(page, live_server, reader.email)
    page.goto(live_server.url + LESSON)
    button = page.get_by_role("button", name="Mark as complete")
    page.mouse.move(0, 0)
    loaded = [_style(button, p) for p in ("background-color", "color", "font-size")]
    space = page.locator(".completion").evaluate("(e) => parseFloat(getComputedStyle(e).marginTop)")
    assert space >= 24  # not glued to the last paragraph

    button.click()
    page.get_by_role("button", name="Mark as not complete").click()  # back, by htmx
    swapped = page.get_by_role("button", name="Mark as complete")
    expect(swapped).to_be_focused()
    # Compared at rest: not hovered, not focused, no transition halfway.
    swapped.evaluate("(e) => e.blur()")
    page.mouse.move(0, 0)
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")
    assert [_style(swapped, p) for p in ("background-color", "color", "font-size")] == loaded
    page.reload()
    reloaded = page.get_by_role("button", name="Mark as complete")
    assert [_style(reloaded, p) for p in ("background-color", "color", "font-size")] == loaded


def test_the_no_javascript_hint_shows_only_without_javascript(
    page: Page, live_server, reader, browser
):
    from quizzes.attempts import attempt_start
    from quizzes.models import Quiz

    attempt = attempt_start(quiz=Quiz.objects.get(key="chapter-2-iam"), user=reader)
    log_in(page, live_server, reader.email)
    page.goto(live_server.url + attempt.get_absolute_url())
    hint = page.get_by_text("Your answers are saved as you give them")
    expect(hint).to_be_visible()
    expect(hint).not_to_contain_text("without JavaScript")

    plain = browser.new_context(java_script_enabled=False)
    try:
        other = plain.new_page()
        log_in(other, live_server, reader.email)
        other.goto(live_server.url + attempt.get_absolute_url())
        hint = other.locator("p.meta", has_text="Your answers are saved as you give them")
        assert "; without JavaScript, use “Save answers”." in hint.inner_text()
    finally:
        plain.close()


def test_code_blocks_have_a_copy_button_and_wide_tables_a_scroll_hint(
    page: Page, live_server, reader, context
):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server, reader.email)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + DOCKER)

    hint = page.locator(".scroll-hint")
    expect(hint.first).to_have_text("This table is wider than the screen: scroll it sideways.")
    expect(hint.first.locator("xpath=following-sibling::*[1]")).to_have_js_property(
        "tagName", "TABLE"
    )
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(
        live_server.url + f"{COURSE}chapter-3-ec2-compute/running-a-webserver-on-an-ec2-instance/"
    )
    copy = page.get_by_role("button", name=re.compile(r"^Copy the ")).first
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    code = copy.locator("xpath=..").locator("pre").inner_text()
    assert copied == code.rstrip("\n")


def test_the_demo_sign_up_says_where_the_email_went_and_its_link_works(
    page: Page, live_server, reader, terminal
):
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    page.get_by_label("Email").fill("demo.student@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.locator(".notice")).to_contain_text("prints its emails in the terminal")
    expect(page.locator(".notice")).to_contain_text("make run")

    # The link, copied from the terminal as one line, confirms the address.
    printed = terminal.getvalue()
    assert "=\n" not in printed
    line = next(line for line in printed.splitlines() if "/accounts/confirm-email/" in line)
    page.goto(live_server.url + line[line.index("/accounts/") :].strip())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
