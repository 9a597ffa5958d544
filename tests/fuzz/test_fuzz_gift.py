"""Fuzz the GIFT parser with random and mutated real quiz files.

The property: :func:`parse_all` never raises; it returns every question, warning and refused
question (a GiftError each) with a line inside the file. :func:`parse` returns the same
questions or raises one GiftError listing the same errors. :func:`export` of what was parsed
gives GIFT text that parses back to the same questions, or raises ValueError for what GIFT
cannot write.

The budget is fixed and derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.gift import (
    GiftError,
    GiftWarning,
    ParseResult,
    Question,
    export,
    parse,
    parse_all,
)
from tests.fuzz.strategies import GIFT_FRAGMENTS, gift_sources, giftish_text, mutated

BUDGET = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

gift_inputs = st.one_of(giftish_text(), mutated(gift_sources(), GIFT_FRAGMENTS))


def _line_count(text: str) -> int:
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


@BUDGET
@given(gift_inputs)
def test_any_gift_text_parses_to_questions_warnings_and_errors(text: str) -> None:
    result = parse_all(text, path="quiz.gift")

    assert isinstance(result, ParseResult)
    lines = _line_count(text)
    assert all(isinstance(question, Question) for question in result.questions)
    for question in result.questions:
        assert 1 <= question.line <= lines
    keys = [question.key for question in result.questions]
    assert len(keys) == len(set(keys))
    for warning in result.warnings:
        assert isinstance(warning, GiftWarning)
        assert 1 <= warning.line <= lines
        assert str(warning).startswith(f"quiz.gift:{warning.line}: ")
    for error in result.errors:
        assert isinstance(error, GiftError)
        assert 1 <= error.line <= lines
        assert str(error).startswith(f"quiz.gift:{error.line}: ")
    assert [w.line for w in result.warnings] == sorted(w.line for w in result.warnings)
    assert [e.line for e in result.errors] == sorted(e.line for e in result.errors)


@BUDGET
@given(gift_inputs)
def test_strict_parse_gives_the_same_questions_or_one_error_listing_all(text: str) -> None:
    result = parse_all(text, path="quiz.gift")
    try:
        questions = parse(text, path="quiz.gift")
    except GiftError as error:
        assert result.errors
        assert [str(e) for e in error.errors] == [str(e) for e in result.errors]
        return
    assert not result.errors
    assert questions == list(result.questions)


@BUDGET
@given(gift_inputs)
def test_parsed_questions_export_and_parse_back_the_same(text: str) -> None:
    questions = list(parse_all(text).questions)
    try:
        written = export(questions)
    except ValueError:
        return  # what GIFT cannot write (a category going back to none, ...)
    again = parse_all(written)
    assert not again.errors, (written, again.errors)
    assert list(again.questions) == questions
    assert [q.key for q in again.questions] == [q.key for q in questions]
