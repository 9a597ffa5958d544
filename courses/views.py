from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest, template_for
from courses import selectors
from quizzes import selectors as quiz_selectors


@require_safe
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    courses = selectors.course_list()
    return render(request, "courses/catalog.html", {"courses": courses})


@require_safe
def course_detail(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.course_get(slug=course_slug)
    chapters = selectors.course_outline(course=course)
    lessons = [lesson for chapter in chapters for lesson in chapter.live_lessons]
    context = {
        "course": course,
        "chapters": chapters,
        "lesson_count": len(lessons),
        "reading_minutes": sum(lesson.reading_minutes for lesson in lessons),
        "first_lesson": lessons[0] if lessons else None,
        **quiz_selectors.course_quiz_context(user=request.user, course=course),
    }
    return render(request, "courses/course_detail.html", context)


@require_safe
@vary_on_headers("HX-Request")
def chapter_detail(request: HtmxHttpRequest, course_slug: str, chapter_slug: str) -> HttpResponse:
    course = selectors.course_get(slug=course_slug)
    chapter = selectors.chapter_get(course=course, slug=chapter_slug)
    previous_chapter, next_chapter = selectors.chapter_neighbours(chapter=chapter)
    context = {
        "course": course,
        "chapter": chapter,
        "lessons": selectors.chapter_lessons(chapter=chapter),
        "previous_chapter": previous_chapter,
        "next_chapter": next_chapter,
    }
    template = template_for(request, "courses/chapter_detail.html", "page")
    return render(request, template, context)


@require_safe
@vary_on_headers("HX-Request")
def lesson_detail(
    request: HtmxHttpRequest, course_slug: str, chapter_slug: str, lesson_slug: str
) -> HttpResponse:
    if not settings.LECTERN_PUBLIC_LESSONS and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    lesson = selectors.lesson_get(
        course_slug=course_slug, chapter_slug=chapter_slug, lesson_slug=lesson_slug
    )
    neighbours = selectors.lesson_neighbours(lesson=lesson)
    context = {
        "course": lesson.course,
        "chapter": lesson.chapter,
        "lesson": lesson,
        "chapter_lessons": selectors.chapter_lessons(chapter=lesson.chapter),
        "previous": neighbours.previous,
        "next": neighbours.next,
        **quiz_selectors.lesson_quiz_context(user=request.user, lesson=lesson),
    }
    template = template_for(request, "courses/lesson_detail.html", "page")
    return render(request, template, context)
