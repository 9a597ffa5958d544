"""Fuzz the Markdown splitter and renderer with random and mutated real text.

The property: a documented result or a documented error, never anything else. The splitter's
documented errors are SourceError (no chapter heading; a file that is not UTF-8); the renderer
documents none, so it must render anything. What comes out must be sanitized: only allowed
tags, no ``on...`` handler, no ``style``, no URL with a scheme other than http, https and
mailto, no ``<script`` anywhere in the string.

The budget is fixed and derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.rendering import ALLOWED_TAGS, Rendered, html_to_text, prepare_spans, render_markdown
from courses.splitter import SourceError, SplitResult, decode_source, split_course
from tests.fuzz.strategies import (
    MARKDOWN_FRAGMENTS,
    ODD_CHARACTERS,
    markdown_sources,
    markdownish_text,
    mutated,
)

BUDGET = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every attribute the renderer may write or the sanitizer may keep; anything else (on...,
# style, srcdoc, formaction, xlink:href) is a hole.
SAFE_ATTRIBUTES = frozenset(
    {
        "id", "class", "align", "href", "title", "rel", "aria-label", "start", "src", "alt",
        "width", "height", "loading", "open", "type", "checked", "disabled", "tabindex",
        "data-check", "data-language",
    }
)  # fmt: skip
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
# A browser ignores ASCII whitespace and control characters around and inside a scheme.
_IGNORED_IN_URL_RE = re.compile(r"[\x00-\x20]")

markdown_inputs = st.one_of(
    markdownish_text(),
    mutated(markdown_sources(), MARKDOWN_FRAGMENTS),
)


def _resolver(lines_by_path: dict[str, int]):
    """A LinkResolver that checks the place it is told about, and drops or keeps URLs."""

    def resolve(url: str, *, image: bool, path: str, line: int) -> str | None:
        assert path in lines_by_path
        assert 1 <= line <= max(lines_by_path[path], 1), (path, line)
        return None if len(url) % 4 == 0 else url

    return resolve


def _line_count(text: str) -> int:
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def assert_sanitized(rendered: Rendered) -> None:
    html = rendered.html
    assert "<script" not in html.lower()
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name in ALLOWED_TAGS, element.name
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.name, name)
            assert name in SAFE_ATTRIBUTES, (element.name, name)
            if name in {"href", "src"}:
                scheme = _SCHEME_RE.match(_IGNORED_IN_URL_RE.sub("", value).lower())
                assert scheme is None or scheme.group(1) in SAFE_SCHEMES, value
    # The fast text of sanitized HTML is what a full HTML parser reads.
    assert rendered.text == html_to_text(html)
    assert rendered.word_count >= 0
    assert (rendered.reading_minutes == 0) == (rendered.text == "")
    # Headings start at h2 and never skip a level.
    previous = 1
    for entry in rendered.toc:
        assert 2 <= entry.level <= min(previous + 1, 6)
        previous = entry.level


@BUDGET
@given(markdown_inputs, st.booleans())
def test_any_markdown_renders_to_sanitized_html(source: str, resolve: bool) -> None:
    links = _resolver({"lesson.md": _line_count(source)}) if resolve else None
    rendered = render_markdown(source, links=links, path="lesson.md")
    assert_sanitized(rendered)


def _non_blank_lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.split("\n") if line.strip()]


def _rebuilt(result: SplitResult) -> list[str]:
    pieces = [result.preamble]
    for chapter in result.chapters:
        pieces += [chapter.heading, chapter.intro]
        for lesson in chapter.lessons:
            pieces += [lesson.heading, lesson.source]
    return pieces


@BUDGET
@given(
    text=markdown_inputs,
    heading=st.sampled_from(["", "# Chapter\n\n", "# Chapter\n\n## Lesson\n\n"]),
    cut=st.floats(0, 1),
    lesson_level=st.sampled_from([2, 3]),
)
def test_any_course_text_splits_or_says_why(
    text: str, heading: str, cut: float, lesson_level: int
) -> None:
    text = heading + text
    at = int(len(text) * cut)
    files = [("one.md", text[:at]), ("two.md", text[at:])]
    lines_by_path = {path: _line_count(part) for path, part in files}
    try:
        result = split_course(files, lesson_level=lesson_level)
    except SourceError as error:
        assert "no chapters found" in error.message
        return

    normalized = [
        part.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff") for _, part in files
    ]
    assert _non_blank_lines(_rebuilt(result)) == _non_blank_lines(normalized)
    for warning in result.warnings:
        assert 1 <= warning.line <= lines_by_path[warning.path], warning
        assert str(warning).startswith(f"{warning.path}:{warning.line}: ")
    links = _resolver(lines_by_path)
    pages = [result.preamble_spans]
    for chapter in result.chapters:
        pages.append(chapter.spans)
        pages += [lesson.spans for lesson in chapter.lessons]
    for spans in pages:
        assert_sanitized(prepare_spans(spans, links=links).render())


@st.composite
def uploaded_bytes(draw: st.DrawFn) -> bytes:
    """UTF-8 of random or mutated Markdown, with a few arbitrary bytes put in somewhere."""
    data = draw(st.one_of(markdownish_text(), mutated(markdown_sources(), ODD_CHARACTERS)))
    data = data.encode("utf-8")
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(max_size=4)) + data[at:]


@BUDGET
@given(uploaded_bytes())
def test_any_uploaded_bytes_decode_or_name_the_bad_line(data: bytes) -> None:
    try:
        text = decode_source(data, "notes.md")
    except SourceError as error:
        assert error.path == "notes.md"
        assert error.line is not None
        assert 1 <= error.line <= _line_count(data.decode("utf-8", "replace"))
        return
    assert "\r" not in text
