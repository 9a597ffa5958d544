"""An instructor brings a course from the browser: upload, follow the job, preview, publish."""

import io
import re
import zipfile

from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

NOTES = "# Getting started\n\n## Welcome\n\nHello, class.\n\n## Tools\n\n- an editor\n  - VS Code\n"


def _course_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("intro-course/course.toml", 'title = "Intro Course"\n')
        zf.writestr("intro-course/notes.md", NOTES)
    return buffer.getvalue()


def test_an_instructor_uploads_previews_and_publishes_and_a_student_finds_it(
    page: Page, browser, live_server, transactional_db, axe
):
    from courses.models import Course, Enrollment
    from tests.factories import UserFactory

    teacher = UserFactory(email="teacher@example.com", is_staff=True, is_superuser=True)
    pupil = UserFactory(email="pupil@example.com")

    log_in(page, live_server, teacher.email)
    page.goto(f"{live_server.url}/admin/courses/importrun/add/")
    page.get_by_label("Course file").set_input_files(
        {"name": "intro-course.zip", "mimeType": "application/zip", "buffer": _course_zip()}
    )
    page.get_by_label(re.compile("Dry run first")).uncheck()
    page.get_by_role("button", name="Upload and import").click()

    # The job page follows the import to its end, then shows the report.
    expect(page.locator("#job-status h2")).to_have_text("Done", timeout=15000)
    expect(page.locator(".import-job__changes")).to_contain_text("Created lesson: Welcome")
    expect(page.locator(".import-job__tally")).to_contain_text("Lessons")

    # A draft: the instructor reads it as a student will, without enrolling.
    page.get_by_role("link", name="preview the draft as students will see it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intro Course")
    expect(page.locator(".draft-notice")).to_contain_text("Only staff see this course")
    page.get_by_role("link", name="Welcome").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")
    axe(page)
    assert not Enrollment.objects.exists()

    # Publish it from the admin.
    page.goto(f"{live_server.url}/admin/courses/course/")
    page.get_by_role("row", name=re.compile("Intro Course")).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("publish")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1.")
    assert Course.objects.get(slug="intro-course").is_published

    # A student now finds it in the catalog.
    student = browser.new_context().new_page()
    log_in(student, live_server, pupil.email)
    expect(student.get_by_role("link", name="Intro Course")).to_be_visible()
