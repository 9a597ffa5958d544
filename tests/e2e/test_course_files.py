"""An image beside the Markdown shows in the browser; a missing one leaves its alt text."""

import base64

from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

# A 2x1 PNG, so the browser's decoded size proves it loaded this very file.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR42mNk+M9Qz8DAwMAAAA0PAYBbJx2OAAAAAElFTkSuQmCC"
)


def test_an_image_next_to_the_markdown_shows_in_the_lesson(
    page: Page, live_server, transactional_db, tmp_path, axe
):
    from courses.services import course_import
    from tests.factories import UserFactory

    course = tmp_path / "pictures"
    (course / "images").mkdir(parents=True)
    (course / "course.toml").write_text('title = "Pictures"\n')
    (course / "notes.md").write_text(
        "# Chapter\n\n## Diagrams\n\n"
        "![Two pixels, side by side](images/two.png)\n\n"
        "![A lost diagram](images/lost.png)\n"
    )
    (course / "images" / "two.png").write_bytes(PNG)
    report = course_import(course_dir=course)
    assert any("images/lost.png" in warning for warning in report.warnings)
    reader = UserFactory(email="pictures@example.com")

    log_in(page, live_server, reader.email)
    page.goto(f"{live_server.url}/courses/pictures/chapter/diagrams/")

    image = page.get_by_role("img", name="Two pixels, side by side")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2
    expect(page.get_by_text("[image: A lost diagram]")).to_be_visible()
    axe(page)
