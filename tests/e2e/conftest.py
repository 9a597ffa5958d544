"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live server."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright runs an event loop in this thread; the ORM calls the tests make to set up data
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        # Never a downloaded browser build: Debian's package.
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def axe():
    """Check a page with axe-core (every rule, best practices included) and fail on violations."""
    checker = Axe()

    def check(page) -> None:
        # Judge the settled page: not a hover state, not colours halfway through a transition.
        page.mouse.move(0, 0)
        # (evaluate, not wait_for_function: the latter needs eval, which our CSP forbids)
        page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")
        results = checker.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture
def reader(transactional_db):
    """The seed course, committed for the live server, and a verified student to read it."""
    from conftest import SEED_COURSE_DIR
    from courses.services import course_import
    from tests.factories import UserFactory

    course_import(course_dir=SEED_COURSE_DIR)
    return UserFactory(email="reader@example.com")


def log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
