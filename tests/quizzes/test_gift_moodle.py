"""Real Moodle GIFT banks: what Moodle's import does with them, and what Lectern does.

Each test cites the Moodle code it follows: ``qformat_gift::readquestion`` in
question/format/gift/format.php (how a question block is read), ``qformat_default::importprocess``
in question/format.php (the import loop) and the question types' ``save_question_options``
(what is finally saved). The rule: what Moodle imports, Lectern imports too, read the same way,
with a warning where the source is odd; what Moodle would import but no author can have meant is
refused, one question at a time, with a message saying what to write instead.
"""

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.gift import (
    GiftError,
    GiftWarning,
    Kind,
    ParseResult,
    Question,
    TextFormat,
    export,
    parse,
    parse_all,
)
from tests.quizzes.test_gift_export import questions as any_question

D = Decimal


def only(source: str) -> tuple[Question, list[str]]:
    """The one question of ``source`` and the codes of its warnings."""
    result = parse_all(source, path="bank.gift")
    assert result.errors == (), [str(e) for e in result.errors]
    (question,) = result.questions
    return question, [w.code for w in result.warnings]


def refused(source: str) -> GiftError:
    result = parse_all(source, path="bank.gift")
    assert result.questions == ()
    (error,) = result.errors
    return error


# --- 1. blank choices --------------------------------------------------------------------------


def test_a_blank_choice_is_dropped_with_a_warning_as_moodle_saves_it():
    # qformat_gift::readquestion (multichoice) turns each '=' into '~=' and splits on '~', so
    # '~=' gives an empty choice worth 0; qtype_multichoice::save_question_options then skips
    # every choice whose text is blank. What Moodle saves is the two real choices.
    result = parse_all("::Q:: How many? {~=some~a few}", path="bank.gift")
    (q,) = result.questions
    assert q.kind is Kind.MULTICHOICE
    assert [(a.text, a.fraction) for a in q.answers] == [("some", D(1)), ("a few", D(0))]
    (warning,) = result.warnings
    assert (warning.code, warning.line, warning.question) == ("blank-choice", 1, "Q")
    assert str(warning) == (
        "bank.gift:1: question 'Q': '~' right before '=' makes an empty choice; Moodle drops "
        "empty choices when it saves the question, and so does Lectern: remove the stray '~' "
        "[blank-choice]"
    )


@pytest.mark.parametrize(
    "block",
    [
        "{=a ~~b ~c}",  # '~~'
        "{=a ~b ~c ~}",  # a trailing '~'
        "{=a ~#feedback but no text ~b}",  # feedback alone is no choice
        "{=a\n~%50%\n~b}",  # a weight alone neither
    ],
)
def test_every_kind_of_blank_choice_is_dropped_as_moodle_saves_it(block):
    # qtype_multichoice::save_question_options: `if (trim($answerdata['text']) == '') continue;`
    q, codes = only(f"Pick one {block}")
    assert [a.text for a in q.answers][:2] == ["a", "b"]
    assert "" not in [a.text for a in q.answers]
    assert codes == ["blank-choice"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        # Moodle's save step counts the choices before dropping blank ones, so it would save a
        # question with one choice, or one whose only '=' choice is gone.
        ("{=a ~}", "multiple choice needs at least 2 choices, and 1 is left"),
        ("{~= ~a ~b}", "the choice marked '=' is empty, so no choice is right"),
    ],
)
def test_blank_choices_that_leave_nothing_to_choose_refuse_the_question(block, message):
    assert refused(f"Pick {block}").message.startswith(message)


def test_a_blank_short_answer_is_dropped_because_it_can_never_match():
    # question_type::save_question_answers keeps a blank answer worth 100%, but no typed
    # response matches it (an empty response is no response); Lectern drops it and warns.
    q, codes = only("Capital of France? {= =Paris}")
    assert [a.text for a in q.answers] == ["Paris"]
    assert codes == ["blank-answer"]
    assert refused("Capital of France? {=#nothing to accept}").message.startswith(
        "empty answer after '='"
    )


# --- 2. repeated titles and repeated questions ---------------------------------------------------


def test_questions_with_the_same_title_all_import_with_numbered_keys():
    # Moodle's import (qformat_default::importprocess) gives every question a new id and never
    # compares names, so questions with the same ::title:: all import. Lectern keys them by
    # title: the first keeps it, the n-th repeat gets '<title>#<n>'.
    source = "::Q:: First {T}\n\n::Other:: Unrelated {T}\n\n::Q:: Second {F}\n\n::Q:: Third {T}\n"
    result = parse_all(source, path="bank.gift")
    assert [(q.text, q.key, q.occurrence) for q in result.questions] == [
        ("First", "Q", 1),
        ("Unrelated", "Other", 1),
        ("Second", "Q#2", 2),
        ("Third", "Q#3", 3),
    ]
    assert [(w.code, w.line) for w in result.warnings] == [
        ("duplicate-title", 5),
        ("duplicate-title", 7),
    ]
    assert result.warnings[0].message.startswith(
        "the question on line 1 has the same title 'Q'; Moodle imports both, and so does "
        "Lectern, keying this one 'Q#2'"
    )
    # The keys are stable: the same file, or the file with a repeat's text edited, keys the
    # same way again.
    assert [q.key for q in parse(source)] == ["Q", "Other", "Q#2", "Q#3"]
    edited = source.replace("Second {F}", "Second, reworded {T}")
    assert [q.key for q in parse(edited)] == ["Q", "Other", "Q#2", "Q#3"]


def test_moodles_own_examples_with_repeated_questions_all_import():
    # Adapted from question/format/gift/examples.txt, which repeats questions verbatim and has
    # two different questions titled "Jesus' hometown".
    source = (
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "::Jesus' hometown::Jesus Christ was from {~Jerusalem ~%25%Bethlehem =Nazareth}.\n\n"
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "::Jesus' hometown:: Jesus Christ was from {=Nazareth =%75%Nazereth}.\n\n"
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n"
    )
    result = parse_all(source)
    assert result.errors == ()
    content = result.questions[0].key
    assert [q.key for q in result.questions] == [
        content,
        "Jesus' hometown",
        f"{content}#2",
        "Jesus' hometown#2",
        f"{content}#3",
    ]
    assert [(w.code, w.line) for w in result.warnings] == [
        ("duplicate-content", 5),
        ("duplicate-title", 7),
        ("duplicate-content", 9),
    ]
    assert len({q.key for q in result.questions}) == 5


def test_a_refused_repeat_keeps_its_key_so_the_others_do_not_move():
    # A broken repeat still counts: the third 'Q' stays 'Q#3' while the second is being fixed,
    # and the error carries 'Q#2' so the importer can keep that question's last good version.
    result = parse_all("::Q:: a {T}\n\n::Q:: Pi? {#three}\n\n::Q:: c {F}\n\nBroken {#x}\n")
    assert [q.key for q in result.questions] == ["Q", "Q#3"]
    assert [(e.line, e.key) for e in result.errors] == [(3, "Q#2"), (7, "")]


def test_a_title_that_collides_with_a_numbered_key_is_refused():
    result = parse_all("::Q:: a {T}\n\n::Q#2:: b {T}\n\n::Q:: c {F}\n")
    assert [q.key for q in result.questions] == ["Q", "Q#2"]
    (error,) = result.errors
    assert (error.line, error.key) == (5, "")
    assert error.message.startswith("its key 'Q#2' is already the key of the question on line 3")


def test_export_writes_repeats_so_that_reimport_gives_the_same_keys():
    questions = parse("::Q:: a {T}\n\nSame {T}\n\n::Q:: b {F}\n\nSame {T}\n")
    assert [q.occurrence for q in questions] == [1, 1, 2, 2]
    again = parse(export(questions))
    assert again == questions
    assert [q.key for q in again] == [q.key for q in questions]


def test_export_refuses_repeats_numbered_out_of_order():
    first = Question(Kind.TRUEFALSE, "a", parse("x {T}")[0].answers, title="Q")
    with pytest.raises(ValueError, match="it would be re-imported as 'Q'"):
        export([dataclasses.replace(first, occurrence=2)])
    with pytest.raises(ValueError, match="another question has the key 'Q#2'"):
        export(
            [
                first,
                dataclasses.replace(first, occurrence=2),
                dataclasses.replace(first, title="Q#2"),
            ]
        )


@st.composite
def quizzes_with_repeats(draw):
    """Questions sharing titles, and verbatim copies, numbered as parse numbers them."""
    base = [
        dataclasses.replace(q, title=draw(st.sampled_from(["", "", "Same", "Other"])))
        for q in draw(st.lists(any_question(), min_size=1, max_size=3))
    ]
    quiz = base + draw(st.lists(st.sampled_from(base), max_size=3))
    seen: dict[str, int] = {}
    numbered = []
    for question in quiz:
        n = seen[question.base_key] = seen.get(question.base_key, 0) + 1
        numbered.append(dataclasses.replace(question, occurrence=n))
    return numbered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quizzes_with_repeats())
def test_repeated_questions_round_trip_with_their_keys(quiz):
    again = parse(export(quiz))
    assert again == quiz
    assert [q.key for q in again] == [q.key for q in quiz]


# --- 3. type detection: what Moodle accepts without '=' ------------------------------------------


def test_a_short_answer_without_equals_is_a_short_answer_as_moodle_reads_it():
    # readquestion: not numerical, no '~', not '=' with '->', not T/TRUE/F/FALSE, so
    # "Must be shortanswer"; it splits on '=' and keeps the non-blank text before the first one.
    q, codes = only("Capital of France? {Paris}")
    assert (q.kind, [(a.text, a.fraction) for a in q.answers]) == (
        Kind.SHORTANSWER,
        [("Paris", D(1))],
    )
    assert codes == ["shortanswer-without-equals"]

    q, codes = only("Capital of France? {Paris =paris#lower case is fine}")
    assert [(a.text, a.feedback) for a in q.answers] == [
        ("Paris", ""),
        ("paris", "lower case is fine"),
    ]
    assert codes == ["shortanswer-without-equals"]

    # The weight regex applies to that first answer too.
    q, _ = only("Q {%50%Pari =Paris}")
    assert [(a.text, a.fraction) for a in q.answers] == [("Pari", D("0.5")), ("Paris", D(1))]


def test_a_choice_without_tilde_is_a_wrong_choice_as_moodle_reads_it():
    # readquestion (multichoice): the text before the first '~' or '=' is answers[0], weighted
    # by a leading %n% like any '~' choice, 0 without one.
    q, codes = only("Grant is {buried ~dead =entombed}.")
    assert [(a.text, a.fraction) for a in q.answers] == [
        ("buried", D(0)),
        ("dead", D(0)),
        ("entombed", D(1)),
    ]
    assert codes == ["choice-without-marker"]
    q, codes = only("Pick two {%50%Grant ~%50%his wife ~nobody}")
    assert q.kind is Kind.MULTIRESPONSE
    assert [a.fraction for a in q.answers] == [D("0.5"), D("0.5"), D(0)]
    assert codes == ["choice-without-marker"]


def test_a_matching_pair_without_equals_is_a_pair_as_moodle_reads_it():
    q, codes = only("Match {Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo}")
    assert [(a.text, a.match) for a in q.answers] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
    ]
    assert codes == ["choice-without-marker"]


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        # qformat_gift::readquestion checks, in this order:
        ("{}", Kind.ESSAY),  # an empty block
        ("{####Graders: look for 1885.}", Kind.ESSAY),  # empty once the general feedback goes
        ("{#=5 ~#no}", Kind.NUMERICAL),  # a leading '#'
        ("{=a -> b ~c}", Kind.MULTICHOICE),  # any '~' beats '->'
        ("{=a -> 1 =b -> 2 =c -> 3}", Kind.MATCHING),  # '=' and '->'
        ("{T#not =, a comment}", Kind.TRUEFALSE),  # T/TRUE/F/FALSE before any '#'
        ("{FALSE}", Kind.TRUEFALSE),
        ("{TRUE FALSE}", Kind.SHORTANSWER),  # everything else is a short answer
        ("{a -> b}", Kind.SHORTANSWER),  # '->' without '=' is no matching
        ("{=Paris}", Kind.SHORTANSWER),
    ],
)
def test_question_type_is_told_in_moodles_order(block, kind):
    q, _ = only(f"Q {block}")
    assert q.kind is kind


def test_a_lower_case_true_false_answer_is_refused_not_made_a_short_answer():
    # Moodle's check is in_array($truefalsecheck, ['T', 'TRUE', 'F', 'FALSE']), case-sensitive;
    # {true} would become a short answer accepting the word "true", which nobody means.
    error = refused("The sun rises in the east. {true}")
    assert error.message == (
        "true/false answers are upper case: write {TRUE}, not {true} (Moodle would make it a "
        "short answer accepting 'true')"
    )


def test_a_bracketed_word_that_is_no_format_stays_text_as_in_moodle():
    # qformat_gift::parse_text_with_format: format_name_to_const() gives -1 for an unknown
    # name, and the text keeps its "[...]".
    q, codes = only("[Note] Grant is dead. {T}")
    assert (q.text, q.text_format) == ("[Note] Grant is dead.", TextFormat.MOODLE)
    assert codes == ["not-a-format"]
    # A format name in the wrong case or misspelt was meant as a format: refused.
    assert refused("[HTML]<b>Grant</b> is dead. {T}").message.startswith(
        "unknown text format '[HTML]'"
    )
    assert refused("[mardown]**Grant** is dead. {T}").message.startswith(
        "unknown text format '[mardown]'"
    )


# --- numerical: what readquestion does with '~' and with non-numbers ----------------------------


def test_numerical_wrong_answer_feedback_comes_last_as_moodle_reads_all_after_the_tilde():
    # readquestion (numerical) cuts the block at the first '~' and makes all the rest the
    # feedback for '*', so an answer after it would silently vanish: refused.
    q, _ = only("Pi? {#=3.14:0.01 =%50%3 ~#No.}")
    assert [(a.value, a.fraction, a.feedback) for a in q.answers][-1] == (None, D(0), "No.")
    error = refused("Pi? {#=3.14:0.01 ~#No. =%50%3}")
    assert error.message.startswith("in a numerical question '~#feedback' must come last")


@pytest.mark.parametrize("block", ["{#three}", "{#3,14}", "{#=}", "{#= =3}"])
def test_numerical_answers_that_moodle_would_make_any_answer_are_refused(block):
    # readquestion's check is `!(is_numeric($ans) || $ans = '*')`: the assignment always
    # succeeds, so a non-number is stored as '*', full marks for any answer.
    assert "Moodle would accept any answer for it" in refused(f"Pi? {block}").message


# --- matching: what qtype_match saves ------------------------------------------------------------


def test_an_empty_matching_pair_is_dropped_as_moodle_saves_it():
    # qtype_match::save_question_options: `if ($questiontext['text'] == '' &&
    # trim($question->subanswers[$key]) == '') continue;`
    q, codes = only("Match {=Canada -> Ottawa =Italy -> Rome = -> =Japan -> Tokyo}")
    assert [a.match for a in q.answers] == ["Ottawa", "Rome", "Tokyo"]
    assert codes == ["blank-pair"]


def test_a_hash_in_a_matching_pair_is_text_as_in_moodle():
    # readquestion (match) has no feedback for pairs: everything after '->' is the answer.
    q, codes = only("Match {=Microsoft -> C# =Sun -> Java =Google -> Go}")
    assert [a.match for a in q.answers] == ["C#", "Java", "Go"]
    assert codes == ["hash-in-matching"]
    q, codes = only("Match {=Microsoft -> C\\# =Sun -> Java =Google -> Go}")
    assert (q.answers[0].match, codes) == ("C#", [])


def test_a_small_matching_question_imports_with_a_warning():
    # check_answer_count(2, ...) is all readquestion asks; the 2-subquestions-and-3-answers rule
    # is only in Moodle's question editor.
    q, codes = only("Match {=Canada -> Ottawa =Italy -> Rome}")
    assert len(q.answers) == 2
    assert codes == ["matching-too-small"]


# --- 4. a block holding only a title ------------------------------------------------------------


def test_a_block_with_only_a_title_is_an_empty_description_as_moodle_makes_it():
    # readquestion strips the name; with no '{' and no '}' left the block is a description,
    # whose text here is empty, and importprocess saves it as it is.
    result = parse_all("::Part 2::\n\n::Q:: Grant is dead. {T}\n", path="bank.gift")
    first, second = result.questions
    assert (first.kind, first.title, first.text, first.key) == (
        Kind.DESCRIPTION,
        "Part 2",
        "",
        "Part 2",
    )
    assert second.kind is Kind.TRUEFALSE
    (warning,) = result.warnings
    assert (warning.code, warning.line, warning.question) == ("title-only", 1, "Part 2")
    assert export([first]) == "::Part 2::\n"
    assert parse(export(result.questions)) == list(result.questions)


# --- 5. Cloze -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "Paris is in {1:MC:=France~Spain~Italy}.",
        "The capital of France is {1:SHORTANSWER:=Paris}.",
        "Two and two make {2:NUMERICAL:=4:0}.",
        "Pick {:MULTIRESPONSE:%50%a~%50%b~c}.",
        "Paris is in {1:mcv:=France~Spain} and Rome in {1:MC:=Italy~Spain}.",
    ],
)
def test_cloze_syntax_is_refused_with_what_to_write_instead(source):
    # Cloze (qtype_multianswer, ANSWER_START_REGEX "{n:TYPE:") is another question type; GIFT's
    # readquestion would make "1:MC:" an answer (a wrong choice, or an accepted short answer).
    error = refused(source)
    assert "is Cloze (embedded answers), not GIFT" in error.message
    assert "Write one GIFT question per blank instead" in error.message
    assert error.line == 1


# --- 6. several answer blocks -------------------------------------------------------------------


def test_a_second_answer_block_is_refused_with_what_to_write_instead():
    # readquestion takes the first '{' and the first '}'; the second block would be shown to
    # students as literal text.
    error = refused("::Capitals:: Paris is in {=France}, and Rome is in\n{=Italy}.")
    assert (error.line, error.key) == (2, "Capitals")
    assert error.message == (
        "a second answer block: a GIFT question has a single answer block, and Moodle would "
        "show this one as literal text. Split it into one question per blank, or write \\{ "
        "and \\} for literal braces"
    )


# --- 7. every question type Moodle's GIFT supports, as its own tests expect -------------------


def test_essay_as_moodles_test_import_essay_expects():
    q, _ = only("// essay\n::Q8:: How are you? {}")
    assert (q.kind, q.title, q.text, q.text_format) == (
        Kind.ESSAY,
        "Q8",
        "How are you?",
        TextFormat.MOODLE,
    )


def test_matching_as_moodles_test_import_match_expects():
    q, codes = only(
        "// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can edit. -> Wiki\n"
        "    = -> Chat\n"
        "}"
    )
    assert (q.kind, q.text, q.text_format) == (
        Kind.MATCHING,
        "Match the <b>activity</b> to the description.",
        TextFormat.HTML,
    )
    assert [(a.text_format, a.match) for a in q.answers] == [
        (TextFormat.HTML, "Forum"),
        (TextFormat.MOODLE, "Choice"),
        (TextFormat.PLAIN, "Database"),
        (TextFormat.MARKDOWN, "Wiki"),
        (TextFormat.HTML, "Chat"),
    ]
    assert codes == []


def test_multiple_choice_as_moodles_test_import_multichoice_expects():
    q, _ = only(
        "// multiple choice with specified feedback for right and wrong answers\n"
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n    =yellow # right; good!\n    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n}"
    )
    assert q.kind is Kind.MULTICHOICE  # Moodle: single = 1
    assert [(a.text, a.text_format, a.fraction) for a in q.answers] == [
        ("yellow", TextFormat.MOODLE, D(1)),
        ("red", TextFormat.MOODLE, D(0)),
        ("blue", TextFormat.PLAIN, D(0)),
    ]
    assert [(a.feedback, a.feedback_format) for a in q.answers] == [
        ("right; good!", TextFormat.MOODLE),
        ("wrong, it's yellow", TextFormat.HTML),
        ("wrong, it's yellow", TextFormat.MOODLE),
    ]


@pytest.mark.parametrize(
    ("block", "fractions"),
    [
        # test_import_multichoice_multi
        (
            "~%50%yellow # right; good!\n~%-100%red # [html]wrong\n~%50%off-beige # right\n"
            "~%-100%[plain]blue # wrong",
            [D("0.5"), D(-1), D("0.5"), D(-1)],
        ),
        # test_import_multichoice_multi_tricky: one %100% choice and no '=' is still "multi".
        ("~%100%yellow # right; good!\n~%-50%red # wrong\n~%-50%blue # wrong", [1, -0.5, -0.5]),
    ],
)
def test_multiple_answers_as_moodles_multichoice_multi_tests_expect(block, fractions):
    q, _ = only(f"::colours:: What's between orange and green?\n{{\n{block}\n}}")
    assert q.kind is Kind.MULTIRESPONSE  # Moodle: single = 0
    assert [a.fraction for a in q.answers] == [D(str(f)) for f in fractions]


def test_numerical_as_moodles_test_import_numerical_expects():
    q, _ = only(
        "// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}"
    )
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in q.answers] == [
        (D(3), D(2), D(1), ""),
        (None, D(0), D(0), "Completely wrong"),
    ]


def test_numerical_ranges_tolerances_and_several_answers_as_moodle_reads_them():
    q, _ = only("When was Grant born? {#\n=1822:0 #Correct!\n=%50%1822:2 #Close.\n=%25%1810..1830}")
    assert [(a.low, a.high, a.fraction) for a in q.answers] == [
        (D(1822), D(1822), D(1)),
        (D(1820), D(1824), D("0.5")),
        (D(1810), D(1830), D("0.25")),
    ]


@pytest.mark.parametrize("general", ["", "\n    ####[html]Here is some general feedback!"])
def test_short_answer_as_moodles_test_import_shortanswer_expects(general):
    q, _ = only(
        "// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n"
        f"    =%0%*#Completely wrong{general}\n}}"
    )
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("Frog", D(1), "Good!"),
        ("Cat", D("0.5"), "What is it with Moodlers and cats?"),
        ("*", D(0), "Completely wrong"),
    ]
    if general:
        assert (q.general_feedback, q.general_feedback_format) == (
            "Here is some general feedback!",
            TextFormat.HTML,
        )


@pytest.mark.parametrize(
    ("source", "correct", "feedback_true", "feedback_false"),
    [
        (
            "// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\n"
            "FALSE#42 is the Ultimate Answer.#You gave the right answer.}",
            False,
            "42 is the Ultimate Answer.",
            "You gave the right answer.",
        ),
        ("// name 0-11\n::2-08 TSL::TSL is blablabla.{T}", True, "", ""),
        ("// name 0-11\n::2-08 TSL::TSL is blablabla.{TRUE}", True, "", ""),
    ],
)
def test_true_false_as_moodles_test_import_truefalse_expects(
    source, correct, feedback_true, feedback_false
):
    q, _ = only(source)
    assert (q.kind, q.correct, q.feedback_true, q.feedback_false) == (
        Kind.TRUEFALSE,
        correct,
        feedback_true,
        feedback_false,
    )


def test_backslashes_and_escaped_braces_as_moodles_tests_expect():
    # test_import_backslash (MDL-34171) and test_import_pre_content.
    q, _ = only("// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{}")
    assert q.text == "A \\ B \\\\ C"
    q, _ = only(
        "::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n"
        "    public void test() \\{\n        method1();\n    \\}\n</pre>\n{}"
    )
    assert q.kind is Kind.ESSAY
    assert q.text == (
        "<p>What would running the test method print?</p>\n<pre>\n"
        "public void test() {\nmethod1();\n}\n</pre>"
    )  # lines are trimmed, as readquestions trims them


def test_tags_and_idnumber_comments_are_plain_comments_to_lectern():
    # test_import_question_with_tags: Moodle 3.6+ reads [tag:...] and [id:...] from comment
    # lines (extract_idnumber_and_tags_from_comment); Lectern has neither and drops the comment.
    q, codes = only(
        "// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n::Question name:: How are you? {}"
    )
    assert (q.kind, q.title, q.text, codes) == (Kind.ESSAY, "Question name", "How are you?", [])


def test_missing_word_and_description_as_moodle_reads_them():
    q, _ = only("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (q.kind, q.text, q.tail_text) == (Kind.MULTICHOICE, "Grant is ", " in Grant's tomb.")
    q, _ = only("::Intro:: The next questions are about Grant.")
    assert (q.kind, q.text) == (Kind.DESCRIPTION, "The next questions are about Grant.")


# --- 8. the whole file in one pass ----------------------------------------------------------------


BANK = """\
// A bank with good and bad questions mixed, as real ones are.
::Good one:: Grant is buried in Grant's tomb. {FALSE}

::Cloze:: Paris is in {1:MC:=France~Spain}.

Who's buried in Grant's tomb? {~=no one~Grant~Jefferson}

::Bad number:: What is pi?
{#
    =three
}

$CATEGORY: history

::Good two:: Capital of France? {Paris}

::Two blanks:: {=Paris} is the capital of {=France}.

::Good one:: When was Grant born? {#1822:5}

::Bad weight:: Pick {~%35%a =b}
"""


def test_a_file_with_good_and_bad_questions_returns_every_good_one_and_one_error_per_bad_one():
    result = parse_all(BANK, path="bank.gift")
    assert isinstance(result, ParseResult)
    assert [(q.line, q.key, q.category) for q in result.questions] == [
        (2, "Good one", None),
        (6, result.questions[1].key, None),
        (15, "Good two", "history"),
        (19, "Good one#2", "history"),
    ]
    assert [(e.line, e.question, e.key) for e in result.errors] == [
        (4, "Cloze", "Cloze"),
        (10, "Bad number", "Bad number"),  # the line of the bad answer, not of the title
        (17, "Two blanks", "Two blanks"),
        (21, "Bad weight", "Bad weight"),
    ]
    assert [(w.line, w.code) for w in result.warnings] == [
        (6, "blank-choice"),
        (15, "shortanswer-without-equals"),
        (19, "duplicate-title"),
    ]
    # parse() is the strict form: it refuses the file, listing every error in order.
    with pytest.raises(GiftError) as info:
        parse(BANK, path="bank.gift")
    assert [(e.line, e.question) for e in info.value.errors] == [
        (e.line, e.question) for e in result.errors
    ]
    assert str(info.value).splitlines()[0].startswith("bank.gift:4: question 'Cloze': '{1:MC:")


def test_warnings_and_results_are_plain_values():
    warning = GiftWarning("a.gift", 3, "Q", "blank-choice", "empty choice")
    assert str(warning) == "a.gift:3: question 'Q': empty choice [blank-choice]"
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.line = 4  # type: ignore[misc]
    assert parse_all("") == ParseResult((), (), ())
    assert GiftError("x").key == ""
