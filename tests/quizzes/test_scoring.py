"""Scoring responses with Moodle's semantics, per question kind."""

from decimal import Decimal

import pytest

from quizzes.gift import Question, parse
from quizzes.scoring import ResponseError, feedback_for, parse_number, score

D = Decimal


def q(source: str) -> Question:
    (question,) = parse(source)
    return question


# --- multiple choice -------------------------------------------------------------------------

COLOURS = q(
    "Between orange and green? {=yellow#Right! ~%50%lime#Close. ~%-50%red#No, penalty. ~blue}"
)


@pytest.mark.parametrize(("index", "expected"), [(0, 1), (1, "0.5"), (2, 0), (3, 0)])
def test_multichoice_scores_the_chosen_answer_and_clamps_negatives(index, expected):
    assert score(COLOURS, index) == D(expected)


def test_multichoice_feedback_is_the_chosen_answers():
    assert feedback_for(COLOURS, 2) == ["No, penalty."]
    assert feedback_for(COLOURS, 3) == []


@pytest.mark.parametrize("bad", [4, -1, True, "0", 0.0, [0]])
def test_multichoice_rejects_answers_that_do_not_exist(bad):
    with pytest.raises(ResponseError):
        score(COLOURS, bad)
    with pytest.raises(ValueError):  # what the web layer catches
        feedback_for(COLOURS, bad)


def test_unanswered_scores_zero():
    assert score(COLOURS, None) == 0
    assert feedback_for(COLOURS, None) == []


# --- multiple answers ------------------------------------------------------------------------

TOMB = q(
    "Who is entombed in Grant's tomb? {\n"
    "~%-50%No one#Someone is.\n"
    "~%50%Grant#Yes.\n"
    "~%50%Grant's wife#Yes, Julia.\n"
    "~%-50%Grant's father}"
)


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ({1, 2}, "1"),
        ({1}, "0.5"),
        ({1, 2, 0}, "0.5"),
        ({0, 3}, "0"),  # -100% clamps at 0
        ({1, 0}, "0"),
        (set(), "0"),
        ([2, 2, 1], "1"),  # duplicates count once
        ((0, 1, 2, 3), "0"),
        (frozenset({2}), "0.5"),
    ],
)
def test_multiresponse_sums_chosen_fractions_clamped(chosen, expected):
    assert score(TOMB, chosen) == D(expected)


def test_multiresponse_three_thirds_earn_full_marks():
    primes = q("Primes? {~%33.33333%2 ~%33.33333%3 ~%33.33333%5 ~%-100%4}")
    assert score(primes, {0, 1, 2}) == 1
    assert score(primes, {0, 1}) == D("0.6666666")


def test_multiresponse_feedback_for_each_chosen_answer_in_order():
    assert feedback_for(TOMB, {2, 0, 3}) == ["Someone is.", "Yes, Julia."]


@pytest.mark.parametrize("bad", [1, "12", {4}, {-1}, {True}, {"1"}, {1: 1}])
def test_multiresponse_rejects_bad_shapes(bad):
    with pytest.raises(ResponseError):
        score(TOMB, bad)


# --- true/false ------------------------------------------------------------------------------


def test_truefalse():
    question = q("Grant is alive.{F#No, he died in 1885.#Right.}")
    assert score(question, False) == 1
    assert score(question, True) == 0
    assert feedback_for(question, True) == ["No, he died in 1885."]
    assert feedback_for(question, False) == ["Right."]


@pytest.mark.parametrize("bad", [1, 0, "True", "T"])
def test_truefalse_takes_only_booleans(bad):
    with pytest.raises(ResponseError):
        score(q("Q {T}"), bad)


# --- short answer ----------------------------------------------------------------------------

HOMETOWN = q(
    "Jesus Christ was from {\n"
    "=Nazareth#Yes! That's right!\n"
    "=%75%Nazereth#Right, but misspelled.\n"
    "=%25%Bethlehem#He was born here, but not raised here.\n"
    "}."
)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Nazareth", "1"),
        ("  nAZAreth \t", "1"),
        ("Nazereth", "0.75"),
        ("bethlehem", "0.25"),
        ("Jerusalem", "0"),
        ("Naz", "0"),
        ("", "0"),
        ("   ", "0"),
    ],
)
def test_shortanswer_is_case_insensitive_and_trimmed(response, expected):
    assert score(HOMETOWN, response) == D(expected)


def test_shortanswer_feedback_is_the_matching_answers():
    assert feedback_for(HOMETOWN, "nazereth") == ["Right, but misspelled."]
    assert feedback_for(HOMETOWN, "Rome") == []


def test_shortanswer_wildcard_matches_any_run_of_characters():
    question = q("Name a colour. {=*red* =%50%bl*e =%0%*#Not a colour we wanted.}")
    assert score(question, "dark red wine") == 1
    assert score(question, "RED") == 1
    assert score(question, "blue") == D("0.5")
    assert score(question, "ble") == D("0.5")
    assert score(question, "green") == 0
    assert feedback_for(question, "green") == ["Not a colour we wanted."]
    # Moodle does not grade an empty response, even against a catch-all.
    assert feedback_for(question, "") == []


def test_shortanswer_escaped_star_is_literal():
    question = q("Multiply sign in Python? {=\\\\*}")
    assert question.answers[0].text == "\\*"
    assert score(question, "*") == 1
    assert score(question, "x") == 0


def test_shortanswer_regex_characters_are_literal():
    question = q("Regex for any char? {=.}")
    assert score(question, ".") == 1
    assert score(question, "a") == 0


def test_shortanswer_uses_the_first_matching_answer_like_moodle():
    # Moodle's question_first_matching_answer_grading_strategy: order matters.
    question = q("Cat? {=%50%*cat* =black cat}")
    assert score(question, "black cat") == D("0.5")


def test_shortanswer_compares_unicode_in_normal_form():
    question = q("Café? {=Caf\u00e9}")
    assert score(question, "CAFE\u0301") == 1


def test_shortanswer_takes_text_only():
    with pytest.raises(ResponseError):
        score(HOMETOWN, 3)


# --- numerical -------------------------------------------------------------------------------

PI = q("Pi? {# =%100%3.14:0.01 =%50%3.1:0.1 ~#Not even close.}")


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("3.14", "1"),
        ("3.13", "1"),  # both tolerance edges are inclusive
        ("3.15", "1"),
        ("3.150", "1"),
        ("3.1500001", "0.5"),
        ("3.2", "0.5"),  # the edge of the second answer
        ("3.0", "0.5"),
        ("2.99", "0"),
        ("3,14", "1"),  # a lone comma is a decimal comma, as in Moodle
        ("  3.14  ", "1"),
        ("314e-2", "1"),
        ("0.314x10^1", "1"),
        ("3.14 cm", "0"),  # units make it unreadable
        ("pi", "0"),
        ("", "0"),
        (D("3.14"), "1"),
        (3, "0.5"),
    ],
)
def test_numerical_tolerance_is_inclusive_and_first_match_wins(response, expected):
    assert score(PI, response) == D(expected)


def test_numerical_feedback_includes_the_catch_all():
    assert feedback_for(PI, "3.14") == []
    assert feedback_for(PI, "42") == ["Not even close."]
    assert feedback_for(PI, "not a number") == []


def test_numerical_range_edges_are_inclusive():
    question = q("Between one and two? {#1..2}")
    assert [score(question, r) for r in ["1", "2", "1.5", "0.999", "2.001"]] == [1, 1, 1, 0, 0]


def test_numerical_exact_value_without_tolerance():
    question = q("Year? {#1822}")
    assert score(question, "1822") == 1
    assert score(question, "1822.0") == 1
    assert score(question, "1822.0001") == 0


def test_numerical_rejects_other_types():
    with pytest.raises(ResponseError):
        score(PI, True)
    with pytest.raises(ResponseError):
        score(PI, 3.14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.14", D("3.14")),
        ("3,14", D("3.14")),
        ("1,000", D("1")),  # Moodle's rule: a single comma alone is decimal
        ("1,234.5", D("1234.5")),
        ("1,234,567", D("1234567")),
        ("1 000", D("1000")),
        ("-2.5e3", D("-2500")),
        ("2.5*10**3", D("2500")),
        (".5", D("0.5")),
        ("12abc", None),
        ("--1", None),
        ("", None),
    ],
)
def test_parse_number_follows_moodles_answer_processor(text, expected):
    assert parse_number(text) == expected


# --- matching --------------------------------------------------------------------------------

CAPITALS = q(
    "Match the capitals. {\n=Canada -> Ottawa\n=Italy -> Rome\n=Japan -> Tokyo\n= -> Paris\n}"
)


def test_matching_scores_the_share_of_right_pairs():
    assert score(CAPITALS, {0: "Ottawa", 1: "Rome", 2: "Tokyo"}) == 1
    assert score(CAPITALS, {0: "Ottawa", 1: "Rome", 2: "Paris"}) == D("0.6666667")
    assert score(CAPITALS, {0: "Ottawa"}) == D("0.3333333")
    assert score(CAPITALS, {0: "Ottawa", 1: None}) == D("0.3333333")
    assert score(CAPITALS, {}) == 0
    assert feedback_for(CAPITALS, {0: "Ottawa"}) == []


def test_matching_shared_answers():
    question = q("Class? {=cat -> mammal =dog -> mammal =snake -> reptile}")
    assert score(question, {0: "mammal", 1: "mammal", 2: "mammal"}) == D("0.6666667")


@pytest.mark.parametrize(
    "bad",
    [
        {3: "Paris"},  # the extra answer is not a subquestion
        {4: "Paris"},
        {-1: "Paris"},
        {"0": "Ottawa"},
        {0: "Berlin"},  # never offered
        {0: 1},
        ["Ottawa", "Rome", "Tokyo"],
    ],
)
def test_matching_rejects_crafted_responses(bad):
    with pytest.raises(ResponseError):
        score(CAPITALS, bad)


# --- missing word, essay, description, rounding ----------------------------------------------


def test_missing_word_scores_as_its_underlying_kind():
    question = q("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert question.is_missing_word
    assert score(question, 1) == 1
    assert score(question, 0) == 0
    assert score(q("Two plus two equals {=four =4}."), " FOUR ") == 1


def test_essay_needs_manual_review():
    essay = q("How are you? {}")
    assert score(essay, "Fine, thanks.") is None
    assert score(essay, None) is None
    assert feedback_for(essay, "Fine") == []
    with pytest.raises(ResponseError):
        score(essay, 3)


def test_description_is_not_scored():
    with pytest.raises(ValueError, match="description takes no response"):
        score(q("Just some text."), None)


def test_scores_are_rounded_to_seven_places():
    question = q("Q {=a -> 1 =b -> 2 =c -> 3 =d -> 4 =e -> 5 =f -> 6 =g -> 7}")
    result = score(question, {0: "1"})
    assert result == D("0.1428571")
    assert result.as_tuple().exponent == -7
