"""Every admin page of every model, walked as an instructor: each loads, each form saves.

And staff cannot destroy student data from the admin: no delete for anything students' work
hangs on, no add where a form could not make a valid row.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from courses.services import lesson_complete
from quizzes.attempts import answer_save, attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Attempt, Question, Quiz
from review.models import Card, Deck, ReviewLog
from review.services import reminder_save


@pytest.fixture
def everything(seed_course, student: Client):
    """The seed course with a student's progress and a graded attempt."""
    lesson = Lesson.objects.first()
    lesson_complete(user=student.user, lesson=lesson)
    quiz = Quiz.objects.filter(kind=Quiz.Kind.CHAPTER).first()
    attempt = attempt_start(quiz=quiz, user=student.user)
    question = Question.objects.get(pk=attempt.question_ids[0])
    answer_save(
        attempt=attempt, question=question, response=0 if question.kind != "truefalse" else True
    )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    attempt_grade(attempt_id=attempt.pk)
    # A review deck: a card with one review, and reminder settings.
    card = Card.objects.create(
        user=student.user,
        question=question,
        course=seed_course,
        reason=Card.Reason.MISSED,
        added_at=timezone.now(),
        due=timezone.now(),
    )
    ReviewLog.objects.create(
        card=card,
        token="0" * 32,
        fraction=0,
        rating=1,
        answered_at=timezone.now(),
        due_before=card.due,
        due_after=card.due,
    )
    reminder_save(user=student.user, remind=True, remind_hour=8, time_zone="Europe/Paris")
    return seed_course


def _form_data(page: BeautifulSoup) -> dict:
    """What a browser would post for the change form as it was served."""
    form = page.select_one("#content-main form")
    data: dict[str, object] = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select" and field.has_attr("multiple"):
            data[name] = [o.get("value", "") for o in field.select("option[selected]")]
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif field.get("type") not in ("submit", "button", "file"):
            data[name] = field.get("value", "")
    return data


def test_every_admin_page_loads_and_every_change_form_saves(everything, instructor: Client):
    walked = []
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert instructor.get(changelist).status_code == 200, changelist
        add = instructor.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert add.status_code in (200, 302, 403), meta.label
        obj = model._default_manager.first()
        if obj is None:
            continue
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        page = instructor.get(url, follow=True)
        assert page.status_code == 200, url
        soup = BeautifulSoup(page.content, "html.parser")
        if soup.select_one("#content-main form input[name=_save]") is None:
            continue  # read-only for staff: nothing to save
        saved = instructor.post(url, _form_data(soup))
        errors = BeautifulSoup(saved.content, "html.parser").select(".errorlist, .errornote")
        assert saved.status_code == 302, (url, [e.get_text(" ", strip=True) for e in errors])
        walked.append(meta.label)
    assert {"courses.Course", "courses.Lesson", "courses.Chapter", "quizzes.Quiz"} <= set(walked)


@pytest.mark.parametrize(
    "model",
    [Chapter, Lesson, Quiz, Question, Attempt, Enrollment, LessonProgress, Card, ReviewLog, Deck],
)
def test_rows_an_import_or_a_student_makes_offer_no_add_and_no_delete(
    everything, instructor: Client, model
):
    meta = model._meta
    obj = model._default_manager.first()

    add = instructor.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    delete = instructor.post(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]), {"post": "yes"}
    )
    changelist = instructor.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()
    actions = [
        o["value"]
        for o in BeautifulSoup(changelist.content, "html.parser").select(
            "select[name=action] option"
        )
    ]
    assert "delete_selected" not in actions


def test_a_course_with_students_cannot_be_deleted_but_an_untouched_one_can(
    everything, instructor: Client, tmp_path
):
    delete = reverse("admin:courses_course_delete", args=[everything.pk])
    assert instructor.post(delete, {"post": "yes"}).status_code == 403
    assert Course.objects.filter(pk=everything.pk).exists()

    empty = Course.objects.create(slug="empty", title="Empty")
    response = instructor.post(
        reverse("admin:courses_course_delete", args=[empty.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Course.objects.filter(pk=empty.pk).exists()


def test_archive_and_restore_keep_student_data(everything, instructor: Client):
    lesson = LessonProgress.objects.get().lesson

    instructor.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "archive", "_selected_action": [lesson.pk]},
    )
    assert Lesson.objects.get(pk=lesson.pk).is_archived
    assert LessonProgress.objects.filter(lesson=lesson).exists()
    instructor.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "restore", "_selected_action": [lesson.pk]},
    )
    assert not Lesson.objects.get(pk=lesson.pk).is_archived


def test_course_add_leads_to_the_upload(instructor: Client, db):
    response = instructor.get(reverse("admin:courses_course_add"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:courses_importrun_add")


def test_an_attempt_reads_as_the_student_saw_it(everything, instructor: Client):
    attempt = Attempt.objects.get()
    page = BeautifulSoup(
        instructor.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk])).content,
        "html.parser",
    )

    text = page.get_text(" ", strip=True)
    assert "Their answer" in text and "Right answer" in text
    assert f"{attempt.score:.4g} %" in text
    assert page.find("textarea", attrs={"name": "questions_snapshot"}) is None
    assert "0E-7" not in text


def test_the_lesson_preview_renders_as_saving_would_and_writes_nothing(
    everything, instructor: Client, student: Client
):
    lesson = Lesson.objects.first()
    url = reverse("admin:courses_lesson_preview", args=[lesson.pk])
    before = lesson.body_html

    response = instructor.post(url, {"body_markdown": "- a\n  - b\n\n<script>x</script>"})

    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one(".prose ul ul li").get_text() == "b"
    assert page.find("script") is None
    assert Lesson.objects.get(pk=lesson.pk).body_html == before
    change = instructor.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    assert (
        BeautifulSoup(change.content, "html.parser").select_one("#lesson-preview")["data-hx-post"]
        == url
    )
    assert student.post(url, {"body_markdown": "x"}).status_code == 302  # to the admin login
