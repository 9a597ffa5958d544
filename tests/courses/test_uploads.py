"""New courses from the browser: upload a .zip or a .md, follow the job, read the report."""

import io
import time
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import SEED_COURSE_DIR
from courses.models import Course, ImportRun, Lesson, LessonProgress
from courses.run_progress import STAGES, run_progress_get
from courses.services import lesson_complete

NOTES = "# Basics\n\n## First steps\n\nHello.\n\n![A tiny square](img/sq.png)\n\n## Next\n\nMore.\n"


def _zip(files: dict[str, bytes | str], *, folder: str = "uploaded") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"{folder}/{name}" if folder else name, data)
    return buffer.getvalue()


COURSE_ZIP = _zip(
    {"course.toml": 'title = "Uploaded"\n', "notes.md": NOTES, "img/sq.png": b"\x89PNG fake"}
)


def _upload(client: Client, data: bytes, name: str = "uploaded.zip", *, dry_run=False):
    fields = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        fields["dry_run"] = "on"
    return client.post("/admin/courses/importrun/add/", fields)


@pytest.fixture(autouse=True)
def _run_on_commit(request, monkeypatch, django_capture_on_commit_callbacks):
    """Outside the worker test, a queued run runs (eagerly) when its request commits."""
    if "celery_worker" in request.fixturenames:
        return
    original = Client.post

    def post(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


# --- access --------------------------------------------------------------------------------


def test_only_instructors_reach_the_upload_and_job_pages(
    instructor: Client, student: Client, anonymous: Client
):
    run = ImportRun.objects.create(source_dir="x", status=ImportRun.Status.FAILED)
    urls = [
        ("get", "/admin/courses/importrun/add/"),
        ("get", f"/admin/courses/importrun/{run.pk}/job/"),
        ("post", f"/admin/courses/importrun/{run.pk}/apply/"),
    ]
    for method, url in urls:
        assert getattr(instructor, method)(url).status_code in (200, 302), url
        for client in (student, anonymous):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
    assert instructor.get(urls[0][1]).status_code == 200
    assert _upload(student, COURSE_ZIP).status_code == 302
    assert not ImportRun.objects.exclude(pk=run.pk).exists()


# --- uploading -----------------------------------------------------------------------------


def test_an_uploaded_zip_becomes_a_course_and_the_job_page_reports_it(
    instructor: Client, anonymous: Client
):
    response = _upload(instructor, COURSE_ZIP)

    run = ImportRun.objects.get()
    assert response["Location"] == f"/admin/courses/importrun/{run.pk}/job/"
    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    course = Course.objects.get(slug="uploaded")
    assert list(course.lessons.values_list("title", flat=True)) == ["First steps", "Next"]
    page = _soup(instructor.get(response["Location"]))
    assert page.select_one("#job-status h2").get_text() == "Done"
    rows = {
        r.th.get_text(): [td.get_text() for td in r.select("td")] for r in page.select("tbody tr")
    }
    assert rows["Lessons"] == ["2", "0", "0", "0", "0"]
    changes = [li.get_text(" ", strip=True) for li in page.select(".import-job__changes li")]
    assert "Created lesson: First steps" in changes
    assert page.select(".import-job__warnings li") == []  # nothing odd in this course
    # The image next to the Markdown came along.
    lesson = Lesson.objects.get(slug="first-steps")
    src = BeautifulSoup(lesson.body_html, "html.parser").img["src"]
    assert anonymous.get(src).status_code == 200


def test_a_dry_run_shows_the_diff_by_name_and_applies_on_request(instructor: Client):
    _upload(instructor, COURSE_ZIP, dry_run=True)
    dry = ImportRun.objects.get()

    assert not Course.objects.filter(slug="uploaded").exists()
    page = _soup(instructor.get(f"/admin/courses/importrun/{dry.pk}/job/"))
    assert "nothing was written" in page.select_one("#job-status h2").get_text()
    assert "Created lesson: Next" in page.get_text(" ", strip=True)
    apply = page.find("form", action=f"/admin/courses/importrun/{dry.pk}/apply/")

    response = instructor.post(apply["action"])

    applied = ImportRun.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == f"/admin/courses/importrun/{applied.pk}/job/"
    assert applied.status == ImportRun.Status.SUCCEEDED
    assert Course.objects.get(slug="uploaded").lessons.count() == 2


def test_each_warning_of_the_report_links_to_the_page_it_is_about(instructor: Client):
    notes = "# Basics\n\n## First steps\n\nHello.\n\n## Broken\n\n![image](img/none.png)\n"
    _upload(instructor, _zip({"course.toml": 'title = "Warned"\n', "notes.md": notes}))

    run = ImportRun.objects.get()
    page = _soup(instructor.get(f"/admin/courses/importrun/{run.pk}/job/"))
    rows = page.select(".import-job__warnings li")
    # The slug is the zipped folder's name, "uploaded".
    assert rows and all("uploaded/notes.md:9:" in row.code.get_text() for row in rows)
    assert {row.a["href"] for row in rows} == {"/courses/uploaded/basics/broken/"}


def test_a_single_markdown_file_is_a_course(instructor: Client):
    _upload(instructor, b"# Git basics\n\n## Commits\n\nSave work.\n", "git-basics.md")

    course = Course.objects.get(slug="git-basics")
    assert course.title == "Git basics"
    assert course.lessons.get().title == "Commits"


def test_an_unsafe_archive_fails_with_its_reason_and_writes_nothing(instructor: Client):
    evil = _zip({"course.toml": 'title = "Evil"\n', "../../escape.md": "x"}, folder="")

    _upload(instructor, evil, "evil.zip")

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "points outside the course folder" in run.error
    assert not Course.objects.exists()
    page = _soup(instructor.get(f"/admin/courses/importrun/{run.pk}/job/"))
    assert "points outside the course folder" in page.select_one("[role=alert]").get_text()


def test_a_file_that_is_no_course_is_refused_at_once(instructor: Client):
    response = _upload(instructor, b"MZ\x90\x00", "setup.exe")

    assert response.status_code == 200
    assert "neither a .zip nor a Markdown" in _soup(response).select_one(".errorlist").get_text()
    assert not ImportRun.objects.exists()


def test_a_new_version_of_an_uploaded_course_keeps_students_progress(
    instructor: Client, student: Client
):
    _upload(instructor, COURSE_ZIP)
    first = Lesson.objects.get(slug="first-steps")
    lesson_complete(user=student.user, lesson=first)
    newer = _zip(
        {"course.toml": 'title = "Uploaded"\n', "notes.md": NOTES.replace("## Next", "## Later")}
    )

    _upload(instructor, newer)

    assert LessonProgress.objects.get(user=student.user).lesson_id == first.pk
    lessons = {lesson.slug: lesson.is_archived for lesson in Lesson.objects.all()}
    assert lessons == {"first-steps": False, "next": True, "later": False}


def test_the_job_page_polls_over_htmx_until_the_run_ends(instructor: Client):
    run = ImportRun.objects.create(source_dir="somewhere", status=ImportRun.Status.RUNNING)

    polling = instructor.get(f"/admin/courses/importrun/{run.pk}/job/", HTTP_HX_REQUEST="true")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED, error="Oops.")
    ended = instructor.get(f"/admin/courses/importrun/{run.pk}/job/", HTTP_HX_REQUEST="true")

    assert polling.status_code == 200
    assert _soup(polling).find("html") is None
    assert _soup(polling).select_one("#job-status")["data-hx-trigger"] == "every 1s"
    assert ended.status_code == 286  # htmx stops polling
    assert "Oops." in ended.content.decode()
    assert not _soup(ended).select_one("#job-status").has_attr("data-hx-trigger")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_an_upload_through_its_stages_in_order(celery_worker, instructor):
    notes = (SEED_COURSE_DIR / "notes.md").read_text()
    big = _zip({"course.toml": 'title = "Big"\nslug = "big"\n', "notes.md": notes}, folder="")

    _upload(instructor, big, "big.zip")
    run = ImportRun.objects.get()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stage = run_progress_get(run.pk)["stage"]
        if not seen or seen[-1] != stage:
            seen.append(stage)
        run.refresh_from_db()
        if run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED):
            break
        time.sleep(0.002)

    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    seen.append(run_progress_get(run.pk)["stage"])
    order = [STAGES.index(stage) for stage in dict.fromkeys(seen)]
    assert order == sorted(order)  # never backwards
    assert seen[-1] == "done"
    assert Course.objects.get(slug="big").lessons.count() == 38
