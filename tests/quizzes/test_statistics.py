"""Quiz statistics and item analysis, checked against Moodle's formulas (quizzes.statistics)."""

import math
import random
from decimal import Decimal

import pytest

from quizzes import statistics
from quizzes.gift import Question, parse
from quizzes.statistics import (
    AttemptMarks,
    ChoiceCount,
    Which,
    attempts_for,
    quiz_statistics,
    response_counts,
)

approx = pytest.approx


def attempt(user_id: int, number: int = 1, **marks: float | None) -> AttemptMarks:
    return AttemptMarks(user_id=user_id, number=number, marks=marks)


# --- a small example, worked by hand -----------------------------------------------------------

# Five attempts, three questions worth 1 each; totals 3, 2, 2, 1, 0 (scores 100 %, 66.67 % ...).
SMALL = [
    attempt(1, q1=1, q2=1, q3=1),
    attempt(2, q1=1, q2=1, q3=0),
    attempt(3, q1=1, q2=0, q3=1),
    attempt(4, q1=0, q2=1, q3=0),
    attempt(5, q1=0, q2=0, q3=0),
]


def small() -> tuple[statistics.QuizStats, dict[str, statistics.QuestionStats]]:
    quiz, questions = quiz_statistics(SMALL, question_keys=["q1", "q2", "q3"], pass_mark=60)
    return quiz, {q.key: q for q in questions}


def test_small_example_question_one_discriminates_well():
    _, stats = small()
    q1 = stats["q1"]
    # marks 1 1 1 0 0, mean .6; rest of test (total - q1) 2 1 1 1 0, mean 1.
    # d(mark) = .4 .4 .4 -.6 -.6, sum of squares 1.2, variance 1.2 / 4 = .3
    # d(rest) = 1 0 0 0 -1, sum of squares 2, variance .5
    # covariance = (.4 * 1 + .6 * 1) / 4 = .25; DI = 100 * .25 / sqrt(.3 * .5)
    # sorted d(mark) -.6 -.6 .4 .4 .4 against sorted d(rest) -1 0 0 0 1: (.6 + .4) / 4 = .25
    assert q1.count == 5
    assert q1.facility == approx(60)
    assert q1.sd == approx(100 * math.sqrt(0.3))  # 54.77 %
    assert q1.discrimination_index == approx(100 * 0.25 / math.sqrt(0.15))  # 64.55 %
    assert q1.discriminative_efficiency == approx(100)
    assert q1.flags == ()


def test_small_example_question_two_does_not_discriminate():
    _, stats = small()
    q2 = stats["q2"]
    # marks 1 1 0 1 0 (mean .6), rest 2 1 2 0 0 (mean 1): d(mark) .4 .4 -.6 .4 -.6,
    # d(rest) 1 0 1 -1 -1; covariance sum .4 - .6 - .4 + .6 = 0, so DI 0 and DE 0
    # (covmax: sorted -.6 -.6 .4 .4 .4 x -1 -1 0 1 1 = 2, / 4 = .5).
    assert q2.facility == approx(60)
    assert q2.sd == approx(100 * math.sqrt(0.3))
    assert q2.discrimination_index == approx(0, abs=1e-9)
    assert q2.discriminative_efficiency == approx(0, abs=1e-9)
    assert q2.flags == (statistics.LOW_DISCRIMINATION, statistics.LOW_EFFICIENCY)


def test_small_example_question_three():
    _, stats = small()
    q3 = stats["q3"]
    # marks 1 0 1 0 0 (mean .4), rest 2 2 1 1 0 (mean 1.2)
    # d(mark) .6 -.4 .6 -.4 -.4: variance 1.2 / 4 = .3
    # d(rest) .8 .8 -.2 -.2 -1.2: sum of squares 2.8, variance .7
    # covariance (.48 - .32 - .12 + .08 + .48) / 4 = .15; DI = 15 / sqrt(.21) = 32.73 %
    # covmax: sorted -.4 -.4 -.4 .6 .6 x -1.2 -.2 -.2 .8 .8 = 1.6, / 4 = .4; DE = 37.5 %
    assert q3.facility == approx(40)
    assert q3.discrimination_index == approx(15 / math.sqrt(0.21))
    assert q3.discriminative_efficiency == approx(37.5)
    assert q3.flags == ()


def test_small_example_quiz_statistics():
    quiz, _ = small()
    # totals 3 2 2 1 0, mean 1.6 of 3 = 53.33 %, median 2 of 3 = 66.67 %
    # d = 1.4 .4 .4 -.6 -1.6: sum d^2 5.2, sum d^3 -1.44, sum d^4 10.576
    # SD = sqrt(5.2 / 4) = sqrt(1.3) marks, / 3 * 100 = 38.01 %
    # k2 = 1.3, k3 = 25 * (-1.44 / 5) / (4 * 3) = -.6, skewness = -.6 / 1.3^1.5
    # k4 = 25 * (6 * 2.1152 - 3 * 4 * 1.04^2) / (4 * 3 * 2) = -.3, kurtosis = -.3 / 1.3^2
    # CIC = 100 * 3 / 2 * (1 - (.3 + .3 + .3) / 1.3) = 46.15 %
    cic = 150 * (1 - 0.9 / 1.3)
    error_ratio = 100 * math.sqrt(1 - cic / 100)
    sd = 100 * math.sqrt(1.3) / 3
    assert quiz.count == 5
    assert quiz.mean == approx(160 / 3)
    assert quiz.median == approx(200 / 3)
    assert quiz.sd == approx(sd)
    assert quiz.skewness == approx(-0.6 / 1.3**1.5)
    assert quiz.kurtosis == approx(-0.3 / 1.3**2)
    assert quiz.cic == approx(46.1538, abs=1e-4)
    assert quiz.error_ratio == approx(error_ratio)  # 73.38 %
    assert quiz.standard_error == approx(error_ratio * sd / 100)  # 27.89 %
    assert quiz.pass_rate == approx(60)  # 100, 66.67 and 66.67 reach 60
    assert quiz.distribution == (1, 0, 0, 1, 0, 0, 2, 0, 0, 1)


def test_median_of_an_odd_count_is_the_middle_score():
    quiz, _ = quiz_statistics(SMALL[:3], question_keys=["q1", "q2", "q3"], pass_mark=50)
    assert quiz.median == approx(200 / 3)  # totals 3 2 2


# --- 200 students against a literal transcription of Moodle's calculators ----------------------

KEYS = ["easy", "medium", "hard", "partial", "odd"]


def generated() -> list[AttemptMarks]:
    rng = random.Random(20240611)
    attempts = []
    for user in range(1, 201):
        ability = rng.random()
        for number in range(1, rng.choice((1, 1, 1, 2, 3)) + 1):
            skill = min(1.0, ability + 0.1 * (number - 1))
            marks = {
                "easy": float(rng.random() < 0.7 + 0.3 * skill),
                "medium": float(rng.random() < skill),
                "hard": float(rng.random() < 0.5 * skill**2),
                "partial": rng.choice((0.0, 0.5, 1.0)) if rng.random() < skill else 0.0,
                "odd": float(rng.random() < 0.9 - 0.6 * skill),  # weaker students do better
            }
            attempts.append(AttemptMarks(user, number, marks))
    rng.shuffle(attempts)
    return attempts


def moodle_question_stats(attempts: list[AttemptMarks]) -> dict[str, dict]:
    """core_question\\statistics\\questions\\calculator::calculate, written out step by step."""
    summarks = [sum(a.marks.values()) for a in attempts]
    out = {}
    for key in KEYS:
        st = {"s": 0, "totalmarks": 0.0, "totalothermarks": 0.0, "markarray": [], "others": []}
        for a, total in zip(attempts, summarks, strict=True):  # initial_steps_walker
            mark = a.marks[key]
            st["s"] += 1
            st["totalmarks"] += mark
            st["markarray"].append(mark)
            st["totalothermarks"] += total - mark
            st["others"].append(total - mark)
        s = st["s"]  # initial_question_walker
        markaverage = st["totalmarks"] / s
        othermarkaverage = st["totalothermarks"] / s
        facility = markaverage / 1
        markarray, others = sorted(st["markarray"]), sorted(st["others"])
        sums = dict.fromkeys(("markvar", "othervar", "cov", "covmax"), 0.0)
        for a, total in zip(attempts, summarks, strict=True):  # secondary_steps_walker
            markdifference = a.marks[key] - markaverage
            othermarkdifference = total - a.marks[key] - othermarkaverage
            sortedmarkdifference = markarray.pop(0) - markaverage
            sortedothermarkdifference = others.pop(0) - othermarkaverage
            sums["markvar"] += markdifference**2
            sums["othervar"] += othermarkdifference**2
            sums["cov"] += markdifference * othermarkdifference
            sums["covmax"] += sortedmarkdifference * sortedothermarkdifference
        markvariance = sums["markvar"] / (s - 1)  # secondary_question_walker
        othermarkvariance = sums["othervar"] / (s - 1)
        covariance = sums["cov"] / (s - 1)
        covariancemax = sums["covmax"] / (s - 1)
        out[key] = {
            "s": s,
            "facility": facility,
            "markvariance": markvariance,
            "sd": math.sqrt(sums["markvar"] / (s - 1)),
            "di": 100 * covariance / math.sqrt(markvariance * othermarkvariance),
            "de": 100 * covariance / covariancemax,
        }
    return out


def moodle_quiz_stats(attempts: list[AttemptMarks], sumofmarkvariance: float) -> dict:
    """quiz_statistics\\calculator::calculate on sumgrades (raw marks), written out."""
    sumgrades = [sum(a.marks.values()) for a in attempts]
    s, p = len(sumgrades), len(KEYS)
    avg = sum(sumgrades) / s
    ordered = sorted(sumgrades)
    limitoffset, limit = (s // 2 - 1, 2) if s % 2 == 0 else (s // 2, 1)  # median()
    median = sum(ordered[limitoffset : limitoffset + limit]) / limit
    power2 = sum((g - avg) ** 2 for g in sumgrades)
    power3 = sum((g - avg) ** 3 for g in sumgrades)
    power4 = sum((g - avg) ** 4 for g in sumgrades)
    standarddeviation = math.sqrt(power2 / (s - 1))
    m2, m3, m4 = power2 / s, power3 / s, power4 / s
    k2 = s * m2 / (s - 1)
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    k4 = s * s * (((s + 1) * m4) - (3 * (s - 1) * m2 * m2)) / ((s - 1) * (s - 2) * (s - 3))
    cic = (100 * p / (p - 1)) * (1 - (sumofmarkvariance / k2))
    errorratio = 100 * math.sqrt(1 - (cic / 100))
    return {
        "count": s,
        "avg": avg,
        "median": median,
        "standarddeviation": standarddeviation,
        "skewness": k3 / k2 ** (3 / 2),
        "kurtosis": k4 / (k2 * k2),
        "cic": cic,
        "errorratio": errorratio,
        "standarderror": errorratio * standarddeviation / 100,
    }


def as_percent(marks: float) -> float:
    # quiz_report_scale_summarks_as_percentage: marks out of the quiz's sumgrades (5 here).
    return 100 * marks / len(KEYS)


@pytest.mark.parametrize("which", [Which.FIRST, Which.ALL])
def test_generated_data_matches_moodle_formulas(which):
    chosen = attempts_for(generated(), which)
    assert len(chosen) == 200 if which is Which.FIRST else len(chosen) > 250
    quiz, questions = quiz_statistics(chosen, question_keys=KEYS, pass_mark=60)

    expected = moodle_question_stats(chosen)
    for q in questions:
        e = expected[q.key]
        assert q.count == e["s"]
        assert q.facility == approx(100 * e["facility"])
        assert q.sd == approx(100 * e["sd"])  # col_sd: sd * 100 / maxmark
        assert q.discrimination_index == approx(e["di"])
        assert q.discriminative_efficiency == approx(e["de"])

    e = moodle_quiz_stats(chosen, sum(x["markvariance"] for x in expected.values()))
    assert quiz.count == e["count"]
    assert quiz.mean == approx(as_percent(e["avg"]))
    assert quiz.median == approx(as_percent(e["median"]))
    assert quiz.sd == approx(as_percent(e["standarddeviation"]))
    assert quiz.skewness == approx(e["skewness"])
    assert quiz.kurtosis == approx(e["kurtosis"])
    assert quiz.cic == approx(e["cic"])
    assert quiz.error_ratio == approx(e["errorratio"])
    assert quiz.standard_error == approx(as_percent(e["standarderror"]))
    scores = [as_percent(sum(a.marks.values())) for a in chosen]
    assert quiz.pass_rate == approx(100 * sum(s >= 60 for s in scores) / len(scores))
    assert sum(quiz.distribution) == len(chosen)


def test_generated_data_flags_the_question_weaker_students_do_better_on():
    _, questions = quiz_statistics(
        attempts_for(generated(), Which.FIRST), question_keys=KEYS, pass_mark=60
    )
    flags = {q.key: q.flags for q in questions}
    assert statistics.NEGATIVE_DISCRIMINATION in flags["odd"]
    assert statistics.NEGATIVE_DISCRIMINATION not in flags["medium"]


# --- choosing attempts -------------------------------------------------------------------------


def test_first_attempts_are_the_lowest_number_per_student_in_order():
    attempts = [attempt(1, 2), attempt(2, 1), attempt(1, 3), attempt(2, 2), attempt(3, 1)]
    assert attempts_for(attempts, Which.FIRST) == [attempts[0], attempts[1], attempts[4]]
    assert attempts_for(attempts, Which.ALL) == attempts


# --- flags and edge cases ----------------------------------------------------------------------


def test_question_everybody_gets_right_is_flagged_easy_with_no_discrimination():
    attempts = [attempt(u, a=1, b=float(u % 2)) for u in range(6)]
    _, (a, _) = quiz_statistics(attempts, question_keys=["a", "b"], pass_mark=50)
    assert a.facility == approx(100)
    assert a.sd == 0
    assert a.discrimination_index is None  # zero variance: no correlation
    assert a.discriminative_efficiency is None
    assert a.flags == (statistics.VERY_EASY,)


def test_question_nobody_gets_right_is_flagged_hard():
    attempts = [attempt(u, a=0, b=float(u % 2)) for u in range(6)]
    _, (a, _) = quiz_statistics(attempts, question_keys=["a", "b"], pass_mark=50)
    assert a.flags == (statistics.VERY_HARD,)


def test_question_the_best_students_get_wrong_is_flagged_negative():
    # The students who do well on a and b get c wrong, and the others get it right.
    attempts = [
        attempt(1, a=1, b=1, c=0),
        attempt(2, a=1, b=1, c=0),
        attempt(3, a=1, b=0, c=1),
        attempt(4, a=0, b=0, c=1),
        attempt(5, a=0, b=1, c=0),
        attempt(6, a=0, b=0, c=1),
    ]
    _, questions = quiz_statistics(attempts, question_keys=["a", "b", "c"], pass_mark=50)
    c = questions[2]
    assert c.discrimination_index < 0
    assert statistics.NEGATIVE_DISCRIMINATION in c.flags
    assert statistics.LOW_DISCRIMINATION not in c.flags


def test_no_attempts_gives_no_statistics():
    quiz, (q,) = quiz_statistics([], question_keys=["a"], pass_mark=50)
    assert quiz == statistics.QuizStats(0, *[None] * 9, distribution=(0,) * 10)
    assert q == statistics.QuestionStats("a", 0, None, None, None, None, ())


def test_one_attempt_has_a_mean_but_no_spread():
    quiz, (a, b) = quiz_statistics([attempt(1, a=1, b=0.5)], question_keys=["a", "b"], pass_mark=50)
    assert (quiz.count, quiz.mean, quiz.median, quiz.pass_rate) == (1, 75, 75, 100)
    assert (quiz.sd, quiz.skewness, quiz.kurtosis, quiz.cic) == (None, None, None, None)
    assert quiz.distribution == (0, 0, 0, 0, 0, 0, 0, 1, 0, 0)
    assert (a.count, a.facility, b.facility) == (1, 100, 50)
    assert (a.sd, a.discrimination_index, a.discriminative_efficiency) == (None, None, None)


def test_two_attempts_have_an_sd_but_no_skewness():
    quiz, _ = quiz_statistics(
        [attempt(1, a=1, b=1), attempt(2, a=0, b=1)], question_keys=["a", "b"], pass_mark=50
    )
    assert quiz.sd == approx(100 * math.sqrt(0.5) / 2)  # totals 2, 1
    assert (quiz.skewness, quiz.kurtosis, quiz.cic) == (None, None, None)


def test_equal_scores_leave_the_higher_moments_undefined():
    attempts = [attempt(u, a=float(u % 2), b=float(1 - u % 2)) for u in range(5)]
    quiz, (a, _) = quiz_statistics(attempts, question_keys=["a", "b"], pass_mark=50)
    assert quiz.sd == 0
    assert (quiz.skewness, quiz.kurtosis, quiz.cic, quiz.error_ratio) == (None,) * 4
    # a and b always differ, so each question is the exact opposite of the rest of the test.
    assert a.discrimination_index == approx(-100)


def test_a_single_question_has_no_internal_consistency():
    attempts = [attempt(u, a=float(u % 2)) for u in range(6)]
    quiz, (a,) = quiz_statistics(attempts, question_keys=["a"], pass_mark=50)
    assert quiz.skewness is not None
    assert (quiz.cic, quiz.error_ratio, quiz.standard_error) == (None, None, None)
    assert a.discrimination_index is None  # no rest of the test


def test_pending_mark_is_left_out_of_its_question_and_of_the_quiz():
    attempts = [*SMALL, attempt(6, q1=1, q2=1, q3=None)]
    quiz, questions = quiz_statistics(attempts, question_keys=["q1", "q2", "q3"], pass_mark=60)
    q1, q2, q3 = questions
    assert (q1.count, q2.count, q3.count) == (6, 6, 5)
    assert q3 == small()[1]["q3"]
    assert q1.facility == approx(100 * 4 / 6)
    assert quiz == small()[0]  # only complete attempts count, as in Moodle


def test_marks_of_questions_outside_the_quiz_are_ignored():
    attempts = [attempt(u, **m, gone=1) for u, m in enumerate(a.marks for a in SMALL)]
    assert quiz_statistics(attempts, question_keys=["q1", "q2", "q3"], pass_mark=60) == (
        quiz_statistics(SMALL, question_keys=["q1", "q2", "q3"], pass_mark=60)
    )


def test_pass_rate_uses_the_score_rounded_as_stored():
    # 2 of 3 is 66.666...%, stored as 66.67, which passes a pass mark of 66.67.
    quiz, _ = quiz_statistics([attempt(1, a=1, b=1, c=0)], question_keys="abc", pass_mark=66.67)
    assert quiz.pass_rate == 100


def test_a_full_score_falls_in_the_last_bin():
    attempts = [attempt(1, a=1), attempt(2, a=0), attempt(3, a=0.95), attempt(4, a=0.1)]
    quiz, _ = quiz_statistics(attempts, question_keys=["a"], pass_mark=50)
    assert quiz.distribution == (1, 1, 0, 0, 0, 0, 0, 0, 0, 2)


# --- response analysis -------------------------------------------------------------------------


def q(source: str) -> Question:
    (question,) = parse(source)
    return question


def rows(counts: list[ChoiceCount]) -> list[tuple]:
    return [(c.label, c.fraction, c.count, round(c.share, 2)) for c in counts]


def test_multichoice_lists_every_choice_and_the_unanswered():
    question = q("Colour? {=yellow ~%50%lime ~red ~blue}")
    counts = response_counts(question, [0, 0, 1, 2, None, 0])
    assert rows(counts) == [
        ("yellow", 1.0, 3, 50.0),
        ("lime", 0.5, 1, 16.67),
        ("red", 0.0, 1, 16.67),
        ("blue", 0.0, 0, 0.0),
        ("No answer", 0.0, 1, 16.67),
    ]


def test_multiresponse_counts_each_picked_choice_per_response():
    question = q("Entombed? {~%-50%No one ~%50%Grant ~%50%Grant's wife ~Grant's father}")
    counts = response_counts(question, [{1, 2}, [1], (0, 1), [1, 1]])
    assert rows(counts) == [
        ("No one", -0.5, 1, 25.0),
        ("Grant", 0.5, 4, 100.0),
        ("Grant's wife", 0.5, 1, 25.0),
        ("Grant's father", 0.0, 0, 0.0),
    ]


def test_truefalse_lists_true_then_false():
    question = q("The sun rises in the west. {F}")
    assert rows(response_counts(question, [False, False, True, None])) == [
        ("True", 0.0, 1, 25.0),
        ("False", 1.0, 2, 50.0),
        ("No answer", 0.0, 1, 25.0),
    ]
    assert rows(response_counts(question, [])) == [("True", 0.0, 0, 0.0), ("False", 1.0, 0, 0.0)]


def test_matching_lists_every_pair_with_moodles_share_of_credit():
    question = q("Match. {=cat -> animal =rose -> plant =oak -> plant}")
    counts = response_counts(
        question, [{0: "animal", 1: "plant", 2: "plant"}, {0: "plant", 1: None}, None]
    )
    third = 1 / 3
    assert [(c.label, c.fraction, c.count) for c in counts] == [
        ("cat → animal", approx(third), 1),
        ("cat → plant", 0.0, 1),
        ("rose → animal", 0.0, 0),
        ("rose → plant", approx(third), 1),
        ("rose → No answer", 0.0, 1),
        ("oak → animal", 0.0, 0),
        ("oak → plant", approx(third), 1),
        ("oak → No answer", 0.0, 1),
        ("No answer", 0.0, 1),
    ]
    assert counts[0].share == approx(100 / 3)


def test_shortanswer_groups_typed_answers_as_the_scorer_compares_them():
    question = q("Capital of France? {=Paris =%50%Lutetia}")
    counts = response_counts(question, [" paris", "Paris", "PARIS ", "Lyon", "lutetia", "", None])
    assert rows(counts) == [
        ("paris", 1.0, 3, 42.86),
        ("Lyon", 0.0, 1, 14.29),
        ("lutetia", 0.5, 1, 14.29),
        ("No answer", 0.0, 2, 28.57),
    ]


def test_numerical_groups_equal_values_and_keeps_unreadable_text():
    question = q("Pi? {#3.14:0.01}")
    counts = response_counts(
        question, ["3.14", "3,14", "3.140", "1.5e3", "1500", "pie", Decimal(3)]
    )
    assert rows(counts) == [
        ("3.14", 1.0, 3, 42.86),
        ("1500", 0.0, 2, 28.57),
        ("pie", 0.0, 1, 14.29),
        ("3", 0.0, 1, 14.29),
    ]


def test_essay_counts_answered_and_blank():
    question = q("Write about clouds. {}")
    assert rows(response_counts(question, ["Fluffy.", "  ", None, "Wet."])) == [
        ("Answered", None, 2, 50.0),
        ("No answer", 0.0, 2, 50.0),
    ]


def test_description_has_no_responses():
    assert response_counts(q("::Intro:: Read this first."), [None]) == []


def test_responses_that_do_not_fit_the_question_are_left_out():
    question = q("Colour? {=yellow ~red}")
    assert rows(response_counts(question, [0, 7, "0", True])) == [
        ("yellow", 1.0, 1, 100.0),
        ("red", 0.0, 0, 0.0),
    ]
