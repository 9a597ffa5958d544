import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import SEED_COURSE_DIR
from courses.models import Lesson
from courses.services import CourseImportError, course_import
from quizzes.attempts import answer_save, attempt_start
from quizzes.models import Answer, Attempt, Question, Quiz
from tests.quizzes.conftest import BASICS_GIFT

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def test_seed_course_imports_a_quiz_per_chapter_and_knowledge_checks(db):
    report = course_import(course_dir=SEED_COURSE_DIR)

    chapter_quizzes = Quiz.objects.filter(kind=Quiz.Kind.CHAPTER).order_by("chapter__position")
    assert [q.chapter.position for q in chapter_quizzes] == [1, 2, 3, 4, 5, 6, 7]
    for quiz in chapter_quizzes:
        assert quiz.questions.count() >= 8, quiz.key
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert {"numerical", "matching", "multichoice", "multiresponse", "truefalse"} <= kinds
    checks = Quiz.objects.filter(kind=Quiz.Kind.CHECK)
    assert checks.count() >= 3
    assert all(check.lesson is not None for check in checks)
    assert report.quizzes.created == Quiz.objects.count()
    assert report.questions.created == Question.objects.count()
    assert any(line.startswith("  quizzes") for line in report.summary_lines())


def test_seed_quiz_categories_name_lessons_of_the_chapter(db):
    course_import(course_dir=SEED_COURSE_DIR)

    for question in Question.objects.filter(quiz__kind=Quiz.Kind.CHAPTER):
        assert question.lesson is not None, (question.quiz.key, question.key)
        assert question.lesson.chapter_id == question.quiz.chapter_id


def test_every_seed_answer_option_has_feedback(db):
    course_import(course_dir=SEED_COURSE_DIR)

    for question in Question.objects.all():
        parsed = question.as_gift()
        if parsed.kind == "matching":
            assert parsed.general_feedback, question.key  # pairs take no feedback in GIFT
        else:
            assert all(a.feedback for a in parsed.answers), question.key


def test_reimport_of_unchanged_quizzes_writes_nothing(db):
    course_import(course_dir=SEED_COURSE_DIR)

    with CaptureQueriesContext(connection) as queries:
        report = course_import(course_dir=SEED_COURSE_DIR)

    assert [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])] == []
    assert not report.changed
    assert report.quizzes.unchanged == Quiz.objects.count()


def test_gift_fence_in_a_lesson_is_a_knowledge_check_placed_where_it_was_written(tiny):
    lesson = Lesson.objects.get(slug="first-lesson")
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK, lesson=lesson)

    assert check.key == "basics/first-lesson#1"
    assert check.position == 1
    assert '<div class="knowledge-check" data-check="1"></div>' in lesson.body_html
    assert "A region is a cluster" not in lesson.body_text
    [question] = check.questions.all()
    assert question.kind == "truefalse"


def test_course_toml_sets_quiz_defaults_and_per_quiz_settings(tiny):
    quiz = Quiz.objects.get(key="basics")
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)

    assert quiz.pass_mark == 60  # [quizzes]
    assert quiz.max_attempts == 2  # [quizzes.basics]
    assert check.max_attempts is None  # knowledge checks: practice, unlimited
    assert check.shuffle_choices  # per student: the right answer is not always first


def test_category_maps_a_question_to_its_lesson(tiny):
    pick = Question.objects.get(key="Pick")

    assert pick.lesson.slug == "first-lesson"


def test_a_misplaced_gift_file_aborts_the_import_and_changes_nothing(tiny, tiny_dir: Path):
    quizzes_before = list(Quiz.objects.values_list("pk", "content_hash", "is_archived"))
    lessons_before = list(Lesson.objects.values_list("pk", "content_hash"))
    (tiny_dir / "quizzes" / "nowhere.gift").write_text("Q {T}\n")

    with pytest.raises(CourseImportError, match=r"tiny/quizzes/nowhere\.gift: no chapter"):
        course_import(course_dir=tiny_dir)

    assert list(Quiz.objects.values_list("pk", "content_hash", "is_archived")) == quizzes_before
    assert list(Lesson.objects.values_list("pk", "content_hash")) == lessons_before


def test_a_refused_question_is_reported_and_the_rest_of_its_file_imports(tiny, tiny_dir: Path):
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(BASICS_GIFT + "\n::Broken:: Which? {=A ~B\n\n::Fine:: Is this fine? {T}\n")

    report = course_import(course_dir=tiny_dir)

    refused = [w for w in report.warnings if w.endswith("[question-refused]")]
    assert len(refused) == 1
    assert re.match(r"tiny/quizzes/basics\.gift:\d+: question 'Broken': unclosed", refused[0])
    keys = set(
        Question.objects.filter(quiz__key="basics", is_archived=False).values_list("key", flat=True)
    )
    assert "Fine" in keys and "Broken" not in keys and "Pick" in keys


def test_a_refused_question_keeps_its_last_good_version(tiny, tiny_dir: Path):
    pick = Question.objects.get(key="Pick")
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(gift_path.read_text().replace("=EC2", "=EC2 {"))

    report = course_import(course_dir=tiny_dir)

    assert any("question 'Pick'" in w and "[question-refused]" in w for w in report.warnings)
    kept = Question.objects.get(pk=pick.pk)
    assert (kept.is_archived, kept.data) == (False, pick.data)


def test_every_refused_question_of_every_file_is_reported_in_one_run(tiny, tiny_dir: Path):
    (tiny_dir / "quizzes" / "basics.gift").write_text(
        BASICS_GIFT + "\n::Bad one:: {1:MC:=a~b}\n\n::Bad two:: X {=a} and {=b}\n"
    )
    notes = tiny_dir / "notes.md"
    notes.write_text(notes.read_text().replace("{T}", "{true}"))

    report = course_import(course_dir=tiny_dir)

    refused = [w for w in report.warnings if w.endswith("[question-refused]")]
    assert [w.split(": question ")[1].split(":")[0] for w in refused] == [
        "'Bad one'",
        "'Bad two'",
        "'Check one'",
    ]
    assert "Cloze" in refused[0]
    assert refused[2].startswith("tiny/notes.md:8: ")
    # The check's only question was refused: the check stays as it was.
    assert Quiz.objects.get(kind=Quiz.Kind.CHECK).is_archived is False


def test_moodle_oddities_import_with_warnings(tiny, tiny_dir: Path):
    (tiny_dir / "quizzes" / "basics.gift").write_text(
        "::Same:: Pick one {~=some~a few}\n\n::Same:: How many? {One}\n\n::Part 2::\n"
    )

    report = course_import(course_dir=tiny_dir)

    codes = sorted(w.rsplit("[", 1)[1].rstrip("]") for w in report.warnings if "basics.gift" in w)
    assert codes == ["blank-choice", "duplicate-title", "shortanswer-without-equals", "title-only"]
    keys = Question.objects.filter(quiz__key="basics", is_archived=False).values_list(
        "key", flat=True
    )
    assert sorted(keys) == ["Part 2", "Same", "Same#2"]


def test_reimport_keeps_question_identity_and_attempts_and_archives_removed(
    tiny, tiny_dir: Path, student
):
    quiz = Quiz.objects.get(key="basics")
    pick = Question.objects.get(quiz=quiz, key="Pick")
    attempt = attempt_start(quiz=quiz, user=student.user)
    answer_save(attempt=attempt, question=Question.objects.get(key="TF"), response=True)
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    text = gift_path.read_text()
    # Feedback polished, one question moved to the end, another removed.
    text = text.replace("#Right: virtual machines.", "#Right, virtual machines.")
    tf = "::TF:: IAM is a global service. {T#Wrong.#Right.}\n"
    text = text.replace(tf, "") + "\n" + tf
    text = text.replace(
        "::Num:: How many AZs must a region have at least? {#3 #Right, three.}\n", ""
    )
    gift_path.write_text(text)

    report = course_import(course_dir=tiny_dir)

    assert report.quizzes.updated == 1
    assert report.questions.archived == 1
    assert Question.objects.get(quiz=quiz, key="Pick").pk == pick.pk
    assert Question.objects.get(quiz=quiz, key="Num").is_archived
    assert Question.objects.get(quiz=quiz, key="TF").position == 5
    assert Attempt.objects.filter(pk=attempt.pk).exists()
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_a_removed_quiz_is_archived_and_comes_back(tiny, tiny_dir: Path):
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.unlink()

    report = course_import(course_dir=tiny_dir)

    assert report.quizzes.archived == 1
    assert Quiz.objects.get(key="basics").is_archived

    gift_path.write_text(BASICS_GIFT)
    report = course_import(course_dir=tiny_dir)
    assert report.quizzes.restored == 1
    assert not Quiz.objects.get(key="basics").is_archived


def test_invalid_quiz_setting_in_course_toml_aborts_the_import(tiny_dir: Path, db):
    toml = tiny_dir / "course.toml"
    toml.write_text(toml.read_text().replace("pass_mark = 60", "pass_mark = 160"))

    with pytest.raises(CourseImportError, match=r"course\.toml.*pass_mark"):
        course_import(course_dir=tiny_dir)


def test_html_question_text_is_imported_as_plain_text(tiny_dir, student):
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(
        gift_path.read_text()
        + "\n::Html::[html]<p>Which one is <b>object</b> storage?</p> {\n"
        + "=<i>S3</i> #<p>Yes &amp; right.</p>\n~EC2\n####<em>S3</em> stores objects.}\n"
    )
    course_import(course_dir=tiny_dir)
    question = Question.objects.get(quiz__key="basics", key="Html")

    parsed = question.as_gift()
    assert parsed.text == "Which one is object storage?"
    assert [a.text for a in parsed.answers] == ["S3", "EC2"]
    assert parsed.answers[0].feedback == "Yes & right."
    assert parsed.general_feedback == "S3 stores objects."
    attempt = attempt_start(quiz=question.quiz, user=student.user)
    page = BeautifulSoup(student.get(f"/attempts/{attempt.pk}/").content, "html.parser")
    legend = page.select_one(f"#question-{question.pk} legend").get_text(" ", strip=True)
    assert legend.endswith("Which one is object storage?")
    assert "<b>" not in page.get_text()
