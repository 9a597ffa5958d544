"""Quizzes imported from GIFT files, and students' attempts at them.

A quiz's questions are stored as the serialized :class:`quizzes.gift.Question` (``data``), so
scoring runs the framework-free scorer on exactly what the author wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from courses.models import Chapter, Course, Lesson
from quizzes import gift, shuffle


class QuizKind(models.TextChoices):
    CHAPTER = "chapter", "Chapter quiz"
    CHECK = "check", "Knowledge check"


class ShowAnswers(models.TextChoices):
    """When a result page shows the right answers (quizzes.selectors.review_for).

    Feedback on the answer a student chose is shown under every policy but "never"; only
    the right answers wait. The default, once passed or out of attempts, never shows the
    answer of a question left unanswered: an empty submit gives nothing away.
    """

    ONCE_PASSED_OR_DONE = "once-passed-or-done", "Once passed or out of attempts"
    AFTER_EACH_ATTEMPT = "after-each-attempt", "After each attempt"
    ONCE_PASSED = "once-passed", "Once passed"
    NEVER = "never", "Never"


class AttemptCounts(models.TextChoices):
    HIGHEST = "highest", "Highest score"
    LAST = "last", "Last attempt"


# The settings of a quiz an author gives in course.toml (quizzes.importing reads them, a
# course download writes them back: quizzes.exporting).
QUIZ_SETTING_FIELDS = (
    "pass_mark",
    "max_attempts",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_choices",
    "show_answers",
    "attempt_counts",
)


class Quiz(models.Model):
    """A chapter quiz (a `.gift` file in the course's quizzes/ folder) or a knowledge check
    shown inside one lesson (a ```gift fence, or a file named after the lesson)."""

    Kind = QuizKind
    ShowAnswers = ShowAnswers
    AttemptCounts = AttemptCounts

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes")
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="quizzes")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.CASCADE, related_name="quizzes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Identity across re-imports: the file's path in quizzes/ without ".gift", or
    # "<chapter>/<lesson>#<n>" for the n-th ```gift fence of a lesson.
    key = models.CharField(max_length=300)
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=1, help_text="Order within the lesson.")
    source_path = models.CharField(max_length=500, blank=True)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent needed to pass.")
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty for unlimited attempts."
    )
    time_limit_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty for no time limit. Enforced by the server."
    )
    shuffle_questions = models.BooleanField(default=False)
    shuffle_choices = models.BooleanField(default=True)
    show_answers = models.CharField(
        max_length=24, choices=ShowAnswers.choices, default=ShowAnswers.ONCE_PASSED_OR_DONE
    )
    attempt_counts = models.CharField(
        max_length=16, choices=AttemptCounts.choices, default=AttemptCounts.HIGHEST
    )
    content_hash = models.CharField(max_length=64)
    is_archived = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "quizzes"
        ordering = ["course", "chapter__position", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="quizzes_quiz_key_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=QuizKind.values), name="quizzes_quiz_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(show_answers__in=ShowAnswers.values),
                name="quizzes_quiz_show_answers_valid",
            ),
            models.CheckConstraint(
                condition=Q(attempt_counts__in=AttemptCounts.values),
                name="quizzes_quiz_attempt_counts_valid",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__lte=100), name="quizzes_quiz_pass_mark_range"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1),
                name="quizzes_quiz_max_attempts_positive",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="quizzes_quiz_time_limit_positive",
            ),
            # A knowledge check belongs to a lesson; a chapter quiz to no lesson.
            models.CheckConstraint(
                condition=Q(kind=QuizKind.CHAPTER, lesson__isnull=True)
                | Q(kind=QuizKind.CHECK, lesson__isnull=False),
                name="quizzes_quiz_lesson_matches_kind",
            ),
        ]
        indexes = [
            # The course outline and progress: live chapter quizzes of a course.
            models.Index(
                fields=["course", "chapter"],
                condition=Q(is_archived=False, kind=QuizKind.CHAPTER),
                name="quizzes_quiz_chapter_idx",
            ),
            # The lesson page: live knowledge checks of one lesson, in order.
            models.Index(
                fields=["lesson", "position"],
                condition=Q(is_archived=False, kind=QuizKind.CHECK),
                name="quizzes_quiz_lesson_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quizzes:quiz-detail", kwargs={"quiz_id": self.pk})

    @property
    def is_chapter_quiz(self) -> bool:
        return self.kind == QuizKind.CHAPTER

    def attempts_left(self, used: int) -> int | None:
        """Attempts a student who used ``used`` has left; None when there is no limit."""
        return None if self.max_attempts is None else max(0, self.max_attempts - used)

    def check_seed(self, user) -> int:
        """The seed of one student's knowledge check: its lesson-page form and its attempts
        show the choices in the same order."""
        return shuffle.check_seed(secret=settings.SECRET_KEY, user_id=user.pk, quiz_id=self.pk)


class Question(models.Model):
    """One GIFT question of a quiz. `data` is the serialized gift.Question."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=300, help_text="The ::title::, else a content hash.")
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in gift.Kind])
    position = models.PositiveIntegerField()
    line = models.PositiveIntegerField(default=0, help_text="Line in the source file.")
    data = models.JSONField()
    # A lesson that the question is about, when the author names one (see docs/quizzes.md).
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="quizzes_question_key_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in gift.Kind]),
                name="quizzes_question_kind_valid",
            ),
        ]
        indexes = [
            # Starting an attempt: live questions of a quiz in order.
            models.Index(
                fields=["quiz", "position"],
                condition=Q(is_archived=False),
                name="quizzes_question_live_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def as_gift(self) -> gift.Question:
        cached = getattr(self, "_gift", None)
        if cached is None:
            cached = self._gift = question_from_data(self.data)
        return cached


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    GRADED = "graded", "Graded"


class Attempt(models.Model):
    """One student's attempt at a quiz: in progress, submitted (waiting for the scorer), graded."""

    Status = AttemptStatus

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    seed = models.BigIntegerField(help_text="Seeds the shuffling, so a reload shows the same.")
    # Question pks in the order shown; fixed at start so re-imports never change an attempt.
    question_ids = models.JSONField(default=list)
    # str(question pk) -> the question's serialized gift.Question as the attempt started with
    # it. A re-import may edit a question in place (it keeps its row by its ::title::); the
    # form, the answers, scoring and the result page all read this copy, never the live row.
    questions_snapshot = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the student submitted, even if submitted_at is an earlier deadline: the wait shown
    # on the "Scoring…" page and its polling back-off count from here.
    scoring_requested_at = models.DateTimeField(null=True, blank=True)
    # When scoring was last handed to Celery; re-queues are rate-limited on it.
    grade_enqueued_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent."
    )
    passed = models.BooleanField(null=True, blank=True)
    needs_review = models.BooleanField(
        default=False, help_text="Has essay answers that an instructor has not marked yet."
    )

    class Meta:
        ordering = ["quiz", "user", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="quizzes_attempt_number_unique"
            ),
            # At most one open attempt per student and quiz: two tabs starting at once get one.
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(status=AttemptStatus.IN_PROGRESS),
                name="quizzes_attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AttemptStatus.values), name="quizzes_attempt_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=AttemptStatus.GRADED)
                | Q(score__isnull=False, passed__isnull=False, graded_at__isnull=False),
                name="quizzes_attempt_graded_has_score",
            ),
        ]
        indexes = [
            # The sweep (quizzes.attempts.attempts_requeue_stuck): attempts waiting for scoring.
            models.Index(
                fields=["grade_enqueued_at"],
                condition=Q(status=AttemptStatus.SUBMITTED),
                name="quizzes_attempt_submitted_idx",
            ),
            # The sweep: open attempts with a deadline.
            models.Index(
                fields=["deadline"],
                condition=Q(status=AttemptStatus.IN_PROGRESS, deadline__isnull=False),
                name="quizzes_attempt_deadline_idx",
            ),
            # A student's graded attempts at one quiz: their counted result on the quiz pages
            # and staff pages (quizzes.selectors._with_result, counted_results).
            models.Index(
                fields=["user", "quiz"],
                condition=Q(status=AttemptStatus.GRADED),
                name="quizzes_attempt_graded_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt-detail", kwargs={"attempt_id": self.pk})

    def seen_question(
        self, question_id: int, live: Mapping[int, Question] | None = None
    ) -> gift.Question | None:
        """The question as this attempt saw it: the copy taken when it started.

        The one implementation of that idea (answers are saved, scored, shown and exported
        against it). Attempts from before copies were kept fall back to the live question,
        which the caller passes in ``live`` (see ``unsnapshotted_ids``); None when it is gone.
        """
        cache = self.__dict__.setdefault("_seen_questions", {})
        if question_id not in cache:
            data = (self.questions_snapshot or {}).get(str(question_id))
            if data is None and live and question_id in live:
                data = live[question_id].data
            cache[question_id] = question_from_data(data) if data is not None else None
        return cache[question_id]

    def unsnapshotted_ids(self) -> list[int]:
        """Questions this attempt has no copy of: load them for ``seen_question``."""
        snapshot = self.questions_snapshot or {}
        return [pk for pk in self.question_ids if str(pk) not in snapshot]

    def gift_question(self, question: Question) -> gift.Question:
        """``seen_question`` for a question already loaded."""
        parsed = self.seen_question(question.pk, {question.pk: question})
        assert parsed is not None  # the live question is at hand
        return parsed


class Answer(models.Model):
    """A response to one question of an attempt, saved as it is given; marked when graded."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField()
    fraction = models.DecimalField(
        max_digits=8,
        decimal_places=7,
        null=True,
        blank=True,
        help_text="Credit 0..1. For an essay, set by the instructor.",
    )
    feedback = models.JSONField(default=list, blank=True)
    needs_review = models.BooleanField(default=False)
    # An instructor's marking (essays): a comment the student sees on the result page.
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "question__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="quizzes_answer_question_unique"
            ),
            models.CheckConstraint(
                condition=Q(fraction__isnull=True) | Q(fraction__gte=0, fraction__lte=1),
                name="quizzes_answer_fraction_range",
            ),
        ]
        indexes = [
            # The marking queue: answers waiting for a person.
            models.Index(
                fields=["question"],
                condition=Q(needs_review=True),
                name="quizzes_answer_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} / {self.question}"


class QuizStatistics(models.Model):
    """A quiz's item analysis (quizzes.statistics), stored once computed (quizzes.analysis).

    ``signature`` names what it was computed from (the quiz's version, its graded attempts
    and their marking); a page whose signature differs asks for a recomputation.
    """

    quiz = models.OneToOneField(Quiz, on_delete=models.CASCADE, related_name="statistics")
    signature = models.CharField(max_length=200)
    computed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "quiz statistics"

    def __str__(self) -> str:
        return f"Statistics of {self.quiz}"


# --- gift.Question <-> JSON ------------------------------------------------------------------


def question_to_data(question: gift.Question) -> dict:
    """A gift.Question as JSON-safe data (Decimals as strings), for Question.data."""

    def answer(a: gift.Answer) -> dict:
        return {
            "text": a.text,
            "fraction": str(a.fraction),
            "feedback": a.feedback,
            "text_format": str(a.text_format),
            "feedback_format": str(a.feedback_format),
            "value": None if a.value is None else str(a.value),
            "tolerance": str(a.tolerance),
            "match": a.match,
        }

    return {
        "kind": str(question.kind),
        "text": question.text,
        "answers": [answer(a) for a in question.answers],
        "title": question.title,
        "text_format": str(question.text_format),
        "general_feedback": question.general_feedback,
        "general_feedback_format": str(question.general_feedback_format),
        "tail_text": question.tail_text,
        "category": question.category,
        "line": question.line,
        "occurrence": question.occurrence,
    }


def question_from_data(data: dict) -> gift.Question:
    answers = tuple(
        gift.Answer(
            text=a["text"],
            fraction=Decimal(a["fraction"]),
            feedback=a["feedback"],
            text_format=gift.TextFormat(a["text_format"]),
            feedback_format=gift.TextFormat(a["feedback_format"]),
            value=None if a["value"] is None else Decimal(a["value"]),
            tolerance=Decimal(a["tolerance"]),
            match=a["match"],
        )
        for a in data["answers"]
    )
    return gift.Question(
        kind=gift.Kind(data["kind"]),
        text=data["text"],
        answers=answers,
        title=data["title"],
        text_format=gift.TextFormat(data["text_format"]),
        general_feedback=data["general_feedback"],
        general_feedback_format=gift.TextFormat(data["general_feedback_format"]),
        tail_text=data["tail_text"],
        category=data["category"],
        line=data.get("line", 0),
        occurrence=data.get("occurrence", 1),
    )
