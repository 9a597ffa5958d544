"""Scoring of GIFT questions with Moodle's semantics. Pure functions, no Django.

Response shapes, by question kind (``None`` always means "not answered"):

* ``multichoice``: ``int``, the index of the chosen answer in ``question.answers``.
* ``multiresponse``: a set, frozenset, list or tuple of answer indexes (duplicates count once).
* ``truefalse``: ``bool``.
* ``shortanswer``: ``str``.
* ``numerical``: ``str`` as typed by the student (``int`` and ``Decimal`` are accepted too).
* ``matching``: ``Mapping[int, str | None]`` from the index of a subquestion in
  ``question.answers`` to the chosen text from ``question.choices``; a subquestion left out or
  mapped to ``None`` is unanswered.
* ``essay``: ``str``; never scored automatically.

A response of the wrong shape, an index that does not exist or a matching choice that was never
offered raises :class:`ResponseError` (a ``ValueError``), so the web layer can answer crafted
posts with 400.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from quizzes.gift import Answer, Kind, Question

__all__ = ["ResponseError", "feedback_for", "parse_number", "score"]

ONE = Decimal(1)
ZERO = Decimal(0)
_PLACES = Decimal("0.0000001")  # Moodle stores fractions with 7 decimal places.
# Moodle's question_state::graded_state_for_fraction treats anything this close to 0 or 1 as
# wrong or right; snapping keeps three answers worth 33.33333% from scoring 0.9999999.
_SNAP = Decimal("0.000001")

_RESPONSE_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?")
_TIMES_TEN = re.compile(r"(?:e|E|(?:x|\*|\u00d7)10(?:\^|\*\*))([+-]?\d+)")
_WILDCARD = re.compile(r"(?<!\\)\*+")


class ResponseError(ValueError):
    """A response that does not fit the question (wrong shape, unknown index or choice)."""


def score(question: Question, response: object) -> Decimal | None:
    """Credit for ``response`` as a fraction 0..1, rounded to 7 places like Moodle.

    Returns ``None`` for an essay, which needs a person to mark it. Per kind:

    * multichoice: the chosen answer's fraction (a negative one scores 0).
    * multiresponse: the sum of the chosen answers' fractions, clamped to 0..1.
    * truefalse: 1 for the right answer, else 0.
    * shortanswer: the fraction of the first answer, in source order, that matches; trimmed and
      case-insensitive, ``*`` matches any run of characters and ``\\*`` a literal star.
    * numerical: the fraction of the first answer whose ``low..high`` (both ends inclusive)
      holds the value; a response that is not a number scores 0.
    * matching: the share of subquestions given their right answer.

    A description takes no response: scoring one raises ``ValueError``.
    """
    if question.kind is Kind.ESSAY:
        _check_essay(response)
        return None
    fraction, _ = _grade(question, response)
    return _finish(fraction)


def feedback_for(question: Question, response: object) -> list[str]:
    """The non-empty per-answer feedback shown for ``response``, in answer order.

    That is the chosen answer's feedback (each chosen one's for multiresponse), the first
    matching answer's for shortanswer and numerical, and nothing for matching or essay, which
    have no per-answer feedback. General feedback is not included: it is shown whatever the
    response, from ``question.general_feedback``.
    """
    if question.kind is Kind.ESSAY:
        _check_essay(response)
        return []
    _, answers = _grade(question, response)
    return [a.feedback for a in answers if a.feedback]


def parse_number(text: str) -> Decimal | None:
    """A student's numerical response as Moodle reads it, or ``None`` when it is not a number.

    Spaces are ignored and ``1.5e3``, ``1.5x10^3`` and ``1.5*10**3`` all mean 1500. With a
    ``.`` present, or several commas, commas are thousands separators (``1,234.5``); a single
    comma alone is a decimal comma (``3,14``), so ``1,000`` reads as 1, as in Moodle. Units
    and anything else after the number make it unreadable.
    """
    cleaned = _TIMES_TEN.sub(r"e\1", text.strip().replace(" ", ""))
    if "." in cleaned or cleaned.count(",") > 1:
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _RESPONSE_NUMBER.fullmatch(cleaned):
        return None
    return Decimal(cleaned)


def _finish(fraction: Decimal) -> Decimal:
    fraction = min(max(fraction, ZERO), ONE)
    if fraction > ONE - _SNAP:
        return ONE
    if fraction < _SNAP:
        return ZERO
    return fraction.quantize(_PLACES, rounding=ROUND_HALF_UP)


def _check_essay(response: object) -> None:
    if response is not None and not isinstance(response, str):
        raise ResponseError("an essay response is text")


def _grade(question: Question, response: object) -> tuple[Decimal, list[Answer]]:
    """Raw credit and the answers the response selected or matched."""
    kind = question.kind
    if kind is Kind.DESCRIPTION:
        raise ResponseError("a description takes no response and is not scored")
    if response is None:
        return ZERO, []
    if kind is Kind.MULTICHOICE:
        answer = question.answers[_index(question, response)]
        return answer.fraction, [answer]
    if kind is Kind.MULTIRESPONSE:
        if not isinstance(response, (set, frozenset, list, tuple)):
            raise ResponseError("a multiple-answer response is a collection of answer indexes")
        chosen = sorted({_index(question, item) for item in response})
        answers = [question.answers[i] for i in chosen]
        return sum((a.fraction for a in answers), ZERO), answers
    if kind is Kind.TRUEFALSE:
        if not isinstance(response, bool):
            raise ResponseError("a true/false response is True or False")
        answer = question.answers[0 if response else 1]
        return answer.fraction, [answer]
    if kind is Kind.SHORTANSWER:
        return _first_match(question, _text(response), _matches_pattern)
    if kind is Kind.NUMERICAL:
        return _numerical(question, response)
    if kind is Kind.MATCHING:
        return _matching(question, response), []
    raise ResponseError(f"cannot score a {kind} question")  # pragma: no cover - all kinds above


def _index(question: Question, item: object) -> int:
    # bool is an int in Python, and a negative index would silently count from the end.
    if isinstance(item, bool) or not isinstance(item, int):
        raise ResponseError(f"answer index {item!r} is not an integer")
    if not 0 <= item < len(question.answers):
        raise ResponseError(f"answer index {item} does not exist")
    return item


def _text(response: object) -> str:
    if not isinstance(response, str):
        raise ResponseError("a short-answer response is text")
    return response


def _first_match[T](
    question: Question, value: T, matches: Callable[[T, Answer], bool]
) -> tuple[Decimal, list[Answer]]:
    # Moodle grades with the first answer that matches, not the best one, so authors order
    # answers from specific to general (a catch-all '*' goes last).
    for answer in question.answers:
        if matches(value, answer):
            return answer.fraction, [answer]
    return ZERO, []


def _matches_pattern(response: str, answer: Answer) -> bool:
    response = unicodedata.normalize("NFC", response.strip())
    if not response:
        return False  # Moodle does not grade an empty answer, even against '*'.
    pattern = unicodedata.normalize("NFC", answer.text)
    regex = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in _WILDCARD.split(pattern))
    return re.fullmatch(regex, response, re.IGNORECASE) is not None


def _numerical(question: Question, response: object) -> tuple[Decimal, list[Answer]]:
    if isinstance(response, str):
        value = parse_number(response)
    elif isinstance(response, (int, Decimal)) and not isinstance(response, bool):
        value = Decimal(response)
    else:
        raise ResponseError("a numerical response is text or a number")
    if value is None or not value.is_finite():
        return ZERO, []

    def within(number: Decimal, answer: Answer) -> bool:
        if answer.value is None:
            return True
        return answer.value - answer.tolerance <= number <= answer.value + answer.tolerance

    return _first_match(question, value, within)


def _matching(question: Question, response: object) -> Decimal:
    if not isinstance(response, Mapping):
        raise ResponseError("a matching response maps subquestion indexes to chosen answers")
    choices = set(question.choices)
    right = 0
    for index, chosen in response.items():
        answer = question.answers[_index(question, index)]
        if not answer.text:
            raise ResponseError(f"answer index {index} is an extra answer, not a subquestion")
        if chosen is None:
            continue
        if not isinstance(chosen, str) or chosen not in choices:
            raise ResponseError(f"{chosen!r} is not one of the offered answers")
        right += chosen == answer.match
    stems = sum(1 for a in question.answers if a.text)
    return Decimal(right) / Decimal(stems)
