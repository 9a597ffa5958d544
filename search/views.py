from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from search import selectors


@require_safe
@vary_on_headers("HX-Request")
def search(request) -> HttpResponse:
    """Search the lessons of one course (``course``, a slug) or of every course. A plain GET
    form; with htmx, the results as the student types. Lessons are for readers who may open
    them, so their snippets are too."""
    if not settings.LECTERN_PUBLIC_LESSONS and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    text = request.GET.get("q", "")[:200].replace("\x00", "")
    course = None
    if slug := request.GET.get("course", ""):
        course = selectors.published_course(slug=slug)
        if course is None:
            raise Http404("No such course.")
    found = selectors.lessons_search(text=text, course=course)
    htmx: HtmxDetails = request.htmx
    partial = bool(htmx) and not htmx.history_restore_request
    context = {"q": text.strip(), "course": course, "found": found, "partial": partial}
    template = "search/search.html#results" if partial else "search/search.html"
    return render(request, template, context)
