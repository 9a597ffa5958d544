from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify

from courses.admin_base import ImportedAdmin, StudentDataAdmin
from quizzes import grading, selectors
from quizzes.exporting import quiz_gift
from quizzes.models import Answer, Attempt, Question, Quiz


def gift_download(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name) or "quiz"}.gift"'
    return response


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "key", "kind", "lesson", "is_archived"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(ImportedAdmin):
    list_display = [
        "title",
        "course",
        "chapter",
        "kind",
        "pass_mark",
        "max_attempts",
        "is_archived",
    ]
    list_filter = ["course", "kind", "is_archived"]
    list_select_related = ["course", "chapter"]
    search_fields = ["title", "key"]
    readonly_fields = ["course", "chapter", "lesson", "kind", "key", "source_path", "content_hash"]
    inlines = [QuestionInline]
    actions = ["export_gift", "archive", "restore"]

    @admin.action(description="Export as GIFT (Moodle's quiz format)")
    def export_gift(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
        quizzes = list(queryset.select_related("course").order_by("course__slug", "key"))
        text = "\n".join(quiz_gift(quiz=quiz) for quiz in quizzes)
        name = quizzes[0].key if len(quizzes) == 1 else "quizzes"
        return gift_download(text, name.replace("/", "-"))


@admin.register(Question)
class QuestionAdmin(ImportedAdmin):
    course_path = "quiz__course_id"
    list_display = ["key", "quiz", "kind", "position", "is_archived"]
    list_filter = ["kind", "is_archived", "quiz__course"]
    list_select_related = ["quiz"]
    search_fields = ["key"]
    readonly_fields = ["quiz", "key", "kind", "position", "line", "data"]


class AnswerInline(admin.StackedInline):
    """Each answer as the student saw the question: their answer and the right one in
    words, the mark as a percentage; only an essay's fraction is for a person to set.
    Stacked, so the mark and comment inputs each have a label of their own (a tabular
    inline names them only by a column header)."""

    model = Answer
    fields = [
        "question_text",
        "their_answer",
        "right_answer",
        "mark",
        "fraction",
        "comment",
        "feedback",
        "needs_review",
        "saved_at",
    ]
    readonly_fields = [
        "question_text",
        "their_answer",
        "right_answer",
        "mark",
        "feedback",
        "needs_review",
        "saved_at",
    ]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _seen(self, answer: Answer):
        return answer.attempt.seen_question(
            answer.question_id, {answer.question_id: answer.question}
        )

    @admin.display(description="Question")
    def question_text(self, answer: Answer) -> str:
        parsed = self._seen(answer)
        return parsed.text if parsed else "(question gone)"

    @admin.display(description="Their answer")
    def their_answer(self, answer: Answer) -> str:
        parsed = self._seen(answer)
        return selectors.describe_response(parsed, answer.response) if parsed else ""

    @admin.display(description="Right answer")
    def right_answer(self, answer: Answer) -> str:
        parsed = self._seen(answer)
        return selectors.describe_correct(parsed) if parsed else ""

    @admin.display(description="Mark")
    def mark(self, answer: Answer) -> str:
        if answer.fraction is None:
            return "awaiting review" if answer.needs_review else ""
        return f"{answer.fraction * 100:.4g} %"


@admin.register(Attempt)
class AttemptAdmin(StudentDataAdmin):
    """Instructors mark essays here: set the answer's fraction (0 to 1) and save."""

    list_display = ["quiz", "user", "number", "status", "score_percent", "passed", "needs_review"]
    list_filter = ["status", "needs_review", "quiz__course"]
    list_select_related = ["quiz", "user"]
    search_fields = ["user__email", "quiz__title"]
    readonly_fields = [
        "quiz",
        "user",
        "number",
        "status",
        "seed",
        "question_ids",
        "started_at",
        "deadline",
        "submitted_at",
        "graded_at",
        "score_percent",
        "passed",
        "needs_review",
    ]
    exclude = ["questions_snapshot", "score", "scoring_requested_at", "grade_enqueued_at"]
    inlines = [AnswerInline]

    @admin.display(description="Score", ordering="score")
    def score_percent(self, attempt: Attempt) -> str:
        return "" if attempt.score is None else f"{attempt.score:.4g} %"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        grading.attempt_review_apply(attempt=form.instance)
