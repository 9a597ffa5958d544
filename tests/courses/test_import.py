import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from conftest import BASE_DIR, SEED_COURSE_DIR
from courses.models import Chapter, Course, Lesson
from courses.services import CourseImportError, course_import

SEED_FILE = SEED_COURSE_DIR / "notes.md"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if WRITE.match(q["sql"])]


def test_the_shipped_course_text_is_the_seed_unchanged():
    # shared/ sits beside the clone on developer machines and in CI.
    seed = BASE_DIR.parent / "shared" / "seed" / "000_b438f7746026cb12.txt"

    assert SEED_FILE.read_bytes() == seed.read_bytes()


def test_seed_import_finds_seven_chapters_and_38_lessons(db):
    report = course_import(course_dir=SEED_COURSE_DIR)

    assert Chapter.objects.count() == 7
    assert Lesson.objects.count() == 38
    assert report.chapters.created == 7
    assert report.lessons.created == 38
    chapters = Chapter.objects.order_by("position").annotate(n=Count("lessons"))
    assert [c.n for c in chapters] == [10, 6, 4, 5, 3, 5, 5]
    assert chapters[0].title == "Chapter 1: AWS Introduction"


def test_seed_import_warns_about_the_chapter_heading_without_hash(db):
    report = course_import(course_dir=SEED_COURSE_DIR)

    chapter_8 = [w for w in report.warnings if "chapter-heading-without-hash" in w]
    assert len(chapter_8) == 1
    assert chapter_8[0].startswith("aws-cloud-fundamentals/notes.md:1090:")
    assert "Chapter 8: Serverless" in chapter_8[0]


def test_seed_import_warns_about_images_whose_alt_text_says_nothing(db, course_dir):
    """The seed course's notes say alt="image" 16 times; without its course.toml's
    [alt_text] (tests/courses/test_alt_text.py), each is a warning."""
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().partition("[alt_text]")[0])

    report = course_import(course_dir=course_dir)

    image_lines = sorted(int(w.split(":")[1]) for w in report.warnings if w.endswith("[image-alt]"))
    assert 101 in image_lines  # ![image](...)
    assert 344 in image_lines  # <img alt="image" ...>
    assert len(image_lines) == 16


def test_seed_import_loses_no_word_and_keeps_their_order(db):
    course_import(course_dir=SEED_COURSE_DIR)

    stored = []
    course = Course.objects.get()
    stored.append(course.intro_markdown)
    for chapter in Chapter.objects.order_by("position"):
        stored += [chapter.title, chapter.intro_markdown]
        for lesson in chapter.lessons.order_by("position"):
            stored += [lesson.title, lesson.body_markdown]
    stored_words = re.findall(r"\w+", "\n".join(stored))
    seed_words = [w for w in re.findall(r"\w+", SEED_FILE.read_text()) if w]
    # Heading markers are not words, so the two sequences must be identical.
    assert stored_words == seed_words


def test_seed_lessons_are_rendered_once_with_text_and_reading_time(db):
    course_import(course_dir=SEED_COURSE_DIR)

    webserver = Lesson.objects.get(slug="running-a-webserver-on-an-ec2-instance")
    assert "http://<instance-public-ip>" in webserver.body_text
    assert "&lt;instance-public-ip&gt;" in webserver.body_html
    assert webserver.word_count > 200
    assert webserver.reading_minutes >= 1
    assert len(webserver.content_hash) == 64
    assert all(lesson.body_html for lesson in Lesson.objects.all())


def test_reimport_of_unchanged_source_writes_nothing(db):
    course_import(course_dir=SEED_COURSE_DIR)

    with CaptureQueriesContext(connection) as queries:
        report = course_import(course_dir=SEED_COURSE_DIR)

    assert _writes(queries.captured_queries) == []
    assert not report.changed
    assert report.lessons.unchanged == 38
    assert report.chapters.unchanged == 7


def test_editing_one_lesson_updates_only_that_lesson(db, course_dir: Path):
    course_import(course_dir=course_dir)
    before = {lesson.pk: lesson.updated for lesson in Lesson.objects.all()}
    notes = course_dir / "notes.md"
    text = notes.read_text()
    assert text.count("IAM Access advisor (user level)") == 1
    notes.write_text(text.replace("IAM Access advisor (user level)", "IAM Access Advisor (user)"))

    report = course_import(course_dir=course_dir)

    assert report.lessons.updated == 1
    assert report.lessons.unchanged == 37
    assert report.chapters.unchanged == 7
    changed = [lesson for lesson in Lesson.objects.all() if lesson.updated != before[lesson.pk]]
    assert [lesson.slug for lesson in changed] == ["iam-security-tools"]
    assert "IAM Access Advisor (user)" in changed[0].body_html


def test_a_lesson_that_disappears_is_archived_and_comes_back(db, course_dir: Path):
    course_import(course_dir=course_dir)
    lesson = Lesson.objects.get(slug="billing")
    notes = course_dir / "notes.md"
    original = notes.read_text()
    notes.write_text(original.replace("## Billing", "### Billing"))

    report = course_import(course_dir=course_dir)

    lesson.refresh_from_db()
    assert lesson.is_archived
    assert report.lessons.archived == 1
    assert Lesson.objects.filter(is_archived=False).count() == 37

    notes.write_text(original)
    report = course_import(course_dir=course_dir)

    lesson.refresh_from_db()
    assert not lesson.is_archived
    assert report.lessons.restored == 1
    assert Lesson.objects.count() == 38


def test_dry_run_reports_changes_and_writes_nothing(db):
    report = course_import(course_dir=SEED_COURSE_DIR, dry_run=True)

    assert report.lessons.created == 38
    assert Course.objects.count() == 0
    assert Lesson.objects.count() == 0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: (d / "notes.md").write_bytes(b"# Chapter\n\n## L\n\ncaf\xe9\n"), "UTF-8"),
        (lambda d: (d / "notes.md").write_text("Only text, no headings.\n"), "no chapters"),
        (lambda d: (d / "course.toml").write_text("title = \n"), "not valid TOML"),
        (lambda d: (d / "course.toml").unlink(), "no course.toml"),
        (
            lambda d: (d / "course.toml").write_text('title = "X"\nlesson_level = 9\n'),
            "from 2 to 6",
        ),
    ],
    ids=["not-utf8", "no-chapters", "bad-toml", "no-toml", "bad-level"],
)
def test_hard_errors_abort_and_change_nothing(db, course_dir: Path, mutate, message):
    course_import(course_dir=course_dir)
    titles_before = list(Lesson.objects.values_list("title", "body_markdown", "is_archived"))
    mutate(course_dir)

    with pytest.raises(CourseImportError, match=message):
        course_import(course_dir=course_dir)

    assert list(Lesson.objects.values_list("title", "body_markdown", "is_archived")) == (
        titles_before
    )


def test_import_command_prints_the_report_and_warnings(db, capsys):
    call_command("import_course", str(SEED_COURSE_DIR))
    out = capsys.readouterr().out

    assert "chapters  7 created" in out
    assert "lessons   38 created" in out
    assert "notes.md:1090:" in out


def test_import_command_dry_run_writes_nothing(db, capsys):
    call_command("import_course", str(SEED_COURSE_DIR), "--dry-run")

    assert "dry run: nothing was written" in capsys.readouterr().out
    assert Lesson.objects.count() == 0


def test_import_command_fails_clearly_on_a_broken_course(db, course_dir: Path):
    (course_dir / "notes.md").write_bytes(b"\xff\xfe not text")

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_course", str(course_dir))


# --- the seed as GitHub shows it --------------------------------------------------------------

_LIST_MARKER_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s")


def test_seed_lists_nest_in_every_stored_lesson_as_on_github(db):
    from tests.courses.markdown_reference import list_structure, reference_html

    course_import(course_dir=SEED_COURSE_DIR)
    items = 0
    for lesson in Lesson.objects.all():
        expected = [item[:2] for item in list_structure(reference_html(lesson.body_markdown))]
        assert [item[:2] for item in list_structure(lesson.body_html)] == expected, lesson.slug
        items += len(expected)
    nested = [
        depth
        for lesson in Lesson.objects.all()
        for depth, _, _ in list_structure(lesson.body_html)
        if depth > 1
    ]
    # The seed's ~190 two-space sub-list items come out nested, as GitHub shows them.
    assert items > 500
    assert len(nested) > 180


def test_seed_no_stored_paragraph_holds_a_line_starting_with_a_list_marker(db):
    from bs4 import BeautifulSoup

    course_import(course_dir=SEED_COURSE_DIR)
    for lesson in Lesson.objects.all():
        for paragraph in BeautifulSoup(lesson.body_html, "html.parser").find_all("p"):
            for line in paragraph.get_text().split("\n"):
                assert not _LIST_MARKER_LINE.match(line), (lesson.slug, line)


def test_a_renderer_upgrade_re_renders_every_lesson_once_and_keeps_slugs_and_progress(
    db, course_dir: Path, monkeypatch
):
    from courses import services
    from courses.models import LessonProgress
    from tests.factories import UserFactory

    course_import(course_dir=course_dir)
    slugs = sorted(Lesson.objects.values_list("chapter__slug", "slug"))
    student = UserFactory()
    for lesson in Lesson.objects.all()[:5]:
        services.lesson_complete(user=student, lesson=lesson)
    monkeypatch.setattr(services, "RENDERER_VERSION", "next")

    first = course_import(course_dir=course_dir)
    second = course_import(course_dir=course_dir)

    assert (first.lessons.updated, first.lessons.created, first.lessons.archived) == (38, 0, 0)
    assert first.chapters.updated == 7
    assert not second.changed
    assert sorted(Lesson.objects.values_list("chapter__slug", "slug")) == slugs
    done = LessonProgress.objects.filter(user=student, completed_at__isnull=False)
    assert done.count() == 5


def test_each_warning_names_the_page_whose_text_holds_its_line(db, course_dir):
    # The notes' images as warnings too (without the course's [alt_text]): many pages.
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().partition("[alt_text]")[0])
    report = course_import(course_dir=course_dir, dry_run=True)
    pages = {text.split(": ", 1)[0]: url for text, url in report.warning_pages.items()}
    course = "/courses/aws-cloud-fundamentals/"
    # The last lines of the notes are in the last lesson, under no later heading.
    last = pages["aws-cloud-fundamentals/notes.md:1090"]
    assert last == course + "chapter-7-containers/amazon-eks/"
    # In line order, the pages come in reading order: a page never comes back after the next.
    lines = sorted(int(place.rsplit(":", 1)[1]) for place in pages)
    urls = [pages[f"aws-cloud-fundamentals/notes.md:{line}"] for line in lines]
    first_seen = list(dict.fromkeys(urls))
    assert urls == sorted(urls, key=first_seen.index)
    assert len(first_seen) > 5 and all(url.startswith(course) for url in urls)
