"""Template helpers for showing quizzes inside course pages."""

import re
from decimal import Decimal
from functools import lru_cache

from django import template
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from courses.rendering import KNOWLEDGE_CHECK_RE, render_markdown

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


# Formats whose text is markup (GIFT's [markdown] and [html]); "moodle" and "plain" are text.
_MARKUP_FORMATS = {"markdown", "html"}
_ONE_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


_BLOCK = re.compile(r"<(?:p|div|ul|ol|li|pre|table|blockquote|h[1-6]|hr|figure|details)\b")


@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    """Markup rendered as lessons are (GitHub-flavoured, sanitized by the same allowlist),
    as phrasing content when it is only paragraphs: question text sits in a <legend>."""
    html = render_markdown(text).html.strip()
    match = _ONE_PARAGRAPH.match("<br><br>".join(html.split("</p>\n<p>")))
    if match and not _BLOCK.search(match.group(1)):
        return match.group(1)
    return html


@register.filter
def gift_text(text: str | None, text_format: str = "moodle") -> SafeString:
    """A question's text, feedback or explanation as Moodle shows its GIFT format:
    [markdown] and [html] rendered (and sanitized), [moodle] and [plain] as text with their
    line breaks."""
    if not text:
        return mark_safe("")
    if str(text_format) in _MARKUP_FORMATS:
        return mark_safe(_rendered(text))
    return linebreaksbr(text, autoescape=True)


@register.filter
def percent(value) -> str:
    """A score as students read it everywhere: "60 %", "62.5 %", "66.67 %" (at most two
    decimals, no trailing zeros, a non-breaking space before the sign); "" for none."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):.2f}".rstrip("0").rstrip(".")
    return f"{text}\u00a0%"
