"""Course analytics: the figures behind each chart, and the page that shows them."""

from datetime import timedelta

from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment, Lesson
from courses.services import enrollment_ensure, lesson_complete, lesson_view_record
from teaching.analytics import course_analytics
from tests.factories import UserFactory


def _people(klass, take):
    """Four students: one finished Basics (lessons and quiz), one read a lesson and stopped
    a month ago, one only enrolled, one left."""
    lessons = list(Lesson.objects.filter(course=klass).order_by("chapter__position", "position"))
    done, stopped, idle, gone = (UserFactory() for _ in range(4))
    for lesson in lessons[:2]:
        lesson_complete(user=done, lesson=lesson)
    take(done, "basics", {"Pick": 0, "TF": True})
    lesson_view_record(user=stopped, lesson=lessons[1])
    lesson_complete(user=stopped, lesson=lessons[0])
    Enrollment.objects.filter(user=stopped).update(
        last_activity_at=timezone.now() - timedelta(days=30)
    )
    enrollment_ensure(user=idle, course=klass)
    enrollment_ensure(user=gone, course=klass)
    Enrollment.objects.filter(user=gone).update(left_at=timezone.now())
    return lessons


def test_funnel_lesson_rates_and_where_students_stop(klass, take):
    lessons = _people(klass, take)
    data = course_analytics(course=klass)
    assert (data.enrolled, data.completed, data.left) == (3, 0, 1)
    assert [(p.label, p.value, p.percent) for p in data.funnel] == [
        ("Enrolled", 3, 100),
        ("Completed a lesson", 2, 67),
        ("Finished Basics", 1, 33),  # both lessons and the quiz passed
        ("Finished Advanced", 0, 0),
        ("Completed the course", 0, 0),
    ]
    assert [(p.label, p.value) for p in data.lessons] == [
        (lessons[0].title, 2),
        (lessons[1].title, 1),
        (lessons[2].title, 0),
    ]
    assert [(p.label, p.value) for p in data.stopped] == [(lessons[1].title, 1)]
    assert data.enrolments_period == "day"
    assert data.enrolments[-1].value == 4  # all four enrolled today, the one who left too


def test_the_analytics_page_draws_each_chart_with_its_data_table(klass, take, instructor):
    _people(klass, take)
    response = instructor.get(reverse("teaching:analytics", args=[klass.slug]))
    soup = BeautifulSoup(response.content, "html.parser")
    figures = soup.select("figure.chart")
    assert len(figures) == 4
    for figure in figures:
        svg = figure.find("svg")
        assert svg["role"] == "img"
        labelled = svg["aria-labelledby"].split()
        assert all(soup.find(id=ident) for ident in labelled)
        assert figure.select_one("details table tbody tr")
    # The page links every quiz's statistics.
    assert len(soup.select('a[href*="/statistics/"]')) == 2


def test_an_empty_course_has_analytics_too(klass, instructor):
    response = instructor.get(reverse("teaching:analytics", args=[klass.slug]))
    assert response.status_code == 200
    assert course_analytics(course=klass).enrolments == []
