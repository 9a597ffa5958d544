"""Moodle GIFT quiz format: parser and exporter.

Pure Python, no Django, so it can be tested and benchmarked alone. The semantics follow Moodle's
``question/format/gift/format.php`` (``qformat_gift::readquestion``) and what Moodle's import
then saves (``qformat_default::importprocess`` and each question type's
``save_question_options``). The rule is:

* what Moodle imports, Lectern imports too, reading it the way Moodle does; where the source is
  odd (a short answer written without ``=``, an empty choice that Moodle's save step drops, two
  questions with the same title, ...) :func:`parse_all` reports a :class:`GiftWarning`;
* where Moodle would import something the author cannot have meant (a numerical answer that is
  not a number, which Moodle turns into "any answer"; grades that add up to nothing; Cloze
  syntax; a second answer block shown as literal text), that one question is refused with a
  :class:`GiftError` saying what to write instead. The other questions of the file still parse.

:func:`parse_all` returns every question, warning and error of a file in one pass;
:func:`parse` is the strict form (raises when any question is refused).

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
* ``essay`` and ``description`` have no answers. A block holding only a ``::title::`` is, as in
  Moodle, a description with empty text.

"Missing word" is not a kind of its own: Moodle lets any answer block sit inside the text, and
imports the result as the underlying type with a blank in the text. Here that is
``Question.tail_text`` (the text after the block; ``None`` when the block ends the question), so
scoring never needs to look through an extra layer; :attr:`Question.is_missing_word` reads it.

:attr:`Question.key` is a question's identity across re-imports: its title, else a hash of what it
asks. Moodle happily imports two questions with the same title (its own examples have several),
so the n-th repeat of a key in a file gets ``Question.occurrence == n`` and the key
``"<key>#<n>"``; :func:`export` writes questions so that re-importing gives the same keys.
"""

import bisect
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "Answer",
    "GiftError",
    "GiftWarning",
    "Kind",
    "ParseResult",
    "Question",
    "TextFormat",
    "export",
    "parse",
    "parse_all",
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
    """One GIFT question. ``line`` is where it starts in the source and takes no part in ``==``.

    ``occurrence`` is n for the n-th question of a file with the same :attr:`base_key` (1 for
    the first); it takes part in ``==`` since it is part of the :attr:`key`.
    """

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
    occurrence: int = 1

    @property
    def key(self) -> str:
        """Identity across re-imports: :attr:`base_key`, with ``#<n>`` for the n-th repeat.

        A file may hold several questions with the same title (or, untitled, the same content),
        as Moodle allows; the first keeps the plain key and the n-th gets ``"<key>#<n>"``
        (``occurrence`` is n), so the keys stay distinct and stable while the order is kept.
        """
        base = self.base_key
        return base if self.occurrence == 1 else f"{base}#{self.occurrence}"

    @property
    def base_key(self) -> str:
        """The title, else a hash of what the question asks; ``occurrence`` plays no part.

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
    """A GIFT question (or ``$CATEGORY`` line) that cannot be imported.

    ``str(err)`` is ``"path:line: question 'X': message"``. ``key`` is the key the refused
    question would have had when it has a ``::title::`` ('' otherwise), so an importer can keep
    that question's last good version. When several questions are bad, :func:`parse` raises one
    ``GiftError`` describing the first, with every problem (the first included) in ``errors``
    and one line per problem in ``str(err)``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "<string>",
        line: int = 0,
        question: str = "",
        key: str = "",
        errors: list["GiftError"] | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.question = question
        self.key = key
        self.errors: list[GiftError] = errors if errors is not None else [self]
        super().__init__(str(self))

    def _one_line(self) -> str:
        return f"{self.path}:{self.line}: question '{self.question}': {self.message}"

    def __str__(self) -> str:
        if len(self.errors) > 1:
            return "\n".join(e._one_line() for e in self.errors)
        return self._one_line()


@dataclass(frozen=True)
class GiftWarning:
    """Something odd in a question that is imported anyway, as Moodle would import it.

    ``code`` is a short kebab-case name (``blank-choice``, ``duplicate-title``, ...; see
    ``docs/quizzes.md``); ``str(w)`` is ``"path:line: question 'X': message [code]"``.
    """

    path: str
    line: int
    question: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: question '{self.question}': {self.message} [{self.code}]"


@dataclass(frozen=True)
class ParseResult:
    """Everything :func:`parse_all` found in one file, each tuple in source order.

    ``questions`` are the accepted questions, ``warnings`` what is odd about them, ``errors``
    the refused questions, one :class:`GiftError` each.
    """

    questions: tuple[Question, ...]
    warnings: tuple[GiftWarning, ...] = ()
    errors: tuple[GiftError, ...] = ()


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
_ANY_ANSWER = " (Moodle would accept any answer for it)"

# Moodle's Cloze questions (qtype_multianswer) open a blank with {n:TYPE:...}; the type names are
# its ANSWER_TYPE_DEF_REGEX. GIFT has no such thing: qformat_gift::readquestion would read the
# block as a multiple choice or short answer with "1:MC:" as one of its answers.
_CLOZE_TYPES = (
    *("NUMERICAL", "NM", "MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH"),
    *("SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC", "MULTICHOICE_S", "MCS"),
    *("MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS", "MULTIRESPONSE", "MR"),
    *("MULTIRESPONSE_H", "MRH", "MULTIRESPONSE_S", "MRS", "MULTIRESPONSE_HS", "MRHS"),
)
_CLOZE = re.compile(
    r"\{\s*(\d*):(" + "|".join(sorted(_CLOZE_TYPES, key=len, reverse=True)) + r"):",
    re.IGNORECASE,
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


def _number(spec: str, what: str, offset: int, moodle: str = "") -> Decimal:
    # Stricter than Decimal(), which would take "NaN", "Infinity" and "1_000".
    if not _NUMBER.fullmatch(spec):
        raise _Problem(
            f"{what} {spec!r} is not a number{moodle}: write digits, with '.' for decimals "
            "(e.g. 3.14)",
            offset,
        )
    number = Decimal(spec)
    # Moodle reads the number as a PHP float, which turns 1e400 into INF and 1e-400 into 0; an
    # exponent that large would also overflow the Decimal arithmetic of keys and scoring.
    as_float = float(number)
    if math.isinf(as_float) or (as_float == 0 and number != 0):
        raise _Problem(
            f"{what} {spec!r} is out of range: Moodle keeps numbers as 64-bit floats, between "
            "about 1e-308 and 1e308 either side of 0",
            offset,
        )
    return number


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


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for telling a misspelt ``[format]`` from a bracketed word."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def _meant_format(name: str) -> bool:
    """Whether ``[name]`` is a format name in the wrong case or misspelt (``[HTML]``, ``[htlm]``).

    A bracketed word far from every format name (``[Note]``, ``[1]``) is text, as in Moodle.
    """
    lower = name.lower()
    if lower in _FORMAT_NAMES:
        return True
    return len(lower) >= 3 and min(_distance(lower, f) for f in _FORMAT_NAMES) <= 2


class _Block:
    """The lines of one question (comments dropped), with offsets mapped back to line numbers.

    ``warnings`` collects ``(offset, code, message)`` for what is odd but imported anyway.
    """

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.text = "\n".join(text for _, text in lines)
        self.masked = _mask(self.text)
        self.first_line = lines[0][0]
        self.warnings: list[tuple[int, str, str]] = []
        self._linenos = [n for n, _ in lines]
        self._starts = []
        offset = 0
        for _, text in lines:
            self._starts.append(offset)
            offset += len(text) + 1

    def line_at(self, offset: int) -> int:
        return self._linenos[bisect.bisect_right(self._starts, offset) - 1]

    def warn(self, offset: int, code: str, message: str) -> None:
        self.warnings.append((offset, code, message))

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
        """Text of a part with its optional leading ``[format]``, trimmed as Moodle does.

        Like ``qformat_gift::parse_text_with_format``, a bracketed word that is not a format
        name stays part of the text (with a warning); one that is a format name in the wrong
        case or misspelt is refused, since the author meant a format Moodle would ignore.
        """
        start = self.skip_space(start, end)
        fmt = default
        mark = _FORMAT_MARK.match(self.masked, start, end)
        if mark:
            name = mark.group(1)
            if name in _FORMAT_NAMES:
                fmt = TextFormat(name)
                start = mark.end()
            elif _meant_format(name):
                raise _Problem(
                    f"unknown text format '[{name}]': use [html], [markdown], [moodle] or "
                    f"[plain] (lower case); to start the text with a literal '[{name}]', put a "
                    f"format first, e.g. '[moodle][{name}]' (Moodle would show '[{name}]' as "
                    "text)",
                    start,
                )
            else:
                self.warn(
                    start,
                    "not-a-format",
                    f"'[{name}]' is not a text format ([html], [markdown], [moodle] or [plain]), "
                    "so it stays part of the text, as in Moodle; write "
                    f"'[moodle][{name}]' to say so",
                )
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

    def items(self, start: int, end: int, markers: str) -> list[tuple[str, int, int]]:
        """Split an answer list on its markers: ``[(marker, start, end), ...]``.

        Text before the first marker comes first with marker ``""`` (Moodle's ``explode`` keeps
        it as an answer unless it is blank); its span is left out when it is blank.
        """
        positions = [i for i in range(start, end) if self.masked[i] in markers]
        lead_end = positions[0] if positions else end
        items = []
        if self.skip_space(start, lead_end) < lead_end:
            items.append(("", start, lead_end))
        for n, pos in enumerate(positions):
            item_end = positions[n + 1] if n + 1 < len(positions) else end
            items.append((self.masked[pos], pos + 1, item_end))
        return items

    def marker_at(self, marker: str, item_start: int, item_end: int) -> int:
        """Where to point for an item: its marker, or its first character when it has none."""
        return item_start - 1 if marker else self.skip_space(item_start, item_end)


def _title(block: _Block) -> str:
    """The block's ``::title::`` ('' if none or unclosed)."""
    if block.masked.startswith("::"):
        end = block.masked.find("::", 2)
        if end > 0:
            return block.raw(2, end).strip()
    return ""


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
    """One question, read as ``qformat_gift::readquestion`` reads it."""
    masked = block.masked
    size = len(masked)
    pos = 0
    title = ""
    if masked.startswith("::"):
        end = masked.find("::", 2)
        if end < 0:
            raise _Problem(
                "the title has no closing '::' (Moodle would make the title part of the "
                "question text): end it with '::' (write \\: for a literal colon)",
                0,
            )
        title = block.raw(2, end).strip()
        pos = end + 2

    cloze = _CLOZE.search(masked, pos)
    if cloze:
        opener = f"{{{cloze.group(1)}:{cloze.group(2)}:"
        raise _Problem(
            f"'{opener}...}}' is Cloze (embedded answers), not GIFT: Moodle's GIFT import would "
            f"take '{cloze.group(1)}:{cloze.group(2)}:' for an answer. Write one GIFT question "
            "per blank instead, e.g. 'Paris is the capital of {=France}.' for a short answer or "
            "'Paris is in {=France ~Spain ~Italy}.' for a choice",
            cloze.start(),
        )

    open_at = masked.find("{", pos)
    close_at = masked.find("}", pos)
    if open_at < 0 and close_at < 0:
        text, fmt = block.formatted(pos, size, TextFormat.MOODLE, keep_empty_format=True)
        if not text:
            if not title:
                raise _Problem("the question has no text", pos)
            # readquestion makes a block without braces a description, even an empty one, and
            # importprocess saves it as it is.
            block.warn(
                0,
                "title-only",
                "the block holds only a title: Moodle imports it as a description with no "
                "text, and so does Lectern; write the text after the title, or remove the block",
            )
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
            "missing? End each answer block with '}' (write \\{ for a literal brace)",
            nested,
        )
    second = masked.find("{", close_at)
    if second >= 0:
        # readquestion reads only the first {...}; Moodle would show the rest as literal text.
        raise _Problem(
            "a second answer block: a GIFT question has a single answer block, and Moodle would "
            "show this one as literal text. Split it into one question per blank, or write \\{ "
            "and \\} for literal braces",
            second,
        )
    stray = masked.find("}", close_at + 1)
    if stray >= 0:
        raise _Problem(
            "'}' after the answer block closes nothing (write \\} for a literal brace)", stray
        )

    # Text after the block makes it Moodle's "missing word" layout. The blank sits between text
    # and tail, so the spaces on either side of it are kept.
    tail: str | None = block.raw(close_at + 1, size).rstrip() or None
    text, fmt = block.formatted(
        pos, open_at, TextFormat.MOODLE, keep_empty_format=True, trim_end=tail is None
    )
    if not text and tail is None:
        raise _Problem(
            "the question has no text: write it before the answer block, e.g. "
            "'::Title:: The sky is blue. {T}'",
            pos,
        )

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
    """Tell the question type from the answer block in ``readquestion``'s order, then read it.

    Moodle checks: empty is an essay; a leading ``#`` numerical; any ``~`` multiple choice;
    ``=`` and ``->`` matching; ``T``/``TRUE``/``F``/``FALSE`` (before any ``#``) true/false;
    anything else is a short answer, with or without ``=``.
    """
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
    if "=" not in span and word.upper() in _TRUE_FALSE:
        # Moodle would make {true} a short answer accepting the word "true".
        raise _Problem(
            f"true/false answers are upper case: write {{{word.upper()}}}, not {{{word}}} "
            f"(Moodle would make it a short answer accepting '{word}')",
            start,
        )
    return Kind.SHORTANSWER, _shortanswer(block, start, end, fmt)


def _blank_choice(block: _Block, marker: str, item_start: int, item_end: int) -> str:
    after = block.masked[item_end] if item_end < len(block.masked) else ""
    saved = "Moodle drops empty choices when it saves the question, and so does Lectern"
    if marker and not block.raw(item_start, item_end).strip() and after in ("=", "~"):
        return (
            f"'{marker}' right before '{after}' makes an empty choice; {saved}: remove the "
            f"stray '{marker}'"
        )
    if not marker:
        return f"a choice with no text; {saved}: write the choice, or remove it"
    return f"empty choice after '{marker}'; {saved}: write the choice after it, or remove it"


def _multichoice(
    block: _Block, start: int, end: int, fmt: TextFormat
) -> tuple[Kind, tuple[Answer, ...]]:
    # readquestion splits on '~' and '=', keeps non-blank text before the first marker as a
    # choice, and reads a leading %n% as its weight (0 without one).
    items = block.items(start, end, "=~")
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
        at = block.marker_at(marker, item_start, item_end)
        if not text:
            # qtype_multichoice::save_question_options skips a choice whose text is blank.
            block.warn(at, "blank-choice", _blank_choice(block, marker, item_start, item_end))
            continue
        if not marker:
            block.warn(
                at,
                "choice-without-marker",
                f"'{_snippet(text)}' has no '~' or '=' in front: Moodle reads it as a wrong "
                f"choice, and so does Lectern; write '~{_snippet(text)}' (or "
                f"'={_snippet(text)}' if it is the right answer)",
            )
        answers.append(Answer(text, fraction, feedback, text_format, feedback_format))
    if len(items) < 2:
        # qformat_gift::check_answer_count(2, ...) counts the answers before any is dropped.
        raise _Problem(f"{_IMPORT_MIN} (multiple choice needs at least 2)", start)
    if len(answers) < 2:
        raise _Problem(
            f"multiple choice needs at least 2 choices, and {len(answers)} is left once the "
            "empty ones are dropped (Moodle would save a question with nothing to choose): "
            "write each choice after its '=' or '~'",
            start,
        )
    if single:
        if not any(a.fraction == ONE for a in answers):
            raise _Problem(
                "the choice marked '=' is empty, so no choice is right (Moodle would save it "
                "that way): write the right answer after '='",
                start,
            )
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
        raise _Problem(f"{_NO_FULL_MARKS}: give the best answer no %weight% (or %100%)", offset)


def _shortanswer(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    # readquestion splits on '=' and keeps non-blank text before the first one as an answer:
    # {Paris} accepts "Paris" for full marks.
    answers = []
    for marker, item_start, item_end in block.items(start, end, "="):
        weight, text_start = block.weight(item_start, item_end)
        text_end, feedback, feedback_format = block.split_feedback(text_start, item_end, fmt)
        text, text_format = block.formatted(text_start, text_end, fmt)
        at = block.marker_at(marker, item_start, item_end)
        if not text:
            # question_type::save_question_answers keeps a blank answer that is worth something,
            # but it can never match what a student types.
            block.warn(
                at,
                "blank-answer",
                "empty answer after '=': it can never match what a student types (Moodle saves "
                "it unused), so Lectern drops it: remove the stray '='",
            )
            continue
        if not marker:
            block.warn(
                at,
                "shortanswer-without-equals",
                f"'{_snippet(text)}' has no '=' in front: Moodle reads it as a short answer "
                f"accepting '{_snippet(text)}', and so does Lectern; write '={_snippet(text)}' "
                "to say so (true/false is {T} or {F}; a wrong choice starts with '~')",
            )
        fraction = ONE if weight is None else weight
        answers.append(Answer(text, fraction, feedback, text_format, feedback_format))
    if not answers:
        raise _Problem(
            "empty answer after '=': write the accepted answer after it, e.g. {=Paris}", start
        )
    _require_full_marks(answers, start)
    return tuple(answers)


def _numerical(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    # Moodle's own examples write a lone answer without '=': {#1822:5}; readquestion reads the
    # text before the first '=' as an answer.
    items = [(m or "=", s, e) for m, s, e in block.items(start, end, "=~")]
    if not any(marker == "=" for marker, _, _ in items):
        raise _Problem(
            "No answers found for numerical question: write the number after '#', e.g. {#42} "
            "or {#=42:0.5}",
            start - 1,
        )
    answers = []
    for n, (marker, item_start, item_end) in enumerate(items):
        weight, spec_start = block.weight(item_start, item_end)
        spec_end, feedback, feedback_format = block.split_feedback(spec_start, item_end, fmt)
        spec = block.raw(spec_start, spec_end).strip()
        if marker == "~":
            if n < len(items) - 1:
                # readquestion takes everything from the first '~' as that feedback.
                raise _Problem(
                    "in a numerical question '~#feedback' must come last, and once: Moodle reads "
                    "everything after the '~' as the feedback for any other answer, so what "
                    "follows it would be lost; move it to the end",
                    item_start - 1,
                )
            if weight is not None or spec:
                raise _Problem(
                    "in a numerical question '~' only gives feedback for any other answer: "
                    "write '~#feedback' (partial credit is '=%50%answer')",
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
    # readquestion reads "a..b" (a range), then "a:t" (a tolerance), then a plain number; what is
    # not a number it silently stores as '*', any answer, which no author means.
    if spec == "*":
        return None, ZERO
    if not spec:
        raise _Problem(
            "empty numerical answer (Moodle would accept any answer for it): write a number "
            "after '=', e.g. =42 or =42:0.5",
            offset,
        )
    if spec.find("..") > 0:
        low_text, high_text = spec.split("..", 1)
        low = _number(low_text.strip(), "range start", offset)
        high = _number(high_text.strip(), "range end", offset)
        if low > high:
            raise _Problem(f"range {spec!r} starts above its end: write low..high", offset)
        value = (low + high) / 2
        return value, high - value
    if spec.find(":") > 0:
        value_text, tolerance_text = spec.split(":", 1)
        value = _number(value_text.strip(), "numerical answer", offset, _ANY_ANSWER)
        tolerance = _number(tolerance_text.strip(), "tolerance", offset)
        if tolerance < 0:
            raise _Problem(
                f"tolerance {tolerance_text.strip()!r} is negative: write how far off an answer "
                "may be, e.g. 42:0.5",
                offset,
            )
        return value, tolerance
    return _number(spec, "numerical answer", offset, _ANY_ANSWER), ZERO


def _matching(block: _Block, start: int, end: int, fmt: TextFormat) -> tuple[Answer, ...]:
    # readquestion splits on '=' (non-blank text before the first one is a pair too) and refuses
    # a pair without '->'; qtype_match::save_question_options drops a pair that is blank on both
    # sides.
    answers = []
    for marker, item_start, item_end in block.items(start, end, "="):
        at = block.marker_at(marker, item_start, item_end)
        written = marker + _snippet(block.raw(item_start, item_end))
        arrow = block.masked.find("->", item_start, item_end)
        if arrow < 0:
            raise _Problem(
                "Matching question answers are improperly formatted: "
                f"'{written}' has no '->' (write '=subquestion -> answer')",
                at,
            )
        hash_at = block.masked.find("#", item_start, item_end)
        if hash_at >= 0:
            block.warn(
                hash_at,
                "hash-in-matching",
                "'#' in a matching pair is text, not feedback: Moodle has no feedback for "
                "matching pairs and shows it as part of the pair, and so does Lectern; write \\# "
                "to say so, or move feedback to '####general feedback'",
            )
        subquestion, sub_format = block.formatted(item_start, arrow, fmt)
        match = block.raw(arrow + 2, item_end).strip()
        if not match:
            if subquestion:
                raise _Problem(
                    f"You must specify an answer matching the question '{_snippet(subquestion)}'"
                    " (write '=subquestion -> answer')",
                    at,
                )
            block.warn(
                at,
                "blank-pair",
                "'= ->' has nothing on either side: Moodle drops it when it saves the question, "
                "and so does Lectern; remove it (an extra wrong answer is '= -> answer')",
            )
            continue
        if not marker:
            block.warn(
                at,
                "choice-without-marker",
                f"'{written}' has no '=' in front: Moodle reads it as a pair, and so does "
                f"Lectern; write '={written}'",
            )
        answers.append(Answer(subquestion, ONE, "", sub_format, fmt, match=match))
    stems = sum(1 for a in answers if a.text)
    choices = dict.fromkeys(a.match for a in answers)
    if not stems:
        raise _Problem(
            "a matching question needs a subquestion: write '=subquestion -> answer' ('= -> "
            "answer' only adds a wrong answer)",
            start,
        )
    if len(choices) < 2:
        raise _Problem(
            f"every subquestion has the answer '{_snippet(next(iter(choices)))}', so there is "
            "nothing to choose: add a pair with another answer, or a wrong one '= -> answer'",
            start,
        )
    if stems < 2 or len(answers) < 3:
        block.warn(
            start,
            "matching-too-small",
            f"{stems} subquestion(s) and {len(answers)} answers: Moodle imports it, though its "
            "question editor asks for at least 2 subquestions and 3 answers; add a pair, or an "
            "extra wrong answer '= -> answer'",
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


@dataclass
class _Entry:
    """One question block of a file, accepted (``question``) or refused (``error``)."""

    line: int
    label: str
    title: str
    question: Question | None = None
    error: GiftError | None = None
    warnings: list[GiftWarning] = field(default_factory=list)


def parse_all(text: str, *, path: str = "<string>") -> ParseResult:
    """Parse GIFT source: the accepted questions, the warnings and the refused questions.

    Questions are separated by blank lines; ``//`` lines are comments; a ``$CATEGORY: path``
    line sets the category of the questions after it. Each question is read as Moodle reads it
    (see the module docstring): a bad question becomes one :class:`GiftError` in ``errors`` and
    the others still parse, so an author can fix a whole file in one go. Questions sharing a
    :attr:`Question.base_key` all import, the n-th with ``occurrence`` n (a warning each).
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    entries: list[_Entry] = []
    errors: list[GiftError] = []
    category: str | None = None
    for lines in _blocks(text):
        if _mask(lines[0][1]).startswith("$CATEGORY:"):
            category = _unescape(lines[0][1][len("$CATEGORY:") :]).strip() or None
            if category is None:
                errors.append(
                    GiftError(
                        "empty $CATEGORY: write the category after it, e.g. '$CATEGORY: "
                        "lesson-slug'",
                        path=path,
                        line=lines[0][0],
                        question="$CATEGORY",
                    )
                )
            # Moodle would swallow following lines into the category name; treat them as the
            # question the author obviously meant.
            lines = lines[1:]
            if not lines:
                continue
        block = _Block(lines)
        entry = _Entry(block.first_line, _label(block), _title(block))
        try:
            entry.question = _parse_block(block, category)
        except _Problem as problem:
            line = block.first_line if problem.offset is None else block.line_at(problem.offset)
            entry.error = GiftError(problem.message, path=path, line=line, question=entry.label)
        else:
            entry.warnings = [
                GiftWarning(path, block.line_at(offset), entry.label, code, message)
                for offset, code, message in block.warnings
            ]
        entries.append(entry)

    questions, warnings = _assign_keys(entries, errors, path)
    errors.sort(key=lambda e: e.line)
    warnings.sort(key=lambda w: w.line)
    return ParseResult(tuple(questions), tuple(warnings), tuple(errors))


def _assign_keys(
    entries: list[_Entry], errors: list[GiftError], path: str
) -> tuple[list[Question], list[GiftWarning]]:
    """Number repeated keys in file order, refused titled questions included.

    Moodle imports questions with the same name side by side; here the n-th question with a
    key gets ``"<key>#<n>"``. Counting refused questions too keeps the keys of the others from
    moving while one of them is broken, and gives the refused one's key to its error.
    """
    questions: list[Question] = []
    warnings: list[GiftWarning] = []
    seen: dict[str, int] = {}
    first_line: dict[str, int] = {}
    owner: dict[str, int] = {}
    for entry in entries:
        question = entry.question
        base = question.base_key if question is not None else entry.title
        if not base:  # a refused question without a title has no key
            errors.append(entry.error)
            continue
        n = seen[base] = seen.get(base, 0) + 1
        first_line.setdefault(base, entry.line)
        key = base if n == 1 else f"{base}#{n}"
        if key in owner:
            # e.g. a question titled 'Q#2' and the second question titled 'Q'.
            if question is None:
                errors.append(entry.error)
            else:
                errors.append(
                    GiftError(
                        f"its key '{key}' is already the key of the question on line "
                        f"{owner[key]} (the n-th question with the same title is keyed "
                        "'<title>#<n>'): give one of them another ::title::",
                        path=path,
                        line=entry.line,
                        question=entry.label,
                    )
                )
            continue
        owner[key] = entry.line
        if question is None:
            entry.error.key = key
            errors.append(entry.error)
            continue
        if n > 1:
            question = replace(question, occurrence=n)
            same = (
                f"has the same title '{base}'"
                if question.title
                else "is the same question (same text and answers, no title)"
            )
            warnings.append(
                GiftWarning(
                    path,
                    entry.line,
                    entry.label,
                    "duplicate-title" if question.title else "duplicate-content",
                    f"the question on line {first_line[base]} {same}; Moodle imports both, "
                    f"and so does Lectern, keying this one '{key}' (it keeps that key while the "
                    "questions keep their order): give it its own ::title::",
                )
            )
        questions.append(question)
        warnings.extend(entry.warnings)
    return questions, warnings


def parse(text: str, *, path: str = "<string>") -> list[Question]:
    """Parse GIFT source into questions, in source order, refusing the file if any is bad.

    The strict form of :func:`parse_all`: warnings are ignored, and if any question is refused
    a single :class:`GiftError` is raised listing all of them (``err.errors``).
    """
    result = parse_all(text, path=path)
    if result.errors:
        if len(result.errors) == 1:
            raise result.errors[0]
        head = result.errors[0]
        raise GiftError(
            head.message,
            path=path,
            line=head.line,
            question=head.question,
            key=head.key,
            errors=list(result.errors),
        )
    return list(result.questions)


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

    Keys survive the round trip: the n-th question with a :attr:`Question.base_key` must have
    ``occurrence`` n (as :func:`parse` numbers them), and no two questions may share a key.
    """
    chunks = []
    category: str | None = None
    seen: dict[str, int] = {}
    keys: set[str] = set()
    for question in questions:
        base = question.base_key
        n = seen[base] = seen.get(base, 0) + 1
        if question.occurrence != n:
            again = base if n == 1 else f"{base}#{n}"
            raise _export_error(
                question,
                f"its key is '{question.key}', but it is question number {n} with the key "
                f"'{base}' here, so it would be re-imported as '{again}'",
            )
        if question.key in keys:
            raise _export_error(question, f"another question has the key '{question.key}'")
        keys.add(question.key)
        if question.category != category:
            if question.category is None:
                raise _export_error(question, "GIFT cannot switch back to no category")
            chunks.append(f"$CATEGORY: {_escape(question.category)}")
            category = question.category
        chunks.append(_export_question(question))
    text = "\n\n".join(chunks) + "\n" if chunks else ""
    # A reader takes U+FEFF at the very start of a file for a byte-order mark and drops it;
    # a question text that starts with one keeps it behind a blank line.
    return "\n" + text if text.startswith("\ufeff") else text


def _export_question(q: Question) -> str:
    title_only = q.kind is Kind.DESCRIPTION and bool(q.title) and q.tail_text is None
    if not q.text and not (q.tail_text or "").strip() and not title_only:
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
    if all(a.value is None and a.fraction == ZERO for a in q.answers):
        raise _export_error(q, "numerical needs at least one answer")
    lines = []
    for n, answer in enumerate(q.answers):
        _check_grade(q, answer.fraction)
        if answer.value is None and answer.fraction == ZERO and n == len(q.answers) - 1:
            # Moodle reads everything after '~' as its feedback, so '~' only goes last; an
            # earlier "any other answer" is written '=%0%*', which reads back the same.
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
