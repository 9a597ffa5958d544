"""Staff pages of a course: gradebook (and its CSV exports), a student's detail, analytics,
quiz statistics, marking and enrolment. Staff only: anyone else gets a 403 (or the login
page), and no page here is linked for students."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.models import User
from config.htmx import HtmxHttpRequest, template_for
from courses.models import Course
from courses.selectors import course_get
from quizzes.models import Quiz
from review import selectors as review_selectors
from teaching import enrolment, exports, gradebook, marking, reports, students
from teaching.forms import EnrolForm, GradebookFilterForm, MarkForm


def staff_required(view):
    """Logged in (else the login page) and staff (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only a course's staff see this page.")
        return view(request, *args, **kwargs)

    return wrapped


def _course(course_slug: str) -> Course:
    return course_get(slug=course_slug, drafts=True)


def _is_safe(request: HtmxHttpRequest, target: str) -> bool:
    return url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _next_or(request: HtmxHttpRequest, default: str) -> str:
    """The posted ``next`` when it is a page of this site, else ``default``."""
    target = request.POST.get("next", "")
    return target if target and _is_safe(request, target) else default


def _csv(lines, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@staff_required
def index(request: HtmxHttpRequest) -> HttpResponse:
    courses = Course.objects.order_by("title")
    return render(request, "teaching/index.html", {"courses": courses})


@require_safe
@staff_required
@vary_on_headers("HX-Request")
def gradebook_page(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = _course(course_slug)
    form = GradebookFilterForm(request.GET)
    columns = gradebook.columns_for(course=course)
    query = form.query(quiz_ids=[quiz.pk for quiz in columns.quizzes])
    page, rows = gradebook.gradebook_page(
        course=course, columns=columns, query=query, page_number=request.GET.get("page", 1)
    )
    context = {
        "course": course,
        "form": form,
        "query": query,
        "columns": columns,
        "page": page,
        "rows": rows,
        "sorts": gradebook.SORTS,
        "sort_label": columns.sort_label(query.sort),
        "tab": "gradebook",
    }
    return render(request, template_for(request, "teaching/gradebook.html", "table"), context)


@require_safe
@staff_required
def gradebook_csv(request: HtmxHttpRequest, course_slug: str) -> StreamingHttpResponse:
    course = _course(course_slug)
    form = GradebookFilterForm(request.GET)
    columns = gradebook.columns_for(course=course)
    query = form.query(quiz_ids=[quiz.pk for quiz in columns.quizzes])
    lines = exports.csv_lines(exports.gradebook_rows(course=course, query=query))
    return _csv(lines, f"{course.slug}-gradebook")


@require_safe
@staff_required
def responses_csv(request: HtmxHttpRequest, course_slug: str) -> StreamingHttpResponse:
    course = _course(course_slug)
    lines = exports.csv_lines(exports.response_rows(course=course))
    return _csv(lines, f"{course.slug}-responses")


@require_safe
@staff_required
def student_detail(request: HtmxHttpRequest, course_slug: str, user_id: int) -> HttpResponse:
    course = _course(course_slug)
    detail = students.student_detail(course=course, user_id=user_id)
    context = {"course": course, "detail": detail, "tab": "gradebook"}
    return render(request, "teaching/student_detail.html", context)


@require_POST
@staff_required
def student_unenrol(request: HtmxHttpRequest, course_slug: str, user_id: int) -> HttpResponse:
    course = _course(course_slug)
    user = get_object_or_404(User, pk=user_id)
    if enrolment.student_unenrol(course=course, user=user):
        messages.success(request, f"{user.email} is unenrolled; their work is kept.")
    return redirect("teaching:student-detail", course_slug=course.slug, user_id=user.pk)


@require_POST
@staff_required
def student_enrol(request: HtmxHttpRequest, course_slug: str, user_id: int) -> HttpResponse:
    course = _course(course_slug)
    user = get_object_or_404(User, pk=user_id)
    enrolment.students_enrol(course=course, emails=[user.email], by=request.user)
    messages.success(request, f"{user.email} is enrolled again.")
    return redirect("teaching:student-detail", course_slug=course.slug, user_id=user.pk)


@require_safe
@staff_required
def analytics(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = _course(course_slug)
    quizzes = Quiz.objects.filter(course=course, is_archived=False).select_related("chapter")
    context = {
        "course": course,
        "report": reports.analytics_report(course=course),
        "review": review_selectors.course_figures(course=course),
        "quizzes": quizzes.order_by("chapter__position", "kind", "position"),
        "tab": "analytics",
    }
    return render(request, "teaching/analytics.html", context)


@require_safe
@staff_required
@vary_on_headers("HX-Request")
def quiz_statistics(request: HtmxHttpRequest, course_slug: str, quiz_id: int) -> HttpResponse:
    course = _course(course_slug)
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id, course=course)
    report = reports.quiz_report(quiz=quiz, which=request.GET.get("which", "first"))
    if request.htmx and not report.pending:
        # The poll of a page waiting for figures: they are in, reload it.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {"course": course, "quiz": quiz, "report": report, "tab": "analytics"}
    return render(
        request, template_for(request, "teaching/quiz_statistics.html", "status"), context
    )


@require_safe
@staff_required
def review_queue(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = _course(course_slug)
    waiting, items = marking.review_queue(course=course)
    context = {
        "course": course,
        "waiting": waiting,
        "items": items,
        "marked": marking.recently_marked(course=course),
        "tab": "marking",
    }
    return render(request, "teaching/review_queue.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def answer_mark(request: HtmxHttpRequest, course_slug: str, answer_id: int) -> HttpResponse:
    course = _course(course_slug)
    item = marking.marking_item(course=course, answer_id=answer_id)
    if item is None:
        raise Http404("No such answer on this course")
    initial = {"percent": item.percent, "comment": item.answer.comment}
    form = MarkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            marking.answer_mark(
                answer=item.answer,
                percent=form.cleaned_data["percent"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except marking.MarkError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Marked: {item.attempt.user.email}, {item.attempt.quiz}.")
            return redirect(_next_or(request, reverse("teaching:review-queue", args=[course.slug])))
    queue = reverse("teaching:review-queue", args=[course.slug])
    next_url = request.POST.get("next") or request.GET.get("next") or queue
    context = {
        "course": course,
        "item": item,
        "form": form,
        "next_url": next_url if _is_safe(request, next_url) else queue,
        "tab": "marking",
    }
    return render(request, "teaching/answer_mark.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def enrolment_page(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = _course(course_slug)
    form = EnrolForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = enrolment.students_enrol(
                course=course,
                emails=form.cleaned_data["email_list"],
                by=request.user,
                signup_url=request.build_absolute_uri(reverse("account_signup")),
            )
        except enrolment.EnrolmentError as exc:
            form.add_error(None, str(exc))
        else:
            form = EnrolForm()
    context = {
        "course": course,
        "form": form,
        "report": report,
        "invitations": enrolment.invitations_pending(course=course),
        "tab": "enrolment",
    }
    return render(request, "teaching/enrolment.html", context, status=400 if form.errors else 200)


@require_POST
@staff_required
def invitation_cancel(
    request: HtmxHttpRequest, course_slug: str, invitation_id: int
) -> HttpResponse:
    course = _course(course_slug)
    if enrolment.invitation_cancel(course=course, invitation_id=invitation_id):
        messages.success(request, "The invitation is withdrawn.")
    return redirect("teaching:enrolment", course_slug=course.slug)
