"""Template helpers for showing quizzes inside course pages."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from courses.rendering import KNOWLEDGE_CHECK_RE

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_body_with_checks(context) -> SafeString:
    """The lesson's stored HTML with each ```gift placeholder replaced by its check's form.

    A placeholder without a live check (e.g. the check failed to import) disappears.
    """
    lesson = context["lesson"]
    checks = context.get("knowledge_checks") or {}
    request = context.get("request")

    def replace(match) -> str:
        quiz = checks.get(int(match.group(1)))
        if quiz is None:
            return ""
        return render_to_string(
            "quizzes/_knowledge_check.html",
            {"quiz": quiz, "user": context.get("user"), "request": request},
            request=request,
        )

    # body_html was sanitized at import; the forms are our own templates.
    return mark_safe(KNOWLEDGE_CHECK_RE.sub(replace, lesson.body_html))


@register.filter
def matching_choice(response: dict | None, index: int):
    """The display position chosen for one matching row, from a shown response."""
    return (response or {}).get(index)


@register.filter
def quiz_for_chapter(chapter_quizzes: dict | None, chapter):
    return (chapter_quizzes or {}).get(chapter.pk)
