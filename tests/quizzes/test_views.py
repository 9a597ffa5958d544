"""Quiz pages through the test client: access, HTMX, forms without JavaScript, query counts."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from quizzes.attempts import attempt_start
from quizzes.models import Answer, Attempt, Question, Quiz
from quizzes.shuffle import choice_order

HX = {"HTTP_HX_REQUEST": "true"}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def _q(key: str) -> Question:
    return Question.objects.get(quiz__key="basics", key=key)


def _value(attempt: Attempt, question: Question, text: str) -> str:
    """The form value (display position) of the answer or matching choice with this text."""
    parsed = attempt.gift_question(question)
    texts = list(parsed.choices) if parsed.kind == "matching" else [a.text for a in parsed.answers]
    order = choice_order(
        seed=attempt.seed,
        question_id=question.pk,
        parsed=parsed,
        shuffle=attempt.quiz.shuffle_choices,
    )
    return str(order.index(texts.index(text)))


def _right_answers(attempt: Attempt) -> dict:
    return {
        f"q{_q('Pick').pk}": _value(attempt, _q("Pick"), "EC2"),
        f"q{_q('Many').pk}": [
            _value(attempt, _q("Many"), "S3"),
            _value(attempt, _q("Many"), "EBS"),
        ],
        f"q{_q('TF').pk}": "true",
        f"q{_q('Short').pk}": "Elastic Compute Cloud",
        f"q{_q('Num').pk}": "3",
        f"q{_q('Match').pk}-0": _value(attempt, _q("Match"), "22"),
        f"q{_q('Match').pk}-1": _value(attempt, _q("Match"), "443"),
    }


@pytest.fixture
def attempt(basics_quiz, student) -> Attempt:
    return attempt_start(quiz=basics_quiz, user=student.user)


# --- access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_everywhere(anonymous: Client, attempt, basics_quiz):
    q = _q("TF")
    for method, url in [
        ("get", f"/quizzes/{basics_quiz.pk}/"),
        ("post", f"/quizzes/{basics_quiz.pk}/attempts/"),
        ("get", f"/attempts/{attempt.pk}/"),
        ("post", f"/attempts/{attempt.pk}/answers/"),
        ("post", f"/attempts/{attempt.pk}/answers/{q.pk}/"),
        ("post", f"/attempts/{attempt.pk}/submit/"),
    ]:
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_another_students_attempt_is_a_404_everywhere(
    other_student: Client, student: Client, attempt, committed
):
    q = _q("TF")
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {f"q{q.pk}": "true", "confirm": "1"})
    assert Attempt.objects.get(pk=attempt.pk).status == "graded"  # the result page
    for method, url in [
        ("get", f"/attempts/{attempt.pk}/"),
        ("post", f"/attempts/{attempt.pk}/answers/"),
        ("post", f"/attempts/{attempt.pk}/answers/{q.pk}/"),
        ("post", f"/attempts/{attempt.pk}/submit/"),
    ]:
        response = getattr(other_student, method)(url, {f"q{q.pk}": "false"})
        assert response.status_code == 404, url
    assert Answer.objects.get(attempt=attempt).response is True


def test_quiz_page_lists_only_the_students_own_attempts(
    student: Client, other_student: Client, basics_quiz, attempt
):
    mine = _soup(student.get(f"/quizzes/{basics_quiz.pk}/"))
    theirs = _soup(other_student.get(f"/quizzes/{basics_quiz.pk}/"))

    assert mine.find("a", href=f"/attempts/{attempt.pk}/") is not None
    assert theirs.find("a", href=f"/attempts/{attempt.pk}/") is None


def test_max_attempts_is_enforced_by_the_start_button(student: Client, basics_quiz, committed):
    for _ in range(2):
        response = student.post(f"/quizzes/{basics_quiz.pk}/attempts/")
        with committed():
            student.post(response["Location"] + "submit/", {"confirm": "1"})

    response = student.post(f"/quizzes/{basics_quiz.pk}/attempts/")

    assert response.status_code == 403
    assert Attempt.objects.filter(quiz=basics_quiz).count() == 2
    assert "attempts" in _soup(response).select_one("[role=alert]").get_text()


def test_a_choice_from_another_question_is_rejected_and_saves_nothing(student: Client, attempt):
    pick, many = _q("Pick"), _q("Many")
    # "Many" has 3 choices; 3 is a position only a bigger question has; "x" is no position.
    for value in ("3", "-1", "x"):
        response = student.post(
            f"/attempts/{attempt.pk}/answers/{many.pk}/", {f"q{many.pk}": value}, **HX
        )
        assert response.status_code == 400
    # A field of another question posted to this question's whole-form save.
    response = student.post(f"/attempts/{attempt.pk}/answers/", {"q999999": "0"})
    assert response.status_code == 400
    response = student.post(f"/attempts/{attempt.pk}/answers/{pick.pk}/", {f"q{pick.pk}-1": "0"})
    assert response.status_code == 400
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_a_question_of_another_quiz_is_rejected(student: Client, attempt):
    check_question = Question.objects.get(quiz__kind=Quiz.Kind.CHECK)
    url = f"/attempts/{attempt.pk}/answers/{check_question.pk}/"

    response = student.post(url, {f"q{check_question.pk}": "true"}, **HX)

    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_double_submit_yields_one_graded_attempt(student: Client, attempt, committed):
    with committed():
        first = student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))
        second = student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))

    assert first.status_code == second.status_code == 302
    assert Attempt.objects.filter(user=student.user).count() == 1
    assert Attempt.objects.get(pk=attempt.pk).status == "graded"


def test_answers_after_the_deadline_are_refused(student: Client, attempt, committed):
    tf = _q("TF")
    student.post(f"/attempts/{attempt.pk}/answers/{tf.pk}/", {f"q{tf.pk}": "true"}, **HX)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    pick = _q("Pick")

    with committed():
        response = student.post(
            f"/attempts/{attempt.pk}/answers/{pick.pk}/", {f"q{pick.pk}": "0"}, **HX
        )

    assert response.status_code == 409
    assert response["HX-Redirect"] == f"/attempts/{attempt.pk}/"
    assert list(Answer.objects.values_list("question_id", flat=True)) == [tf.pk]
    assert Attempt.objects.get(pk=attempt.pk).status == "graded"


def test_a_submitted_attempt_cannot_be_edited(student: Client, attempt, committed):
    tf = _q("TF")
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {f"q{tf.pk}": "true", "confirm": "1"})

    autosave = student.post(f"/attempts/{attempt.pk}/answers/{tf.pk}/", {f"q{tf.pk}": "false"})
    whole = student.post(f"/attempts/{attempt.pk}/answers/", {f"q{tf.pk}": "false"})
    resubmit = student.post(f"/attempts/{attempt.pk}/submit/", {f"q{tf.pk}": "false"})

    assert (autosave.status_code, whole.status_code, resubmit.status_code) == (409, 409, 302)
    assert Answer.objects.get(attempt=attempt).response is True


# --- the page before submission ----------------------------------------------------------------


def test_the_attempt_page_holds_no_answer_key_or_feedback(student: Client, attempt):
    page = _soup(student.get(f"/attempts/{attempt.pk}/"))
    html = str(page)

    for question in Question.objects.filter(quiz=attempt.quiz):
        parsed = question.as_gift()
        for answer in parsed.answers:
            if answer.feedback:
                assert answer.feedback not in html
            if answer.match and parsed.kind == "matching":
                # Matches are offered as choices, never paired with their stem.
                assert page.find("option", string=answer.match) is not None
        if parsed.kind == "shortanswer":
            assert "Elastic Compute Cloud" not in page.get_text()
    for tag in page.find_all(True):
        for name in tag.attrs:
            assert "fraction" not in name and "correct" not in name and "answer" not in name
    # Every input is labelled and grouped by question.
    for field in page.select("form.quiz-form input:not([type=hidden]), form.quiz-form select"):
        assert page.find("label", attrs={"for": field["id"]}) is not None
        assert field.find_parent("fieldset").find("legend") is not None
    values = [i["value"] for i in page.select(f"input[name=q{_q('Pick').pk}]")]
    assert sorted(values) == ["0", "1", "2"]


def test_autosaved_answers_come_back_on_reload(student: Client, attempt):
    answers = _right_answers(attempt)
    by_question: dict[str, dict] = {}
    for name, value in answers.items():
        by_question.setdefault(name[1:].split("-")[0], {})[name] = value
    for question_pk, fields in by_question.items():
        # As htmx posts it: every field of the question (of the whole form, in fact).
        response = student.post(f"/attempts/{attempt.pk}/answers/{question_pk}/", fields, **HX)
        assert response.status_code == 200
        assert "Saved at" in _soup(response).get_text()
        assert "HX-Request" in response["Vary"]

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))

    for name, value in answers.items():
        if name.endswith(("-0", "-1")):
            assert page.select_one(f"select[name={name}] option[selected]")["value"] == value
        elif isinstance(value, list):
            checked = {i["value"] for i in page.select(f"input[name={name}][checked]")}
            assert checked == set(value)
        elif page.select_one(f"input[name={name}][type=text]") is not None:
            assert page.select_one(f"input[name={name}]")["value"] == value
        else:
            assert page.select_one(f"input[name={name}][checked]")["value"] == value


def test_attempt_page_query_count_is_constant(student: Client, attempt, django_assert_num_queries):
    # session + user, attempt with quiz, questions, saved answers
    with django_assert_num_queries(5):
        student.get(f"/attempts/{attempt.pk}/")


# --- without JavaScript, and scoring ---------------------------------------------------------


def test_without_javascript_save_then_submit_shows_the_score(student: Client, attempt, committed):
    saved = student.post(f"/attempts/{attempt.pk}/answers/", _right_answers(attempt))
    assert saved.status_code == 302
    assert Answer.objects.filter(attempt=attempt).count() == 6

    with committed():
        submitted = student.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})
    page = _soup(student.get(submitted["Location"]))

    assert "100\xa0%" in page.select_one(".attempt-result__score").get_text()
    assert page.find("meta", attrs={"http-equiv": "refresh"}) is None
    results = page.select(".result")
    assert len(results) == 6
    assert "Right: virtual machines." in page.get_text()


def test_scoring_page_polls_and_stops_with_286_once_graded(
    student: Client, attempt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))

    full = student.get(f"/attempts/{attempt.pk}/")
    poll = student.get(f"/attempts/{attempt.pk}/", **HX)

    assert full.status_code == poll.status_code == 200
    assert _soup(full).find("html") is not None and _soup(poll).find("html") is None
    poller = _soup(poll).select_one("[data-hx-trigger]")
    assert poller["data-hx-trigger"] == "every 1s"
    assert _soup(full).find("a", href=f"/attempts/{attempt.pk}/") is not None  # no-JS reload
    assert "HX-Request" in poll["Vary"]

    from quizzes.grading import attempt_grade

    attempt_grade(attempt_id=attempt.pk)
    done = student.get(f"/attempts/{attempt.pk}/", **HX)
    assert done.status_code == 286
    assert "100\xa0%" in _soup(done).get_text()


def test_results_link_back_to_the_lesson_a_question_is_about(student: Client, attempt, committed):
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"})  # all wrong

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))

    links = [a["href"] for a in page.select(".result__review-link a")]
    assert "/courses/tiny/basics/first-lesson/" in links  # $CATEGORY: first-lesson
    assert "/courses/tiny/basics/" in links  # the rest: the chapter


# --- course pages ----------------------------------------------------------------------------


def test_lesson_page_shows_the_knowledge_check_where_the_fence_was(student: Client, tiny):
    page = _soup(student.get("/courses/tiny/basics/first-lesson/"))

    prose = page.select_one(".prose")
    check = prose.select_one("section.knowledge-check")
    assert check is not None
    assert check.find_previous_sibling("p").get_text() == "Some text about clouds."
    assert (
        check.find("legend")
        .get_text(" ", strip=True)
        .endswith("A region is a cluster of data centers.")
    )
    assert "knowledge-check" not in str(prose.find("div", attrs={"data-check": True}) or "")


def test_knowledge_check_with_htmx_answers_in_place_and_without_redirects(
    student: Client, tiny, committed
):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    question = check.questions.get()

    with committed():
        fragment = student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"}, **HX)
        plain = student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "false"})

    assert fragment.status_code == 200
    assert _soup(fragment).find("html") is None
    poller = _soup(fragment).select_one("[data-hx-trigger]")  # scored on commit: the poller first
    assert poller["data-hx-trigger"] == "every 1s"
    assert "HX-Request" in fragment["Vary"]
    result = student.get(poller["data-hx-get"], **HX)
    assert result.status_code == 286
    assert "100\xa0%" in _soup(result).get_text()
    assert plain.status_code == 302
    assert Attempt.objects.filter(quiz=check).count() == 2


def test_course_outline_shows_the_chapter_quiz_and_the_students_result(
    student: Client, attempt, committed
):
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))

    page = _soup(student.get("/courses/tiny/"))

    [quiz_line] = page.select(".outline__quiz")
    assert quiz_line.find_parent("li", class_="outline__chapter").h3.get_text(strip=True) == (
        "Basics"
    )
    assert "Passed" in quiz_line.get_text()


def test_last_lesson_of_a_chapter_invites_to_the_chapter_quiz(student: Client, tiny):
    last = _soup(student.get("/courses/tiny/basics/second-lesson/"))
    first = _soup(student.get("/courses/tiny/basics/first-lesson/"))

    assert last.select_one(".chapter-quiz-cta a.button")["href"].startswith("/quizzes/")
    assert first.select_one(".chapter-quiz-cta") is None


# --- knowledge checks: shuffled per student, thin posts, refusals ------------------------------

CHECK_GIFT = """\
::Which:: Which service runs virtual machines? {
=EC2 #Right.
~S3 #Storage.
~IAM #Identity.
~Route 53 #DNS.
}
"""


@pytest.fixture
def mc_check(tiny, tiny_dir):
    """A knowledge check from a file, with the right answer written first."""
    from courses.services import course_import

    (tiny_dir / "quizzes" / "basics").mkdir()
    (tiny_dir / "quizzes" / "basics" / "second-lesson.gift").write_text(CHECK_GIFT)
    course_import(course_dir=tiny_dir)
    return Quiz.objects.get(key="basics/second-lesson")


def _check_labels(client: Client, quiz: Quiz) -> list[tuple[str, str]]:
    page = _soup(client.get("/courses/tiny/basics/second-lesson/"))
    section = page.select_one(f"#check-{quiz.pk}")
    return [
        (radio["value"], section.find("label", attrs={"for": radio["id"]}).get_text())
        for radio in section.select("input[type=radio]")
    ]


def test_knowledge_check_choices_are_shuffled_per_student_and_read_back_in_that_order(
    mc_check, committed
):
    from tests.factories import UserFactory

    orders = []
    for n in range(8):
        client = Client()
        client.force_login(UserFactory(email=f"learner{n}@example.com"))
        labels = _check_labels(client, mc_check)
        assert _check_labels(client, mc_check) == labels  # stable across reloads
        orders.append([text for _, text in labels])
        value = next(value for value, text in labels if text == "EC2")
        question = mc_check.questions.get()
        with committed():
            client.post(f"/quizzes/{mc_check.pk}/check/", {f"q{question.pk}": value})
        assert (
            Attempt.objects.get(quiz=mc_check, user__email=f"learner{n}@example.com").score == 100
        )
    assert len({order[0] for order in orders}) > 1  # the right answer is not always first


def test_matching_choices_are_shuffled_even_when_the_quiz_does_not_shuffle_choices(basics_quiz):
    from quizzes.shuffle import choice_order

    parsed = _q("Match").as_gift()
    orders = {
        tuple(choice_order(seed=seed, question_id=1, parsed=parsed, shuffle=False))
        for seed in range(20)
    }
    pick = {
        tuple(choice_order(seed=seed, question_id=1, parsed=_q("Pick").as_gift(), shuffle=False))
        for seed in range(20)
    }
    assert len(orders) > 1
    assert pick == {(0, 1, 2)}


def test_starting_an_attempt_at_a_knowledge_check_is_refused(student: Client, tiny):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)

    response = student.post(f"/quizzes/{check.pk}/attempts/")

    assert response.status_code == 302
    assert response["Location"] == f"/courses/tiny/basics/first-lesson/#check-{check.pk}"
    assert not Attempt.objects.filter(quiz=check).exists()


def test_check_my_answers_after_a_reimport_added_a_question(
    student: Client, tiny, tiny_dir, committed
):
    from courses.services import course_import
    from quizzes.attempts import _attempt_open

    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    stale, _ = _attempt_open(quiz=check, user=student.user)  # left open by an older version
    notes = tiny_dir / "notes.md"
    notes.write_text(
        notes.read_text().replace(
            "{T}\n```", "{T}\n\n::Check two:: An AZ is one or more data centers. {T}\n```"
        )
    )
    course_import(course_dir=tiny_dir)
    one, two = check.questions.order_by("position")

    with committed():
        response = student.post(
            f"/quizzes/{check.pk}/check/", {f"q{one.pk}": "true", f"q{two.pk}": "true"}, **HX
        )

    assert response.status_code == 200
    stale.refresh_from_db()
    assert stale.question_ids == [one.pk, two.pk]
    assert (stale.status, stale.score) == ("graded", 100)


def test_a_knowledge_check_out_of_attempts_answers_htmx_with_a_fragment(
    student: Client, tiny, committed
):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    Quiz.objects.filter(pk=check.pk).update(max_attempts=1)
    question = check.questions.get()
    with committed():
        student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"}, **HX)

    response = student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"}, **HX)

    assert response.status_code == 200  # htmx swaps it in place of the form
    fragment = _soup(response)
    assert fragment.find("html") is None
    assert "attempts" in fragment.select_one("[role=alert]").get_text()
    assert Attempt.objects.filter(quiz=check).count() == 1


def test_after_check_my_answers_focus_goes_to_the_result_heading(student: Client, tiny):
    check = Quiz.objects.get(kind=Quiz.Kind.CHECK)
    question = check.questions.get()

    fragment = _soup(student.post(f"/quizzes/{check.pk}/check/", {f"q{question.pk}": "true"}, **HX))

    heading = fragment.select_one("[data-focus-after-swap]")
    assert heading.name == "h3" and heading["tabindex"] == "-1"  # under the check's h2
    assert heading.get_text(strip=True) == "Your result"


# --- waiting for the scorer: re-queues, back-off, a static live region ------------------------


def _submit_unscored(student: Client, attempt: Attempt, capture) -> None:
    with capture(execute=False):  # no broker: queued, never run
        student.post(f"/attempts/{attempt.pk}/submit/", _right_answers(attempt))


def test_polling_requeues_scoring_at_most_once_per_interval(
    student: Client, attempt, django_capture_on_commit_callbacks
):
    _submit_unscored(student, attempt, django_capture_on_commit_callbacks)
    Attempt.objects.filter(pk=attempt.pk).update(
        grade_enqueued_at=timezone.now() - timedelta(seconds=31)
    )

    with django_capture_on_commit_callbacks(execute=False) as queued:
        for _ in range(10):
            assert student.get(f"/attempts/{attempt.pk}/", **HX).status_code == 200

    assert len(queued) == 1


def test_a_late_submission_is_not_requeued_at_once(
    student: Client, attempt, django_capture_on_commit_callbacks
):
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as submitted:
        student.get(f"/attempts/{attempt.pk}/")  # closes the attempt: submitted "at" the deadline
    assert len(submitted) == 1

    with django_capture_on_commit_callbacks(execute=False) as queued:
        for _ in range(3):
            student.get(f"/attempts/{attempt.pk}/", **HX)

    assert queued == []


def test_scoring_page_keeps_its_live_region_and_polls_from_outside_it(
    student: Client, attempt, django_capture_on_commit_callbacks
):
    _submit_unscored(student, attempt, django_capture_on_commit_callbacks)

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))
    poll = _soup(student.get(f"/attempts/{attempt.pk}/", **HX))

    # The live region is there before any news, empty, and holds no poller and no result.
    live = page.select_one(f"#attempt-{attempt.pk}-live")
    assert live["role"] == "status" and live.get_text(strip=True) == ""
    assert "Scoring…" in page.select_one(f"#attempt-{attempt.pk}-result").get_text()
    poller = page.select_one("[data-hx-trigger]")
    assert poller.find_parent(attrs={"role": "status"}) is None
    # The poll replaces only the poller: nothing for the live region to announce again.
    assert poll.select_one("[data-hx-trigger]")["id"] == poller["id"]
    assert poll.select("[aria-live], [role=status], [data-hx-swap-oob]") == []


def test_scoring_delayed_is_said_once_and_polling_backs_off(
    student: Client, attempt, django_capture_on_commit_callbacks
):
    _submit_unscored(student, attempt, django_capture_on_commit_callbacks)
    Attempt.objects.filter(pk=attempt.pk).update(
        scoring_requested_at=timezone.now() - timedelta(seconds=25)
    )

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))
    first_news = _soup(student.get(f"/attempts/{attempt.pk}/", **HX))
    poller = first_news.select_one("[data-hx-trigger]")
    again = _soup(student.get(poller["data-hx-get"], **HX))

    assert "answers are saved and safe" in page.select_one(".attempt-live").get_text()
    assert page.select_one("[data-hx-trigger]")["data-hx-trigger"] == "every 3s"
    # One short sentence for the live region, and the longer note beside the result.
    news = first_news.select_one(f'[data-hx-swap-oob="innerHTML:#attempt-{attempt.pk}-live"]')
    assert news.get_text(strip=True) == (
        "Scoring is taking longer than usual; your answers are safe."
    )
    assert (
        "answers are saved and safe"
        in first_news.select_one("[data-hx-swap-oob=innerHTML]").get_text()
    )
    assert poller["data-hx-get"].endswith("?delay-told=1")
    assert again.select("[data-hx-swap-oob]") == []  # told once
    Attempt.objects.filter(pk=attempt.pk).update(
        scoring_requested_at=timezone.now() - timedelta(minutes=10)
    )
    assert (
        _soup(student.get(f"/attempts/{attempt.pk}/", **HX)).select_one("[data-hx-trigger]")[
            "data-hx-trigger"
        ]
        == "every 30s"
    )


def test_an_autosave_that_does_not_fit_answers_with_a_fragment_for_the_status_line(
    student: Client, attempt
):
    many = _q("Many")

    response = student.post(
        f"/attempts/{attempt.pk}/answers/{many.pk}/", {f"q{many.pk}": "9"}, **HX
    )

    assert response.status_code == 400
    assert _soup(response).find("html") is None
    assert "Not saved" in _soup(response).get_text()
    assert "other answers are safe" in _soup(response).get_text()


# --- what the result page may tell --------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "passed", "feedback", "right_answers"),
    [
        ("never", True, False, False),
        ("once-passed", False, True, False),
        ("once-passed", True, True, True),
        ("once-passed-or-done", False, True, False),
        ("once-passed-or-done", True, True, True),
        ("after-each-attempt", False, True, True),
    ],
)
def test_show_answers_policy_decides_what_the_result_page_reveals(
    student: Client, attempt, committed, policy, passed, feedback, right_answers
):
    Quiz.objects.filter(pk=attempt.quiz_id).update(show_answers=policy)
    answers = _right_answers(attempt)
    wrong_pick = _value(attempt, _q("Pick"), "IAM")
    if not passed:
        answers = {f"q{_q('Pick').pk}": wrong_pick}  # 1 of 6 answered, and wrong: fails
    else:
        answers[f"q{_q('Pick').pk}"] = wrong_pick  # 5 of 6 right: passes
    with committed():
        student.post(f"/attempts/{attempt.pk}/submit/", {**answers, "confirm": "1"})

    page = _soup(student.get(f"/attempts/{attempt.pk}/"))

    first = page.select(".result")[0]
    text = first.get_text(" ", strip=True)
    assert "Your answer: IAM" in text
    # Feedback on the answer chosen, and whether it was right.
    assert ("No: identity." in text) is feedback
    assert (first.select_one(".badge") is not None) is feedback
    assert ("Correct answer: EC2" in text) is right_answers
