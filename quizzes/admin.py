from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify

from quizzes import grading
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
class QuizAdmin(admin.ModelAdmin):
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
    search_fields = ["title", "key"]
    readonly_fields = ["course", "chapter", "lesson", "kind", "key", "source_path", "content_hash"]
    inlines = [QuestionInline]
    actions = ["export_gift"]

    @admin.action(description="Export as GIFT (Moodle's quiz format)")
    def export_gift(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
        quizzes = list(queryset.select_related("course").order_by("course__slug", "key"))
        text = "\n".join(quiz_gift(quiz=quiz) for quiz in quizzes)
        name = quizzes[0].key if len(quizzes) == 1 else "quizzes"
        return gift_download(text, name.replace("/", "-"))


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "quiz", "kind", "position", "is_archived"]
    list_filter = ["kind", "is_archived", "quiz__course"]
    search_fields = ["key"]
    readonly_fields = ["quiz", "key", "kind", "position", "line", "data"]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "response", "fraction", "feedback", "needs_review", "saved_at"]
    readonly_fields = ["question", "response", "feedback", "needs_review", "saved_at"]
    extra = 0
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Instructors mark essays here: set the answer's fraction (0 to 1) and save."""

    list_display = ["quiz", "user", "number", "status", "score", "passed", "needs_review"]
    list_filter = ["status", "needs_review", "quiz__course"]
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
        "score",
        "passed",
        "needs_review",
    ]
    inlines = [AnswerInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        grading.attempt_review_apply(attempt=form.instance)
