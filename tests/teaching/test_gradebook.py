"""The gradebook page and its CSV exports."""

import csv
import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from courses.content_version import content_changed
from courses.models import Enrollment, Lesson
from courses.services import enrollment_ensure, lesson_complete
from quizzes.models import Quiz
from teaching.gradebook import GradebookQuery, Status, columns_for, gradebook_page
from tests.factories import UserFactory


def _rows(html: str) -> list[list[str]]:
    table = BeautifulSoup(html, "html.parser").select_one("table.gradebook__table")
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in tr.find_all(["th", "td"])]
        for tr in table.select("tbody tr")
    ]


def _read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def people(klass, take):
    """Ann finished Basics and passed its quiz; Bob read one lesson and failed; Cy enrolled."""
    ann = UserFactory(email="ann@example.com", display_name="Ann")
    bob = UserFactory(email="bob@example.com")
    cy = UserFactory(email="cy@example.com")
    lessons = list(Lesson.objects.filter(course=klass).order_by("chapter__position", "position"))
    for lesson in lessons[:2]:
        lesson_complete(user=ann, lesson=lesson)
    lesson_complete(user=bob, lesson=lessons[0])
    enrollment_ensure(user=cy, course=klass)
    take(ann, "basics", {"Pick": 0, "TF": True, "Essay": "Regions hold zones."})
    take(bob, "basics", {"Pick": 1, "TF": False})
    take(bob, "basics", {"Pick": 2, "TF": True})
    return ann, bob, cy


def test_one_row_per_student_with_lessons_quizzes_and_completion(klass, people, instructor):
    response = instructor.get(reverse("teaching:gradebook", args=[klass.slug]))
    assert response.status_code == 200
    rows = {row[0].split()[0]: row for row in _rows(response.content.decode())}
    assert set(rows) == {"Ann", "bob@example.com", "cy@example.com"}
    # Ann: 2 of 3 lessons (67 %); Basics 2 of 3 marked right, the essay waiting = 100 %.
    assert rows["Ann"][2] == "67 % 2/3"
    assert rows["Ann"][3].startswith("100 % 1 attempt Passed To mark")
    assert rows["Ann"][4] == "—"
    # Bob: two attempts, 0 % and 33.33 %: the highest counts.
    assert rows["bob@example.com"][3] == "33.33 % 2 attempts"
    assert rows["cy@example.com"][2] == "0 % 0/3"


def test_a_lesson_read_without_an_attempt_is_in_progress_unless_it_was_archived(
    klass, people, instructor
):
    lessons = list(Lesson.objects.filter(course=klass).order_by("chapter__position", "position"))
    dee, eve = UserFactory(email="dee@example.com"), UserFactory(email="eve@example.com")
    lesson_complete(user=dee, lesson=lessons[1])
    lesson_complete(user=eve, lesson=lessons[2])
    Lesson.objects.filter(pk=lessons[2].pk).update(is_archived=True)  # no longer counts
    content_changed(course_ids=[klass.pk])
    url = reverse("teaching:gradebook", args=[klass.slug])
    names = lambda r: sorted(row[0].split()[0] for row in _rows(r.content.decode()))  # noqa: E731

    in_progress = names(instructor.get(url, {"status": Status.IN_PROGRESS}))
    not_started = names(instructor.get(url, {"status": Status.NOT_STARTED}))

    assert in_progress == ["Ann", "bob@example.com", "dee@example.com"]
    assert not_started == ["cy@example.com", "eve@example.com"]


def test_sorting_by_a_quiz_and_by_lessons(klass, people, instructor):
    basics = Quiz.objects.get(course=klass, key="basics")
    url = reverse("teaching:gradebook", args=[klass.slug])
    names = lambda r: [row[0].split()[0] for row in _rows(r.content.decode())]  # noqa: E731
    by_quiz = instructor.get(url, {"sort": f"quiz-{basics.pk}", "desc": "1"})
    assert names(by_quiz) == ["Ann", "bob@example.com", "cy@example.com"]  # no attempt: last
    by_quiz_up = instructor.get(url, {"sort": f"quiz-{basics.pk}"})
    assert names(by_quiz_up) == ["bob@example.com", "Ann", "cy@example.com"]
    by_lessons = instructor.get(url, {"sort": "lessons"})
    assert names(by_lessons) == ["cy@example.com", "bob@example.com", "Ann"]
    header = BeautifulSoup(by_lessons.content, "html.parser").find("th", attrs={"aria-sort": True})
    assert header["aria-sort"] == "ascending" and "Lessons" in header.get_text()
    # A sort key that is no column falls back to the student's name.
    assert instructor.get(url, {"sort": "password"}).status_code == 200


def test_filters_by_status_and_enrolment_date(klass, people, instructor):
    _ann, bob, cy = people
    url = reverse("teaching:gradebook", args=[klass.slug])
    names = lambda r: sorted(row[0].split()[0] for row in _rows(r.content.decode()))  # noqa: E731
    assert names(instructor.get(url, {"status": Status.NOT_STARTED})) == ["cy@example.com"]
    assert names(instructor.get(url, {"status": Status.IN_PROGRESS})) == ["Ann", "bob@example.com"]
    Enrollment.objects.filter(user=cy).update(enrolled_at=timezone.now() - timedelta(days=40))
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert names(instructor.get(url, {"enrolled_from": since})) == ["Ann", "bob@example.com"]
    Enrollment.objects.filter(user=bob).update(left_at=timezone.now())
    assert names(instructor.get(url, {"status": Status.LEFT})) == ["bob@example.com"]
    assert "bob@example.com" not in names(instructor.get(url))
    # A malformed date is ignored, not a 500.
    assert instructor.get(url, {"enrolled_from": "yesterday\x00"}).status_code == 200


def test_the_htmx_request_gets_the_table_only(klass, people, instructor):
    url = reverse("teaching:gradebook", args=[klass.slug])
    response = instructor.get(url, {"sort": "lessons"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gradebook-table"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_queries_do_not_grow_with_the_students_on_a_page(klass, take, django_assert_num_queries):
    def enrol(n: int) -> None:
        for _ in range(n):
            user = UserFactory()
            enrollment_ensure(user=user, course=klass)
            take(user, "basics", {"Pick": 0, "TF": True})

    columns = columns_for(course=klass)
    query = GradebookQuery(sort="lessons")
    enrol(3)
    with django_assert_num_queries(3) as few:
        _, rows = gradebook_page(course=klass, columns=columns, query=query)
    assert len(rows) == 3
    enrol(12)
    with django_assert_num_queries(len(few.captured_queries)):
        _, rows = gradebook_page(course=klass, columns=columns, query=query)
    assert len(rows) == 15


def test_the_gradebook_pages_by_fifty(klass, instructor, many):
    for user in many(55, prefix="s"):
        enrollment_ensure(user=user, course=klass)
    url = reverse("teaching:gradebook", args=[klass.slug])
    first = _rows(instructor.get(url).content.decode())
    second = _rows(instructor.get(url, {"page": 2}).content.decode())
    assert (len(first), len(second)) == (50, 5)
    assert second[-1][0] == "s054@example.com"
    assert instructor.get(url, {"page": "999"}).status_code == 200  # the last page


def test_the_gradebook_csv_reads_back_as_the_table(klass, people, instructor):
    response = instructor.get(reverse("teaching:gradebook-csv", args=[klass.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="klass-gradebook.csv"' in response["Content-Disposition"]
    rows = _read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[:7] == [
        "Email",
        "Name",
        "Status",
        "Enrolled",
        "Last activity",
        "Lessons done",
        "Lessons %",
    ]
    assert "Basics quiz: score %" in header and header[-2:] == ["Course progress %", "Completed"]
    by_email = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_email) == {"ann@example.com", "bob@example.com", "cy@example.com"}
    assert by_email["bob@example.com"]["Basics quiz: score %"] == "33.33"
    assert by_email["bob@example.com"]["Basics quiz: attempts"] == "2"
    assert by_email["ann@example.com"]["Basics quiz: passed"] == "yes"
    assert by_email["ann@example.com"]["Lessons %"] == "67"
    assert by_email["cy@example.com"]["Status"] == "Not started"


def test_the_csv_keeps_a_filter_and_defuses_formulas(klass, people, instructor):
    UserFactory(email="eve@example.com", display_name='=HYPERLINK("http://evil")')
    enrollment_ensure(user=type(people[0]).objects.get(email="eve@example.com"), course=klass)
    response = instructor.get(reverse("teaching:gradebook-csv", args=[klass.slug]), {"q": "eve"})
    rows = _read_csv(response)
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


def test_the_responses_csv_has_a_row_per_question_of_every_attempt(klass, people, instructor):
    rows = _read_csv(instructor.get(reverse("teaching:responses-csv", args=[klass.slug])))
    header, body = rows[0], rows[1:]
    assert header[0] == "Email" and "Response" in header and "Mark %" in header
    # Ann: 1 attempt x 3 questions; Bob: 2 attempts x 3 questions.
    assert len(body) == 9
    records = [dict(zip(header, row, strict=True)) for row in body]
    essay = next(
        r for r in records if r["Email"] == "ann@example.com" and r["Question kind"] == "essay"
    )
    assert essay["Response"] == "Regions hold zones."
    assert essay["Awaiting review"] == "yes" and essay["Mark %"] == ""
    bobs_essays = [
        r for r in records if r["Email"] == "bob@example.com" and r["Question kind"] == "essay"
    ]
    assert [r["Mark %"] for r in bobs_essays] == ["0.00", "0.00"]  # left blank: 0
    pick = next(
        r for r in records if r["Email"] == "ann@example.com" and r["Question number"] == "1"
    )
    assert (pick["Response"], pick["Right answer"], pick["Mark %"]) == ("EC2", "EC2", "100.00")
