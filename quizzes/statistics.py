"""Quiz statistics and item analysis, computed the way Moodle's quiz statistics report does.

Pure Python, no Django. The formulas follow Moodle's code (moodle/moodle):

* question statistics: ``question/classes/statistics/questions/calculator.php``
  (``initial_steps_walker``, ``initial_question_walker``, ``secondary_steps_walker``,
  ``secondary_question_walker``), shown as percentages the way
  ``mod/quiz/report/statistics/statistics_table.php`` shows them (``col_facility``,
  ``col_sd``, ``col_discrimination_index``, ``col_discriminative_efficiency``);
* quiz statistics: ``mod/quiz/report/statistics/classes/calculator.php`` (``calculate``,
  ``median``, ``sum_of_powers_of_difference_to_mean``; the older
  ``statistics_calculator.php``), with the attempts chosen as in ``statisticslib.php``
  (``quiz_statistics_attempts_sql``) and ``quiz_report_grade_method_sql``;
* response analysis: each question type's ``get_possible_responses`` and
  ``statistics_question_table::col_frequency``.

How Lectern maps onto Moodle's marks: every question of a quiz is worth the same, so a
question's max mark is 1 and its mark is the fraction (0..1) the attempt earned; an attempt's
total is the sum of its marks (Moodle's ``sumgrades``, max = the number of questions) and its
score in percent is ``100 * total / questions`` (the mean of its fractions, Lectern's score).
Moodle shows mean, median, SD and standard error "as a percentage of the maximum", which is
then exactly that score scale; skewness and kurtosis do not depend on the scale.

Pending marks (``None``: an essay waiting for a person). Moodle leaves an attempt with
anything ungraded out of every statistic (``quiza.sumgrades IS NOT NULL``). Lectern keeps
such an attempt in the statistics of its scored questions (its pending question is left out of
that question's statistics and counts 0 in the other questions' "rest of the test"), but, as
in Moodle, only attempts with every question scored count in :class:`QuizStats`.

How Moodle flags questions, and what :func:`quiz_statistics` flags:

* the quiz statistics report highlights a question as "dubious" when its discriminative
  efficiency is below 15 % (``statistics_table::is_dubious_question``);
* its effective-weight column says "Negative covariance of grade with total attempt grade"
  when the question's mark varies against the total (``negcovar`` in the calculator);
* the question bank's "Needs checking?" column (``question/bank/statistics/classes/
  helper.php``, ``format_discrimination_index``) says "Very likely" below a discrimination
  index of 30 % and "Likely" below 50 %;
* facility has no flag in Moodle's code (Moodle's user documentation only describes bands
  of facility); the 5 % and 95 % cut-offs here are Lectern's choice.

Here a question is flagged "Very hard" below 5 % facility, "Very easy" above 95 %,
"Negative discrimination" when the discrimination index is below 0 (Moodle's ``negcovar``
always comes with one), "Discrimination below 30 %" for 0..30 %, and "Discriminative
efficiency below 15 %" as Moodle's report does.
"""

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from quizzes import gift, scoring

__all__ = [
    "AttemptMarks",
    "ChoiceCount",
    "QuestionStats",
    "QuizStats",
    "Which",
    "attempts_for",
    "quiz_statistics",
    "response_counts",
]

VERY_HARD = "Very hard (facility below 5 %)"
VERY_EASY = "Very easy (facility above 95 %)"
NEGATIVE_DISCRIMINATION = "Negative discrimination"
LOW_DISCRIMINATION = "Discrimination below 30 %"
LOW_EFFICIENCY = "Discriminative efficiency below 15 %"
NO_ANSWER = "No answer"
ANSWERED = "Answered"
BINS = 10


@dataclass(frozen=True)
class AttemptMarks:
    """One attempt's marks: question key -> fraction 0..1, ``None`` while not scored yet.

    A key that is missing means the question was not in this attempt.
    """

    user_id: int
    number: int
    marks: Mapping[str, float | None]


@dataclass(frozen=True)
class QuestionStats:
    """Moodle's statistics of one question, in percent; ``None`` where Moodle has none."""

    key: str
    count: int
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QuizStats:
    """Moodle's statistics of the attempt scores, in percent of the maximum."""

    count: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None
    pass_rate: float | None
    distribution: tuple[int, ...]


class Which(StrEnum):
    """Which attempts the statistics use (Moodle's "Calculate statistics from")."""

    FIRST = "first"
    ALL = "all"


@dataclass(frozen=True)
class ChoiceCount:
    """One row of a question's response analysis.

    ``share`` is ``100 * count / responses``, every response counted, "No answer" included
    (Moodle's "Frequency", ``count / s``). For multiple answers a response picks several
    choices, so the shares add up to more than 100.
    """

    label: str
    fraction: float | None
    count: int
    share: float


def attempts_for(attempts: Sequence[AttemptMarks], which: Which) -> list[AttemptMarks]:
    """All attempts, or each student's first: those with the lowest number per user.

    Moodle's ``quiz_report_grade_method_sql(QUIZ_ATTEMPTFIRST)`` keeps the attempt with no
    earlier one by the same user; each attempt then counts as if by a different student.
    Order is kept.
    """
    if which is Which.ALL:
        return list(attempts)
    first: dict[int, int] = {}
    for attempt in attempts:
        first[attempt.user_id] = min(attempt.number, first.get(attempt.user_id, attempt.number))
    return [a for a in attempts if a.number == first[a.user_id]]


def quiz_statistics(
    attempts: Sequence[AttemptMarks], *, question_keys: Sequence[str], pass_mark: float
) -> tuple[QuizStats, list[QuestionStats]]:
    """Quiz and question statistics of ``attempts`` (choose them with :func:`attempts_for`).

    Only marks of ``question_keys`` count (a question since removed from the quiz does not
    weigh in), and an attempt holding none of them is left out. Question statistics come in
    ``question_keys`` order. See :func:`_question_stats` and :func:`_quiz_stats` for where
    each value is undefined (``None``).
    """
    keys = list(question_keys)
    rows = [_marks_of(a, keys) for a in attempts]
    rows = [row for row in rows if row]
    questions = [_question_stats(key, _pairs(rows, key)) for key in keys]
    complete = [row for row in rows if None not in row.values()]
    return _quiz_stats(complete, len(keys), pass_mark), questions


def _marks_of(attempt: AttemptMarks, keys: list[str]) -> dict[str, float | None]:
    return {
        key: None if attempt.marks[key] is None else float(attempt.marks[key])
        for key in keys
        if key in attempt.marks
    }


def _pairs(rows: list[dict[str, float | None]], key: str) -> list[tuple[float, float]]:
    """(mark, rest of the test) for each attempt with ``key`` scored.

    The rest is the sum of the attempt's other marks, Moodle's ``$summarks[...] - $step->mark``
    (its "other marks"); a pending mark adds nothing to it.
    """
    return [
        (row[key], math.fsum(mark for k, mark in row.items() if k != key and mark is not None))
        for row in rows
        if row.get(key) is not None
    ]


def _deviations(values: list[float]) -> list[float]:
    """Each value minus the mean; exact zeros when all are equal, so that a question everybody
    answered alike has variance 0, not 1e-34 of rounding that would divide into nonsense."""
    if min(values) == max(values):
        return [0.0] * len(values)
    mean = math.fsum(values) / len(values)
    return [v - mean for v in values]


def _question_stats(key: str, pairs: list[tuple[float, float]]) -> QuestionStats:
    """One question's statistics from its (mark, rest of test) pairs, max mark 1.

    As in Moodle's ``core_question\\statistics\\questions\\calculator``:

    * facility = mean mark / max mark (``initial_question_walker``), shown ``* 100``;
      ``None`` without attempts (Moodle would report 0 there);
    * SD = sqrt(sum (mark - mean)^2 / (s - 1)) (``secondary_question_walker``), shown
      ``* 100 / maxmark`` (``col_sd``); ``None`` below 2 attempts;
    * discrimination index = 100 * cov(mark, rest) / sqrt(var(mark) * var(rest)), the
      correlation with the rest of the test; ``None`` below 2 attempts or when either
      variance is 0 (everybody scored the same on the question, or on the rest);
    * discriminative efficiency = 100 * cov(mark, rest) / covmax, where covmax pairs the
      marks and the rest sorted each on its own (``covariancemaxsum`` from the sorted
      ``markarray`` and ``othermarksarray``): the covariance the question would have if it
      ranked students exactly as the rest does; ``None`` below 2 attempts or when covmax is 0.
    """
    s = len(pairs)
    if s == 0:
        return QuestionStats(key, 0, None, None, None, None, ())
    marks = [mark for mark, _ in pairs]
    facility = 100 * math.fsum(marks) / s
    if s < 2:
        return QuestionStats(key, s, facility, None, None, None, _flags(facility, None, None))
    dm = _deviations(marks)
    do = _deviations([rest for _, rest in pairs])
    mark_var = math.fsum(d * d for d in dm) / (s - 1)
    rest_var = math.fsum(d * d for d in do) / (s - 1)
    cov = math.fsum(a * b for a, b in zip(dm, do, strict=True)) / (s - 1)
    cov_max = math.fsum(a * b for a, b in zip(sorted(dm), sorted(do), strict=True)) / (s - 1)
    index = 100 * cov / math.sqrt(mark_var * rest_var) if mark_var * rest_var else None
    efficiency = 100 * cov / cov_max if cov_max else None
    flags = _flags(facility, index, efficiency)
    return QuestionStats(key, s, facility, 100 * math.sqrt(mark_var), index, efficiency, flags)


def _flags(
    facility: float | None, index: float | None, efficiency: float | None
) -> tuple[str, ...]:
    flags = []
    if facility is not None and facility < 5:
        flags.append(VERY_HARD)
    if facility is not None and facility > 95:
        flags.append(VERY_EASY)
    if index is not None and index < 0:
        flags.append(NEGATIVE_DISCRIMINATION)
    elif index is not None and index < 30:
        flags.append(LOW_DISCRIMINATION)
    if efficiency is not None and efficiency < 15:
        flags.append(LOW_EFFICIENCY)
    return tuple(flags)


def _score(row: dict[str, float | None]) -> float:
    return 100 * math.fsum(row.values()) / len(row)


def _quiz_stats(rows: list[dict[str, float | None]], p: int, pass_mark: float) -> QuizStats:
    """Statistics of the attempt scores, as Moodle's ``quiz_statistics\\calculator``.

    With s attempts and d = score - mean: median = the middle score (mean of the two middle
    ones for even s); SD = sqrt(sum d^2 / (s - 1)) for s > 1; for s > 2, with
    m_k = sum d^k / s, k2 = s m2 / (s - 1) and k3 = s^2 m3 / ((s - 1)(s - 2)),
    skewness = k3 / k2^(3/2) and, for s > 3, kurtosis = k4 / k2^2 with
    k4 = s^2 ((s + 1) m4 - 3 (s - 1) m2^2) / ((s - 1)(s - 2)(s - 3)); none of them when all
    scores are equal (k2 = 0). With p > 1 questions, CIC (Cronbach's alpha) =
    100 p / (p - 1) * (1 - sum of the question mark variances / k2), error ratio =
    100 sqrt(1 - CIC / 100) (``None`` when CIC is above 100, where Moodle gets NaN and
    stores null), standard error = error ratio * SD / 100. The question variances are taken
    over these same attempts and scaled to the score's percent (``* (100 / p)^2``).
    """
    s = len(rows)
    distribution = [0] * BINS
    if s == 0:
        return QuizStats(0, None, None, None, None, None, None, None, None, None, (0,) * BINS)
    scores = sorted(_score(row) for row in rows)
    for score in scores:
        distribution[min(max(int(score // 10), 0), BINS - 1)] += 1
    middle = scores[(s - 1) // 2 : s // 2 + 1]
    # Lectern stores scores rounded half up to 2 places before comparing with the pass mark.
    passed = sum(1 for score in scores if score >= pass_mark - 0.005)
    mean = math.fsum(scores) / s
    sd = skewness = kurtosis = cic = error_ratio = standard_error = None
    if s > 1:
        d = _deviations(scores)
        power2, power3, power4 = (math.fsum(x**k for x in d) for k in (2, 3, 4))
        sd = math.sqrt(power2 / (s - 1))
        k2 = power2 / (s - 1)
        if s > 2 and k2:
            m2, m3, m4 = power2 / s, power3 / s, power4 / s
            skewness = s * s * m3 / ((s - 1) * (s - 2)) / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            if p > 1:
                item_variance = _sum_of_mark_variance(rows) * (100 / p) ** 2
                cic = 100 * p / (p - 1) * (1 - item_variance / k2)
                if cic <= 100:
                    error_ratio = 100 * math.sqrt(1 - cic / 100)
                    standard_error = error_ratio * sd / 100
    return QuizStats(
        count=s,
        mean=mean,
        median=math.fsum(middle) / len(middle),
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cic=cic,
        error_ratio=error_ratio,
        standard_error=standard_error,
        pass_rate=100 * passed / s,
        distribution=tuple(distribution),
    )


def _sum_of_mark_variance(rows: list[dict[str, float | None]]) -> float:
    """Sum over questions of var(mark) with s - 1 (Moodle's ``get_sum_of_mark_variance``);
    a question seen fewer than twice adds nothing, as Moodle's null variance does."""
    total = 0.0
    for key in {key for row in rows for key in row}:
        marks = [row[key] for row in rows if key in row]
        if len(marks) > 1:
            total += math.fsum(d * d for d in _deviations(marks)) / (len(marks) - 1)
    return total


# --- response analysis -----------------------------------------------------------------------

type _Row = tuple[str, float | None, int]


def response_counts(question: gift.Question, responses: Iterable[object]) -> list[ChoiceCount]:
    """How often each response was given: Moodle's "Analysis of responses" for one question.

    ``responses`` are shaped as :mod:`quizzes.scoring` documents, ``None`` for "not answered".
    Rows per kind, each with the credit it earns:

    * multichoice / multiresponse: every choice in question order, picked or not, with the
      choice's own fraction (negative for a penalised wrong pick, as Moodle lists it);
    * truefalse: "True" then "False";
    * matching: every "subquestion → choice" pair, a right pair worth 1 / subquestions as in
      Moodle's ``qtype_match::get_possible_responses``, then "subquestion → No answer" where
      a response left that subquestion blank;
    * shortanswer: each distinct typed answer, trimmed and compared case-insensitively as the
      scorer does (labelled as first typed); numerical: each distinct value the scorer reads
      (``1.5e3`` and ``1500`` are one row, labelled ``1500``), unreadable text as typed;
      most frequent first;
    * essay: "Answered" (credit unknown, ``None``); description: ``[]``.

    Last comes "No answer" (credit 0) for ``None`` and blank text, when there are any. A
    response that does not fit the question (one the scorer refuses) is left out entirely.
    """
    if question.kind is gift.Kind.DESCRIPTION:
        return []
    given = [r for r in responses if _fits(question, r)]
    answered = [r for r in given if not _is_blank(r)]
    rows = _ROWS[question.kind](question, answered)
    if len(answered) < len(given):
        rows.append((NO_ANSWER, 0.0, len(given) - len(answered)))
    total = len(given)
    return [
        ChoiceCount(label, fraction, n, 100 * n / total if total else 0.0)
        for label, fraction, n in rows
    ]


def _is_blank(response: object) -> bool:
    return response is None or (isinstance(response, str) and not response.strip())


def _fits(question: gift.Question, response: object) -> bool:
    try:
        scoring.score(question, response)
    except scoring.ResponseError:
        return False
    return True


def _choice_rows(question: gift.Question, responses: list[object]) -> list[_Row]:
    if question.kind is gift.Kind.MULTIRESPONSE:
        picked = Counter(i for response in responses for i in set(response))
    else:
        picked = Counter(responses)
    return [(a.text, float(a.fraction), picked[i]) for i, a in enumerate(question.answers)]


def _truefalse_rows(question: gift.Question, responses: list[object]) -> list[_Row]:
    picked = Counter(responses)
    true, false = question.answers
    return [
        ("True", float(true.fraction), picked[True]),
        ("False", float(false.fraction), picked[False]),
    ]


def _matching_rows(question: gift.Question, responses: list[object]) -> list[_Row]:
    stems = [(i, a) for i, a in enumerate(question.answers) if a.text]
    picked = Counter((i, r.get(i)) for r in responses for i, _ in stems)
    rows: list[_Row] = []
    for i, stem in stems:
        for choice in question.choices:
            credit = 1 / len(stems) if choice == stem.match else 0.0
            rows.append((f"{stem.text} → {choice}", credit, picked[i, choice]))
        if picked[i, None]:
            rows.append((f"{stem.text} → {NO_ANSWER}", 0.0, picked[i, None]))
    return rows


def _typed_rows(question: gift.Question, responses: list[object]) -> list[_Row]:
    groups: dict[object, list[object]] = {}
    for response in responses:
        groups.setdefault(_typed_key(question, response), []).append(response)
    rows = [
        (_typed_label(key, same[0]), float(scoring.score(question, same[0])), len(same))
        for key, same in groups.items()
    ]
    return sorted(rows, key=lambda row: -row[2])  # stable: ties stay in first-typed order


def _typed_key(question: gift.Question, response: object) -> object:
    """What the scorer compares: the number read, else the trimmed text ignoring case."""
    if question.kind is gift.Kind.NUMERICAL:
        value = (
            Decimal(response) if not isinstance(response, str) else scoring.parse_number(response)
        )
        if value is not None and value.is_finite():
            return (value + 0).normalize()  # + 0 makes -0 read as 0
    return unicodedata.normalize("NFC", str(response).strip()).lower()


def _typed_label(key: object, first: object) -> str:
    if isinstance(key, Decimal):
        return f"{key:f}" if abs(key.adjusted()) < 20 else str(key)
    return unicodedata.normalize("NFC", str(first).strip())


def _essay_rows(question: gift.Question, responses: list[object]) -> list[_Row]:
    return [(ANSWERED, None, len(responses))]


_ROWS = {
    gift.Kind.MULTICHOICE: _choice_rows,
    gift.Kind.MULTIRESPONSE: _choice_rows,
    gift.Kind.TRUEFALSE: _truefalse_rows,
    gift.Kind.MATCHING: _matching_rows,
    gift.Kind.SHORTANSWER: _typed_rows,
    gift.Kind.NUMERICAL: _typed_rows,
    gift.Kind.ESSAY: _essay_rows,
}
