"""Moodle GIFT quiz format: parser and exporter.

Pure Python, no Django, so it can be tested and benchmarked alone. The semantics follow Moodle's
``question/format/gift/format.php`` and the GIFT documentation; where Moodle silently imports
something broken (a short answer written without ``=``, grades that add up to nothing, a matching
pair without ``->``), :func:`parse` reports an error instead, so an author finds out at import time
rather than from confused students.

The model is a list of frozen :class:`Question` objects, each holding :class:`Answer` objects:

* ``multichoice`` / ``multiresponse``: one ``Answer`` per choice (``text``, ``fraction``,
  ``feedback``). Moodle calls both "multichoice"; a block with an ``=`` answer is single-answer
  (radio buttons), one without is multiple-answer (checkboxes).
* ``truefalse``: two answers, ``"True"`` then ``"False"``, as Moodle stores them; the fraction
  says which is right and each one's feedback is shown to a student who picks it.
  :attr:`Question.correct`, :attr:`Question.feedback_true` and :attr:`Question.feedback_false`
  read them.
* ``shortanswer``: one ``Answer`` per accepted pattern (``*`` is Moodle's wildcard).
* ``numerical``: ``Answer.value`` and ``Answer.tolerance`` (a ``lo..hi`` range is stored as its
  midpoint and half-width, as Moodle does); ``value is None`` is Moodle's ``*``, "any other
  answer", written ``~#feedback`` in GIFT.
* ``matching``: ``Answer.text`` is the subquestion (the formatted part, as in Moodle) and
  ``Answer.match`` the answer it pairs with; an empty ``text`` is an extra wrong choice.
* ``essay`` and ``description`` have no answers.

"Missing word" is not a kind of its own: Moodle lets any answer block sit inside the text, and
imports the result as the underlying type with a blank in the text. Here that is
``Question.tail_text`` (the text after the block; ``None`` when the block ends the question), so
scoring never needs to look through an extra layer; :attr:`Question.is_missing_word` reads it.
"""

import bisect
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "Answer",
    "GiftError",
    "Kind",
    "Question",
    "TextFormat",
    "export",
    "parse",
]


class Kind(StrEnum):
    """Question type. Moodle's "multichoice" is split by whether one or several answers count."""

    MULTICHOICE = "multichoice"
    MULTIRESPONSE = "multiresponse"
    TRUEFALSE = "truefalse"
    SHORTANSWER = "shortanswer"
    NUMERICAL = "numerical"
    MATCHING = "matching"
    ESSAY = "essay"
    DESCRIPTION = "description"


class TextFormat(StrEnum):
    """How a text is rendered, from a leading ``[format]``; Moodle's default is ``moodle``."""

    MOODLE = "moodle"
    HTML = "html"
    PLAIN = "plain"
    MARKDOWN = "markdown"


ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Answer:
    """One answer of a question; which fields matter depends on the question's kind.

    ``fraction`` is the credit for this answer, 0..1 (negative in multiple choice penalises a
    wrong pick). Formats are resolved: a part without its own ``[format]`` takes the question's.
    """

    text: str = ""
    fraction: Decimal = ONE
    feedback: str = ""
    text_format: TextFormat = TextFormat.MOODLE
    feedback_format: TextFormat = TextFormat.MOODLE
    value: Decimal | None = None
    tolerance: Decimal = ZERO
    match: str = ""

    @property
    def low(self) -> Decimal | None:
        """Smallest accepted numerical value (inclusive), ``None`` for "any answer"."""
        return None if self.value is None else self.value - self.tolerance

    @property
    def high(self) -> Decimal | None:
        """Largest accepted numerical value (inclusive), ``None`` for "any answer"."""
        return None if self.value is None else self.value + self.tolerance


@dataclass(frozen=True)
class Question:
    """One GIFT question. ``line`` is where it starts in the source and takes no part in ``==``."""

    kind: Kind
    text: str
    answers: tuple[Answer, ...] = ()
    title: str = ""
    text_format: TextFormat = TextFormat.MOODLE
    general_feedback: str = ""
    general_feedback_format: TextFormat = TextFormat.MOODLE
    tail_text: str | None = None
    category: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        """Identity across re-imports: the title, else a hash of what the question asks.

        The hash covers kind, text and answers (texts, values, credit) but not feedback, formats
        or category, so polishing feedback or moving a question keeps its identity; changing
        what it asks or what it accepts makes it a new question.
        """
        if self.title:
            return self.title
        payload = [
            str(self.kind),
            _squash(self.text),
            None if self.tail_text is None else _squash(self.tail_text),
            [
                [
                    _squash(a.text),
                    _squash(a.match),
                    _canonical(a.fraction),
                    None if a.value is None else _canonical(a.value),
                    _canonical(a.tolerance),
                ]
                for a in self.answers
            ],
        ]
        blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def is_missing_word(self) -> bool:
        """True when the answer block sits inside the text (Moodle's "missing word" layout)."""
        return self.tail_text is not None

    @property
    def needs_manual_review(self) -> bool:
        return self.kind is Kind.ESSAY

    @property
    def correct(self) -> bool | None:
        """For true/false, the right answer; ``None`` for other kinds."""
        if self.kind is not Kind.TRUEFALSE:
            return None
        return self.answers[0].fraction == ONE

    @property
    def feedback_true(self) -> str:
        """True/false: feedback for a student who answers True."""
        return self.answers[0].feedback if self.kind is Kind.TRUEFALSE else ""

    @property
    def feedback_false(self) -> str:
        """True/false: feedback for a student who answers False."""
        return self.answers[1].feedback if self.kind is Kind.TRUEFALSE else ""

    @property
    def choices(self) -> tuple[str, ...]:
        """Matching: the distinct answers offered for every subquestion, in source order."""
        if self.kind is not Kind.MATCHING:
            return ()
        return tuple(dict.fromkeys(a.match for a in self.answers))


class GiftError(ValueError):
    """A GIFT source that cannot be imported.

    ``str(err)`` is ``"path:line: question 'X': message"``. When several questions are bad,
    :func:`parse` raises one ``GiftError`` describing the first, with every problem (the first
    included) in ``errors`` and one line per problem in ``str(err)``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "<string>",
        line: int = 0,
        question: str = "",
        errors: list["GiftError"] | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.question = question
        self.errors: list[GiftError] = errors if errors is not None else [self]
        super().__init__(str(self))

    def _one_line(self) -> str:
        return f"{self.path}:{self.line}: question '{self.question}': {self.message}"

    def __str__(self) -> str:
        if len(self.errors) > 1:
            return "\n".join(e._one_line() for e in self.errors)
        return self._one_line()


# --- parsing ---------------------------------------------------------------------------------

# What a backslash escapes, and what it stands for once unescaped. Any other backslash is
# literal, as in Moodle (so LaTeX such as \frac survives).
_ESCAPES = {"\\": "\\", ":": ":", "#": "#", "=": "=", "{": "{", "}": "}", "~": "~", "n": "\n"}
# Stands in for both characters of an escape in the masked copy: not structural, not space.
_HIDDEN = "\x00"

_FORMAT_MARK = re.compile(r"\[([A-Za-z]+)\]")
_WEIGHT = re.compile(r"%(-?(?:\d+(?:\.\d*)?|\.\d+))%")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_FORMAT_NAMES = frozenset(f.value for f in TextFormat)

# Moodle's import refuses any weight that is not one of its grade options
# (question_bank::fraction_options_full, matched within 0.00001) and stores the listed value.
_GRADES_PERCENT = (
    *("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333"),
    *("30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0"),
)
_GRADES = tuple(
    sorted({sign * Decimal(p) / 100 for p in _GRADES_PERCENT for sign in (1, -1)}, reverse=True)
)
_GRADE_SLACK = Decimal("0.00001")

_IMPORT_MIN = (
    "There is an error in the question. There are not enough answers for this question type"
)
_NO_FULL_MARKS = (
    "One of the answers should be 100%, so that it is possible to get a full grade for this "
    "question"
)


class _Problem(Exception):
    """A problem in one question block, at a character offset when one is known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _mask(text: str) -> str:
    """Same-length copy of ``text`` with every escape pair hidden from the structural search."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_HIDDEN * 2)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _number(spec: str, what: str, offset: int) -> Decimal:
    # Stricter than Decimal(), which would take "NaN", "Infinity" and "1_000".
    if not _NUMBER.fullmatch(spec):
        raise _Problem(f"{what} {spec!r} is not a number", offset)
    return Decimal(spec)


def _grade(percent_text: str, offset: int) -> Decimal:
    percent = Decimal(percent_text)
    if not -100 <= percent <= 100:
        raise _Problem(f"weight {percent_text}% is outside -100..100", offset)
    fraction = percent / 100
    for grade in _GRADES:
        if abs(fraction - grade) < _GRADE_SLACK:
            return grade
    raise _Problem(
        f"weight {percent_text}% is not one of Moodle's grades: "
        + ", ".join(_GRADES_PERCENT)
        + " (or minus one of them)",
        offset,
    )


def _snippet(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Block:
    """The lines of one question (comments dropped), with offsets mapped back to line numbers."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.text = "\n".join(text for _, text in lines)
        self.masked = _mask(self.text)
        self.first_line = lines[0][0]
        self._linenos = [n for n, _ in lines]
        self._starts = []
        offset = 0
        for _, text in lines:
            self._starts.append(offset)
            offset += len(text) + 1

    def line_at(self, offset: int) -> int:
        return self._linenos[bisect.bisect_right(self._starts, offset) - 1]

    def raw(self, start: int, end: int) -> str:
        return _unescape(self.text[start:end])

    def skip_space(self, start: int, end: int) -> int:
        while start < end and self.masked[start].isspace():
            start += 1
        return start

    def trim(self, start: int, end: int) -> tuple[int, int]:
        start = self.skip_space(start, end)
        while end > start and self.masked[end - 1].isspace():
            end -= 1
        return start, end

    def formatted(
        self,
        start: int,
        end: int,
        default: TextFormat,
        *,
        keep_empty_format: bool = False,
        trim_end: bool = True,
    ) -> tuple[str, TextFormat]:
        """Text of a part with its optional leading ``[format]``, trimmed as Moodle does."""
        start = self.skip_space(start, end)
        fmt = default
        mark = _FORMAT_MARK.match(self.masked, start, end)
        if mark:
            name = mark.group(1)
            if name not in _FORMAT_NAMES:
                raise _Problem(
                    f"unknown text format '[{name}]': use [html], [markdown], [moodle] or "
                    f"[plain] (lower case); to start the text with a literal '[{name}]', put a "
                    f"format first, e.g. '[moodle][{name}]'",
                    start,
                )
            fmt = TextFormat(name)
            start = mark.end()
        text = self.raw(start, end)
        text = text.strip() if trim_end else text.lstrip()
        if not text and not keep_empty_format:
            # An empty part has nothing to render; keeping the default keeps parses comparable.
            fmt = default
        return text, fmt

    def weight(self, start: int, end: int) -> tuple[Decimal | None, int]:
        start = self.skip_space(start, end)
        mark = _WEIGHT.match(self.masked, start, end)
        if not mark:
            return None, start
        return _grade(mark.group(1), start), mark.end()

    def split_feedback(
        self, start: int, end: int, default: TextFormat
    ) -> tuple[int, str, TextFormat]:
        """Where the answer part ends, and the ``#feedback`` after it."""
        hash_at = self.masked.find("#", start, end)
        if hash_at < 0:
            return end, "", default
        feedback, fmt = self.formatted(hash_at + 1, end, default)
        return hash_at, feedback, fmt

    def items(
        self, start: int, end: int, markers: str
    ) -> tuple[tuple[int, int], list[tuple[str, int, int]]]:
        """Split an answer list on its markers: (leading span, [(marker, start, end), ...])."""
        positions = [i for i in range(start, end) if self.masked[i] in markers]
        lead_end = positions[0] if positions else end
        items = []
        for n, pos in enumerate(positions):
            item_end = positions[n + 1] if n + 1 < len(positions) else end
            items.append((self.masked[pos], pos + 1, item_end))
        return (start, lead_end), items


def _label(block: _Block) -> str:
    """What an error message calls the question: its title, else its first words."""
    masked = block.masked
    body_start = 0
    if masked.startswith("::"):
        end = masked.find("::", 2)
        if end > 0:
            title = block.raw(2, end).strip()
            if title:
                return _snippet(title)
            body_start = end + 2
    brace = masked.find("{", body_start)
    words = _snippet(block.raw(body_start, brace)) if brace >= 0 else ""
    return words or _snippet(block.raw(body_start, len(masked))) or "(empty)"


def _parse_block(block: _Block, category: str | None) -> Question:
    masked = block.masked
    size = len(masked)
    pos = 0
    title = ""
    if masked.startswith("::"):
        end = masked.find("::", 2)
        if end < 0:
            raise _Problem("the title has no closing '::' (write \\: for a literal colon)", 0)
        title = block.raw(2, end).strip()
        pos = end + 2

    open_at = masked.find("{", pos)
    close_at = masked.find("}", pos)
    if open_at < 0 and close_at < 0:
        text, fmt = block.formatted(pos, size, TextFormat.MOODLE, keep_empty_format=True)
        if not text:
            raise _Problem("the question has no text", pos)
        return Question(
            kind=Kind.DESCRIPTION,
            text=text,
            title=title,
            text_format=fmt,
            general_feedback_format=fmt,
            category=category,
            line=block.first_line,
        )
    if close_at < 0:
        raise _Problem(
            "unclosed '{': no '}' ends the answer block (write \\{ for a literal brace)", open_at
        )
    if open_at < 0 or close_at < open_at:
        raise _Problem("'}' without an opening '{' (write \\} for a literal brace)", close_at)
    nested = masked.find("{", open_at + 1, close_at)
    if nested >= 0:
        raise _Problem(
            f"'{{' inside the answer block opened on line {block.line_at(open_at)}: is a '}}' "
            "missing? (write \\{ for a literal brace)",
            nested,
        )
    extra = min(
        (i for i in (masked.find("{", close_at), masked.find("}", close_at + 1)) if i >= 0),
        default=-1,
    )
    if extra >= 0:
        raise _Problem(
            "a question has a single answer block; this brace starts another "
            "(write \\{ or \\} for a literal brace)",
            extra,
        )

    # Text after the block makes it Moodle's "missing word" layout. The blank sits between text
    # and tail, so the spaces on either side of it are kept.
    tail: str | None = block.raw(close_at + 1, size).rstrip() or None
    text, fmt = block.formatted(
        pos, open_at, TextFormat.MOODLE, keep_empty_format=True, trim_end=tail is None
    )
    if not text and tail is None:
        raise _Problem("the question has no text", pos)

    answers_end = close_at
    general_feedback, general_format = "", fmt
    gf_at = masked.rfind("####", open_at + 1, close_at)
    if gf_at >= 0:
        general_feedback, general_format = block.formatted(gf_at + 4, close_at, fmt)
        answers_end = gf_at
    kind, answers = _parse_answers(block, open_at + 1, answers_end, fmt)
    return Question(
        kind=kind,
        text=text,
        answers=answers,
        title=title,
        text_format=fmt,
        general_feedback=general_feedback,
        general_feedback_format=general_format,
        tail_text=tail,
        category=category,
        line=block.first_line,
    )


def _parse_answers(
    block: _Block, start: int, end: int, fmt: TextFormat
) -> tuple[Kind, tuple[Answer, ...]]:
    """Tell the question type from the answer block as Moodle does, then read the answers."""
    start, end = block.trim(start, end)
    span = block.masked[start:end]
    if not span:
        return Kind.ESSAY, ()
    if span[0] == "#":
        return Kind.NUMERICAL, _numerical(block, start + 1, end, fmt)
    if "~" in span:
        return _multichoice(block, start, end, fmt)
    if "=" in span and "->" in span:
        return Kind.MATCHING, _matching(block, start, end, fmt)
    hash_at = block.masked.find("#", start, end)
    word = block.text[start : hash_at if hash_at > start else end].strip()
    if word in _TRUE_FALSE:
        return Kind.TRUEFALSE, _truefalse(block, start, end, fmt)
    if span[0] == "=":
        return Kind.SHORTANSWER, _shortanswer(block, start, end, fmt)
    if word.upper() in _TRUE_FALSE:
        raise _Problem(
            f"true/false answers are upper case: write {{{word.upper()}}}, not {{{word}}}", start
        )
    raise _Problem(
        f"cannot tell the question type from {{{_snippet(block.raw(start, end))}}}: true/false "
        "is {T}, {TRUE}, {F} or {FALSE}, short answers start with '=', wrong choices with '~'",
        start,
    )


def _check_lead(block: _Block, lead: tuple[int, int], markers: str) -> None:
    text = block.raw(*lead).strip()
    if text:
        wanted = " or ".join(f"'{m}'" for m in markers)
        raise _Problem(
            f"'{_snippet(text)}' is not preceded by {wanted}: every answer starts with a marker",
            block.skip_space(*lead),
        )


def _multichoice(
    block: _Block, start: int, end: int, fmt: TextFormat
) -> tuple[Kind, tuple[Answer, ...]]:
    lead, items = block.items(start, end, "=~")
    _check_lead(block, lead, "=~")
    answers = []
    single = False
    for marker, item_start, item_end in items:
        weight, text_start = block.weight(item_start, item_end)
        if marker == "=":
            single = True
            if weight is not None:
                raise _Problem(
                    "'=' already means 100% in multiple choice; give partial credit with "
                    "'~%50%answer'",
                    item_start,
                )
            fraction = ONE
        else:
            fraction = ZERO if weight is None else weight
        text_end, feedback, feedback_format = block.split_feedback(text_start, item_end, fmt)
        text, text_format = block.formatted(text_start, text_end, fmt)
        if not text:
            raise _Problem(f"empty answer after '{marker}'", item_start - 1)
        answers.append(Answer(text, fraction, feedback, text_format, feedback_format))
    if len(answers) < 2:
        raise _Problem(f"{_IMPORT_MIN} (multiple choice needs at least 2)", start)
    if single:
        return Kind.MULTICHOICE, tuple(answers)
    total = sum((a.fraction for a in answers if a.fraction > 0), ZERO)
    if total.quantize(Decimal("0.01"), ROUND_HALF_UP) != ONE:
        raise _Problem(
            "no answer is marked correct with '=', and the positive '~%n%' weights add up to "
            f"{_percent(total)}% instead of 100% (as Moodle requires for multiple answers)",
            start,
        )
    return Kind.MULTIRESPONSE, tuple(answers)


def _require_full_marks(answers: list[Answer], offset: int) -> None:
    if max(a.fraction for a in answers) != ONE:
        raise _Problem(_NO_FULL_MARKS, offset)


def _shortanswer(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    lead, items = block.items(start, end, "=")
    _check_lead(block, lead, "=")
    answers = []
    for _, item_start, item_end in items:
        weight, text_start = block.weight(item_start, item_end)
        text_end, feedback, feedback_format = block.split_feedback(text_start, item_end, fmt)
        text, text_format = block.formatted(text_start, text_end, fmt)
        if not text:
            raise _Problem("empty answer after '='", item_start - 1)
        fraction = ONE if weight is None else weight
        answers.append(Answer(text, fraction, feedback, text_format, feedback_format))
    _require_full_marks(answers, start)
    return tuple(answers)


def _numerical(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    lead, items = block.items(start, end, "=~")
    if block.raw(*lead).strip():
        # Moodle's own examples write a lone answer without '=': {#1822:5}.
        items.insert(0, ("=", *lead))
    if not any(marker == "=" for marker, _, _ in items):
        raise _Problem("No answers found for numerical question", start - 1)
    answers = []
    for marker, item_start, item_end in items:
        weight, spec_start = block.weight(item_start, item_end)
        spec_end, feedback, feedback_format = block.split_feedback(spec_start, item_end, fmt)
        spec = block.raw(spec_start, spec_end).strip()
        if marker == "~":
            if weight is not None or spec:
                raise _Problem(
                    "in a numerical question '~' only gives feedback for any other answer: "
                    "write '~#feedback'",
                    item_start - 1,
                )
            answers.append(Answer("", ZERO, feedback, fmt, feedback_format, None))
            continue
        fraction = ONE if weight is None else weight
        value, tolerance = _numerical_spec(spec, block.skip_space(spec_start, spec_end))
        answers.append(Answer("", fraction, feedback, fmt, feedback_format, value, tolerance))
    _require_full_marks(answers, start - 1)
    return tuple(answers)


def _numerical_spec(spec: str, offset: int) -> tuple[Decimal | None, Decimal]:
    if spec == "*":
        return None, ZERO
    if not spec:
        raise _Problem("empty numerical answer", offset)
    if spec.find("..") > 0:
        low_text, high_text = spec.split("..", 1)
        low = _number(low_text.strip(), "range start", offset)
        high = _number(high_text.strip(), "range end", offset)
        if low > high:
            raise _Problem(f"range {spec!r} starts above its end", offset)
        value = (low + high) / 2
        return value, high - value
    if spec.find(":") > 0:
        value_text, tolerance_text = spec.split(":", 1)
        value = _number(value_text.strip(), "numerical answer", offset)
        tolerance = _number(tolerance_text.strip(), "tolerance", offset)
        if tolerance < 0:
            raise _Problem(f"tolerance {tolerance_text.strip()!r} is negative", offset)
        return value, tolerance
    return _number(spec, "numerical answer", offset), ZERO


def _matching(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    lead, items = block.items(start, end, "=")
    _check_lead(block, lead, "=")
    answers = []
    for _, item_start, item_end in items:
        arrow = block.masked.find("->", item_start, item_end)
        if arrow < 0:
            raise _Problem(
                "Matching question answers are improperly formatted: "
                f"'={_snippet(block.raw(item_start, item_end))}' has no '->' "
                "(write '=subquestion -> answer')",
                item_start - 1,
            )
        hash_at = block.masked.find("#", item_start, item_end)
        if hash_at >= 0:
            raise _Problem("matching pairs take no feedback (write \\# for a literal '#')", hash_at)
        subquestion, sub_format = block.formatted(item_start, arrow, fmt)
        match = block.raw(arrow + 2, item_end).strip()
        if not match:
            if subquestion:
                raise _Problem(
                    f"You must specify an answer matching the question '{_snippet(subquestion)}'",
                    item_start - 1,
                )
            raise _Problem("empty matching pair '= ->'", item_start - 1)
        answers.append(Answer(subquestion, ONE, "", sub_format, fmt, match=match))
    stems = sum(1 for a in answers if a.text)
    if stems < 2 or len(answers) < 3:
        raise _Problem(
            "You must supply at least 2 questions and 3 answers (found "
            f"{stems} and {len(answers)}; '= -> answer' adds an extra wrong answer)",
            start,
        )
    return tuple(answers)


def _truefalse(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    # Moodle splits on the first two '#': {T#shown when wrong#shown when right}.
    first = block.masked.find("#", start, end)
    word_end = first if first >= 0 else end
    correct = _TRUE_FALSE[block.text[start:word_end].strip()]
    wrong, wrong_format, right, right_format = "", fmt, "", fmt
    if first >= 0:
        second = block.masked.find("#", first + 1, end)
        wrong, wrong_format = block.formatted(first + 1, second if second >= 0 else end, fmt)
        if second >= 0:
            right, right_format = block.formatted(second + 1, end, fmt)
    if correct:
        true_fb, true_format, false_fb, false_format = right, right_format, wrong, wrong_format
    else:
        true_fb, true_format, false_fb, false_format = wrong, wrong_format, right, right_format
    return (
        Answer("True", ONE if correct else ZERO, true_fb, fmt, true_format),
        Answer("False", ZERO if correct else ONE, false_fb, fmt, false_format),
    )


def _blocks(text: str) -> Iterable[list[tuple[int, str]]]:
    """Question blocks: runs of non-blank lines, each line trimmed, comment lines dropped."""
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                yield current
                current = []
        elif not stripped.startswith("//"):
            current.append((number, stripped))
    if current:
        yield current


def parse(text: str, *, path: str = "<string>") -> list[Question]:
    """Parse GIFT source into questions, in source order.

    Questions are separated by blank lines; ``//`` lines are comments; a ``$CATEGORY: path``
    line sets the category of the questions after it. Every question is checked, and if any is
    bad a single :class:`GiftError` is raised listing all of them (``err.errors``), so an author
    can fix a whole file in one go. Two questions with the same :attr:`Question.key` are an
    error too, since the key is what keeps a question's identity across re-imports.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[Question] = []
    problems: list[GiftError] = []
    category: str | None = None
    for lines in _blocks(text):
        if _mask(lines[0][1]).startswith("$CATEGORY:"):
            category = _unescape(lines[0][1][len("$CATEGORY:") :]).strip() or None
            if category is None:
                problems.append(
                    GiftError("empty $CATEGORY", path=path, line=lines[0][0], question="$CATEGORY")
                )
            # Moodle would swallow following lines into the category name; treat them as the
            # question the author obviously meant.
            lines = lines[1:]
            if not lines:
                continue
        block = _Block(lines)
        try:
            questions.append(_parse_block(block, category))
        except _Problem as problem:
            line = block.first_line if problem.offset is None else block.line_at(problem.offset)
            problems.append(
                GiftError(problem.message, path=path, line=line, question=_label(block))
            )

    seen: dict[str, Question] = {}
    for question in questions:
        first = seen.setdefault(question.key, question)
        if first is not question:
            what = "title" if question.title else "content"
            problems.append(
                GiftError(
                    f"duplicate question key '{question.key}': the question on line {first.line} "
                    f"has the same {what}; give each question its own ::title::",
                    path=path,
                    line=question.line,
                    question=question.title or _snippet(question.text),
                )
            )

    if problems:
        problems.sort(key=lambda p: p.line)
        if len(problems) == 1:
            raise problems[0]
        head = problems[0]
        raise GiftError(
            head.message, path=path, line=head.line, question=head.question, errors=problems
        )
    return questions


# --- export ----------------------------------------------------------------------------------

_ESCAPE_TABLE = str.maketrans(
    {
        "\\": "\\\\",
        ":": "\\:",
        "#": "\\#",
        "=": "\\=",
        "{": "\\{",
        "}": "\\}",
        "~": "\\~",
        "\n": "\\n",
    }
)


def _escape(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPE_TABLE)


def _needs_format_guard(text: str) -> bool:
    # A leading '[' would be read as a format, '%' as a weight and '//' as a comment; an
    # explicit format in front makes the parser take them literally.
    return text.startswith(("[", "%", "//"))


def _part(text: str, fmt: TextFormat, default: TextFormat) -> str:
    if text and (fmt != default or _needs_format_guard(text)):
        return f"[{fmt}]{_escape(text)}"
    return _escape(text)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _canonical(number: Decimal) -> str:
    # Adding zero turns -0 into 0 so equal numbers always print the same.
    return format((number + 0).normalize(), "f")


def _percent(fraction: Decimal) -> str:
    return _canonical(fraction * 100)


def _check_grade(question: Question, fraction: Decimal) -> None:
    if fraction not in _GRADES:
        raise _export_error(question, f"credit {fraction} is not one of Moodle's grades")


def _export_error(question: Question, message: str) -> ValueError:
    return ValueError(
        f"cannot export question '{question.title or _snippet(question.text)}': {message}"
    )


def export(questions: Iterable[Question]) -> str:
    """Write questions as GIFT text that :func:`parse` reads back to equal questions.

    ``$CATEGORY`` lines are written where the category changes. Raises ``ValueError`` for what
    GIFT cannot express (a subquestion containing ``->``, a category going back to none, a
    credit that is not one of Moodle's grades, ...). Texts are expected trimmed, as parsed.
    """
    chunks = []
    category: str | None = None
    for question in questions:
        if question.category != category:
            if question.category is None:
                raise _export_error(question, "GIFT cannot switch back to no category")
            chunks.append(f"$CATEGORY: {_escape(question.category)}")
            category = question.category
        chunks.append(_export_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""


def _export_question(q: Question) -> str:
    if not q.text and not (q.tail_text or "").strip():
        raise _export_error(q, "the question has no text")
    out = f"::{_escape(q.title)}::" if q.title else ""
    if q.text_format != TextFormat.MOODLE or _needs_format_guard(q.text):
        out += f"[{q.text_format}]"
    out += _escape(q.text)
    if q.kind is Kind.DESCRIPTION:
        if q.tail_text is not None:
            raise _export_error(q, "a description has no answer block to put a blank in")
        return out
    block = _BLOCK_WRITERS[q.kind](q)
    if q.tail_text is None:
        return f"{out} {block}" if q.text else out + block
    if not q.tail_text.strip():
        raise _export_error(q, "a missing-word question needs text after the blank")
    return out + block + _escape(q.tail_text)


def _general_feedback(q: Question, indent: str = "") -> str:
    if not q.general_feedback:
        return ""
    text = _part(q.general_feedback, q.general_feedback_format, q.text_format)
    return f"{indent}####{text}"


def _feedback(q: Question, answer: Answer) -> str:
    if not answer.feedback:
        return ""
    return "#" + _part(answer.feedback, answer.feedback_format, q.text_format)


def _lines_block(q: Question, lines: list[str], opener: str = "{") -> str:
    general = _general_feedback(q, "\t")
    if general:
        lines = [*lines, general]
    return opener + "\n" + "\n".join(lines) + "\n}"


def _write_essay(q: Question) -> str:
    return "{" + _general_feedback(q) + "}"


def _write_truefalse(q: Question) -> str:
    answers = q.answers
    if (
        len(answers) != 2
        or (answers[0].text, answers[1].text) != ("True", "False")
        or {answers[0].fraction, answers[1].fraction} != {ONE, ZERO}
    ):
        raise _export_error(q, "true/false needs answers 'True' and 'False', one worth 100%")
    right, wrong = (answers[0], answers[1]) if q.correct else (answers[1], answers[0])
    out = "{" + ("TRUE" if q.correct else "FALSE")
    if wrong.feedback:
        out += _feedback(q, wrong)
    elif right.feedback:
        out += "#"
    out += _feedback(q, right)
    return out + _general_feedback(q) + "}"


def _write_multichoice(q: Question) -> str:
    if len(q.answers) < 2:
        raise _export_error(q, "multiple choice needs at least 2 answers")
    single = q.kind is Kind.MULTICHOICE
    if single and not any(a.fraction == ONE for a in q.answers):
        raise _export_error(q, "multiple choice needs an answer worth 100%")
    # A block without '~' would read back as a short answer; write the last one long-hand.
    all_full = single and all(a.fraction == ONE for a in q.answers)
    lines = []
    for n, answer in enumerate(q.answers):
        _check_grade(q, answer.fraction)
        if not answer.text:
            raise _export_error(q, "empty answer")
        if single and answer.fraction == ONE and not (all_full and n == len(q.answers) - 1):
            marker = "="
        elif answer.fraction == ZERO:
            marker = "~"
        else:
            marker = f"~%{_percent(answer.fraction)}%"
        text = _part(answer.text, answer.text_format, q.text_format)
        lines.append(f"\t{marker}{text}{_feedback(q, answer)}")
    return _lines_block(q, lines)


def _write_shortanswer(q: Question) -> str:
    if not q.answers:
        raise _export_error(q, "short answer needs an answer")
    lines = []
    for answer in q.answers:
        _check_grade(q, answer.fraction)
        if not answer.text:
            raise _export_error(q, "empty answer")
        if "->" in answer.text or "->" in answer.feedback:
            # An unescaped '=' plus '->' makes Moodle read the block as matching.
            raise _export_error(q, "a short answer or its feedback cannot contain '->'")
        weight = "" if answer.fraction == ONE else f"%{_percent(answer.fraction)}%"
        text = _part(answer.text, answer.text_format, q.text_format)
        lines.append(f"\t={weight}{text}{_feedback(q, answer)}")
    return _lines_block(q, lines)


def _write_numerical(q: Question) -> str:
    lines = []
    for answer in q.answers:
        _check_grade(q, answer.fraction)
        if answer.value is None and answer.fraction == ZERO:
            lines.append(f"\t~{_feedback(q, answer)}")
            continue
        weight = "" if answer.fraction == ONE else f"%{_percent(answer.fraction)}%"
        if answer.value is None:
            spec = "*"
        elif answer.tolerance < 0:
            raise _export_error(q, "negative tolerance")
        elif answer.tolerance:
            spec = f"{_canonical(answer.value)}:{_canonical(answer.tolerance)}"
        else:
            spec = _canonical(answer.value)
        lines.append(f"\t={weight}{spec}{_feedback(q, answer)}")
    if not any(line.startswith("\t=") for line in lines):
        raise _export_error(q, "numerical needs at least one answer")
    return _lines_block(q, lines, "{#")


def _write_matching(q: Question) -> str:
    lines = []
    for answer in q.answers:
        if "->" in answer.text:
            raise _export_error(q, "a matching subquestion cannot contain '->'")
        if not answer.match:
            raise _export_error(q, "empty matching answer")
        stem = _part(answer.text, answer.text_format, q.text_format)
        lines.append(f"\t={stem} -> {_escape(answer.match)}")
    return _lines_block(q, lines)


_BLOCK_WRITERS = {
    Kind.ESSAY: _write_essay,
    Kind.TRUEFALSE: _write_truefalse,
    Kind.MULTICHOICE: _write_multichoice,
    Kind.MULTIRESPONSE: _write_multichoice,
    Kind.SHORTANSWER: _write_shortanswer,
    Kind.NUMERICAL: _write_numerical,
    Kind.MATCHING: _write_matching,
}
