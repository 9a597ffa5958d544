"""Quiz pages. Every page works as plain forms; htmx adds autosave and polling for the score."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from config.htmx import HtmxHttpRequest
from quizzes import attempts, selectors
from quizzes.forms import responses_from_post
from quizzes.models import Attempt, Quiz
from quizzes.scoring import ResponseError


def _quiz_page(request, quiz: Quiz, *, error: str = "", status: int = 200) -> HttpResponse:
    context = selectors.quiz_page_context(quiz=quiz, user=request.user)
    return render(request, "quizzes/quiz_detail.html", {**context, "error": error}, status=status)


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
        attempt = attempts.attempt_start(quiz=quiz, user=request.user)
    except attempts.NotAChapterQuiz as exc:
        messages.info(request, str(exc))
        return redirect(f"{quiz.lesson.get_absolute_url()}#check-{quiz.pk}")
    except attempts.AttemptsExhausted as exc:
        return _quiz_page(request, quiz, error=str(exc), status=403)
    return redirect(attempt.get_absolute_url(), permanent=False)


def _status_context(attempt: Attempt, request: HtmxHttpRequest) -> dict:
    """What the "Scoring…" block or the result needs, for an attempt no longer in progress."""
    context: dict = {"attempt": attempt, "quiz": attempt.quiz, "course": attempt.quiz.course}
    if attempt.status == Attempt.Status.SUBMITTED:
        context["wait"] = selectors.scoring_wait(attempt=attempt)
        # The poller says when the student has been told scoring is delayed, so the live
        # region announces it once rather than on every poll.
        context["delay_told"] = request.GET.get("delay-told") == "1"
    elif attempt.status == Attempt.Status.GRADED:
        context.update(_result_context(attempt))
    return context


@login_required
@require_safe
@vary_on_headers("HX-Request")
def attempt_detail(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(
        attempt_id=attempt_id, user=request.user, drafts=request.user.is_staff
    )
    attempts.attempt_close_if_expired(attempt=attempt)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return render(request, "quizzes/attempt_detail.html", _form_context(attempt))
    if attempt.status == Attempt.Status.SUBMITTED:
        attempts.attempt_requeue_if_stuck(attempt=attempt)
    context = _status_context(attempt, request)
    if not (request.htmx and not request.htmx.history_restore_request):
        return render(request, "quizzes/attempt_detail.html", context)
    # A poll: the poller replaces itself (its interval grows); the live region is written
    # only when there is news (the score, or once that scoring is delayed), out of band.
    poll = render_to_string("quizzes/_poll.html", context, request)
    if attempt.status == Attempt.Status.GRADED:
        return HttpResponseStopPolling(poll)
    return HttpResponse(poll)


def _result_context(attempt: Attempt) -> dict:
    all_attempts = selectors.attempts_for_quiz(quiz=attempt.quiz, user=attempt.user)
    review = selectors.review_for(
        attempt=attempt,
        passed_before=any(a.passed for a in all_attempts),
        attempts_left=attempt.quiz.attempts_left(len(all_attempts)),
    )
    results = selectors.attempt_results(attempt=attempt, review=review)
    return {
        "results": results,
        "correct_count": sum(1 for r in results if r.outcome == "right"),
        "review": review,
        # Kept for templates that only ask "is anything shown": feedback is.
        "show_answers": review.feedback,
    }


def _not_saved(request: HtmxHttpRequest, message: str, *, status: int) -> HttpResponse:
    """An autosave that was refused: a fragment for the autosave status line (lectern.js
    swaps 400 and 409 answers into it), plain text otherwise."""
    if request.htmx:
        return render(
            request, "quizzes/attempt_detail.html#autosave", {"error": message}, status=status
        )
    return (
        HttpResponseBadRequest(message) if status == 400 else HttpResponse(message, status=status)
    )


def _refused(request: HtmxHttpRequest, attempt: Attempt, message: str) -> HttpResponse:
    """409 for answers the attempt no longer takes; htmx is sent to the attempt's page."""
    if request.htmx:
        response = _not_saved(request, f"Not saved: {message}", status=409)
        response["HX-Redirect"] = attempt.get_absolute_url()
        return response
    return render(
        request,
        "quizzes/attempt_refused.html",
        {"attempt": attempt, "message": message},
        status=409,
    )


@login_required
@require_POST
def attempt_save(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """The whole form, saved (the no-JavaScript "Save answers" button)."""
    attempt = selectors.attempt_get(
        attempt_id=attempt_id, user=request.user, drafts=request.user.is_staff
    )
    try:
        responses = responses_from_post(attempt=attempt, data=request.POST)
        attempts.answers_save(attempt=attempt, responses=responses)
    except ResponseError as exc:
        return HttpResponseBadRequest(f"Invalid answer: {exc}")
    except attempts.AttemptClosed as exc:
        return _refused(request, attempt, str(exc))
    messages.success(request, "Your answers are saved.")
    return redirect(attempt.get_absolute_url())


@login_required
@require_POST
@vary_on_headers("HX-Request")
def answer_save(request: HtmxHttpRequest, attempt_id: int, question_id: int) -> HttpResponse:
    """Autosave of one question (htmx, on change)."""
    attempt = selectors.attempt_get(
        attempt_id=attempt_id, user=request.user, drafts=request.user.is_staff
    )
    try:
        responses = responses_from_post(attempt=attempt, data=request.POST, only=question_id)
        attempts.answers_save(attempt=attempt, responses=responses)
    except ResponseError as exc:
        return _not_saved(
            request,
            f"Not saved: that answer does not fit the question ({exc}). "
            "Your other answers are safe.",
            status=400,
        )
    except attempts.AttemptClosed as exc:
        return _refused(request, attempt, str(exc))
    if not request.htmx:
        return redirect(attempt.get_absolute_url())
    answer = selectors.answer_get(attempt=attempt, question_id=question_id)
    return render(request, "quizzes/attempt_detail.html#autosave", {"answer": answer})


@login_required
@require_POST
def attempt_submit(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """Save what the form holds, then submit. A second submit only shows the attempt.

    With questions left unanswered the answers are saved and the form comes back asking
    to confirm ("Submit anyway", `confirm=1`): an unanswered question scores nothing.
    """
    attempt = selectors.attempt_get(
        attempt_id=attempt_id, user=request.user, drafts=request.user.is_staff
    )
    if attempt.status == Attempt.Status.IN_PROGRESS:
        try:
            responses = responses_from_post(attempt=attempt, data=request.POST)
            attempts.answers_save(attempt=attempt, responses=responses)
        except ResponseError as exc:
            return HttpResponseBadRequest(f"Invalid answer: {exc}")
        except attempts.AttemptClosed:
            pass  # past the deadline: submitted with what was saved in time
        else:
            context = _form_context(attempt)
            unanswered = [q for q in context["questions"] if not q.answered]
            if unanswered and not request.POST.get("confirm"):
                context["unanswered"] = unanswered
                return render(request, "quizzes/attempt_detail.html", context)
        attempts.attempt_submit(attempt=attempt)
    return redirect(attempt.get_absolute_url())


def _form_context(attempt: Attempt) -> dict:
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "course": attempt.quiz.course,
        "questions": selectors.attempt_form(attempt=attempt),
    }


@login_required
@require_POST
@vary_on_headers("HX-Request")
def check_submit(request: HtmxHttpRequest, quiz_id: int) -> HttpResponse:
    """A knowledge check answered on the lesson page, in one post."""
    quiz = selectors.quiz_get(quiz_id=quiz_id, user=request.user)
    try:
        attempt = attempts.check_submit(
            quiz=quiz,
            user=request.user,
            read_responses=partial(responses_from_post, data=request.POST),
        )
    except attempts.NotAKnowledgeCheck as exc:
        return HttpResponseBadRequest(str(exc))
    except ResponseError as exc:
        return HttpResponseBadRequest(f"Invalid answer: {exc}")
    except attempts.AttemptsExhausted as exc:
        if request.htmx:
            # A fragment in place of the form: htmx does not swap a 403 page.
            return render(request, "quizzes/_check_refused.html", {"quiz": quiz, "message": exc})
        return _quiz_page(request, quiz, error=str(exc), status=403)
    if not request.htmx:
        return redirect(attempt.get_absolute_url())
    attempt.refresh_from_db()
    context = _status_context(attempt, request)
    # In the check's <section> (its title is the h2); focus moves to it after the swap.
    context.update(heading_level=3, focus_result=True, news_region=f"check-{quiz.pk}-live")
    return render(request, "quizzes/_status.html", context)
