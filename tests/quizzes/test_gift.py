"""Parsing GIFT as Moodle does (question/format/gift/format.php and the GIFT docs)."""

import re
from decimal import Decimal

import pytest

from quizzes.gift import Answer, GiftError, Kind, Question, TextFormat, parse, parse_all

D = Decimal


def one(source: str) -> Question:
    questions = parse(source)
    assert len(questions) == 1, questions
    return questions[0]


def error(source: str, path: str = "quiz.gift") -> GiftError:
    with pytest.raises(GiftError) as info:
        parse(source, path=path)
    return info.value


# --- question types --------------------------------------------------------------------------


def test_multiple_choice_marks_the_right_answer_with_equals():
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q.kind is Kind.MULTICHOICE
    assert q.text == "Who's buried in Grant's tomb?"
    assert [(a.text, a.fraction) for a in q.answers] == [
        ("Grant", 0),
        ("Jefferson", 0),
        ("no one", 1),
    ]
    assert q.tail_text is None
    assert not q.is_missing_word


def test_multiple_choice_partial_credit_and_feedback():
    q = one(
        "Difficult multiple choice question.{\n"
        "     ~wrong answer           #comment on wrong answer\n"
        "     ~%50%half credit answer #comment on answer\n"
        "     =full credit answer     #well done!}"
    )
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("wrong answer", D(0), "comment on wrong answer"),
        ("half credit answer", D("0.5"), "comment on answer"),
        ("full credit answer", D(1), "well done!"),
    ]


def test_multiple_answers_use_weights_without_equals():
    q = one(
        "What two people are entombed in Grant's tomb? {\n"
        "    ~%-50%No one\n"
        "    ~%50%Grant\n"
        "    ~%50%Grant's wife\n"
        "    ~%-50%Grant's father }"
    )
    assert q.kind is Kind.MULTIRESPONSE
    assert [a.fraction for a in q.answers] == [D("-0.5"), D("0.5"), D("0.5"), D("-0.5")]


def test_multiple_answers_accept_thirds_written_with_decimals():
    q = one("Pick the primes {~%33.33333%2 ~%33.33333%3 ~%33.33333%5 ~%-100%4}")
    assert q.kind is Kind.MULTIRESPONSE
    assert [a.fraction for a in q.answers] == [D("0.3333333")] * 3 + [D(-1)]


def test_weights_snap_to_moodles_grade_like_moodle_does():
    # Moodle matches weights to its grade list within 0.00001 and stores the listed value.
    q = one("Q {~%83.333%a ~%16.66667%b ~c}")
    assert [a.fraction for a in q.answers] == [D("0.8333333"), D("0.1666667"), D(0)]


@pytest.mark.parametrize(
    ("block", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_spellings(block, correct):
    q = one(f"The sun rises in the east.{{{block}}}")
    assert q.kind is Kind.TRUEFALSE
    assert q.correct is correct
    assert [a.text for a in q.answers] == ["True", "False"]
    assert [a.fraction for a in q.answers] == ([D(1), D(0)] if correct else [D(0), D(1)])


def test_true_false_feedback_is_wrong_then_right():
    # format.php: {T#feedback when the student is wrong#feedback when right}.
    true_q = one("Grant is dead.{T#No, he is dead.#Yes.}")
    assert true_q.feedback_false == "No, he is dead."
    assert true_q.feedback_true == "Yes."

    false_q = one("Grant is alive.{FALSE#No, he died in 1885.#Right.}")
    assert false_q.feedback_true == "No, he died in 1885."
    assert false_q.feedback_false == "Right."


def test_true_false_with_only_the_wrong_answer_feedback():
    q = one("Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}")
    assert q.correct is False
    assert q.feedback_true == "No one is buried in Grant's tomb."
    assert q.feedback_false == ""


def test_short_answer_accepts_several_answers_with_weights():
    q = one(
        "::Jesus' hometown:: Jesus Christ was from {\n"
        "     =Nazareth#Yes! That's right!\n"
        "     =%75%Nazereth#Right, but misspelled.\n"
        "     =%25%Bethlehem#He was born here, but not raised here.\n"
        "}."
    )
    assert q.kind is Kind.SHORTANSWER
    assert [(a.text, a.fraction) for a in q.answers] == [
        ("Nazareth", D(1)),
        ("Nazereth", D("0.75")),
        ("Bethlehem", D("0.25")),
    ]
    assert q.answers[1].feedback == "Right, but misspelled."
    assert q.tail_text == "."


def test_numerical_single_value():
    q = one("What's 2 plus 2? {#4}")
    assert q.kind is Kind.NUMERICAL
    (a,) = q.answers
    assert (a.value, a.tolerance, a.fraction) == (D(4), D(0), D(1))


def test_numerical_value_with_tolerance():
    (a,) = one("When was Ulysses S. Grant born?{#1822:5}").answers
    assert (a.value, a.tolerance, a.low, a.high) == (D(1822), D(5), D(1817), D(1827))


def test_numerical_range_is_stored_as_midpoint_and_half_width():
    (a,) = one("What is the value of pi (to 3 decimal places)? {#3.141..3.142}").answers
    assert (a.value, a.tolerance) == (D("3.1415"), D("0.0005"))
    assert (a.low, a.high) == (D("3.141"), D("3.142"))


def test_numerical_several_answers_with_partial_credit():
    q = one("Pi? {# =%100%3.14:0.01 =%50%3.1:0.1 }")
    assert [(a.value, a.tolerance, a.fraction) for a in q.answers] == [
        (D("3.14"), D("0.01"), D(1)),
        (D("3.1"), D("0.1"), D("0.5")),
    ]


def test_numerical_feedback_and_any_other_answer():
    q = one(
        "::Numerical example::\n"
        "When was Ulysses S. Grant born? {#\n"
        "     =1822:0      #Correct! 100% credit\n"
        "     =%50%1822:2  #He was born in 1822.\n"
        "                  You get 50% credit for being close.\n"
        "     ~#Not even close.\n"
        "}"
    )
    assert [a.feedback for a in q.answers] == [
        "Correct! 100% credit",
        "He was born in 1822.\nYou get 50% credit for being close.",
        "Not even close.",
    ]
    wildcard = q.answers[2]
    assert (wildcard.value, wildcard.fraction) == (None, D(0))


def test_numerical_accepts_negative_numbers_and_exponents():
    q = one("Q {#=-5..-1 =%50%1e2:1.5E1 =%25%*}")
    assert [(a.value, a.tolerance) for a in q.answers] == [
        (D(-3), D(2)),
        (D(100), D(15)),
        (None, D(0)),
    ]


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("Q {#1e999999999}", "numerical answer '1e999999999'"),
        ("Q {#=1:1e9999999}", "tolerance '1e9999999'"),
        ("Q {#-1e999999999..2}", "range start '-1e999999999'"),
        ("Q {#1e309}", "numerical answer '1e309'"),
        ("Q {#1e-400}", "numerical answer '1e-400'"),
    ],
)
def test_numerical_answer_beyond_moodles_float_range_is_refused_not_a_crash(source, what):
    # Found by tests/fuzz: such an exponent overflowed Decimal when the question's key was
    # computed, so parse_all raised decimal.Overflow for the whole file.
    result = parse_all("Fine {T}\n\n" + source)
    assert [q.text for q in result.questions] == ["Fine"]
    [err] = result.errors
    assert err.line == 3
    assert err.message.startswith(f"{what} is out of range: Moodle keeps numbers as 64-bit floats")


def test_numerical_answer_at_the_edge_of_moodles_float_range_is_kept():
    q = one("Q {#=1e308 =%50%-1e-320}")
    assert [a.value for a in q.answers] == [D("1e308"), D("-1e-320")]


def test_matching_pairs_with_an_extra_wrong_answer():
    q = one(
        "Match the following countries with their corresponding capitals. {\n"
        "    =Canada -> Ottawa\n"
        "    =Italy  -> Rome\n"
        "    =Japan  -> Tokyo\n"
        "    = -> Paris\n"
        "    }"
    )
    assert q.kind is Kind.MATCHING
    assert [(a.text, a.match) for a in q.answers] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("", "Paris"),
    ]
    assert q.choices == ("Ottawa", "Rome", "Tokyo", "Paris")


def test_matching_splits_at_the_first_arrow_and_dedupes_choices():
    q = one("Q {=cat -> mammal =dog -> mammal =arrow -> -> sign}")
    assert [a.match for a in q.answers] == ["mammal", "mammal", "-> sign"]
    assert q.choices == ("mammal", "-> sign")


def test_matching_subquestion_formats_from_moodles_own_test():
    q = one(
        "// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can edit. -> Wiki\n"
        "    = -> Chat\n"
        "}"
    )
    assert q.text_format is TextFormat.HTML
    assert [a.text_format for a in q.answers] == [
        TextFormat.HTML,
        TextFormat.MOODLE,
        TextFormat.PLAIN,
        TextFormat.MARKDOWN,
        TextFormat.HTML,
    ]
    assert q.answers[4] == Answer("", D(1), "", TextFormat.HTML, TextFormat.HTML, match="Chat")


def test_missing_word_keeps_text_before_and_after_the_blank():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.kind is Kind.MULTICHOICE
    assert q.is_missing_word
    assert q.text == "Grant is "
    assert q.tail_text == " in Grant's tomb."


def test_missing_word_works_for_short_answers_too():
    q = one("Two plus two equals {=four =4}.")
    assert q.kind is Kind.SHORTANSWER
    assert (q.text, q.tail_text) == ("Two plus two equals ", ".")


def test_missing_word_blank_at_the_start():
    q = one("{=Paris} is the capital of France.")
    assert (q.text, q.tail_text) == ("", " is the capital of France.")


def test_essay_has_an_empty_block():
    q = one("// essay\n::Q8:: How are you? {}")
    assert q.kind is Kind.ESSAY
    assert (q.title, q.text, q.answers) == ("Q8", "How are you?", ())
    assert q.needs_manual_review


def test_essay_with_general_feedback_only():
    q = one("Describe a tomb. {####Graders: look for 'mausoleum'.}")
    assert q.kind is Kind.ESSAY
    assert q.general_feedback == "Graders: look for 'mausoleum'."


def test_description_has_no_answer_block():
    q = one("::Intro::The next questions are about Grant.")
    assert q.kind is Kind.DESCRIPTION
    assert (q.title, q.text, q.answers) == ("Intro", "The next questions are about Grant.", ())


# --- layout: titles, comments, categories, lines ---------------------------------------------


def test_questions_are_separated_by_blank_lines_and_comments_vanish():
    questions = parse(
        "// Subheading: true/false below\n"
        "\n"
        "::Q1:: 1+1\\=2 {T}\n"
        "\n"
        "   \t\n"
        "// a comment between questions\n"
        "::Q2:: What's between orange and green?\n"
        "// a comment inside a question\n"
        "{ =yellow # right; good! ~red # wrong, it's yellow }\n"
    )
    assert [(q.title, q.kind, q.line) for q in questions] == [
        ("Q1", Kind.TRUEFALSE, 3),
        ("Q2", Kind.MULTICHOICE, 7),
    ]
    assert questions[1].text == "What's between orange and green?"


def test_title_with_spaces_is_the_key():
    q = one("::Kanji Origins::Japanese characters originally\ncame from what country? {=China}")
    assert q.title == "Kanji Origins"
    assert q.key == "Kanji Origins"
    assert q.text == "Japanese characters originally\ncame from what country?"


def test_multiline_question_lines_are_trimmed_like_moodle():
    q = one(
        "The American holiday of Thanksgiving is celebrated on the {\n"
        "    ~second\n"
        "    ~third\n"
        "    =fourth\n"
        "} Thursday of November."
    )
    assert [a.text for a in q.answers] == ["second", "third", "fourth"]
    assert q.tail_text == " Thursday of November."


def test_category_applies_to_following_questions():
    questions = parse(
        "Before {T}\n\n"
        "$CATEGORY: tom/dick/harry\n\n"
        "First {T}\n\n"
        "Second {F}\n\n"
        "$CATEGORY: $course$/top/Other\n"
        "Third, no blank line after the category {T}\n"
    )
    assert [(q.text, q.category) for q in questions] == [
        ("Before", None),
        ("First", "tom/dick/harry"),
        ("Second", "tom/dick/harry"),
        ("Third, no blank line after the category", "$course$/top/Other"),
    ]
    assert questions[3].line == 10


def test_windows_line_endings_and_byte_order_mark():
    source = "\ufeff// intro\r\n\r\n::A::First\r\nline {\r\n=one\r\n}\r\n\r\n::B::Second {F}\r\n"
    questions = parse(source)
    assert [(q.title, q.text, q.line) for q in questions] == [
        ("A", "First\nline", 3),
        ("B", "Second", 8),
    ]


def test_key_hashes_content_when_there_is_no_title():
    q = one("Capital of France? {=Paris}")
    assert re.fullmatch(r"[0-9a-f]{12}", q.key)
    # Feedback, formats and category do not change identity; what is asked and accepted does.
    assert one("$CATEGORY: geo\n\n[html]Capital of  France?{=Paris#Yes!####Easy}").key == q.key
    assert one("Capital of France? {=Paris =paris}").key != q.key
    assert one("Capital of Spain? {=Paris}").key != q.key
    assert one("Capital of France? {~Lyon =Paris}").key != q.key


def test_line_is_not_part_of_equality():
    assert parse("Q {T}")[0] == parse("\n\n\nQ {T}")[0]


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(TextFormat))
def test_question_text_format_is_recorded(fmt):
    q = one(f"[{fmt}]Who's buried in **Grant's tomb**?{{=no one#excellent answer!}}")
    assert q.text_format is fmt
    assert q.text == "Who's buried in **Grant's tomb**?"
    # Other parts default to the question's format.
    assert q.answers[0].text_format is fmt
    assert q.answers[0].feedback_format is fmt


def test_default_format_is_moodle():
    assert one("Plain question {T}").text_format is TextFormat.MOODLE


def test_answers_and_feedback_may_carry_their_own_format():
    q = one(
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n"
        "    =yellow # right; good!\n"
        "    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n"
        "    ####[markdown]**Yellow**, of course.\n"
        "}"
    )
    assert [(a.text_format, a.feedback_format) for a in q.answers] == [
        (TextFormat.MOODLE, TextFormat.MOODLE),
        (TextFormat.MOODLE, TextFormat.HTML),
        (TextFormat.PLAIN, TextFormat.MOODLE),
    ]
    assert q.general_feedback == "**Yellow**, of course."
    assert q.general_feedback_format is TextFormat.MARKDOWN


def test_a_literal_bracket_word_can_follow_an_explicit_format():
    q = one("[moodle][Note] Grant is dead. {T}")
    assert (q.text, q.text_format) == ("[Note] Grant is dead.", TextFormat.MOODLE)


def test_brackets_that_are_not_a_format_word_stay_text():
    assert one("[1] First question {T}").text == "[1] First question"


# --- escapes and feedback --------------------------------------------------------------------


def test_escaped_control_characters_in_answers_and_feedback():
    q = one(
        "::GIFT Control Characters::\n"
        "Which of the following is NOT a control character for the GIFT import format? {\n"
        "   ~ \\~     # \\~ is a control character.\n"
        "   ~ \\=     # \\= is a control character.\n"
        "   ~ \\#     # \\# is a control character.\n"
        "   ~ \\{     # \\{ is a control character.\n"
        "   ~ \\}     # \\} is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters.\n"
        "}"
    )
    assert [a.text for a in q.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert q.answers[1].feedback == "= is a control character."
    assert q.answers[5].feedback == (
        "Correct! \\ (backslash) is not a control character. BUT,\n"
        "it is used to escape the control characters."
    )


def test_escapes_in_question_text_and_title():
    q = one("::Ratio 1\\:2::Is 1 \\= 2\\: \\{x\\} \\~ y \\# z\\nsecond line? {T}")
    assert q.title == "Ratio 1:2"
    assert q.text == "Is 1 = 2: {x} ~ y # z\nsecond line?"


def test_feedback_containing_escaped_equals_does_not_start_an_answer():
    q = one("Which answer equals 5? {\n ~ \\= 2 + 2 #No, 2 + 2 \\= 4\n = \\= 2 + 3\n}")
    assert [(a.text, a.feedback) for a in q.answers] == [
        ("= 2 + 2", "No, 2 + 2 = 4"),
        ("= 2 + 3", ""),
    ]


def test_other_backslashes_are_literal():
    q = one("Solve $\\frac{1}{2}$? {=\\(x\\)}".replace("{1}{2}", "\\{1\\}\\{2\\}"))
    assert q.text == "Solve $\\frac{1}{2}$?"
    assert q.answers[0].text == "\\(x\\)"


def test_general_feedback_after_four_hashes():
    q = one("Grant {=Dead#Yes####General: Grant died in 1885.}")
    assert q.answers[0].feedback == "Yes"
    assert q.general_feedback == "General: Grant died in 1885."


# --- errors ----------------------------------------------------------------------------------


def test_error_message_names_path_line_and_question():
    err = error("::Good:: fine {T}\n\n::Broken one::\nWhat is {=unclosed\nmore text")
    assert isinstance(err, ValueError)
    assert (err.path, err.line, err.question) == ("quiz.gift", 4, "Broken one")
    assert str(err) == (
        "quiz.gift:4: question 'Broken one': unclosed '{': no '}' ends the answer block "
        "(write \\{ for a literal brace)"
    )


def test_default_path_is_string_marker():
    with pytest.raises(GiftError) as info:
        parse("Q {")
    assert str(info.value).startswith("<string>:1: question 'Q': unclosed '{'")


def test_every_bad_question_is_reported_at_once():
    err = error(
        "Good one {T}\n\nBad weight {~%150%a =b}\n\nAlso good {F}\n\n::Bad number:: Pi? {#three}\n"
    )
    assert [(e.line, e.question) for e in err.errors] == [(3, "Bad weight"), (7, "Bad number")]
    assert (err.line, err.message) == (3, "weight 150% is outside -100..100")
    assert str(err).splitlines() == [
        "quiz.gift:3: question 'Bad weight': weight 150% is outside -100..100",
        "quiz.gift:7: question 'Bad number': numerical answer 'three' is not a number (Moodle "
        "would accept any answer for it): write digits, with '.' for decimals (e.g. 3.14)",
    ]


def test_error_line_points_at_the_bad_answer():
    err = error("::M::\nMatch {\n=a -> 1\n// a comment line still counts\n=b -> 2\n=c 3\n}")
    assert err.line == 6
    assert err.message.startswith(
        "Matching question answers are improperly formatted: '=c 3' has no '->'"
    )


def test_blank_line_inside_an_answer_block_splits_it_into_two_errors():
    err = error("Q? {\n=a\n\n=b\n}")
    assert [(e.line, e.message.split(":")[0]) for e in err.errors] == [
        (1, "unclosed '{'"),
        (5, "'}' without an opening '{' (write \\} for a literal brace)"),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Q {=a {=b}", "'{' inside the answer block opened on line 1: is a '}' missing?"),
        (
            "Q {T} and {F}",
            "a second answer block: a GIFT question has a single answer block, and Moodle would "
            "show this one as literal text. Split it into one question per blank",
        ),
        ("Q {T} and }", "'}' after the answer block closes nothing"),
        ("::Title without end Q {T}", "the title has no closing '::'"),
        ("Q {~%-101%a =b}", "weight -101% is outside -100..100"),
        ("Q {~%35%a =b}", "weight 35% is not one of Moodle's grades: 100, 90, 83.33333"),
        ("Q {#3,14}", "numerical answer '3,14' is not a number"),
        ("Q {#1..x}", "range end 'x' is not a number"),
        ("Q {#5..1}", "range '5..1' starts above its end"),
        ("Q {#5:-1}", "tolerance '-1' is negative"),
        ("Q {#~#only feedback}", "No answers found for numerical question"),
        ("Q {#=5 ~oops#x}", "in a numerical question '~' only gives feedback"),
        ("Q {#=5 ~#x =6}", "in a numerical question '~#feedback' must come last, and once"),
        ("Q {#=5 ~#x ~#y}", "in a numerical question '~#feedback' must come last, and once"),
        ("Q {#=}", "empty numerical answer (Moodle would accept any answer for it)"),
        ("Q {#=%50%5}", "One of the answers should be 100%"),
        ("Q {true}", "true/false answers are upper case: write {TRUE}, not {true}"),
        ("Q {f#no}", "true/false answers are upper case: write {F}, not {f}"),
        (
            "Q {~a ~b ~c}",
            "no answer is marked correct with '=', and the positive '~%n%' "
            "weights add up to 0% instead of 100%",
        ),
        (
            "Q {~%50%a ~b}",
            "no answer is marked correct with '=', and the positive '~%n%' weights add up "
            "to 50% instead of 100%",
        ),
        ("Q {=a}", None),  # a valid short answer, checked below
        ("Q {=only}", None),
        (
            "Q {~only}",
            "There is an error in the question. There are not enough answers for this "
            "question type (multiple choice needs at least 2)",
        ),
        ("Q {=%50%a ~b}", "'=' already means 100% in multiple choice"),
        (
            "Q {=a ~}",
            "multiple choice needs at least 2 choices, and 1 is left once the empty ones are "
            "dropped",
        ),
        ("Q {~= ~a ~b}", "the choice marked '=' is empty, so no choice is right"),
        ("Q {=%50%half}", "One of the answers should be 100%"),
        ("Q {=}", "empty answer after '=': write the accepted answer after it"),
        ("Q {=#feedback only}", "empty answer after '='"),
        ("[markdwon]Q {T}", "unknown text format '[markdwon]'"),
        (
            "[HTML]Q {T}",
            "unknown text format '[HTML]': use [html], [markdown], [moodle] or "
            "[plain] (lower case)",
        ),
        ("[Markdown]Q {T}", "unknown text format '[Markdown]'"),
        ("Q {=[htlm] a}", "unknown text format '[htlm]'"),
        ("Q {=a -> 1 =b -> 2 =c ->}", "You must specify an answer matching the question 'c'"),
        ("Q {=a -> 1 =b 2 =c -> 3}", "Matching question answers are improperly formatted"),
        ("Q {a =b -> 2 =c -> 3}", "Matching question answers are improperly formatted: 'a'"),
        ("Q {=a -> x =b -> x}", "every subquestion has the answer 'x', so there is nothing"),
        ("Q {= -> x = -> y}", "a matching question needs a subquestion"),
        ("::::", "the question has no text"),
        ("::T::{T}", "the question has no text"),
        ("Q } oops", "'}' without an opening '{'"),
    ],
)
def test_malformed_questions(source, message):
    if message is None:
        assert one(source).kind is Kind.SHORTANSWER
        return
    err = error(source)
    assert err.message.startswith(message), err.message
    assert err.line == 1


@pytest.mark.parametrize(
    ("source", "kind", "answers", "code"),
    [
        # These were refused; Moodle imports them (question/format/gift/format.php,
        # qformat_gift::readquestion), so Lectern does too, reading them the same way, and warns.
        ("Q {TRU}", Kind.SHORTANSWER, ["TRU"], "shortanswer-without-equals"),
        ("Q {TRUE FALSE}", Kind.SHORTANSWER, ["TRUE FALSE"], "shortanswer-without-equals"),
        ("Q {a ~b =c}", Kind.MULTICHOICE, ["a", "b", "c"], "choice-without-marker"),
        ("Q {=[Note] a}", Kind.SHORTANSWER, ["[Note] a"], "not-a-format"),
        ("Q {=a -> 1 =b -> 2}", Kind.MATCHING, ["1", "2"], "matching-too-small"),
        ("Q {=a -> 1 = -> 2 = -> 3}", Kind.MATCHING, ["1", "2", "3"], "matching-too-small"),
        ("Q {=a -> 1 =b -> 2 =c -> 3 #good}", Kind.MATCHING, ["1", "2", "3 #good"], None),
        ("::T::", Kind.DESCRIPTION, [], "title-only"),
    ],
)
def test_forms_that_moodle_imports_are_imported_with_a_warning(source, kind, answers, code):
    result = parse_all(source, path="quiz.gift")
    assert result.errors == ()
    (q,) = result.questions
    assert q.kind is kind
    assert [a.match or a.text for a in q.answers] == answers
    assert [w.code for w in result.warnings] == [code or "hash-in-matching"]
    assert result.warnings[0].line == 1


def test_duplicate_keys_are_numbered_instead_of_refused():
    # Used to be an error; Moodle imports questions with the same name side by side (its own
    # examples.txt has several), so now the repeats get "<key>#<n>" (test_gift_moodle.py).
    questions = parse("::Same:: one {T}\n\n::Same:: two {F}\n\nQ {=a}\n\nQ {=a#other feedback}")
    content = one("Q {=a}").key
    assert [(q.key, q.occurrence, q.line) for q in questions] == [
        ("Same", 1, 1),
        ("Same#2", 2, 3),
        (content, 1, 5),
        (f"{content}#2", 2, 7),
    ]


def test_errors_are_sorted_by_line_and_keep_the_question_label():
    err = error("::One:: {x}\n\n" + "A long question that goes on well past forty characters {#y}")
    assert [e.question for e in err.errors] == [
        "One",
        "A long question that goes on well past …",
    ]
