"""Reading students' responses from posted quiz forms.

Field names: ``q<question pk>`` for the answer (repeated for checkboxes), and
``q<question pk>-<subquestion index>`` for each row of a matching question. Choice values are
display positions, mapped back to answers through the attempt's seeded order, so the page
never tells which answer is which. Anything that does not fit raises ResponseError (400).
"""

from __future__ import annotations

import re

from django.http import QueryDict

from quizzes import gift
from quizzes.models import Attempt, Question
from quizzes.scoring import ResponseError
from quizzes.shuffle import choice_order

MAX_TEXT = 10_000
_FIELD = re.compile(r"^q(\d+)(?:-(\d+))?$")
# C0 controls but tab, newline and carriage return, and DEL: PostgreSQL's jsonb refuses NUL,
# and none of them is text a student means to give.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def posted_question_ids(data: QueryDict) -> set[int]:
    """Question pks named by the posted fields."""
    return {int(m.group(1)) for name in data if (m := _FIELD.match(name))}


def _position(value: str, count: int) -> int:
    if not value.isdigit() or not 0 <= int(value) < count:
        raise ResponseError(f"choice {value!r} is not one of this question's choices")
    return int(value)


def responses_from_post(
    *, attempt: Attempt, data: QueryDict, only: int | None = None
) -> dict[Question, object]:
    """Every response in a posted attempt form, or only question `only`'s (an autosave: htmx
    posts the whole form, and the other questions' fields are ignored).

    Raises ResponseError when a field names a question that is not part of the attempt (a
    crafted post, or a page from before a re-import) or an answer does not fit its question.
    """
    wanted = posted_question_ids(data) if only is None else {only}
    if not wanted <= set(attempt.question_ids):
        raise ResponseError("the form names questions that are not part of this attempt")
    questions = Question.objects.in_bulk(sorted(wanted))
    if questions.keys() != wanted:
        raise ResponseError("no such question")
    return {
        questions[pk]: response_from_post(question=questions[pk], attempt=attempt, data=data)
        for pk in sorted(wanted)
    }


def response_from_post(*, question: Question, attempt: Attempt, data: QueryDict) -> object:
    """The response to `question` in posted form data (None when unanswered), read against
    the question as the attempt started with it."""
    return response_for(
        question_id=question.pk,
        parsed=attempt.gift_question(question),
        seed=attempt.seed,
        shuffle=attempt.quiz.shuffle_choices,
        data=data,
    )


def response_for(
    *, question_id: int, parsed: gift.Question, seed: int, shuffle: bool, data: QueryDict
) -> object:
    """The response to one question in posted form data (None when unanswered), its choices
    shown in the order ``seed`` gave them (quizzes.shuffle): for an attempt, or for a form
    of one question outside any attempt (a review)."""
    kind = parsed.kind
    name = f"q{question_id}"
    if kind is not gift.Kind.MATCHING:
        for field in data:
            match = _FIELD.match(field)
            if match and int(match.group(1)) == question_id and match.group(2) is not None:
                raise ResponseError(f"unexpected field {field!r}")
    values = [v for v in data.getlist(name) if v != ""]
    if len(values) > 1 and kind is not gift.Kind.MULTIRESPONSE:
        raise ResponseError(f"one answer expected for {name}")
    value = values[0] if values else None

    def order(count: int) -> list[int]:
        return choice_order(seed=seed, question_id=question_id, parsed=parsed, shuffle=shuffle)

    if kind is gift.Kind.MULTICHOICE:
        if value is None:
            return None
        return order(len(parsed.answers))[_position(value, len(parsed.answers))]
    if kind is gift.Kind.MULTIRESPONSE:
        if not values:
            return None
        mapping = order(len(parsed.answers))
        return sorted({mapping[_position(v, len(parsed.answers))] for v in values})
    if kind is gift.Kind.TRUEFALSE:
        if value is None:
            return None
        if value not in ("true", "false"):
            raise ResponseError("true/false answers are 'true' or 'false'")
        return value == "true"
    if kind in (gift.Kind.SHORTANSWER, gift.Kind.NUMERICAL, gift.Kind.ESSAY):
        if value is None or not value.strip():
            return None
        if len(value) > MAX_TEXT:
            raise ResponseError("answer too long")
        if _CONTROL.search(value):
            raise ResponseError(
                "an answer cannot hold control characters such as NUL; retype it rather "
                "than pasting it"
            )
        return value
    if kind is gift.Kind.MATCHING:
        choices = parsed.choices
        mapping = order(len(choices))
        stems = {i for i, a in enumerate(parsed.answers) if a.text}
        response: dict[int, str] = {}
        for field in data:
            match = _FIELD.match(field)
            if not match or int(match.group(1)) != question_id:
                continue
            if match.group(2) is None or int(match.group(2)) not in stems:
                raise ResponseError(f"unexpected field {field!r}")
            chosen = data.get(field)
            if chosen:
                response[int(match.group(2))] = choices[mapping[_position(chosen, len(choices))]]
        return response or None
    raise ResponseError(f"a {kind} question takes no answer")
