"""Split course Markdown into chapters and lessons, keeping file paths and line numbers.

The split follows the *parsed* document (markdown-it-py's CommonMark token stream), so a
`# comment` inside a code block is never taken for a chapter heading, while the pieces handed
back are slices of the original text: no character of the source is rewritten on the way.

Framework-free on purpose: no Django import, so it can be tested and benchmarked alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it.token import Token

from courses.markdown_engine import Document, Span, parse_document, plain_text

__all__ = [
    "ChapterSource",
    "LessonSource",
    "SourceError",
    "SplitResult",
    "SplitWarning",
    "decode_source",
    "split_course",
]

SLUG_MAX_LENGTH = 80

# Authors who forget the `#` write "Chapter 8: Serverless" as a plain line; requiring the
# punctuation keeps prose such as "Chapter 3 covers IAM" from being flagged.
_CHAPTER_LIKE_RE = re.compile(r"^\s*chapter\s+\d+\s*[:.\-\u2013\u2014]", re.IGNORECASE)

# "-Managed Node Groups": meant as a list item, but without the space after the marker it is
# text. Lowercase or uppercase word right after one marker; `--flag`, `-1` and `**bold**` are
# not caught, nor `*emphasis*` (a closing `*` on the line).
_MARKER_WITHOUT_SPACE_RE = re.compile(
    r"^\s{0,3}(?:[-+][A-Za-z]|\*[A-Za-z][^*]*$|\d{1,9}[.)][A-Za-z])"
)

_VAGUE_ALT_RE = re.compile(
    r"""
    ^(?:image|img|picture|pic|photo|screenshot|screen\s*shot|untitled|graphic|figure|alt)
    [\s_\-]*(?:\(?\d*\)?)$
    """,
    re.IGNORECASE | re.VERBOSE,
)
_FILE_NAME_ALT_RE = re.compile(
    r"^[\w\-. ()]+\.(?:png|jpe?g|gif|webp|svg|bmp|tiff?|avif|heic)$", re.IGNORECASE
)
_CAMERA_NAME_ALT_RE = re.compile(
    r"^(?:img|dsc|pxl|dcim|photo|screenshot)[_\-\s]?\d+", re.IGNORECASE
)


class SourceError(ValueError):
    """A hard error: the import must abort.

    ``str()`` gives ``path:line: message`` (or ``path: message`` when no line applies), the
    form editors and terminals turn into a link to the spot.
    """

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SplitWarning:
    """Something the author should fix (in the text, a link, an image); the import goes on."""

    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LessonSource:
    """One lesson: the Markdown below its heading, up to the next lesson or chapter heading."""

    title: str
    slug: str
    source: str
    path: str
    line: int
    # The heading's own source lines, verbatim (two or more for a setext heading), so that
    # the original file can be rebuilt from the split.
    heading: str = ""
    # The parsed tokens of `source`, to render from, and the anchors of the headings: its own
    # (a link to it opens the lesson) and those inside it, as GitHub names them.
    spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    anchor: str = ""
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChapterSource:
    """One chapter: its intro text and its lessons in reading order."""

    title: str
    slug: str
    intro: str
    path: str
    line: int
    lessons: tuple[LessonSource, ...]
    heading: str = ""
    spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    anchor: str = ""
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class SplitResult:
    """The whole course: preamble (course introduction), chapters and warnings in file order."""

    preamble: str
    chapters: tuple[ChapterSource, ...]
    warnings: tuple[SplitWarning, ...]
    preamble_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    preamble_anchors: tuple[str, ...] = ()
    documents: tuple[Document, ...] = field(default=(), compare=False, repr=False)


def decode_source(data: bytes, path: str) -> str:
    """Decode an uploaded course file: UTF-8 only, BOM stripped, line endings made ``\\n``.

    Raises SourceError naming the path and the line of the first byte that is not UTF-8,
    because guessing another encoding would silently garble the author's text, and of the
    first NUL character.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise SourceError(
            path,
            line,
            f"the file is not valid UTF-8 (byte 0x{bad} cannot be decoded); "
            "save it as UTF-8 and upload it again",
        ) from None
    text = _normalize_newlines(text)
    nul = text.find("\x00")
    if nul >= 0:
        # PostgreSQL cannot store a NUL in text, and no editor shows one: say where it is.
        raise SourceError(
            path,
            text.count("\n", 0, nul) + 1,
            "the file holds a NUL character (U+0000), which a text file should not; "
            "remove it (it often comes from copying out of a PDF or a binary file) and import "
            "again",
        )
    return text


def split_course(
    files: Sequence[tuple[str, str]],
    *,
    lesson_level: int = 2,
    alt_text: Mapping[str, str] | None = None,
) -> SplitResult:
    """Split decoded course files into a preamble, chapters and lessons.

    ``files`` holds ``(display path, text)`` pairs in reading order: one file may hold many
    chapters, or there may be one file per chapter. Chapters are headings of level
    ``lesson_level - 1``, lessons headings of ``lesson_level``; deeper headings stay inside
    their lesson. Text in a later file before its first heading continues whatever section
    the previous file ended in, so every line lands somewhere.

    ``alt_text`` is the course's alt text for images, by their address as written (course.toml's
    ``[alt_text]``): an image it describes is checked with that text, not the source's.

    Raises SourceError when there is no chapter heading at all.
    """
    if not 2 <= lesson_level <= 6:
        raise ValueError(f"lesson_level must be between 2 and 6, not {lesson_level}")
    builder = _CourseBuilder(lesson_level, alt_text or {})
    for index, (path, text) in enumerate(files):
        builder.add_file(index, path, text)
    return builder.result(first_path=files[0][0] if files else "(no files)")


# --- building ---------------------------------------------------------------------------------


@dataclass
class _Section:
    """Where text goes: its source pieces, token runs and the anchors of headings inside."""

    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)


@dataclass
class _LessonDraft:
    title: str
    slug: str
    path: str
    line: int
    file_index: int
    heading: str
    anchor: str
    body: _Section = field(default_factory=_Section)


@dataclass
class _ChapterDraft:
    title: str
    slug: str
    path: str
    line: int
    file_index: int
    heading: str
    anchor: str
    intro: _Section = field(default_factory=_Section)
    lessons: list[_LessonDraft] = field(default_factory=list)
    lesson_slugs: set[str] = field(default_factory=set)


class _CourseBuilder:
    """Walks each file's tokens once, cutting sections at chapter and lesson headings."""

    def __init__(self, lesson_level: int, alt_text: Mapping[str, str]) -> None:
        self.lesson_level = lesson_level
        self.alt_text = alt_text
        self.described: set[str] = set()  # the alt_text addresses some image has
        self.chapter_level = lesson_level - 1
        self.preamble = _Section()
        self.documents: list[Document] = []
        self.chapters: list[_ChapterDraft] = []
        self.chapter_slugs: set[str] = set()
        # (file index, line, warning): sorted at the end so the order is file/line order.
        self.warnings: list[tuple[int, int, SplitWarning]] = []

    # Where text goes right now, and how to name that place in a warning.
    def _section(self) -> _Section:
        if not self.chapters:
            return self.preamble
        if self.chapters[-1].lessons:
            return self.chapters[-1].lessons[-1].body
        return self.chapters[-1].intro

    def _append(self, text: str, span: Span) -> None:
        section = self._section()
        section.parts.append(text)
        if span.end > span.start:
            section.spans.append(span)

    def _where(self) -> str:
        if not self.chapters:
            return "the course introduction"
        chapter = self.chapters[-1]
        if chapter.lessons:
            return f"lesson '{chapter.lessons[-1].title}'"
        return f"the introduction of chapter '{chapter.title}'"

    def _warn(self, file_index: int, path: str, line: int, code: str, message: str) -> None:
        self.warnings.append((file_index, line, SplitWarning(path, line, code, message)))

    def add_file(self, file_index: int, path: str, text: str) -> None:
        text = _normalize_newlines(text).removeprefix("\ufeff")
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()  # the empty string after the final newline is not a line
        document = parse_document(text, path)
        self.documents.append(document)
        cursor = 0  # first line not yet handed to a section
        first_token = 0  # first token not yet handed to a section
        for index, token, inline in _block_tokens(document.tokens):
            kind = self._heading_kind(token)
            if kind is not None:
                assert token.map is not None
                start, end = token.map
                # Lessons cut only once a chapter exists; a lesson-level heading before the
                # first chapter is part of the course introduction.
                if kind == "chapter" or (kind == "lesson" and self.chapters):
                    self._append("\n".join(lines[cursor:start]), Span(document, first_token, index))
                    self._open_section(
                        kind, file_index, path, lines[start:end], start, token, inline
                    )
                    cursor = end
                    first_token = index + 3  # heading_open, inline, heading_close
                else:
                    if kind == "above":
                        self._warn_heading_above_chapter(file_index, path, start, inline)
                    self._section().anchors.append(str(token.attrGet("id") or ""))
            elif token.type == "heading_open":
                self._section().anchors.append(str(token.attrGet("id") or ""))
            self._check_token(file_index, path, lines, token, inline)
        self._append("\n".join(lines[cursor:]), Span(document, first_token, len(document.tokens)))

    def _heading_kind(self, token: Token) -> str | None:
        # Only top-level headings structure the course: one inside a list or quote is content.
        if token.type != "heading_open" or token.level != 0:
            return None
        depth = int(token.tag[1])
        if depth == self.chapter_level:
            return "chapter"
        if depth == self.lesson_level:
            return "lesson"
        if depth < self.chapter_level:
            return "above"
        return None

    def _open_section(
        self,
        kind: str,
        file_index: int,
        path: str,
        heading_lines: list[str],
        start: int,
        token: Token,
        inline: Token | None,
    ) -> None:
        title = _heading_title(inline)
        explicit_id = token.meta.get("explicit_id")
        anchor = str(token.attrGet("id") or "")
        line = start + 1
        heading = "\n".join(heading_lines)
        if kind == "chapter":
            fallback, taken, noun = "chapter", self.chapter_slugs, "chapter"
        else:
            fallback, taken = "lesson", self.chapters[-1].lesson_slugs
            noun = f"lesson in chapter '{self.chapters[-1].title}'"
        wanted = _slugify(explicit_id or title) or fallback
        slug = _unique_slug(wanted, taken)
        if slug != wanted:
            hint = "pick a different id" if explicit_id else "add {#some-id} to the heading"
            self._warn(
                file_index,
                path,
                line,
                "duplicate-slug",
                f"slug '{wanted}' is already used by another {noun}; this one gets "
                f"'{slug}' ({hint} to choose a stable one)",
            )
        if kind == "chapter":
            self.chapters.append(
                _ChapterDraft(title, slug, path, line, file_index, heading, anchor)
            )
        else:
            self.chapters[-1].lessons.append(
                _LessonDraft(title, slug, path, line, file_index, heading, anchor)
            )

    def _warn_heading_above_chapter(
        self, file_index: int, path: str, start: int, inline: Token | None
    ) -> None:
        title = _heading_title(inline)
        marks = "#" * self.chapter_level
        self._warn(
            file_index,
            path,
            start + 1,
            "heading-above-chapter",
            f"heading '{title}' is above chapter level; chapters use '{marks} ' here, "
            f"so it is kept as text in {self._where()}",
        )

    def _check_token(
        self, file_index: int, path: str, lines: list[str], token: Token, inline: Token | None
    ) -> None:
        if token.type == "paragraph_open" and token.map:
            for number in range(*token.map):
                if _MARKER_WITHOUT_SPACE_RE.match(lines[number]):
                    text = lines[number].strip()
                    self._warn(
                        file_index,
                        path,
                        number + 1,
                        "list-marker-without-space",
                        f"'{_shorten(text)}' looks like a list item but has no space after "
                        "its marker, so it shows as text; write '- item' (or '1. item')",
                    )
                if _CHAPTER_LIKE_RE.match(lines[number]):
                    text = lines[number].strip()
                    marks = "#" * self.chapter_level
                    self._warn(
                        file_index,
                        path,
                        number + 1,
                        "chapter-heading-without-hash",
                        f"'{text}' looks like a chapter heading but is not one: add "
                        f"'{marks} ' to make it a chapter; kept as text in {self._where()}",
                    )
        elif token.type == "html_block" and token.map:
            for offset, alt, src in _html_images(token.content):
                self._check_alt(file_index, path, token.map[0] + offset + 1, alt, src)
        if inline is not None and inline.map:
            for offset, alt, src in _inline_images(inline):
                # Clamp: an offset is counted from line breaks and cannot leave its block.
                line = min(inline.map[0] + offset, inline.map[1] - 1) + 1
                self._check_alt(file_index, path, line, alt, src)

    def _check_alt(
        self, file_index: int, path: str, line: int, alt: str | None, src: str | None
    ) -> None:
        if src is not None and src in self.alt_text:
            self.described.add(src)
            alt = self.alt_text[src]
        problem = _alt_problem(alt)
        if problem:
            self._warn(
                file_index,
                path,
                line,
                "image-alt",
                f"image {problem}; describe what it shows for readers who cannot see it",
            )

    def result(self, *, first_path: str) -> SplitResult:
        for src in self.alt_text.keys() - self.described:
            self._warn(
                0,
                "course.toml",
                0,
                "alt-text-unused",
                f"[alt_text] describes '{src}', which no page shows: check the address "
                "against the image's in the Markdown (or remove the entry)",
            )
        if not self.chapters:
            marks = "#" * self.chapter_level
            raise SourceError(
                first_path,
                None,
                f"no chapters found: start each chapter with a '{marks} ' heading "
                f"(for example '{marks} Chapter 1: Introduction')",
            )
        chapters = []
        for draft in self.chapters:
            lessons = []
            for lesson in draft.lessons:
                source = _join_parts(lesson.body.parts)
                if not source.strip():
                    self._warn(
                        lesson.file_index,
                        lesson.path,
                        lesson.line,
                        "empty-lesson",
                        f"lesson '{lesson.title}' has no content below its heading",
                    )
                lessons.append(
                    LessonSource(
                        lesson.title,
                        lesson.slug,
                        source,
                        lesson.path,
                        lesson.line,
                        lesson.heading,
                        spans=tuple(lesson.body.spans),
                        anchor=lesson.anchor,
                        anchors=tuple(lesson.body.anchors),
                    )
                )
            intro = _join_parts(draft.intro.parts)
            if not lessons and not intro.strip():
                marks = "#" * self.lesson_level
                self._warn(
                    draft.file_index,
                    draft.path,
                    draft.line,
                    "empty-chapter",
                    f"chapter '{draft.title}' has no lessons and no text; add '{marks} ' "
                    "lesson headings below it or remove it",
                )
            chapters.append(
                ChapterSource(
                    draft.title,
                    draft.slug,
                    intro,
                    draft.path,
                    draft.line,
                    tuple(lessons),
                    draft.heading,
                    spans=tuple(draft.intro.spans),
                    anchor=draft.anchor,
                    anchors=tuple(draft.intro.anchors),
                )
            )
        self.warnings.sort(key=lambda item: (item[0], item[1]))
        return SplitResult(
            preamble=_join_parts(self.preamble.parts),
            chapters=tuple(chapters),
            warnings=tuple(warning for _, _, warning in self.warnings),
            preamble_spans=tuple(self.preamble.spans),
            preamble_anchors=tuple(self.preamble.anchors),
            documents=tuple(self.documents),
        )


# --- helpers ----------------------------------------------------------------------------------


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _block_tokens(tokens: list[Token]) -> Iterator[tuple[int, Token, Token | None]]:
    """Yield each block token with its index, and the inline token after an opening one."""
    for index, token in enumerate(tokens):
        if token.type == "inline":
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.nesting == 1 and following is not None and following.type == "inline":
            yield index, token, following
        else:
            yield index, token, None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _join_parts(parts: list[str]) -> str:
    # A blank line between pieces from different files keeps paragraphs from merging.
    return "\n\n".join(piece for piece in (_trim_blank_lines(p) for p in parts) if piece)


def _trim_blank_lines(text: str) -> str:
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _heading_title(inline: Token | None) -> str:
    """The plain title of a heading (its `{#id}` was taken off by the engine), without a
    trailing colon: notes often end a heading with one ("AWS Cloud facts:") to introduce
    what follows, which reads wrongly as a page title, in an outline or a pager. The slug
    and the heading's anchor never had it; the source keeps it."""
    if inline is None:
        return ""
    title = " ".join(plain_text(inline.children).split())
    return title.rstrip(": ") or title


def _slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-")


def _unique_slug(wanted: str, taken: set[str]) -> str:
    slug = wanted
    number = 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = wanted[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    taken.add(slug)
    return slug


def _inline_images(inline: Token) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield (line offset within the block, alt text or None, address) for each image in an
    inline."""
    offset = 0
    for child in inline.children or ():
        if child.type == "image":
            yield offset, plain_text(child.children), str(child.attrGet("src") or "")
        elif child.type == "html_inline":
            for line_offset, alt, src in _html_images(child.content):
                yield offset + line_offset, alt, src
        offset += _line_breaks(child)


def _line_breaks(token: Token) -> int:
    if token.type in {"softbreak", "hardbreak"}:
        return 1
    if token.children:
        return sum(_line_breaks(child) for child in token.children)
    # Code spans turn their line endings into spaces, so a multi-line code span before an
    # image can shift its reported line; the caller clamps the result to the block.
    return token.content.count("\n") if token.type in {"html_inline", "text"} else 0


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[tuple[int, str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = dict(attrs)
            # A bare `alt` attribute parses as None but means "empty", not "missing".
            alt = (values["alt"] or "") if "alt" in values else None
            self.images.append((self.getpos()[0] - 1, alt, values.get("src")))


def _html_images(html: str) -> list[tuple[int, str | None, str | None]]:
    """Find <img> tags in raw HTML: (line offset, alt text or None when missing, address)."""
    if "<img" not in html.lower():
        return []
    finder = _ImageFinder()
    finder.feed(html)
    finder.close()
    return finder.images


def _alt_problem(alt: str | None) -> str | None:
    if alt is None:
        return "has no alt text"
    text = alt.strip()
    if not text:
        return "has empty alt text"
    if (
        _VAGUE_ALT_RE.match(text)
        or _FILE_NAME_ALT_RE.match(text)
        or _CAMERA_NAME_ALT_RE.match(text)
    ):
        return f"has alt text '{text}', which says nothing about it"
    return None
