"""Render one piece of lesson Markdown to sanitized HTML, plain text and a table of contents.

Python-Markdown does the rendering; nh3 sanitizes the result with an explicit allowlist. Raw
HTML that the allowlist would drop (``http://<instance-public-ip>``, ``<script>``) is escaped
first, so the reader sees it as text instead of losing it.

Framework-free on purpose: no Django import, so it can be tested and benchmarked alone.
"""

from __future__ import annotations

import html
import math
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pygments.token import STANDARD_TYPES

__all__ = [
    "ALLOWED_TAGS",
    "KNOWLEDGE_CHECK_RE",
    "Rendered",
    "TocEntry",
    "html_to_text",
    "render_markdown",
]

WORDS_PER_MINUTE = 200

ALLOWED_TAGS = frozenset(
    {
        *(f"h{level}" for level in range(1, 7)),
        "p", "a", "em", "strong", "code", "pre", "span", "div",
        "table", "thead", "tbody", "tr", "th", "td",
        "ul", "ol", "li", "blockquote", "hr", "br",
        "del", "sup", "sub", "dl", "dt", "dd", "details", "summary", "kbd", "abbr", "img",
        # Harmless inline formatting that authors paste from HTML; without these a `<b>` in a
        # course would be shown to readers as a literal tag.
        "b", "i", "s", "mark", "ins", "small",
    }
)  # fmt: skip

_ATTRIBUTES = {
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "div": {"data-check"},
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "details": {"open"},
}

# Classes are limited to the ones our own CSS gives meaning to, so authors cannot borrow the
# site's classes (a fake "button", a hidden overlay) through attr_list.
_ADMONITION_TYPES = {
    "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important",
    "success", "check", "done", "question", "help", "faq", "warning", "caution", "attention",
    "failure", "fail", "missing", "danger", "error", "bug", "example", "quote", "cite",
    "seealso",
}  # fmt: skip
_PYGMENTS_CLASSES = {name for name in STANDARD_TYPES.values() if name} | {"hll", "filename"}
_ALLOWED_CLASSES = {
    "span": _PYGMENTS_CLASSES,
    "div": {"highlight", "admonition", "knowledge-check", *_ADMONITION_TYPES},
    "p": {"admonition-title"},
    "details": _ADMONITION_TYPES,
}

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=_ATTRIBUTES,
    allowed_classes=_ALLOWED_CLASSES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"img": {"loading": "lazy"}},
    strip_comments=True,
)

_EXTENSIONS = [
    "pymdownx.superfences",
    "pymdownx.highlight",
    "tables",
    "toc",
    "attr_list",
    "admonition",
    "pymdownx.details",
    "sane_lists",
    "pymdownx.magiclink",
    "pymdownx.tilde",
]
# A ```gift fence is a knowledge check: the importer stores it as a quiz and the lesson page
# puts the check's form where this placeholder is. Fences are numbered per lesson from 1, in
# document order, as quizzes.services.gift_fences numbers them.
KNOWLEDGE_CHECK_FENCE = "gift"
KNOWLEDGE_CHECK_RE = re.compile(r'<div class="knowledge-check" data-check="(\d+)"></div>')


def _knowledge_check_placeholder(source, language, class_name, options, md, **kwargs) -> str:
    md.lectern_checks = getattr(md, "lectern_checks", 0) + 1
    return f'<div class="knowledge-check" data-check="{md.lectern_checks}"></div>'


_EXTENSION_CONFIGS = {
    "pymdownx.superfences": {
        "custom_fences": [
            {
                "name": KNOWLEDGE_CHECK_FENCE,
                "class": "knowledge-check",
                "format": _knowledge_check_placeholder,
            }
        ]
    },
    "pymdownx.highlight": {
        "css_class": "highlight",
        "use_pygments": True,
        "noclasses": False,  # inline styles would be blocked by the CSP
        "guess_lang": False,  # guessing is slow and often wrong for short snippets
    },
    "tables": {"use_align_attribute": True},  # `style=` would be blocked by the CSP
    "toc": {"marker": ""},  # a stray "[TOC]" in a course is text, not a command
}

# A comment, an element tag, or any other "<": only allowed tags may stay markup.
_RAW_HTML_PIECE_RE = re.compile(
    r"""<!--.*?-->|</?([A-Za-z][A-Za-z0-9:-]*)(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>|<""",
    re.DOTALL,
)
_HEADING_TAGS = {f"h{level}" for level in range(1, 7)}
# A fence line: its marks, then the info string (empty on a closing fence).
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")


@dataclass(frozen=True)
class TocEntry:
    """A heading of the rendered lesson, at its rendered level (2..6)."""

    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML plus what the importer stores beside it."""

    html: str
    text: str
    toc: tuple[TocEntry, ...]
    word_count: int
    reading_minutes: int


def render_markdown(source: str) -> Rendered:
    """Render lesson Markdown to sanitized HTML, plain text, a toc and reading statistics.

    Body headings are renumbered to start at ``<h2>`` (the page's ``<h1>`` is the lesson
    title) and never skip a level.
    """
    md = _markdown()
    md.reset()
    md.lectern_checks = 0  # type: ignore[attr-defined]
    body = md.convert(source)
    toc = tuple(_flatten_toc(md.toc_tokens))  # type: ignore[attr-defined]
    clean = _make_scrollers_focusable(_CLEANER.clean(body))
    text = html_to_text(clean)
    words = len(_WORD_RE.findall(text))
    # Any text at all takes a minute to read; only an empty lesson takes none.
    minutes = max(1, math.ceil(words / WORDS_PER_MINUTE)) if text else 0
    return Rendered(html=clean, text=text, toc=toc, word_count=words, reading_minutes=minutes)


def _make_scrollers_focusable(html: str) -> str:
    """Let keyboards scroll wide code blocks and tables (WCAG 2.1.1; axe scrollable-region).

    Runs on sanitized output, where the sanitizer allows no attributes on these tags, so
    every opening tag is exactly ``<pre>`` or ``<table>``; text is escaped and never matches.
    """
    return html.replace("<pre>", '<pre tabindex="0">').replace("<table>", '<table tabindex="0">')


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: block elements on their own lines, images as alt text."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return extractor.text()


# --- Python-Markdown set-up -------------------------------------------------------------------


class _SeparateFences(Preprocessor):
    """Put blank lines around fenced code that touches a paragraph.

    CommonMark (and so the splitter) lets a fence interrupt a paragraph; superfences accepts
    it too but leaves the code block inside the paragraph's ``<p>``, which the sanitizer then
    has to tear apart. A blank line on each side gives the block its own place.
    """

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        fence: str | None = None  # the fence that opened the current code block
        for index, line in enumerate(lines):
            match = _FENCE_RE.match(line)
            if fence is None and match:
                fence = match.group(1)
                if result and result[-1].strip():
                    result.append("")
                result.append(line)
            elif fence is not None and match and _closes(match, fence):
                fence = None
                result.append(line)
                following = lines[index + 1] if index + 1 < len(lines) else ""
                if following.strip():
                    result.append("")
            else:
                result.append(line)
        return result


def _closes(match: re.Match[str], fence: str) -> bool:
    marks = match.group(1)
    return marks[0] == fence[0] and len(marks) >= len(fence) and not match.group(2).strip()


class _RenumberHeadings(Treeprocessor):
    """Start body headings at h2 and never go more than one level deeper than the last one.

    Relative structure is kept: headings that were siblings stay siblings, and a heading
    shallower than the one before climbs back to the level its earlier peer got.
    """

    def run(self, root: etree.Element) -> None:
        stack: list[tuple[int, int]] = []  # (level written, level rendered)
        for element in root.iter():
            if element.tag not in _HEADING_TAGS:
                continue
            written = int(element.tag[1])
            while stack and stack[-1][0] >= written:
                stack.pop()
            rendered = min(stack[-1][1] + 1, 6) if stack else 2
            stack.append((written, rendered))
            element.tag = f"h{rendered}"


class _EscapeDisallowedHtml(Treeprocessor):
    """Escape raw HTML tags the sanitizer would drop, so readers see them as text.

    Runs after inline parsing, when every piece of raw HTML (block or inline) sits in the
    stash. Code never reaches this as raw text: code spans are tree text, and highlighted
    blocks are stashed already escaped, so their content is escaped exactly once.
    """

    def run(self, root: etree.Element) -> None:
        blocks = self.md.htmlStash.rawHtmlBlocks
        for index, block in enumerate(blocks):
            if isinstance(block, str) and "<" in block:
                blocks[index] = _RAW_HTML_PIECE_RE.sub(_keep_or_escape, block)


def _keep_or_escape(match: re.Match[str]) -> str:
    piece = match.group(0)
    if piece.startswith("<!--"):
        return piece  # the sanitizer strips comments
    name = match.group(1)
    if name and name.lower() in ALLOWED_TAGS:
        return piece
    return piece.replace("<", "&lt;").replace(">", "&gt;")


class _LecternExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After whitespace normalizing (30), before superfences reads fences (25).
        md.preprocessors.register(_SeparateFences(md), "lectern_separate_fences", 28)
        # After inline parsing (20), which stashes inline HTML; before toc (5) reads headings.
        md.treeprocessors.register(_EscapeDisallowedHtml(md), "lectern_escape_html", 15)
        # After attr_list (8) and before toc (5), so the toc records the rendered levels.
        md.treeprocessors.register(_RenumberHeadings(md), "lectern_renumber_headings", 6)


# Building a Markdown instance with these extensions costs far more than a reset, so each
# thread keeps one; a single shared instance would not be safe under threaded servers.
_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=[*_EXTENSIONS, _LecternExtension()],
            extension_configs=_EXTENSION_CONFIGS,
            output_format="html",
        )
        _local.md = md
    return md


def _flatten_toc(tokens: list[dict]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for token in tokens:
        # toc gives the title HTML-escaped; TocEntry holds plain text for templates to escape.
        entries.append(TocEntry(token["level"], token["id"], html.unescape(token["name"])))
        entries.extend(_flatten_toc(token["children"]))
    return entries


# --- plain text -------------------------------------------------------------------------------

_BLOCK_TAGS = {
    *_HEADING_TAGS,
    "p", "div", "pre", "table", "thead", "tbody", "tr", "ul", "ol", "li", "blockquote",
    "hr", "br", "dl", "dt", "dd", "details", "summary",
}  # fmt: skip
_CELL_TAGS = {"td", "th"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._pieces: list[str] = []
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._pieces.append("\n")
        elif tag in _CELL_TAGS:
            self._pieces.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._pieces.append(f" {alt} ")
        if tag == "pre":
            self._pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._pieces.append("\n")
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._pre_depth:
            self._pieces.append(data)
        else:
            # Outside <pre>, source line breaks and indentation are layout, not text.
            self._pieces.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self._pieces).split("\n"))
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()
