"""Every quiz of the AWS course: export as GIFT, read it as Moodle would, import it again."""

import shutil

import pytest
from django.core.management import call_command

from conftest import SEED_COURSE_DIR
from courses.services import course_import
from quizzes import gift
from quizzes.exporting import course_gift, quiz_gift
from quizzes.models import Question, Quiz


@pytest.fixture
def aws(db, tmp_path):
    course_dir = tmp_path / SEED_COURSE_DIR.name
    shutil.copytree(SEED_COURSE_DIR, course_dir)
    course_import(course_dir=course_dir)
    return course_dir


def _stored(quiz: Quiz) -> list[gift.Question]:
    rows = Question.objects.filter(quiz=quiz, is_archived=False).order_by("position")
    return [row.as_gift() for row in rows]


def test_every_quiz_exports_to_gift_that_reads_back_to_the_same_questions(aws):
    quizzes = list(Quiz.objects.filter(is_archived=False))
    assert len(quizzes) == 10  # 7 chapter quizzes and 3 knowledge checks

    for quiz in quizzes:
        result = gift.parse_all(quiz_gift(quiz=quiz), path=f"{quiz.key}.gift")

        # Moodle's reading (parse_all follows format.php) accepts all of it, unchanged.
        assert (result.errors, result.warnings) == ((), ()), quiz.key
        assert list(result.questions) == _stored(quiz), quiz.key
        assert [q.key for q in result.questions] == list(
            Question.objects.filter(quiz=quiz, is_archived=False)
            .order_by("position")
            .values_list("key", flat=True)
        )


def test_exported_chapter_quizzes_reimport_into_lectern_as_the_same_questions(aws):
    chapter_quizzes = Quiz.objects.filter(kind=Quiz.Kind.CHAPTER)
    before = _by_pk()
    for quiz in chapter_quizzes:
        (aws / "quizzes" / f"{quiz.key}.gift").write_text(quiz_gift(quiz=quiz))

    report = course_import(course_dir=aws)

    # Same rows, same keys, same questions; only where each starts in its file moved.
    assert (report.questions.created, report.questions.archived) == (0, 0)
    assert _by_pk() == before


def _by_pk() -> dict[int, tuple[str, dict]]:
    return {
        pk: (key, {name: value for name, value in data.items() if name != "line"})
        for pk, key, data in Question.objects.values_list("pk", "key", "data")
    }


def test_the_course_export_holds_every_quiz_under_its_name(aws):
    text = course_gift(course=Quiz.objects.first().course)

    result = gift.parse_all(text, path="aws.gift")
    assert result.errors == ()
    assert len(result.questions) == Question.objects.filter(is_archived=False).count()
    for quiz in Quiz.objects.all():
        assert f"// --- {quiz.title} ({quiz.key})" in text


def test_export_quizzes_command_writes_a_course_or_one_quiz(aws, tmp_path, capsys):
    call_command("export_quizzes", "aws-cloud-fundamentals", "--quiz", "chapter-2-iam")
    one = capsys.readouterr().out
    call_command("export_quizzes", "aws-cloud-fundamentals", "-o", str(tmp_path / "all.gift"))

    assert one == quiz_gift(quiz=Quiz.objects.get(key="chapter-2-iam"))
    assert (tmp_path / "all.gift").read_text() == course_gift(course=Quiz.objects.first().course)


def test_instructors_export_selected_quizzes_from_the_admin(aws, instructor):
    quiz = Quiz.objects.get(key="chapter-2-iam")

    response = instructor.post(
        "/admin/quizzes/quiz/", {"action": "export_gift", "_selected_action": [quiz.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="chapter-2-iam.gift"'
    assert response.content.decode() == quiz_gift(quiz=quiz)
