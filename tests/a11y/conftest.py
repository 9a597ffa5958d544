"""The accessibility checks: the browser tests' Chromium and seed course, and axe-core run
with the WCAG 2.2 AA rule set (tests/e2e's `axe` fixture runs every rule; this one names the
standard it checks and returns what it found, for the sweep's table)."""

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import browser_type_launch_args, reader  # noqa: F401 (fixtures)

# WCAG 2.0, 2.1 and 2.2, levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_AXE = Axe()


def violations(page) -> list[dict]:
    """axe-core's violations on the settled page (no hover, no transition halfway)."""
    page.mouse.move(0, 0)
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return _AXE.run(page, options=options).response["violations"]


def wrong_response(parsed):
    """A wrong answer to a GIFT question, whatever its kind (None: leave it unanswered)."""
    from quizzes import gift

    match parsed.kind:
        case gift.Kind.MULTICHOICE:
            return next((i for i, a in enumerate(parsed.answers) if a.fraction <= 0), None)
        case gift.Kind.MULTIRESPONSE:
            return [next((i for i, a in enumerate(parsed.answers) if a.fraction <= 0), 0)]
        case gift.Kind.TRUEFALSE:
            return not parsed.correct
        case gift.Kind.NUMERICAL:
            return "987654"
        case gift.Kind.SHORTANSWER:
            return "nothing like it"
        case _:
            return None


def graded_with_misses(quiz, user):
    """A graded attempt at ``quiz`` with every question answered wrongly."""
    from quizzes.attempts import answer_save, attempt_start
    from quizzes.grading import attempt_grade
    from quizzes.models import Attempt

    attempt = attempt_start(quiz=quiz, user=user)
    for question in quiz.questions.filter(is_archived=False):
        response = wrong_response(question.as_gift())
        if response is not None:
            answer_save(attempt=attempt, question=question, response=response)
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    return attempt_grade(attempt_id=attempt.pk)
