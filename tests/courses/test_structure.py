"""A course's structure is kept per content version (courses.structure): whatever changes
the content must show at once, on every page that reads it."""

from bs4 import BeautifulSoup
from django.test import Client

from courses.content_version import content_changed
from courses.kept import KeptPerVersion
from courses.models import Chapter, Course, Lesson
from courses.services import course_import
from courses.structure import course_structure


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _outline(client: Client, course: Course) -> str:
    return _soup(client.get(course.get_absolute_url())).select_one("main").get_text(" ")


def _version(course: Course) -> str:
    return Course.objects.values_list("content_version", flat=True).get(pk=course.pk)


def test_a_reimport_that_changes_lessons_is_seen_at_once(student: Client, course_dir, db):
    course_import(course_dir=course_dir)
    course = Course.objects.get()
    ec2 = Lesson.objects.get(slug="amazon-ec2")
    assert "Amazon EC2" in _outline(student, course)  # the structure is now kept
    before = _version(course)

    notes = course_dir / "notes.md"
    text = notes.read_text()
    assert "## Amazon EC2\n" in text
    added = "## A brand new lesson\n\nNew.\n\n## Amazon EC2 instances\n"
    notes.write_text(text.replace("## Amazon EC2\n", added, 1))
    course_import(course_dir=course_dir)

    assert _version(course) != before
    outline = _outline(student, course)
    assert "Amazon EC2 instances" in outline and "A brand new lesson" in outline
    new = Lesson.objects.get(slug="a-brand-new-lesson")
    renamed = Lesson.objects.get(slug="amazon-ec2-instances")
    # The old lesson is archived: gone from the outline and from previous / next.
    assert Lesson.objects.get(pk=ec2.pk).is_archived
    page = _soup(student.get(new.get_absolute_url()))
    assert page.select_one("a[rel=next]")["href"] == renamed.get_absolute_url()
    assert student.get(ec2.get_absolute_url()).status_code == 404


def test_an_unchanged_reimport_keeps_the_content_version(seed_course):
    from conftest import SEED_COURSE_DIR

    before = _version(seed_course)
    report = course_import(course_dir=SEED_COURSE_DIR)
    assert not report.changed
    assert _version(seed_course) == before


def test_a_dry_run_leaves_the_content_version(course_dir, db):
    course_import(course_dir=course_dir)
    course = Course.objects.get()
    before = _version(course)
    notes = course_dir / "notes.md"
    notes.write_text(notes.read_text().replace("## Amazon EC2\n", "## Renamed\n", 1))
    assert course_import(course_dir=course_dir, dry_run=True).changed
    assert _version(course) == before


def test_an_admin_edit_of_a_lesson_title_shows_in_the_outline_and_pager(
    instructor: Client, student: Client, seed_course
):
    lesson = Lesson.objects.get(slug="billing")
    previous = (
        Lesson.objects.filter(chapter=lesson.chapter, position__lt=lesson.position)
        .order_by("-position")
        .first()
    )
    assert "Billing" in _outline(student, seed_course)
    student.get(previous.get_absolute_url())

    response = instructor.post(
        f"/admin/courses/lesson/{lesson.pk}/change/",
        {"title": "Paying for AWS", "position": lesson.position, "body_markdown": "Budgets."},
    )

    assert response.status_code == 302
    assert "Paying for AWS" in _outline(student, seed_course)
    pager = _soup(student.get(previous.get_absolute_url())).select_one("a[rel=next]")
    assert "Paying for AWS" in pager.get_text()


def test_admin_actions_that_hide_content_hide_it_at_once(
    instructor: Client, student: Client, seed_course
):
    chapter = Chapter.objects.get(position=2)
    lesson = Lesson.objects.get(slug="billing")
    outline = _outline(student, seed_course)
    assert chapter.title in outline and "Billing" in outline

    for url, pk, action in (
        ("/admin/courses/chapter/", chapter.pk, "unpublish"),
        ("/admin/courses/lesson/", lesson.pk, "archive"),
    ):
        response = instructor.post(url, {"action": action, "_selected_action": [pk]})
        assert response.status_code == 302

    outline = _outline(student, seed_course)
    assert chapter.title not in outline and "Billing" not in outline
    assert student.get(chapter.get_absolute_url()).status_code == 404

    for url, pk, action in (
        ("/admin/courses/chapter/", chapter.pk, "publish"),
        ("/admin/courses/lesson/", lesson.pk, "restore"),
    ):
        instructor.post(url, {"action": action, "_selected_action": [pk]})
    outline = _outline(student, seed_course)
    assert chapter.title in outline and "Billing" in outline


def test_an_admin_edit_of_the_course_changes_its_version_and_every_page_shows_it(
    instructor: Client, student: Client, seed_course
):
    lesson = Lesson.objects.get(slug="billing")
    pages = (seed_course.get_absolute_url(), lesson.get_absolute_url(), "/learning/", "/")
    for url in pages:  # the course's row is now kept, at this version, by this process
        assert seed_course.title in _soup(student.get(url)).get_text(" ")
    before = _version(seed_course)
    response = instructor.post(
        f"/admin/courses/course/{seed_course.pk}/change/",
        {
            "slug": seed_course.slug,
            "title": "AWS from scratch",
            "description": "",
            "intro_markdown": "",
            "lesson_level": 2,
            "is_published": "on",
            "chapters-TOTAL_FORMS": "0",
            "chapters-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert _version(seed_course) != before
    assert Course.objects.get().title == "AWS from scratch"
    for url in pages:
        text = _soup(student.get(url)).get_text(" ")
        assert "AWS from scratch" in text and seed_course.title not in text, url


def test_pages_never_change_the_kept_structure(student: Client, instructor: Client, seed_course):
    structure = course_structure(course=seed_course)
    before = [
        (chapter.pk, chapter.title, [lesson.pk for lesson in chapter.live_lessons])
        for chapter in structure.chapters(drafts=True)
    ]
    lesson = Lesson.objects.get(slug="billing")
    for client in (student, instructor):
        for url in ("/", seed_course.get_absolute_url(), lesson.get_absolute_url()):
            assert client.get(url).status_code == 200
    assert course_structure(course=seed_course) is structure
    after = [
        (chapter.pk, chapter.title, [lesson.pk for lesson in chapter.live_lessons])
        for chapter in structure.chapters(drafts=True)
    ]
    assert after == before


def test_a_process_keeps_a_bounded_number_of_structures(seed_course):
    built = []
    kept = KeptPerVersion(lambda course: built.append(course.content_version) or len(built), keep=2)
    versions = []
    for _ in range(3):
        versions.append(content_changed(course_ids=[seed_course.pk]))
        seed_course.refresh_from_db()
        kept.get(seed_course)
        kept.get(seed_course)  # kept: not built again
    assert built == versions
    seed_course.content_version = versions[0]
    kept.get(seed_course)  # the oldest was dropped: built again
    assert len(built) == 4


def test_an_admin_action_under_a_changelist_filter_still_changes_the_version(
    instructor: Client, student: Client, seed_course
):
    """The action's selection carries the changelist's filter (archived: no), which matches
    nothing once the rows are archived: the courses are read before the update."""
    lesson = Lesson.objects.get(slug="billing")
    assert "Billing" in _outline(student, seed_course)
    before = _version(seed_course)

    response = instructor.post(
        "/admin/courses/lesson/?is_archived__exact=0",
        {"action": "archive", "_selected_action": [lesson.pk]},
    )

    assert response.status_code == 302
    assert Lesson.objects.get(pk=lesson.pk).is_archived
    assert _version(seed_course) != before
    assert "Billing" not in _outline(student, seed_course)


def test_a_structure_keeps_its_own_copy_of_the_course(seed_course):
    structure = course_structure(course=seed_course)
    seed_course.entry = "one reader's state"
    kept_course = structure.lessons()[0].course
    assert kept_course is not seed_course
    assert not hasattr(kept_course, "entry")
