"""Quiz pages. Every page works as plain forms; htmx adds autosave and polling for the score."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from config.htmx import HtmxHttpRequest, template_for
from quizzes import selectors, services
from quizzes.forms import posted_question_ids, response_from_post
from quizzes.models import Attempt, Question, QuizKind
from quizzes.scoring import ResponseError


def _quiz_page(request, quiz, *, error: str = "", status: int = 200) -> HttpResponse:
    attempts = selectors.attempts_for_quiz(quiz=quiz, user=request.user)
    used = len(attempts)
    context = {
        "quiz": quiz,
        "course": quiz.course,
        "chapter": quiz.chapter,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
        "attempts_left": services.attempts_left(quiz=quiz, used=used),
        "question_count": quiz.questions.filter(is_archived=False)
        .exclude(kind="description")
        .count(),
        "error": error,
    }
    return render(request, "quizzes/quiz_detail.html", context, status=status)


@login_required
@require_safe
def quiz_detail(request: HtmxHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = selectors.quiz_get(quiz_id=quiz_id, user=request.user)
    return _quiz_page(request, quiz)


@login_required
@require_POST
def attempt_start(request: HtmxHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = selectors.quiz_get(quiz_id=quiz_id, user=request.user)
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.AttemptsExhausted as exc:
        return _quiz_page(request, quiz, error=str(exc), status=403)
    return redirect(attempt.get_absolute_url(), permanent=False)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def attempt_detail(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(attempt_id=attempt_id, user=request.user)
    services.attempt_close_if_expired(attempt=attempt)
    context = {"attempt": attempt, "quiz": attempt.quiz, "course": attempt.quiz.course}
    if attempt.status == Attempt.Status.IN_PROGRESS:
        context["questions"] = selectors.attempt_form(attempt=attempt)
        return render(request, "quizzes/attempt_detail.html", context)
    if attempt.status == Attempt.Status.SUBMITTED:
        services.attempt_requeue_if_stuck(attempt=attempt)
    else:
        context.update(_result_context(attempt))
    template = template_for(request, "quizzes/attempt_detail.html", "status")
    if request.htmx and attempt.status == Attempt.Status.GRADED:
        # The poller's last answer: htmx swaps it in and stops polling.
        return HttpResponseStopPolling(render_to_string(template, context, request))
    return render(request, template, context)


def _result_context(attempt: Attempt) -> dict:
    results = selectors.attempt_results(attempt=attempt)
    passed_before = any(
        a.passed for a in selectors.attempts_for_quiz(quiz=attempt.quiz, user=attempt.user)
    )
    return {
        "results": results,
        "correct_count": sum(1 for r in results if r.outcome == "right"),
        "show_answers": selectors.answers_visible(attempt=attempt, passed_before=passed_before),
    }


def _refused(request: HtmxHttpRequest, attempt: Attempt, message: str) -> HttpResponse:
    """409 for answers the attempt no longer takes; htmx is sent to the attempt's page."""
    response = render(
        request,
        "quizzes/attempt_refused.html",
        {"attempt": attempt, "message": message},
        status=409,
    )
    if request.htmx:
        response["HX-Redirect"] = attempt.get_absolute_url()
    return response


def _responses(request, attempt: Attempt) -> dict[Question, object]:
    """Every response in the posted form; ResponseError if a field names a foreign question."""
    questions = {q.pk: q for q in selectors.attempt_questions(attempt=attempt)}
    posted = posted_question_ids(request.POST)
    if not posted <= questions.keys():
        raise ResponseError("the form names questions that are not part of this attempt")
    return {
        questions[pk]: response_from_post(
            question=questions[pk], attempt=attempt, data=request.POST
        )
        for pk in sorted(posted)
    }


@login_required
@require_POST
def attempt_save(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """The whole form, saved (the no-JavaScript "Save answers" button)."""
    attempt = selectors.attempt_get(attempt_id=attempt_id, user=request.user)
    try:
        services.answers_save(attempt=attempt, responses=_responses(request, attempt))
    except ResponseError as exc:
        return HttpResponseBadRequest(f"Invalid answer: {exc}")
    except services.AttemptClosed as exc:
        return _refused(request, attempt, str(exc))
    messages.success(request, "Your answers are saved.")
    return redirect(attempt.get_absolute_url())


@login_required
@require_POST
@vary_on_headers("HX-Request")
def answer_save(request: HtmxHttpRequest, attempt_id: int, question_id: int) -> HttpResponse:
    """Autosave of one question (htmx, on change)."""
    attempt = selectors.attempt_get(attempt_id=attempt_id, user=request.user)
    question = Question.objects.filter(pk=question_id).first()
    try:
        if question is None:
            raise ResponseError("no such question")
        response = response_from_post(question=question, attempt=attempt, data=request.POST)
        answer = services.answer_save(attempt=attempt, question=question, response=response)
    except ResponseError as exc:
        return HttpResponseBadRequest(f"Invalid answer: {exc}")
    except services.AttemptClosed as exc:
        return _refused(request, attempt, str(exc))
    if not request.htmx:
        return redirect(attempt.get_absolute_url())
    return render(request, "quizzes/attempt_detail.html#autosave", {"answer": answer})


@login_required
@require_POST
def attempt_submit(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """Save what the form holds, then submit. A second submit only shows the attempt."""
    attempt = selectors.attempt_get(attempt_id=attempt_id, user=request.user)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        try:
            services.answers_save(attempt=attempt, responses=_responses(request, attempt))
        except ResponseError as exc:
            return HttpResponseBadRequest(f"Invalid answer: {exc}")
        except services.AttemptClosed:
            pass  # past the deadline: submitted with what was saved in time
        services.attempt_submit(attempt=attempt)
    return redirect(attempt.get_absolute_url())


@login_required
@require_POST
@vary_on_headers("HX-Request")
def check_submit(request: HtmxHttpRequest, quiz_id: int) -> HttpResponse:
    """A knowledge check answered on the lesson page, in one post."""
    quiz = selectors.quiz_get(quiz_id=quiz_id, user=request.user)
    if quiz.kind != QuizKind.INLINE:
        return HttpResponseBadRequest("Not a knowledge check")
    questions = {
        q.pk: q for q in quiz.questions.filter(is_archived=False).exclude(kind="description")
    }
    try:
        if not posted_question_ids(request.POST) <= questions.keys():
            raise ResponseError("the form names questions that are not part of this check")
        responses = {
            pk: response_from_post(question=q, attempt=None, data=request.POST)
            for pk, q in questions.items()
        }
        attempt = services.check_submit(quiz=quiz, user=request.user, responses=responses)
    except ResponseError as exc:
        return HttpResponseBadRequest(f"Invalid answer: {exc}")
    except services.AttemptsExhausted as exc:
        return _quiz_page(request, quiz, error=str(exc), status=403)
    if not request.htmx:
        return redirect(attempt.get_absolute_url())
    attempt.refresh_from_db()
    context = {"attempt": attempt, "quiz": quiz, "course": quiz.course}
    if attempt.status == Attempt.Status.GRADED:  # eager Celery graded it already
        context.update(_result_context(attempt))
    return render(request, "quizzes/attempt_detail.html#status", context)
