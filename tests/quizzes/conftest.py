"""A small course with quizzes, for import and attempt tests."""

from pathlib import Path

import pytest

COURSE_TOML = """\
title = "Tiny"
slug = "tiny"

[quizzes]
pass_mark = 60

[quizzes.basics]
max_attempts = 2
"""

NOTES = """\
# Basics

## First lesson

Some text about clouds.

```gift
::Check one:: A region is a cluster of data centers. {T}
```

More text.

## Second lesson

Nothing to check here.

# Advanced

## Only lesson

Text.
"""

BASICS_GIFT = """\
// The chapter quiz of "Basics".
$CATEGORY: first-lesson
::Pick:: Which is a compute service? {
=EC2 #Right: virtual machines.
~S3 #No: storage.
~IAM #No: identity.
}

::Many:: Pick the storage services. {
~%50%S3 #Yes.
~%50%EBS #Yes.
~%-100%EC2 #No, compute.
}

::TF:: IAM is a global service. {T#Wrong.#Right.}

::Short:: What does EC2 stand for? {=Elastic Compute Cloud #Yes. =*compute* #Close.}

::Num:: How many AZs must a region have at least? {#3 #Right, three.}

$CATEGORY: general
::Match:: Match each port. {
=SSH -> 22
=HTTPS -> 443
= -> 80
}
"""


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    course = tmp_path / "tiny"
    (course / "quizzes").mkdir(parents=True)
    (course / "course.toml").write_text(COURSE_TOML)
    (course / "notes.md").write_text(NOTES)
    (course / "quizzes" / "basics.gift").write_text(BASICS_GIFT)
    return course


@pytest.fixture
def tiny(db, tiny_dir: Path):
    from courses.models import Course
    from courses.services import course_import

    course_import(course_dir=tiny_dir)
    return Course.objects.get(slug="tiny")


@pytest.fixture
def basics_quiz(tiny):
    from quizzes.models import Quiz

    return Quiz.objects.get(course=tiny, key="basics")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (scoring is queued on commit) inside the test's transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
