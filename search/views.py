from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest, template_for
from courses.selectors import course_get
from search import selectors

PAGE = "search/search.html"


@require_safe
@vary_on_headers("HX-Request")
def search(request: HtmxHttpRequest) -> HttpResponse:
    """Search the lessons of one course (``course``, a slug) or of every course. A plain GET
    form; with htmx, the results as the student types. Lessons are for readers who may open
    them, so their snippets are too."""
    if not settings.LECTERN_PUBLIC_LESSONS and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    text = request.GET.get("q", "")[:200].replace("\x00", "")
    slug = request.GET.get("course", "")
    course = course_get(slug=slug) if slug else None  # published only, else 404
    found = selectors.lessons_search(text=text, course=course)
    template = template_for(request, PAGE, "results")
    context = {"q": text.strip(), "course": course, "found": found, "partial": template != PAGE}
    return render(request, template, context)
