"""A small course with two chapter quizzes (one with an essay) and helpers to take them."""

from pathlib import Path

import pytest

NOTES = """\
# Basics

## First lesson

Some text about clouds.

## Second lesson

More text.

# Advanced

## Only lesson

Text.
"""

BASICS_GIFT = """\
::Pick:: Which is a compute service? {
=EC2 #Right: virtual machines.
~S3 #No: storage.
~IAM #No: identity.
}

::TF:: IAM is a global service. {T}

::Essay:: Explain what a region is. {}
"""

ADVANCED_GIFT = """\
::Storage:: Which is object storage? {=S3 ~EBS ~EFS}
"""


@pytest.fixture
def klass_dir(tmp_path: Path) -> Path:
    course = tmp_path / "klass"
    (course / "quizzes").mkdir(parents=True)
    (course / "course.toml").write_text(
        'title = "Klass"\nslug = "klass"\n\n[quizzes]\npass_mark = 60\n'
    )
    (course / "notes.md").write_text(NOTES)
    (course / "quizzes" / "basics.gift").write_text(BASICS_GIFT)
    (course / "quizzes" / "advanced.gift").write_text(ADVANCED_GIFT)
    return course


@pytest.fixture
def klass(db, klass_dir: Path):
    from courses.models import Course
    from courses.services import course_import

    course_import(course_dir=klass_dir)
    return Course.objects.get(slug="klass")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def take(committed):
    """take(user, quiz_key, {question key: response}) -> the graded attempt."""
    from quizzes.attempts import answers_save, attempt_start, attempt_submit
    from quizzes.models import Attempt, Question, Quiz

    def _take(user, quiz_key: str, responses: dict, course_slug: str = "klass") -> Attempt:
        quiz = Quiz.objects.get(course__slug=course_slug, key=quiz_key)
        attempt = attempt_start(quiz=quiz, user=user)
        questions = {q.key: q for q in Question.objects.filter(quiz=quiz)}
        answers_save(attempt=attempt, responses={questions[k]: v for k, v in responses.items()})
        with committed():
            attempt_submit(attempt=attempt)
        attempt.refresh_from_db()
        return attempt

    return _take


@pytest.fixture
def many():
    """many(n, prefix) -> n new students, made in one insert (no password hashing)."""
    from accounts.models import User

    def _many(n: int, prefix: str = "s") -> list:
        User.objects.bulk_create(
            [User(email=f"{prefix}{i:03}@example.com", password="!") for i in range(n)]
        )
        return list(User.objects.filter(email__startswith=prefix).order_by("email"))

    return _many
