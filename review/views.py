import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest, template_for
from courses.selectors import course_get
from quizzes.scoring import ResponseError
from review import selectors, services
from review.forms import ReminderForm
from review.models import Card, ReviewLog

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


PAGE = "review/session.html"


def _course(request):
    """The course the session is limited to (``course``, a slug), published only, else 404."""
    slug = request.GET.get("course") or request.POST.get("course") or ""
    return course_get(slug=slug) if slug else None


def _render(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    template = template_for(request, PAGE, "card")
    return render(request, template, {**context, "partial": template != PAGE})


@login_required
@require_safe
@vary_on_headers("HX-Request")
def session(request: HtmxHttpRequest) -> HttpResponse:
    """Today's review: the next due question, one at a time, its choices shuffled afresh."""
    course = _course(request)
    due = services.due_now(user=request.user, course=course)  # the deck brought up to date
    context = selectors.session_context(user=request.user, course=course, zone=due.zone)
    return _render(request, context)


@login_required
@require_POST
def card_answer(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    """Score an answer to a card (a wrong one is rescheduled at once); then the student rates
    a right one. The same form posted twice is one review."""
    course = _course(request)
    seed, token = request.POST.get("seed", ""), request.POST.get("token", "")
    if not seed.isdigit() or int(seed) >= 2**48 or not _TOKEN.match(token):
        return HttpResponseBadRequest("This review form is damaged: reload the page.")
    try:
        outcome = services.review_answer(
            user=request.user, card_id=card_id, data=request.POST, seed=int(seed), token=token
        )
    except Card.DoesNotExist:
        raise Http404("No such question in your review.") from None
    except ResponseError as exc:
        return HttpResponseBadRequest(f"That answer does not fit the question: {exc}.")
    zone = selectors.deck_get(user=request.user).zone
    context = selectors.session_context(
        user=request.user, course=course, outcome=outcome, zone=zone
    )
    return _render(request, context)


@login_required
@require_POST
def log_rate(request, log_id: int) -> HttpResponse:
    """The student's rating of a right answer; then the next question."""
    course = _course(request)
    try:
        services.review_rate(user=request.user, log_id=log_id, rating=request.POST.get("rating"))
    except ReviewLog.DoesNotExist:
        raise Http404("No such review.") from None
    except services.ReviewError as exc:
        return HttpResponseBadRequest(str(exc))
    url = reverse("review:session") + (f"?course={course.slug}" if course else "")
    return redirect(url)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminder(request) -> HttpResponse:
    """The daily reminder email: on or off, the hour, the student's time zone."""
    deck = selectors.deck_get(user=request.user)
    form = ReminderForm(request.POST or None, instance=deck)
    if request.method == "POST" and form.is_valid():
        services.reminder_save(user=request.user, **form.cleaned_data)
        messages.success(request, "Your reminder settings are saved.")
        return redirect("review:reminder")
    return render(request, "review/reminder.html", {"form": form, "deck": deck})
