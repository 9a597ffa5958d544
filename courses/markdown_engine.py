"""The one Markdown engine of Lectern: GitHub-flavoured Markdown parsed by markdown-it-py.

Splitting (courses.splitter) and rendering (courses.rendering) both work on the tokens this
module produces, so a course is cut into lessons exactly where its rendering sees headings, and
a lesson is rendered from the very tokens that were cut. Each file is parsed once, as GitHub
parses it: reference-style link definitions and footnotes anywhere in the file apply
everywhere in it, and heading anchors follow GitHub's slug rules across the whole file, so
``#links`` written for GitHub keep pointing at the same heading.

The engine is CommonMark plus GitHub's extensions (tables, strikethrough, autolinks, task
lists, alerts, footnotes) and a few authoring conveniences GitHub does not have but that do
not change how GitHub-valid text renders: ``!!! note`` admonitions, definition lists, an
explicit ``{#id}`` at the end of a heading, and ``:shortcode:`` emoji (which GitHub has).

Framework-free on purpose: no Django import, so it can be tested and benchmarked alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import emoji
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.gfm import gfm_plugin

__all__ = [
    "KNOWLEDGE_CHECK_LANGUAGE",
    "Document",
    "FenceInfo",
    "Span",
    "engine",
    "fence_info",
    "github_slug",
    "inline_line",
    "is_knowledge_check",
    "iter_inline_children",
    "knowledge_check_fences",
    "parse_document",
    "plain_text",
]

# A ```gift fence (whatever follows the word) is a knowledge check, not code to show.
KNOWLEDGE_CHECK_LANGUAGE = "gift"

# `{#id}`, `{: #id .class key=value }` at the end of a heading: the explicit anchor authors
# coming from Python-Markdown or Pandoc write. Only the id is used; classes and other
# attributes are dropped (the sanitizer would drop them anyway).
_HEADING_ATTRS_RE = re.compile(r"\s*\{:?([^{}\n]*)\}\s*$")
_ATTR_ITEM_RE = re.compile(r"""[#.][\w:.-]+|[\w-]+=(?:"[^"]*"|'[^']*'|\S+)""")
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")


@dataclass
class Document:
    """One parsed Markdown file.

    ``tokens`` is the block token stream without the footnote section markdown-it appends at
    the end; ``footnotes`` holds that section's items by footnote id, so each lesson can show
    the footnotes it references.
    """

    path: str
    tokens: list[Token]
    env: dict
    footnotes: dict[int, list[Token]] = field(default_factory=dict)


@dataclass(frozen=True)
class Span:
    """A run of block tokens ``document.tokens[start:end]``: a piece of one lesson."""

    document: Document = field(compare=False, repr=False)
    start: int
    end: int

    @property
    def tokens(self) -> list[Token]:
        return self.document.tokens[self.start : self.end]


@dataclass(frozen=True)
class FenceInfo:
    """What a fence's info string says: a language for highlighting and maybe a file name."""

    language: str
    filename: str


def parse_document(text: str, path: str = "") -> Document:
    """Parse one file's Markdown as GitHub would, once, for splitting and rendering."""
    env: dict = {}
    tokens = engine().parse(text, env)
    tokens, footnotes = _take_footnote_section(tokens)
    return Document(path=path, tokens=tokens, env=env, footnotes=footnotes)


@cache
def engine() -> MarkdownIt:
    # MarkdownIt instances hold no per-parse state (that lives in `env` and the state
    # objects), so one instance serves every thread.
    md = MarkdownIt("commonmark", {"html": True})
    # Tables, ~strikethrough~, www./https:// autolinks, task lists, > [!NOTE] alerts and
    # footnotes, as GitHub has them.
    md.use(gfm_plugin)
    md.use(deflist_plugin)
    md.use(admon_plugin)
    md.core.ruler.after("inline", "lectern_heading_attrs", _heading_attrs_rule)
    md.core.ruler.after("lectern_heading_attrs", "lectern_anchors", _anchors_rule)
    md.core.ruler.push("lectern_emoji", _emoji_rule)
    md.core.ruler.push("lectern_merge_strong", _merge_strong_rule)
    return md


def _take_footnote_section(tokens: list[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """Cut the footnote section off the end of the stream and index its items by id."""
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].type == "footnote_block_open":
            break
    else:
        return tokens, {}
    footnotes: dict[int, list[Token]] = {}
    current: list[Token] = []
    for token in tokens[index + 1 : -1]:
        current.append(token)
        if token.type == "footnote_close":
            footnotes[current[0].meta["id"]] = current
            current = []
    return tokens[:index], footnotes


# --- core rules -------------------------------------------------------------------------------


def _heading_attrs_rule(state: StateCore) -> None:
    """Take a trailing ``{#id}`` off a heading's text and keep the id for its anchor."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        if not children or children[-1].type != "text":
            continue
        match = _HEADING_ATTRS_RE.search(children[-1].content)
        if not match:
            continue
        items = match.group(1).split()
        if not items or not all(_ATTR_ITEM_RE.fullmatch(item) for item in items):
            continue
        ids = [item[1:] for item in items if item.startswith("#")]
        children[-1].content = children[-1].content[: match.start()]
        inline.content = _HEADING_ATTRS_RE.sub("", inline.content)
        if ids:
            token.meta["explicit_id"] = ids[-1]


def _anchors_rule(state: StateCore) -> None:
    """Give every heading the id GitHub gives it, unique across the file.

    GitHub's slugger counts repeats across the whole rendered file ("setup", "setup-1");
    doing the same keeps links written against GitHub pointing at the same heading after the
    file is split into lessons.
    """
    seen: dict[str, int] = state.env.setdefault("lectern_slugs", {})
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1] if index + 1 < len(tokens) else None
        wanted = token.meta.get("explicit_id") or github_slug(
            plain_text(inline.children if inline else None, images=False)
        )
        anchor = wanted
        while anchor in seen:
            seen[wanted] += 1
            anchor = f"{wanted}-{seen[wanted]}"
        seen[anchor] = 0
        token.attrSet("id", anchor)


def _emoji_rule(state: StateCore) -> None:
    """Turn ``:shortcode:`` into the emoji GitHub shows for it; unknown codes stay text."""
    for token in state.tokens:
        if token.type != "inline" or ":" not in token.content:
            continue
        for child in iter_inline_children(token):
            if child.type == "text" and ":" in child.content:
                child.content = _EMOJI_RE.sub(_emoji_for, child.content)


def _emoji_for(match: re.Match[str]) -> str:
    return emoji.emojize(match.group(0), language="alias")


def _merge_strong_rule(state: StateCore) -> None:
    """GitHub never puts a <strong> right inside a <strong> (``****bold****``,
    ``__a __b__ c__``); markdown-it does. Drop the inner one: it adds nothing visible."""
    for token in state.tokens:
        if (
            token.type == "inline"
            and token.children
            and token.content.count("**") + (token.content.count("__")) >= 4
        ):
            token.children = _without_nested_strong(token.children)


def _without_nested_strong(children: list[Token]) -> list[Token]:
    kept = []
    # Open inline elements: (type, kept?). Only a <strong> right inside a <strong> goes.
    stack: list[tuple[str, bool]] = []
    for child in children:
        if child.nesting == 1:
            dropped = child.type == "strong_open" and bool(stack) and stack[-1][0] == "strong_open"
            stack.append((child.type, not dropped))
            if dropped:
                continue
        elif child.nesting == -1 and stack:
            _, was_kept = stack.pop()
            if not was_kept:
                continue
        kept.append(child)
    return kept


# --- helpers shared by the splitter and the renderer -------------------------------------------


def github_slug(text: str) -> str:
    """The anchor GitHub derives from a heading's text (github-slugger's rules).

    Lowercase; keep letters, digits, marks, ``_``, ``-`` and spaces; drop everything else
    (punctuation, symbols, emoji); then each space becomes ``-``.
    """
    kept = []
    for char in text.lower():
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LNM" or category == "Pc":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def plain_text(children: Sequence[Token] | None, *, images: bool = True) -> str:
    """Text a reader sees in inline tokens: markup dropped, code kept, images as their alt."""
    pieces: list[str] = []
    for child in children or ():
        if child.type in {"text", "text_special", "code_inline"}:
            pieces.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            pieces.append(" ")
        elif child.type == "image":
            if images:
                pieces.append(plain_text(child.children))
        elif child.children:
            pieces.append(plain_text(child.children, images=images))
    return "".join(pieces)


def iter_inline_children(inline: Token) -> Iterator[Token]:
    """Every token inside an inline token, depth first (image alt text included)."""
    for child in inline.children or ():
        yield child
        if child.children:
            yield from iter_inline_children(child)


def inline_line(inline: Token, target: Token) -> int:
    """The 0-based source line of ``target`` inside ``inline``, counted from line breaks."""
    assert inline.map is not None
    offset = 0
    for child in inline.children or ():
        if child is target:
            break
        if child.type in {"softbreak", "hardbreak"}:
            offset += 1
        elif child.type in {"html_inline", "text"}:
            offset += child.content.count("\n")
    # Code spans turn their line endings into spaces, so the count can run short; it never
    # leaves the block.
    return min(inline.map[0] + offset, inline.map[1] - 1)


def fence_info(info: str) -> FenceInfo:
    """Read a fence's info string the forgiving way authors write it.

    The language is the first word, cut at a comma, colon or brace (```` ```rust,ignore ````,
    ```` ```text:app.py ````, ```` ```{.python} ````); a file name comes from ``lang:name`` or a
    ``title=``/``filename=`` attribute.
    """
    info = unescapeAll(info).strip()
    first = info.split(maxsplit=1)[0] if info else ""
    first = first.strip("{}").lstrip(".")
    language, _, after_colon = first.partition(":")
    language = re.split(r"[,{]", language, maxsplit=1)[0].lower()
    filename = after_colon
    match = re.search(r"""\b(?:title|filename|file)=(?:"([^"]*)"|'([^']*)'|(\S+))""", info)
    if match:
        filename = next(group for group in match.groups() if group is not None)
    return FenceInfo(language=language, filename=filename.strip())


def is_knowledge_check(token: Token) -> bool:
    """A ```gift fence, with any arguments after the word."""
    return token.type == "fence" and fence_info(token.info).language == KNOWLEDGE_CHECK_LANGUAGE


def knowledge_check_fences(tokens: Sequence[Token]) -> list[Token]:
    """The knowledge-check fences among block tokens, in document order (numbered from 1)."""
    return [token for token in tokens if is_knowledge_check(token)]
