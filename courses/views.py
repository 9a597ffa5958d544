from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest, template_for
from courses import files, page_cache, progress, selectors, services
from courses.extensions import extensions


@require_safe
def catalog(request: HtmxHttpRequest) -> HttpResponse:
    progress_by_course = progress.catalog_progress(user=request.user)
    key = page_cache.page_key(
        request,
        "catalog",
        selectors.course_list_versions(),
        [entry.state for entry in progress_by_course.values()],
    )

    def context() -> dict:
        courses = selectors.course_list()
        for course in courses:
            course.entry = progress_by_course.get(course.pk)
        return {"courses": courses}

    return page_cache.page_render(request, key, "courses/catalog.html", context)


@require_safe
def course_detail(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.course_get(
        slug=course_slug, drafts=request.user.is_staff, reader=request.user
    )
    template = "courses/course_detail.html"
    if not request.user.is_authenticated:
        # A visitor's page shows nothing of theirs: its key needs nothing but the course.
        key = page_cache.page_key(request, "course", course.pk, course.content_version)
        return page_cache.page_render(
            request, key, template, lambda: _course_context(request, course)[0]
        )
    context, state = _course_context(request, course)
    enrollment = context["enrollment"]
    key = page_cache.page_key(
        request,
        "course",
        course.pk,
        course.content_version,
        state,
        context["progress"],
        enrollment and (enrollment.pk, enrollment.completed_at, enrollment.left_at),
        getattr(context["continue_lesson"], "pk", None),
    )
    return page_cache.page_render(request, key, template, context)


def _course_context(request: HtmxHttpRequest, course) -> tuple[dict, list]:
    """The course page's context, and the state of the student's it shows."""
    drafts = request.user.is_staff
    chapters = selectors.course_outline(course=course, drafts=drafts)
    lessons = [lesson for chapter in chapters for lesson in chapter.live_lessons]
    done = selectors.completed_lesson_ids(user=request.user, course=course)
    extra, state, requirements = _rooms(
        "course_page", user=request.user, course=course, chapter_ids=[c.pk for c in chapters]
    )
    context = {
        "course": course,
        "chapters": chapters,
        "lesson_count": len(lessons),
        "reading_minutes": sum(chapter.reading_minutes for chapter in chapters),
        "first_lesson": lessons[0] if lessons else None,
        "completed_ids": done,
        **_progress_context(
            request, course, lessons_total=len(lessons), done=done, requirements=requirements
        ),
        **extra,
    }
    return context, [sorted(done), *state]


@require_safe
def course_file(request: HtmxHttpRequest, course_slug: str, name: str) -> HttpResponse:
    """A course's image or download. Its name is its content hash, so it never changes."""
    found = files.course_file_open(course_slug=course_slug, name=name)
    if found is None:
        raise Http404("No such course file.")
    handle, content_type, inline = found
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    # Nothing in a course file may run as part of Lectern's pages.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def course_enroll(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.course_get(slug=course_slug, drafts=request.user.is_staff)
    services.enrollment_ensure(user=request.user, course=course)
    return redirect(course)


@require_POST
@login_required
def course_leave(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.course_get(slug=course_slug, drafts=request.user.is_staff)
    if services.enrollment_leave(user=request.user, course=course):
        messages.success(
            request, f"You left “{course.title}”. Your progress is kept if you come back."
        )
    return redirect(course)


@require_safe
@login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    entries = progress.dashboard(user=request.user)
    state = []
    for extension in extensions():
        if extension.dashboard is not None and entries:
            shown, room_state = extension.dashboard(
                user=request.user, courses=[entry.course for entry in entries]
            )
            state.append(room_state)
            for entry in entries:
                entry.rooms.update(shown.get(entry.course.pk, {}))
    key = page_cache.page_key(
        request,
        "dashboard",
        [(entry.state, timesince(entry.enrollment.last_activity_at)) for entry in entries],
        state,
    )
    return page_cache.page_render(request, key, "courses/dashboard.html", {"entries": entries})


@require_safe
@vary_on_headers("HX-Request")
def chapter_detail(request: HtmxHttpRequest, course_slug: str, chapter_slug: str) -> HttpResponse:
    course = selectors.course_get(
        slug=course_slug, drafts=request.user.is_staff, reader=request.user
    )
    chapter = selectors.chapter_get(course=course, slug=chapter_slug, drafts=request.user.is_staff)
    previous_chapter, next_chapter = selectors.chapter_neighbours(
        chapter=chapter, drafts=request.user.is_staff
    )
    done = selectors.completed_lesson_ids(user=request.user, course=course)
    extra, state = {}, []
    for extension in extensions():
        if extension.chapter_page is not None:
            shown = extension.chapter_page(user=request.user, course=course, chapter=chapter)
            state.append(shown.pop("page_state", None))
            extra.update(shown)
    key = page_cache.page_key(
        request, "chapter", chapter.pk, course.content_version, sorted(done), state
    )
    lessons = selectors.chapter_lessons(chapter=chapter)
    context = {
        **extra,
        "course": course,
        "chapter": chapter,
        "lessons": lessons,
        # The first lesson not read yet (None once the chapter is read): where its button goes.
        "next_lesson": next((lesson for lesson in lessons if lesson.pk not in done), None),
        "completed_ids": done,
        "previous_chapter": previous_chapter,
        "next_chapter": next_chapter,
    }
    template = template_for(request, "courses/chapter_detail.html", "page")
    return page_cache.page_render(request, key, template, context)


@require_safe
@vary_on_headers("HX-Request")
def lesson_detail(
    request: HtmxHttpRequest, course_slug: str, chapter_slug: str, lesson_slug: str
) -> HttpResponse:
    if not settings.LECTERN_PUBLIC_LESSONS and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    lesson = selectors.lesson_get(
        course_slug=course_slug,
        chapter_slug=chapter_slug,
        lesson_slug=lesson_slug,
        drafts=request.user.is_staff,
        reader=request.user,
    )
    # Staff read as students see, without becoming one: no enrollment, no progress rows.
    if request.user.is_authenticated and not request.user.is_staff:
        services.lesson_view_record(user=request.user, lesson=lesson)
    context = _lesson_context(request, lesson)
    key = page_cache.page_key(
        request,
        "lesson",
        lesson.pk,
        lesson.course.content_version,
        sorted(context["completed_ids"]),
        context["progress"],
        context["page_state"],
    )

    def rendered() -> dict:
        selectors.lesson_text_load(lesson)  # only the HTML needs the text
        return context

    template = template_for(request, "courses/lesson_detail.html", "page")
    return page_cache.page_render(request, key, template, rendered)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def lesson_complete(
    request: HtmxHttpRequest, course_slug: str, chapter_slug: str, lesson_slug: str
) -> HttpResponse:
    """Mark as complete (or undo with `undo=1`): with htmx the button, the progress bar and the
    chapter navigation's checkmark come back in one response; without, a redirect."""
    lesson = selectors.lesson_get(
        course_slug=course_slug,
        chapter_slug=chapter_slug,
        lesson_slug=lesson_slug,
        drafts=request.user.is_staff,
    )
    if request.POST.get("undo"):
        services.lesson_uncomplete(user=request.user, lesson=lesson)
    else:
        services.lesson_complete(user=request.user, lesson=lesson)
    if not request.htmx:
        return redirect(lesson)
    return render(
        request, "courses/lesson_detail.html#completion-response", _lesson_context(request, lesson)
    )


def _lesson_context(request: HtmxHttpRequest, lesson) -> dict:
    neighbours = selectors.lesson_neighbours(lesson=lesson, drafts=request.user.is_staff)
    done = selectors.completed_lesson_ids(user=request.user, course=lesson.course)
    extra, state, requirements = _rooms("lesson_page", user=request.user, lesson=lesson)
    return {
        "course": lesson.course,
        "chapter": lesson.chapter,
        "lesson": lesson,
        "chapter_lessons": selectors.chapter_lessons(chapter=lesson.chapter),
        "previous": neighbours.previous,
        "next": neighbours.next,
        "completed_ids": done,
        "is_completed": lesson.pk in done,
        # What the rooms above show of the student's own state (the page cache's key).
        "page_state": state,
        "progress": (
            progress.course_progress(
                user=request.user, course=lesson.course, done=done, requirements=requirements
            )
            if request.user.is_authenticated
            else None
        ),
        **extra,
    }


def _rooms(hook: str, **arguments) -> tuple[dict, list, tuple[int, int]]:
    """What the rooms above courses add to a page (courses.extensions): their template
    context, the state of the student's they show (for the page's cache key), and how many
    of their requirements are met (passed, total)."""
    extra: dict = {}
    state: list = []
    passed = total = 0
    for extension in extensions():
        page = getattr(extension, hook)
        if page is not None:
            context, (passed_here, total_here) = page(**arguments)
            state.append(context.pop("page_state", None))
            extra.update(context)
            passed, total = passed + passed_here, total + total_here
    return extra, state, (passed, total)


def _progress_context(request: HtmxHttpRequest, course, **loaded) -> dict:
    if not request.user.is_authenticated:
        return {"progress": None, "enrollment": None, "continue_lesson": None}
    enrollment = selectors.enrollment_get(user=request.user, course=course)
    return {
        "progress": progress.course_progress(user=request.user, course=course, **loaded),
        "enrollment": enrollment,
        "continue_lesson": selectors.continue_lesson(
            enrollment=enrollment, course=course, drafts=request.user.is_staff
        ),
    }
