"""A NUL character in a course file: a clear error with its file:line, nothing imported,
nothing changed (PostgreSQL would refuse it with a raw DataError)."""

import pytest

from courses.models import Course, Lesson
from courses.services import CourseImportError, course_import
from quizzes.models import Question


def test_a_nul_in_a_lesson_stops_the_import_with_its_line(course_dir, db):
    course_import(course_dir=course_dir)
    before = Lesson.objects.count()
    notes = course_dir / "notes.md"
    lines = notes.read_text().split("\n")
    lines[4] = lines[4] + "\x00"
    notes.write_text("\n".join(lines))
    with pytest.raises(CourseImportError, match=r"notes\.md:5: the file holds a NUL character"):
        course_import(course_dir=course_dir)
    assert Lesson.objects.count() == before
    assert Course.objects.count() == 1


def test_a_nul_in_a_gift_file_is_refused_the_same_way(tmp_path, db):
    from tests.quizzes.conftest import BASICS_GIFT, COURSE_TOML, NOTES

    folder = tmp_path / "tiny"
    (folder / "quizzes").mkdir(parents=True)
    (folder / "course.toml").write_text(COURSE_TOML)
    (folder / "notes.md").write_text(NOTES)
    (folder / "quizzes" / "basics.gift").write_text("::Q:: Pick {=a ~b}\n\n::R:: x\x00 {T}\n")
    with pytest.raises(CourseImportError, match=r"basics\.gift:3: the file holds a NUL"):
        course_import(course_dir=folder)
    assert not Question.objects.exists()
    (folder / "quizzes" / "basics.gift").write_text(BASICS_GIFT)
    course_import(course_dir=folder)
    assert Question.objects.exists()
