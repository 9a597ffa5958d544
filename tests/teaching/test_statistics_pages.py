"""Quiz statistics as staff see them: computed by a Celery task, stored per quiz version,
recomputed when new attempts are graded."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from quizzes import analysis
from quizzes.models import Quiz, QuizStatistics
from tests.factories import UserFactory


@pytest.fixture
def basics(klass):
    return Quiz.objects.get(course=klass, key="basics")


def _cells(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    table = soup.select("table.stats-table")[1]
    return [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in table.select("tbody tr")
    ]


@pytest.fixture
def view(instructor, committed):
    """GET a page as staff, running what it queues on commit (the statistics task, at once
    with eager Celery), then GET it again: what a reload shows once the figures are in."""

    def _view(url, params=None, **kwargs):
        with committed():
            instructor.get(url, params or {}, **kwargs)
        return instructor.get(url, params or {}, **kwargs)

    return _view


def test_statistics_follow_the_graded_attempts(klass, basics, take, view):
    for pick in (0, 0, 1, 2):
        take(UserFactory(), "basics", {"Pick": pick, "TF": True})
    url = reverse("teaching:quiz-statistics", args=[klass.slug, basics.pk])
    response = view(url)
    stored = QuizStatistics.objects.get(quiz=basics)
    first = stored.data["first"]
    assert first["quiz"]["count"] == 4
    facility = {
        q["title"]: s["facility"]
        for q, s in zip(stored.data["questions"], first["questions"], strict=True)
    }
    assert facility["Pick"] == pytest.approx(50.0)
    assert facility["TF"] == pytest.approx(100.0)

    rows = _cells(response.content.decode())
    assert rows[0][3] == "50.00 %"
    assert "Very easy" in rows[1][-1] or "easy" in rows[1][-1].lower()
    # Which choices caught students.
    picks = stored.data["first"]["responses"][str(stored.data["questions"][0]["id"])]
    assert {r["label"]: r["count"] for r in picks if r["label"] != "No answer"} == {
        "EC2": 2,
        "S3": 1,
        "IAM": 1,
    }

    # A new graded attempt makes the stored figures stale; the next view recomputes them.
    take(UserFactory(), "basics", {"Pick": 0, "TF": False})
    assert not analysis.quiz_statistics_get(quiz=basics).fresh
    view(url)
    assert QuizStatistics.objects.get(quiz=basics).data["first"]["quiz"]["count"] == 5


def test_a_second_refresh_of_unchanged_attempts_writes_nothing(klass, basics, take):
    take(UserFactory(), "basics", {"Pick": 0, "TF": True})
    analysis.quiz_statistics_refresh(quiz_id=basics.pk)
    before = QuizStatistics.objects.get(quiz=basics).computed_at
    assert analysis.quiz_statistics_refresh(quiz_id=basics.pk) is False
    assert QuizStatistics.objects.get(quiz=basics).computed_at == before


def test_first_and_all_attempts_differ(klass, basics, take, view):
    student = UserFactory()
    take(student, "basics", {"Pick": 1, "TF": False})
    take(student, "basics", {"Pick": 0, "TF": True})
    url = reverse("teaching:quiz-statistics", args=[klass.slug, basics.pk])
    first = view(url, {"which": "first"}).content.decode()
    every = view(url, {"which": "all"}).content.decode()
    assert _cells(first)[0][2:4] == ["1", "0.00 %"]
    assert _cells(every)[0][2:4] == ["2", "50.00 %"]


def test_stale_statistics_poll_until_the_worker_catches_up(klass, basics, take, view, instructor):
    take(UserFactory(), "basics", {"Pick": 0, "TF": True})
    url = reverse("teaching:quiz-statistics", args=[klass.slug, basics.pk])
    view(url)
    QuizStatistics.objects.filter(quiz=basics).update(signature="old")
    poll = instructor.get(url, headers={"HX-Request": "true"})
    # Stale: the status region again, polling.
    assert poll.status_code == 200 and 'data-hx-trigger="every 3s"' in poll.content.decode()
    # Once the task ran (eagerly here), the poll is told to reload the page.
    response = view(url, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_a_quiz_without_attempts_says_so(klass, basics, instructor):
    response = instructor.get(reverse("teaching:quiz-statistics", args=[klass.slug, basics.pk]))
    assert response.status_code == 200


def test_a_quiz_of_another_course_is_not_found(klass, basics, instructor):
    from courses.models import Course

    Course.objects.create(slug="other", title="Other")
    assert (
        instructor.get(reverse("teaching:quiz-statistics", args=["other", basics.pk])).status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_statistics_after_grading(celery_worker, klass_dir, monkeypatch):
    import time

    from courses.services import course_import
    from quizzes import tasks
    from quizzes.attempts import answers_save, attempt_start, attempt_submit
    from quizzes.models import Attempt, Question

    monkeypatch.setattr(tasks, "STATISTICS_DELAY_SECONDS", 0)
    course_import(course_dir=klass_dir)
    quiz = Quiz.objects.get(key="basics")
    questions = {q.key: q for q in Question.objects.filter(quiz=quiz)}
    attempt = attempt_start(quiz=quiz, user=UserFactory())
    answers_save(attempt=attempt, responses={questions["Pick"]: 0, questions["TF"]: False})
    attempt_submit(attempt=attempt)  # autocommit: queued at once, graded by the worker

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not QuizStatistics.objects.filter(quiz=quiz).exists():
        time.sleep(0.1)
    stored = QuizStatistics.objects.get(quiz=quiz)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.GRADED
    assert stored.data["first"]["quiz"]["count"] == 1
    assert stored.data["first"]["quiz"]["mean"] == pytest.approx(100 / 3, abs=0.01)
