"""The review deck (review.services, review.selectors): what enters it and when, reviewing a
card with a frozen clock, idempotent answers and ratings, and what review never touches."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone

from courses.models import Enrollment
from courses.services import course_import
from quizzes.attempts import answer_save, attempt_start, check_submit
from quizzes.grading import attempt_grade
from quizzes.models import Attempt, Question, Quiz
from quizzes.shuffle import choice_order
from review import scheduling
from review.models import Card, ReviewLog
from review.selectors import due_cards, due_count
from review.services import ReviewError, deck_sync, review_answer, review_rate
from tests.factories import UserFactory

RIGHT = {"Pick": 0, "Many": [0, 1], "TF": True, "Short": "elastic compute cloud", "Num": "3"}
RIGHT_MATCH = {0: "22", 1: "443"}
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _graded(quiz: Quiz, user, responses: dict[str, object]) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user)
    for key, response in responses.items():
        answer_save(
            attempt=attempt, question=Question.objects.get(quiz=quiz, key=key), response=response
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    return attempt_grade(attempt_id=attempt.pk)


def _keys(user) -> dict[str, str]:
    return dict(Card.objects.filter(user=user).values_list("question__key", "reason"))


def _form(card: Card, seed: int, answer_index: int | bool | str) -> QueryDict:
    """A review form answered with the answer at ``answer_index`` (in the source's order)."""
    question = card.question
    parsed = question.as_gift()
    data = QueryDict(mutable=True)
    if isinstance(answer_index, bool):
        data[f"q{question.pk}"] = "true" if answer_index else "false"
    elif isinstance(answer_index, str):
        data[f"q{question.pk}"] = answer_index
    else:
        order = choice_order(seed=seed, question_id=question.pk, parsed=parsed, shuffle=True)
        data[f"q{question.pk}"] = str(order.index(answer_index))
    return data


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def missed_pick(basics_quiz, user) -> Card:
    """The student missed Pick twice, and so ran out of attempts: the quiz shows its answers."""
    wrong = {**RIGHT, "Pick": 1}
    _graded(basics_quiz, user, wrong)
    _graded(basics_quiz, user, wrong)
    deck_sync(user=user, now=NOW)
    return Card.objects.get(user=user, question__key="Pick")


def test_a_missed_question_enters_only_once_the_quiz_shows_its_answers(basics_quiz, user):
    wrong = {**RIGHT, "Pick": 1, "Short": "nope"}
    _graded(basics_quiz, user, wrong)

    assert deck_sync(user=user, now=NOW) == 0  # failed, one attempt left: no answers yet
    _graded(basics_quiz, user, {**wrong, "Short": "elastic compute cloud"})

    assert deck_sync(user=user, now=NOW) == 2  # out of attempts: what was missed, ever
    assert _keys(user) == {"Pick": "missed", "Short": "missed"}  # not what was left blank
    assert deck_sync(user=user, now=NOW) == 0
    card = Card.objects.get(user=user, question__key="Pick")
    assert (card.due, card.reviews, card.added_at) == (NOW, 0, NOW)


def test_a_pass_shows_the_answers_and_a_completed_course_adds_what_was_right(basics_quiz, user):
    _graded(basics_quiz, user, {**RIGHT, "Match": RIGHT_MATCH, "TF": False})  # passes, TF wrong

    deck_sync(user=user, now=NOW)
    assert _keys(user) == {"TF": "missed"}
    Enrollment.objects.filter(user=user, course=basics_quiz.course).update(completed_at=NOW)
    deck_sync(user=user, now=NOW)
    keys = _keys(user)
    assert keys.pop("TF") == "missed"
    assert keys == dict.fromkeys(["Pick", "Many", "Short", "Num", "Match"], "mastered")


def test_a_quiz_that_never_shows_answers_essays_and_archived_questions_stay_out(
    basics_quiz, user, tiny_dir
):
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(gift_path.read_text() + "\n::Essay:: Explain regions. {}\n")
    course_import(course_dir=tiny_dir)
    _graded(basics_quiz, user, {"Essay": "A region is a cluster.", "Num": "7"})
    _graded(basics_quiz, user, {"Essay": "A region is a cluster.", "Num": "7"})
    Question.objects.filter(quiz=basics_quiz, key="Num").update(is_archived=True)

    deck_sync(user=user, now=NOW)
    assert "Essay" not in _keys(user) and "Num" not in _keys(user)
    other = UserFactory()
    Quiz.objects.filter(pk=basics_quiz.pk).update(show_answers=Quiz.ShowAnswers.NEVER)
    _graded(basics_quiz, other, {"Pick": 1})
    _graded(basics_quiz, other, {"Pick": 1})
    assert deck_sync(user=other, now=NOW) == 0


def test_a_knowledge_check_missed_on_the_lesson_page_enters_the_deck(tiny, user):
    check = Quiz.objects.get(course=tiny, kind=Quiz.Kind.CHECK)
    question = check.questions.get()
    for answer in (False, True):  # missed, then right: the check shows its answer once passed
        attempt = check_submit(
            quiz=check, user=user, read_responses=lambda attempt, a=answer: {question: a}
        )
        attempt_grade(attempt_id=attempt.pk)
        deck_sync(user=user, now=NOW)
        assert _keys(user) == ({} if answer is False else {"Check one": "missed"})


def test_a_wrong_answer_is_again_at_once_and_comes_back_tomorrow(missed_pick, user):
    schedule = scheduling.scheduler(fuzz=False)

    outcome = review_answer(
        user=user,
        card_id=missed_pick.pk,
        data=_form(missed_pick, 7, 2),
        seed=7,
        token="t1",
        now=NOW,
        schedule=schedule,
    )

    assert outcome.result == "wrong" and outcome.rated and outcome.lesson_link
    assert outcome.correct_answer == "EC2" and outcome.your_answer == "IAM"
    card = Card.objects.get(pk=missed_pick.pk)
    assert (card.due, card.reviews, card.lapses, card.last_review) == (
        NOW + timedelta(days=1),
        1,
        1,
        NOW,
    )
    log = ReviewLog.objects.get(card=card)
    assert (log.rating, log.fraction, log.due_before, log.due_after) == (
        1,
        Decimal(0),
        NOW,
        card.due,
    )


def test_a_double_submit_is_one_review(missed_pick, user):
    def submit(answer_index):
        return review_answer(
            user=user,
            card_id=missed_pick.pk,
            data=_form(missed_pick, 7, answer_index),
            seed=7,
            token="same-form",
            now=NOW,
        )

    first, second = submit(0), submit(2)  # the second post of the form changes nothing

    assert ReviewLog.objects.filter(card=missed_pick).count() == 1
    assert first.log.pk == second.log.pk and second.result == "right"
    assert Card.objects.get(pk=missed_pick.pk).reviews == 0  # waits for the rating


def test_a_right_answer_waits_for_the_rating_and_a_second_rating_changes_nothing(missed_pick, user):
    schedule = scheduling.scheduler(fuzz=False)
    answered = review_answer(
        user=user, card_id=missed_pick.pk, data=_form(missed_pick, 3, 0), seed=3, token="a", now=NOW
    )
    assert answered.result == "right" and not answered.rated and not answered.lesson_link
    assert Card.objects.get(pk=missed_pick.pk).due == NOW  # not rescheduled yet

    rated = review_rate(
        user=user, log_id=answered.log.pk, rating=scheduling.Rating.GOOD, now=NOW, schedule=schedule
    )
    again = review_rate(
        user=user,
        log_id=answered.log.pk,
        rating=scheduling.Rating.AGAIN,
        now=NOW,
        schedule=schedule,
    )

    card = Card.objects.get(pk=missed_pick.pk)
    assert rated.log.rating == again.log.rating == scheduling.Rating.GOOD
    assert (card.reviews, card.lapses) == (1, 0)
    assert card.due == NOW + timedelta(days=2)  # FSRS's first interval for Good, no fuzz


def test_partly_right_is_at_best_hard(basics_quiz, user):
    _graded(basics_quiz, user, {**RIGHT, "Many": [0]})  # half marks
    _graded(basics_quiz, user, {**RIGHT, "Many": [0]})
    deck_sync(user=user, now=NOW)
    card = Card.objects.get(user=user, question__key="Many")
    order = choice_order(
        seed=5, question_id=card.question_id, parsed=card.question.as_gift(), shuffle=True
    )
    data = QueryDict(mutable=True)
    data.setlist(f"q{card.question_id}", [str(order.index(0))])

    answered = review_answer(user=user, card_id=card.pk, data=data, seed=5, token="p", now=NOW)
    rated = review_rate(user=user, log_id=answered.log.pk, rating=4, now=NOW)

    assert answered.result == "partial" and answered.lesson_link
    assert rated.log.rating == scheduling.Rating.HARD


def test_another_students_card_or_review_is_not_theirs(missed_pick, user):
    stranger = UserFactory()
    with pytest.raises(Card.DoesNotExist):
        review_answer(
            user=stranger, card_id=missed_pick.pk, data=QueryDict(), seed=1, token="x", now=NOW
        )
    answered = review_answer(
        user=user, card_id=missed_pick.pk, data=_form(missed_pick, 1, 0), seed=1, token="y", now=NOW
    )
    with pytest.raises(ReviewLog.DoesNotExist):
        review_rate(user=stranger, log_id=answered.log.pk, rating=3, now=NOW)
    with pytest.raises(ReviewError):
        review_rate(user=user, log_id=answered.log.pk, rating=9, now=NOW)


def test_a_right_answer_after_a_lapse_links_back_to_the_lesson(missed_pick, user):
    review_answer(
        user=user, card_id=missed_pick.pk, data=_form(missed_pick, 1, 1), seed=1, token="1", now=NOW
    )
    tomorrow = NOW + timedelta(days=1)

    back = review_answer(
        user=user,
        card_id=missed_pick.pk,
        data=_form(missed_pick, 2, 0),
        seed=2,
        token="2",
        now=tomorrow,
    )

    assert back.result == "right" and back.lesson_link


def test_review_never_changes_grades_or_completion(missed_pick, user, basics_quiz):
    before = list(Attempt.objects.filter(user=user).values_list("pk", "score", "passed", "status"))

    review_answer(
        user=user, card_id=missed_pick.pk, data=_form(missed_pick, 1, 0), seed=1, token="r", now=NOW
    )

    after = list(Attempt.objects.filter(user=user).values_list("pk", "score", "passed", "status"))
    assert before == after
    assert not Enrollment.objects.filter(user=user, completed_at__isnull=False).exists()


def test_due_cards_follow_the_clock_edits_and_archiving(missed_pick, user, tiny_dir):
    assert [c.pk for c in due_cards(user=user, now=NOW)] == list(
        Card.objects.filter(user=user).order_by("due", "pk").values_list("pk", flat=True)
    )
    assert due_count(user=user, now=NOW - timedelta(seconds=1)) == 0
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(
        gift_path.read_text().replace("Which is a compute", "Which one is compute")
    )
    course_import(course_dir=tiny_dir)

    card = due_cards(user=user, now=NOW).get(pk=missed_pick.pk)
    assert "Which one is compute" in card.question.as_gift().text  # follows the edit
    total = due_count(user=user, now=NOW)
    Question.objects.filter(pk=missed_pick.question_id).update(is_archived=True)
    assert due_count(user=user, now=NOW) == total - 1  # leaves the deck


def test_due_cards_take_one_query_whatever_the_deck(missed_pick, user, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):
            cards = list(due_cards(user=user, now=NOW))
        for card in cards:
            assert card.question.quiz.pk and card.course.slug
        other = UserFactory()
        _graded(missed_pick.question.quiz, other, {"Pick": 1, "TF": False})
        _graded(missed_pick.question.quiz, other, {"Pick": 1, "TF": False})
        deck_sync(user=user, now=timezone.now())


def test_a_streak_counts_the_days_in_a_row_up_to_today_or_yesterday(missed_pick, user):
    from review.selectors import streak

    def reviewed(day: int) -> None:
        ReviewLog.objects.create(
            card=missed_pick,
            token=f"day-{day}",
            fraction=Decimal(0),
            answered_at=NOW + timedelta(days=day),
            due_before=NOW,
        )

    assert streak(user=user, now=NOW) == 0
    for day in (-5, -3, -2, -1):  # a gap on day -4
        reviewed(day)
    assert streak(user=user, now=NOW) == 3  # not broken until today is over
    reviewed(0)
    assert streak(user=user, now=NOW) == 4
    assert streak(user=user, now=NOW + timedelta(days=2)) == 0
    assert streak(user=UserFactory(), now=NOW) == 0
