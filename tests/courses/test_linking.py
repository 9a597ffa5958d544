"""Links, images and files of a course, as an author checking on GitHub wrote them."""

import base64
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from courses.models import Chapter, Course, Lesson
from courses.services import course_import

# A 1x1 PNG: real bytes, so content hashes and content types are real.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

FIRST = """\
# Chapter One

Start with [the setup steps](#setup-steps).

## First lesson

![A diagram of the VPC](images/vpc.png)

Get [the slides](files/slides.pdf) and see [the second lesson](#second-lesson), the
[deep part](#deep-heading), [more](02-more.md#more-heading) and [chapter two](02-more.md).
A [reference link][aws] defined in another lesson, and [one on this page](#first-lesson).

![Nothing here](images/nope.png)

[out of the folder](../secret.txt) and ![out too](../../etc/passwd)

[nowhere](#no-such-heading) and ![insecure](http://example.com/x.png)
and ![fine](https://example.com/x.png) and [site](https://example.com/).

## Second lesson

### Deep heading

Text.

### Setup steps

Text.

[aws]: https://aws.amazon.com/
"""

MORE = """\
# Chapter Two

## More heading

Back to [the first lesson](01-intro.md#first-lesson).

-Managed Node Groups
- a real item

<p align="center"><img src="images/vpc.png" alt="Raw VPC"> <a href='files/slides.pdf'>raw
slides</a> <a href="missing.pdf">raw missing</a></p>
"""


@pytest.fixture
def linked_course(tmp_path: Path) -> Path:
    course = tmp_path / "linked"
    (course / "images").mkdir(parents=True)
    (course / "files").mkdir()
    (course / "course.toml").write_text('title = "Linked"\n')
    (course / "01-intro.md").write_text(FIRST)
    (course / "02-more.md").write_text(MORE)
    (course / "images" / "vpc.png").write_bytes(PNG)
    (course / "files" / "slides.pdf").write_bytes(b"%PDF-1.4 slides\n")
    (tmp_path / "secret.txt").write_text("not for readers")
    return course


def _lesson(slug: str) -> Lesson:
    return Lesson.objects.select_related("chapter", "course").get(slug=slug)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _hrefs(html: str) -> dict[str, str | None]:
    return {" ".join(a.get_text().split()): a.get("href") for a in _soup(html).find_all("a")}


def test_anchor_and_markdown_file_links_point_to_the_lesson_holding_the_target(db, linked_course):
    course_import(course_dir=linked_course)
    first = _lesson("first-lesson")
    links = _hrefs(first.body_html)

    base = "/courses/linked/"
    assert links["the second lesson"] == f"{base}chapter-one/second-lesson/"
    assert links["deep part"] == f"{base}chapter-one/second-lesson/#deep-heading"
    assert links["more"] == f"{base}chapter-two/more-heading/"
    assert links["chapter two"] == f"{base}chapter-two/"
    assert links["one on this page"] == "#"
    # Reference definitions apply across the whole file, as on GitHub.
    assert links["reference link"] == "https://aws.amazon.com/"
    assert links["site"] == "https://example.com/"
    back = _hrefs(_lesson("more-heading").body_html)
    assert back["the first lesson"] == f"{base}chapter-one/first-lesson/"
    intro = Chapter.objects.get(slug="chapter-one").intro_html
    assert _hrefs(intro)["the setup steps"] == f"{base}chapter-one/second-lesson/#setup-steps"


def test_heading_ids_follow_github_across_the_file(db, linked_course):
    course_import(course_dir=linked_course)
    second = _lesson("second-lesson")

    assert [entry["id"] for entry in second.toc] == ["deep-heading", "setup-steps"]
    assert {h["id"] for h in _soup(second.body_html).find_all("h2")} == {
        "deep-heading",
        "setup-steps",
    }


def test_relative_files_are_stored_and_served_with_long_cache_headers(db, linked_course, anonymous):
    course_import(course_dir=linked_course)
    soup = _soup(_lesson("first-lesson").body_html)
    image = soup.find("img", alt="A diagram of the VPC")

    assert image["src"].startswith("/course-files/linked/vpc.")
    assert image["src"].endswith(".png")
    response = anonymous.get(image["src"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == PNG
    slides = _hrefs(str(soup))["the slides"]
    assert slides.startswith("/course-files/linked/slides.") and slides.endswith(".pdf")
    assert anonymous.get(slides).status_code == 200


def test_a_changed_image_gets_a_new_url_and_re_renders_the_lesson(db, linked_course):
    course_import(course_dir=linked_course)
    before = _lesson("first-lesson").body_html
    (linked_course / "images" / "vpc.png").write_bytes(PNG + b"\0")

    report = course_import(course_dir=linked_course)

    # Both lessons showing the image, and only those.
    assert (report.lessons.updated, report.lessons.unchanged) == (2, 1)
    assert _lesson("first-lesson").body_html != before


def test_unknown_course_files_are_404(db, anonymous):
    assert anonymous.get("/course-files/linked/vpc.0123456789abcdef.png").status_code == 404
    assert anonymous.get("/course-files/linked/..%2Fsecret.txt").status_code == 404


def test_problem_links_are_warnings_with_file_and_line_and_never_broken_images(db, linked_course):
    report = course_import(course_dir=linked_course)
    warnings = [w for w in report.warnings if w.startswith("linked/01-intro.md")]
    by_code = {}
    for warning in warnings:
        by_code.setdefault(warning.rsplit("[", 1)[1].rstrip("]"), []).append(warning)

    assert by_code["missing-file"] == [
        "linked/01-intro.md:13: image 'images/nope.png' points to a file that does not exist "
        "in the course folder; its alt text is shown instead [missing-file]"
    ]
    assert [w.split(":")[1] for w in by_code["link-outside-course"]] == ["15", "15"]
    assert [w.split(":")[1] for w in by_code["link-unresolved"]] == ["17"]
    assert "'#no-such-heading'" in by_code["link-unresolved"][0]
    assert [w.split(":")[1] for w in by_code["insecure-image"]] == ["17"]

    soup = _soup(_lesson("first-lesson").body_html)
    sources = [img["src"] for img in soup.find_all("img")]
    assert all("nope" not in src and "passwd" not in src for src in sources)
    assert "[image: Nothing here]" in soup.get_text()
    assert soup.find("a", string="out of the folder").get("href") is None
    assert "not for readers" not in str(soup)


def test_a_list_marker_without_a_space_is_a_warning(db, linked_course):
    report = course_import(course_dir=linked_course)

    assert (
        "linked/02-more.md:7: '-Managed Node Groups' looks like a list item but has no space "
        "after its marker, so it shows as text; write '- item' (or '1. item') "
        "[list-marker-without-space]"
    ) in report.warnings


def test_dry_run_stores_no_file(db, linked_course, settings, tmp_path):
    location = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "course_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }

    report = course_import(course_dir=linked_course, dry_run=True)

    assert report.lessons.created == 3
    assert not location.exists() or not any(location.rglob("*"))
    assert not Course.objects.filter(slug="linked").exists()


def test_re_import_of_an_unchanged_course_with_files_writes_nothing(db, linked_course):
    course_import(course_dir=linked_course)

    report = course_import(course_dir=linked_course)

    assert not report.changed


def test_links_and_images_in_raw_html_are_resolved_too(db, linked_course):
    report = course_import(course_dir=linked_course)
    soup = _soup(_lesson("more-heading").body_html)

    assert soup.find("img", alt="Raw VPC")["src"].startswith("/course-files/linked/vpc.")
    assert soup.find("img", alt="Raw VPC").find_parent("p")["align"] == "center"
    links = _hrefs(str(soup))
    assert links["raw slides"].startswith("/course-files/linked/slides.")
    assert links["raw missing"] is None
    assert any(
        w.startswith("linked/02-more.md:11: link 'missing.pdf' points to a file that does not")
        for w in report.warnings
    )


def test_an_admin_edit_resolves_links_and_images_as_the_import_does(
    db, linked_course, settings, instructor
):
    settings.LECTERN_CONTENT_DIR = linked_course.parent
    course_import(course_dir=linked_course)
    lesson = _lesson("more-heading")

    response = instructor.post(
        f"/admin/courses/lesson/{lesson.pk}/change/",
        {
            "title": lesson.title,
            "position": lesson.position,
            "body_markdown": "![VPC again](images/vpc.png) [deep](01-intro.md#deep-heading)\n\n"
            "![gone](images/gone.png)\n",
        },
        follow=True,
    )

    soup = _soup(_lesson("more-heading").body_html)
    assert soup.find("img", alt="VPC again")["src"].startswith("/course-files/linked/vpc.")
    assert _hrefs(str(soup))["deep"] == "/courses/linked/chapter-one/second-lesson/#deep-heading"
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("line 3 of the edited text: image 'images/gone.png'") for m in shown)


def test_course_files_cannot_run_script_on_lecterns_origin(db, linked_course, anonymous):
    svg = linked_course / "images" / "evil.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    page = linked_course / "03-svg.md"
    page.write_text("# SVG\n\n## Picture\n\n![A drawing](images/evil.svg)\n")
    course_import(course_dir=linked_course)
    src = _soup(_lesson("picture").body_html).find("img")["src"]

    response = anonymous.get(src)

    assert response.status_code == 200
    # Shown by <img> (where scripts never run), downloaded when opened on its own.
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
