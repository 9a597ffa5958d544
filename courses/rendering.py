"""Render lesson Markdown to sanitized HTML, plain text and a table of contents.

The tokens come from courses.markdown_engine (GitHub-flavoured Markdown, parsed once per
file); a lesson is rendered from its own run of tokens, so it shows exactly what the split
saw. nh3 then sanitizes the result with an explicit allowlist. Raw HTML that the allowlist
would drop (``http://<instance-public-ip>``, ``<script>``) is escaped first, so the reader sees
it as text instead of losing it.

Where a link or image points is the caller's business: a ``LinkResolver`` (the importer's,
which knows every lesson and the course's files) may rewrite each ``href``/``src``.

Framework-free on purpose: no Django import, so it can be tested and benchmarked alone.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Protocol

import nh3
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import index as footnote_rules
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from courses.markdown_engine import (
    Span,
    engine,
    fence_info,
    inline_line,
    is_knowledge_check,
    iter_inline_children,
    parse_document,
    plain_text,
)

__all__ = [
    "ALLOWED_TAGS",
    "KNOWLEDGE_CHECK_RE",
    "LinkResolver",
    "PreparedPage",
    "Rendered",
    "TocEntry",
    "html_to_text",
    "prepare_spans",
    "render_markdown",
    "render_spans",
]

WORDS_PER_MINUTE = 200

ALLOWED_TAGS = frozenset(
    {
        *(f"h{level}" for level in range(1, 7)),
        "p", "a", "em", "strong", "code", "pre", "span", "div",
        "table", "thead", "tbody", "tr", "th", "td",
        "ul", "ol", "li", "blockquote", "hr", "br",
        "del", "sup", "sub", "dl", "dt", "dd", "details", "summary", "kbd", "abbr", "img",
        # Task lists (disabled checkboxes) and the footnotes section.
        "input", "section",
        # Harmless inline formatting that authors paste from HTML; without these a `<b>` in a
        # course would be shown to readers as a literal tag.
        "b", "i", "s", "mark", "ins", "small", "var", "samp",
    }
)  # fmt: skip

_ATTRIBUTES = {
    # `align` as GitHub keeps it (`<p align="center">` banners); styled, never `style=`.
    **{f"h{level}": {"id", "align"} for level in range(1, 7)},
    "p": {"align"},
    "div": {"data-check", "data-language", "align"},
    # `id` for footnote references; footnote items carry theirs on <li>.
    "a": {"href", "title", "id", "aria-label"},
    "li": {"id"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "img": {"src", "alt", "title", "width", "height", "align"},
    "abbr": {"title"},
    "details": {"open"},
    "input": {"checked", "aria-label"},
}

# Classes are limited to the ones our own CSS gives meaning to, so authors cannot borrow the
# site's classes (a fake "button", a hidden overlay) through raw HTML.
_ADMONITION_TYPES = {
    "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important",
    "success", "check", "done", "question", "help", "faq", "warning", "caution", "attention",
    "failure", "fail", "missing", "danger", "error", "bug", "example", "quote", "cite",
    "seealso",
}  # fmt: skip
_ALERT_TYPES = {"note", "tip", "important", "warning", "caution"}
_PYGMENTS_CLASSES = {name for name in STANDARD_TYPES.values() if name} | {"hll", "filename"}
_ALLOWED_CLASSES = {
    "span": _PYGMENTS_CLASSES,
    "div": {
        "highlight",
        "admonition",
        "knowledge-check",
        *_ADMONITION_TYPES,
        "markdown-alert",
        *(f"markdown-alert-{kind}" for kind in _ALERT_TYPES),
    },
    "p": {"admonition-title", "markdown-alert-title"},
    "details": _ADMONITION_TYPES,
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list", "footnotes-list"},
    "li": {"task-list-item", "footnote-item"},
    "input": {"task-list-item-checkbox"},
    "section": {"footnotes"},
    "hr": {"footnotes-sep"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
}

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=_ATTRIBUTES,
    allowed_classes=_ALLOWED_CLASSES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    # Every <input> is a task list's checkbox: never a field a reader can type into.
    set_tag_attribute_values={
        "img": {"loading": "lazy"},
        "input": {"type": "checkbox", "disabled": ""},
    },
    strip_comments=True,
)

# A ```gift fence is a knowledge check: the importer stores it as a quiz and the lesson page
# puts the check's form where this placeholder is. Fences are numbered per lesson from 1, in
# document order, by courses.markdown_engine.knowledge_check_fences.
KNOWLEDGE_CHECK_RE = re.compile(r'<div class="knowledge-check" data-check="(\d+)"></div>')

# A comment, an element tag, or any other "<": only allowed tags may stay markup. A tag holds
# no unquoted "<" (CommonMark's tags cannot), which also keeps each try short: a run of
# unclosed "<a " does not make every one of them scan to the end of the block.
_RAW_TAG_PIECE = r"""</?([A-Za-z][A-Za-z0-9:-]*)(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>|<"""
_RAW_HTML_PIECE_RE = re.compile(r"<!--.*?-->|" + _RAW_TAG_PIECE, re.DOTALL)
_RAW_TAG_PIECE_RE = re.compile(_RAW_TAG_PIECE)
# The URL attribute of an <a> or <img> tag in raw HTML: group 1 is the tag up to the
# attribute, 3 its name, 4-6 its value (double-, single- or unquoted).
_RAW_URL_RE = re.compile(
    r"""(<(a|img)\b[^<>]*?)\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE,
)
_IMG_TAG_RE = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_IMG_SRC_RE = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_IMG_ALT_RE = re.compile(
    r"""\salt(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?(?=[\s/>])""", re.IGNORECASE
)
_HEADING_TAGS = {f"h{level}" for level in range(1, 7)}
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")
_FORMATTER = HtmlFormatter(nowrap=True)


class LinkResolver(Protocol):
    """Rewrites where a link or image points; the importer's knows lessons and files.

    Return the new URL, the same one to leave it, or None to drop it (the link keeps its
    text, the image shows its alt text). ``path`` and ``line`` (1-based) say where it was
    written, for warnings.
    """

    def __call__(self, url: str, *, image: bool, path: str, line: int) -> str | None: ...


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


def render_markdown(
    source: str,
    *,
    links: LinkResolver | None = None,
    path: str = "",
    alt_text: Mapping[str, str] | None = None,
) -> Rendered:
    """Render a piece of Markdown on its own (an admin edit, a quiz text, a course intro)."""
    document = parse_document(source, path)
    return render_spans([Span(document, 0, len(document.tokens))], links=links, alt_text=alt_text)


def render_spans(
    spans: Sequence[Span],
    *,
    links: LinkResolver | None = None,
    alt_text: Mapping[str, str] | None = None,
) -> Rendered:
    """Render one lesson from its runs of tokens to sanitized HTML, text, toc and statistics."""
    return prepare_spans(spans, links=links, alt_text=alt_text).render()


def prepare_spans(
    spans: Sequence[Span],
    *,
    links: LinkResolver | None = None,
    alt_text: Mapping[str, str] | None = None,
) -> PreparedPage:
    """Resolve one lesson's links and gather its footnotes, ready to render.

    ``alt_text`` maps an image's address, as the source writes it, to the alt text the
    course gives it (course.toml's ``[alt_text]``): it replaces what the source says, in
    Markdown images and ``<img>`` tags alike, and the source stays as written.

    Cheap next to rendering: an import prepares every page, compares ``signature`` with
    what it stored, and renders only the pages that changed.
    """
    state = _RenderState()
    pieces = []
    for span in spans:
        tokens = span.tokens
        tokens = tokens + _footnote_section(span, tokens)
        if alt_text:
            state.describe_images(tokens, alt_text)
        if links is not None:
            state.resolve_links(tokens, links, span.document.path)
        pieces.append((span, tokens))
    return PreparedPage(pieces, state)


@dataclass
class PreparedPage:
    """A lesson's tokens with its links resolved; ``signature`` is everything besides its own
    source that its rendering depends on (where links lead, footnotes defined elsewhere)."""

    pieces: list[tuple[Span, list[Token]]]
    state: _RenderState

    @property
    def signature(self) -> str:
        parts = [str(url) for url in self.state.urls.values()]
        parts += self.state.alts.values()
        parts += self.state.raw_html.values()
        parts += [
            token.content
            for span, tokens in self.pieces
            for token in tokens[span.end - span.start :]  # the footnote section
            if token.type == "inline"
        ]
        return "\n".join(parts)

    def render(self) -> Rendered:
        """Body headings are renumbered to start at ``<h2>`` (the page's ``<h1>`` is the
        lesson title) and never skip a level. Footnotes referenced in the lesson follow it,
        whatever lesson of the file defines them."""
        renderer = _renderer()
        state = self.state
        state.heading_stack.clear()
        state.checks = 0
        html_pieces: list[str] = []
        toc: list[TocEntry] = []
        for span, tokens in self.pieces:
            toc.extend(state.renumber_headings(span.tokens))
            env = {**span.document.env, "lectern": state}
            html_pieces.append(renderer.render(tokens, engine().options, env))
        clean = _make_scrollers_focusable(_CLEANER.clean("".join(html_pieces)))
        text = _sanitized_html_text(clean)
        words = len(_WORD_RE.findall(text))
        # Any text at all takes a minute to read; only an empty lesson takes none.
        minutes = max(1, math.ceil(words / WORDS_PER_MINUTE)) if text else 0
        return Rendered(
            html=clean, text=text, toc=tuple(toc), word_count=words, reading_minutes=minutes
        )


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


# --- per-render state ---------------------------------------------------------------------------


@dataclass
class _RenderState:
    """What one lesson's render carries between its pieces, kept out of the shared tokens."""

    # (level written, level rendered) of the headings above the current one.
    heading_stack: list[tuple[int, int]] = field(default_factory=list)
    levels: dict[int, int] = field(default_factory=dict)  # id(heading_open) -> level rendered
    urls: dict[int, str | None] = field(default_factory=dict)  # id(token) -> resolved URL
    checks: int = 0
    admonitions: list[bool] = field(default_factory=list)  # open ones: does each fold?
    raw_html: dict[int, str] = field(default_factory=dict)  # id(token) -> links resolved
    alts: dict[int, str] = field(default_factory=dict)  # id(image) -> the course's alt text

    def describe_images(self, tokens: list[Token], alt_text: Mapping[str, str]) -> None:
        """Give the images ``alt_text`` knows (by their address as written) its alt text."""
        for token in tokens:
            if token.type == "html_block":
                self._describe_raw_html(token, alt_text)
            if token.type != "inline" or not token.children:
                continue
            for child in iter_inline_children(token):
                if child.type == "html_inline":
                    self._describe_raw_html(child, alt_text)
                elif child.type == "image":
                    alt = alt_text.get(str(child.attrGet("src") or ""))
                    if alt is not None:
                        self.alts[id(child)] = alt

    def _describe_raw_html(self, token: Token, alt_text: Mapping[str, str]) -> None:
        if "<img" not in token.content.lower():
            return

        def describe(match: re.Match[str]) -> str:
            tag = match.group(0)
            src = _IMG_SRC_RE.search(tag)
            if src is None:
                return tag
            alt = alt_text.get(html.unescape(next(g for g in src.group(1, 2, 3) if g is not None)))
            if alt is None:
                return tag
            return f'<img alt="{html.escape(alt)}"' + _IMG_ALT_RE.sub("", tag[len("<img") :])

        described = _IMG_TAG_RE.sub(describe, self.raw_html.get(id(token), token.content))
        if described != token.content:
            self.raw_html[id(token)] = described

    def renumber_headings(self, tokens: list[Token]) -> list[TocEntry]:
        """Start at h2, never skip a level; headings that were siblings stay siblings."""
        entries = []
        for index, token in enumerate(tokens):
            if token.type != "heading_open":
                continue
            written = int(token.tag[1])
            while self.heading_stack and self.heading_stack[-1][0] >= written:
                self.heading_stack.pop()
            rendered = min(self.heading_stack[-1][1] + 1, 6) if self.heading_stack else 2
            self.heading_stack.append((written, rendered))
            self.levels[id(token)] = rendered
            inline = tokens[index + 1]
            title = " ".join(plain_text(inline.children, images=False).split())
            entries.append(TocEntry(rendered, str(token.attrGet("id") or ""), title))
        return entries

    def resolve_links(self, tokens: list[Token], links: LinkResolver, path: str) -> None:
        for token in tokens:
            if token.type == "html_block" and token.map:
                self._resolve_raw_html(token, links, path, token.map[0])
            if token.type != "inline" or not token.children:
                continue
            for child in iter_inline_children(token):
                if child.type == "html_inline" and token.map:
                    self._resolve_raw_html(child, links, path, inline_line(token, child))
                    continue
                if child.type not in {"link_open", "image"}:
                    continue
                name = "src" if child.type == "image" else "href"
                url = str(child.attrGet(name) or "")
                # Autolinks are the author's visible text: nothing to resolve.
                if not url or child.markup in {"autolink", "linkify"}:
                    continue
                line = inline_line(token, child) + 1 if token.map else 1
                self.urls[id(child)] = links(url, image=child.type == "image", path=path, line=line)

    def _resolve_raw_html(self, token: Token, links: LinkResolver, path: str, line: int) -> None:
        """Resolve ``<a href>`` and ``<img src>`` written as raw HTML, as Markdown links are."""
        content = self.raw_html.get(id(token), token.content)  # its images described
        if "<" not in content or not _RAW_URL_RE.search(content):
            return

        def replace(match: re.Match[str]) -> str:
            url = html.unescape(next(g for g in match.group(4, 5, 6) if g is not None))
            offset = content.count("\n", 0, match.start())
            resolved = links(
                url, image=match.group(2).lower() == "img", path=path, line=line + offset + 1
            )
            if resolved is None:
                return match.group(1)  # the attribute goes; the element and its text stay
            return f'{match.group(1)} {match.group(3)}="{html.escape(resolved)}"'

        self.raw_html[id(token)] = _RAW_URL_RE.sub(replace, content)


def _footnote_section(span: Span, tokens: list[Token]) -> list[Token]:
    """The footnotes this run of tokens references, as a section of its own."""
    footnotes = span.document.footnotes
    if not footnotes:
        return []
    referenced: dict[int, set[int]] = {}
    for token in tokens:
        if token.type == "inline" and token.children:
            for child in iter_inline_children(token):
                if child.type == "footnote_ref":
                    referenced.setdefault(child.meta["id"], set()).add(child.meta["subId"])
    if not referenced:
        return []
    section = [Token("footnote_block_open", "", 1)]
    for footnote_id in sorted(referenced):
        for token in footnotes.get(footnote_id, []):
            # A back-link to a reference in another lesson would lead nowhere.
            elsewhere = token.meta.get("subId") not in referenced[footnote_id]
            if token.type == "footnote_anchor" and elsewhere:
                continue
            section.append(token)
    section.append(Token("footnote_block_close", "", -1))
    return section


# --- the HTML renderer ------------------------------------------------------------------------


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with Lectern's code blocks, links and raw-HTML policy."""

    def __init__(self) -> None:
        super().__init__()
        # Footnotes and admonitions render with their plugins' own rules.
        for name in (
            "footnote_ref",
            "footnote_block_open",
            "footnote_block_close",
            "footnote_open",
            "footnote_close",
            "footnote_anchor_name",
        ):
            self.rules[name] = getattr(footnote_rules, f"render_{name}").__get__(self)

    def footnote_caption(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        # GitHub shows the bare number, not "[1]".
        return str(tokens[idx].meta["id"] + 1)

    def footnote_anchor(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
        if token.meta["subId"] > 0:
            ident += f":{token.meta['subId']}"
        number = token.meta["id"] + 1
        return (
            f' <a href="#fnref{ident}" class="footnote-backref" '
            f'aria-label="Back to reference {number}">\u21a9\ufe0e</a>'
        )

    def heading_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._heading(tokens, idx, options, env)

    def heading_close(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._heading(tokens, idx, options, env)

    def _heading(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        state: _RenderState = env["lectern"]
        token = tokens[idx]
        opening = token if token.nesting == 1 else _matching_open(tokens, idx)
        level = state.levels.get(id(opening), int(token.tag[1]))
        if token.nesting == 1:
            return f"<h{level}{self.renderAttrs(token)}>"
        return f"</h{level}>\n"

    def th_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._cell(tokens[idx])

    def td_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._cell(tokens[idx])

    def _cell(self, token: Token) -> str:
        # markdown-it aligns with `style=`, which the CSP would block; GitHub writes `align`.
        style = str(token.attrGet("style") or "")
        align = style.removeprefix("text-align:") if style.startswith("text-align:") else ""
        return f'<{token.tag} align="{align}">' if align else f"<{token.tag}>"

    def link_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        urls = env["lectern"].urls
        if id(token) not in urls:
            return self.renderToken(tokens, idx, options, env)
        url = urls[id(token)]
        attrs = dict(token.attrs)
        if url is None:
            attrs.pop("href", None)
        else:
            attrs["href"] = url
        copy = Token("link_open", "a", 1, attrs=attrs)
        return self.renderToken([copy], 0, options, env)

    def image(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        state = env["lectern"]
        alt = state.alts.get(id(token))
        resolved = id(token) in state.urls
        if alt is None and not resolved:
            return super().image(tokens, idx, options, env)
        children = [Token("text", "", 0, content=alt)] if alt is not None else token.children
        url = state.urls[id(token)] if resolved else token.attrGet("src")
        if url is None:
            # A missing or refused file: say what it was, never show a broken image.
            text = self.renderInlineAsText(children or [], options, env)
            return f"<em>[image: {html.escape(text) if text else 'missing'}]</em>"
        shown = Token("image", "img", 0, attrs={**token.attrs, "src": url})
        shown.children = children
        shown.content = token.content
        return super().image([shown], 0, options, env)

    def list_item_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if not (token.meta and "checked" in token.meta):
            return self.renderToken(tokens, idx, options, env)
        # A task's checkbox is named by the task's own words (WCAG 4.1.2: a form control needs
        # a name; a bare checkbox before the text has none).
        label = next((plain_text(t.children) for t in tokens[idx + 1 :] if t.type == "inline"), "")
        checked = ' checked=""' if token.meta["checked"] else ""
        return (
            f"{self.renderToken(tokens, idx, options, env)}"
            f'<input class="task-list-item-checkbox" type="checkbox" disabled=""{checked} '
            f'aria-label="{html.escape(" ".join(label.split()))}"> '
        )

    # GitHub writes strikethrough as <del>; markdown-it as <s>.
    def s_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return "<del>"

    def s_close(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return "</del>"

    # `!!! note` is a box; `??? note` (closed) and `???+ note` (open) fold, as in MkDocs.
    def admonition_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        folds = token.markup.startswith("???")
        env["lectern"].admonitions.append(folds)
        if not folds:
            return self.renderToken(tokens, idx, options, env)
        kind = html.escape(str(token.meta.get("tag", "note")))
        return f'<details class="{kind}"{" open" if token.markup == "???+" else ""}>\n'

    def admonition_title_open(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        if env["lectern"].admonitions[-1]:
            return "<summary>"
        return self.renderToken(tokens, idx, options, env)

    def admonition_title_close(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        if env["lectern"].admonitions[-1]:
            return "</summary>\n"
        return self.renderToken(tokens, idx, options, env)

    def admonition_close(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        if env["lectern"].admonitions.pop():
            return "</details>\n"
        return self.renderToken(tokens, idx, options, env)

    def fence(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if is_knowledge_check(token):
            state: _RenderState = env["lectern"]
            state.checks += 1
            return f'<div class="knowledge-check" data-check="{state.checks}"></div>\n'
        info = fence_info(token.info)
        return _code_block(token.content, info.language, info.filename)

    def code_block(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return _code_block(tokens[idx].content, "", "")

    def html_block(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._raw_html(tokens[idx], env)

    def html_inline(self, tokens, idx, options: OptionsDict, env: EnvType) -> str:
        return self._raw_html(tokens[idx], env)

    def _raw_html(self, token: Token, env: EnvType) -> str:
        return _escape_disallowed(env["lectern"].raw_html.get(id(token), token.content))


def _matching_open(tokens: Sequence[Token], idx: int) -> Token:
    # A heading's content is one inline token: its opening tag is two tokens back.
    return tokens[idx - 2]


@cache
def _renderer() -> _Renderer:
    return _Renderer()


def _code_block(code: str, language: str, filename: str) -> str:
    lexer = _lexer(language) if language else None
    body = highlight(code, lexer, _FORMATTER) if lexer else html.escape(code, quote=False)
    lang = f' data-language="{html.escape(language)}"' if language else ""
    name = f'<span class="filename">{html.escape(filename)}</span>' if filename else ""
    return f'<div class="highlight"{lang}>{name}<pre><code>{body}</code></pre></div>\n'


# Lexers that never finish on some text (Pygments 2.21, every lexer probed): TNTLexer on "a=b"
# without a final newline (its error recovery does not move on), MCSchemaLexer on a line
# starting "<!--" (two states hand it back and forth without consuming it). A fence in a course
# must not hang the import or an admin preview, so their code is shown unhighlighted.
_LEXERS_THAT_HANG = frozenset({"TNTLexer", "MCSchemaLexer"})


@cache
def _lexer(language: str) -> Lexer | None:
    try:
        # Keep the code's own leading and trailing newlines: the reader sees what was written.
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return None if type(lexer).__name__ in _LEXERS_THAT_HANG else lexer


def _escape_disallowed(raw: str) -> str:
    # No comment can close after the last "-->": from there on only tags are looked for, or
    # each unclosed "<!--" would scan to the end of the block (quadratic on hostile text).
    last_close = raw.rfind("-->")
    pieces = []
    position = 0
    while True:
        pattern = _RAW_HTML_PIECE_RE if position < last_close else _RAW_TAG_PIECE_RE
        match = pattern.search(raw, position)
        if match is None:
            break
        pieces += [raw[position : match.start()], _keep_or_escape(match)]
        position = match.end()
    pieces.append(raw[position:])
    return "".join(pieces)


def _keep_or_escape(match: re.Match[str]) -> str:
    piece = match.group(0)
    if piece.startswith("<!--"):
        return piece  # the sanitizer strips comments
    name = match.group(1)
    if name and name.lower() in ALLOWED_TAGS:
        return piece
    return piece.replace("<", "&lt;").replace(">", "&gt;")


# --- plain text -------------------------------------------------------------------------------

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ALT_RE = re.compile(r'\salt="([^"]*)"')
_SPACE_RE = re.compile(r"\s+")


def _sanitized_html_text(fragment: str) -> str:
    """html_to_text for the sanitizer's own output, several times faster.

    nh3 writes well-formed HTML: every ``<`` in text is ``&lt;``, every attribute value is
    double-quoted and has ``>`` escaped, comments are gone. So a tag is exactly what the
    pattern matches, and the import (which renders every lesson every time) skips a full
    HTML parser. html_to_text stays for HTML from anywhere else.
    """
    pieces: list[str] = []
    pre_depth = 0
    position = 0
    for match in _TAG_RE.finditer(fragment):
        data = fragment[position : match.start()]
        position = match.end()
        if data:
            data = html.unescape(data)
            pieces.append(data if pre_depth else _SPACE_RE.sub(" ", data))
        closing, tag, attrs = match.groups()
        if tag in _BLOCK_TAGS:
            pieces.append("\n")
        elif tag in _CELL_TAGS and not closing:
            pieces.append(" ")
        elif tag == "img" and not closing:
            alt = _ALT_RE.search(attrs)
            if alt and alt.group(1):
                pieces.append(f" {html.unescape(alt.group(1))} ")
        if tag == "pre":
            pre_depth = max(0, pre_depth - 1) if closing else pre_depth + 1
    tail = fragment[position:]
    if tail:
        tail = html.unescape(tail)
        pieces.append(tail if pre_depth else _SPACE_RE.sub(" ", tail))
    return _join_text_lines(pieces)


def _join_text_lines(pieces: list[str]) -> str:
    lines = (line.strip() for line in "".join(pieces).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_BLOCK_TAGS = {
    *_HEADING_TAGS,
    "p", "div", "pre", "table", "thead", "tbody", "tr", "ul", "ol", "li", "blockquote",
    "hr", "br", "dl", "dt", "dd", "details", "summary", "section",
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
        return _join_text_lines(self._pieces)
