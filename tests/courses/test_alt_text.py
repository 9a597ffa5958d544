"""Alt text for images from course.toml's [alt_text]: shown instead of the source's in
Markdown images and <img> tags, the source untouched; the import's summary counts the images
left undescribed, and --strict refuses them."""

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command

from conftest import SEED_COURSE_DIR
from courses.downloads import course_files
from courses.models import Course, Lesson
from courses.rendering import render_markdown
from courses.services import CourseImportError, course_import, lesson_body_update

DESCRIBED = {
    "https://example.org/a.png": "A diagram of a VPC",
    "img/b.png": 'An "odd" <name> & more',
}


def _alts(html: str) -> list[str]:
    return [img.get("alt") for img in BeautifulSoup(html, "html.parser").select("img")]


def test_the_courses_alt_text_replaces_the_sources_in_markdown_and_html():
    source = (
        "![image](https://example.org/a.png)\n\n"
        '<img width="3" alt="image" src="img/b.png" />\n\n'
        "Text <img src='img/b.png' alt> and ![kept](https://example.org/c.png)\n"
    )

    rendered = render_markdown(source, alt_text=DESCRIBED)

    assert _alts(rendered.html) == [
        "A diagram of a VPC",
        'An "odd" <name> & more',
        'An "odd" <name> & more',
        "kept",
    ]
    assert "<name>" not in rendered.html  # escaped, never markup
    assert "A diagram of a VPC" in rendered.text


def test_an_image_the_map_does_not_know_keeps_its_own_alt_text():
    rendered = render_markdown("![A cat](cat.png)", alt_text=DESCRIBED)
    assert _alts(rendered.html) == ["A cat"]


def test_the_seed_course_describes_all_16_images_and_its_notes_stay_as_written(db):
    notes = (SEED_COURSE_DIR / "notes.md").read_text()

    report = course_import(course_dir=SEED_COURSE_DIR)

    assert not [w for w in report.warnings if w.endswith(("[image-alt]", "[alt-text-unused]"))]
    assert report.images_undescribed == []
    alts = [alt for lesson in Lesson.objects.all() for alt in _alts(lesson.body_html)]
    assert len(alts) == 16
    assert all(len(alt) > 40 and alt.lower() != "image" for alt in alts)
    assert notes.count('alt="image"') == 12 and notes.count("![image](") == 4  # untouched


def _without_map(course_dir):
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().partition("[alt_text]")[0])


def test_the_summary_counts_undescribed_images_on_a_line_of_their_own(db, course_dir):
    _without_map(course_dir)

    report = course_import(course_dir=course_dir)

    assert len(report.images_undescribed) == 16
    [line] = [line for line in report.summary_lines() if line.lstrip().startswith("images")]
    assert "16 without alt text that describes them" in line and "--strict" in line


def test_strict_refuses_a_course_with_undescribed_images_and_writes_nothing(db, course_dir):
    _without_map(course_dir)

    with pytest.raises(CourseImportError, match=r"16 image\(s\) without alt text"):
        course_import(course_dir=course_dir, strict=True)
    with pytest.raises(CommandError, match=r"notes\.md:101"):
        call_command("import_course", str(course_dir), "--strict")
    assert not Course.objects.exists()


def test_strict_imports_a_course_whose_images_are_all_described(db, capsys):
    call_command("import_course", str(SEED_COURSE_DIR), "--strict")
    assert Course.objects.filter(slug="aws-cloud-fundamentals").exists()


def test_an_entry_for_an_image_no_page_has_is_a_warning(db, course_dir):
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text() + '"https://example.org/gone.png" = "Gone"\n')

    report = course_import(course_dir=course_dir)

    [warning] = [w for w in report.warnings if w.endswith("[alt-text-unused]")]
    assert "https://example.org/gone.png" in warning and warning.startswith("course.toml")


@pytest.mark.parametrize(
    "table",
    [
        'alt_text = "not a table"\n',
        '[alt_text]\n"a.png" = ""\n',
        '[alt_text]\n"a.png" = 3\n',
        '[alt_text]\n"a.png" = "' + "x" * 1001 + '"\n',
    ],
)
def test_a_broken_alt_text_table_is_a_clear_error(db, course_dir, table):
    toml = course_dir / "course.toml"
    head = toml.read_text().partition("[alt_text]")[0]
    # A bare key must come before any table: put it right after the title.
    if table.startswith("alt_text ="):
        head = head.replace(
            'slug = "aws-cloud-fundamentals"\n', f'slug = "aws-cloud-fundamentals"\n{table}'
        )
        toml.write_text(head)
    else:
        toml.write_text(head + table)

    with pytest.raises(CourseImportError, match=r"alt_text"):
        course_import(course_dir=course_dir)
    assert not Course.objects.exists()


def test_an_admin_edit_keeps_the_courses_alt_text(db):
    course_import(course_dir=SEED_COURSE_DIR)
    lesson = next(lesson for lesson in Lesson.objects.all() if "23bb2860" in lesson.body_markdown)

    lesson_body_update(lesson=lesson, body_markdown=lesson.body_markdown + "\n\nOne more line.")

    lesson.refresh_from_db()
    assert _alts(lesson.body_html)[0].startswith("An example IAM policy in JSON")


def test_a_course_download_carries_its_alt_text(db, tmp_path):
    course_import(course_dir=SEED_COURSE_DIR)
    course = Course.objects.get(slug="aws-cloud-fundamentals")
    folder = tmp_path / "again"
    folder.mkdir()
    for name, data in course_files(course=course).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    report = course_import(course_dir=folder, dry_run=True)

    assert report.images_undescribed == []
    assert "[alt_text]" in (folder / "course.toml").read_text()
