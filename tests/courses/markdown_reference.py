"""Compare Lectern's rendered HTML with GitHub's own Markdown engine, cmark-gfm.

Lectern renders course Markdown "as GitHub does", so the reference for what a piece of Markdown
should become is cmark-gfm itself (through the ``cmarkgfm`` package). The two HTML strings are
never compared as text: both are parsed into a small normalized DOM (:func:`normalize_html`) and
the trees are compared, so attribute order, ``<br>`` vs ``<br />`` and entity spelling do not
matter.

The normalization removes ONLY the differences Lectern documents on purpose, and nothing else:

* headings: Lectern renumbers body headings (the first used level becomes h2, levels never
  skip) and gives them its own ids. Both sides go through the same renumbering and heading ids
  are dropped, so only the relative heading structure is compared.
* code blocks: Lectern wraps ``<pre>`` in ``<div class="highlight">`` (possibly with data-
  attributes and a ``class="filename"`` caption), adds ``tabindex="0"`` and highlights with
  Pygments spans. A code block is compared by its text and, where Lectern exposes one, by its
  language.
* tables: ``tabindex="0"`` on ``<table>`` and a wrapping ``<div class="table-...">``.
* images: ``loading="lazy"``; the ``src`` of relative images (Lectern may rewrite it).
* links: ``rel="noopener noreferrer"``; ``javascript:``, ``data:`` and ``vbscript:`` hrefs,
  which cmark keeps in unsafe mode and Lectern's sanitizer removes.
* task lists: markdown-it's ``contains-task-list``/``task-list-item``/``task-list-item-checkbox``
  classes; a checkbox is compared by its ``type``, ``checked`` and ``disabled`` only.
* whitespace: whitespace-only differences between block elements, and runs of whitespace in
  text outside ``<pre>`` (a browser collapses them anyway).
* strikethrough: ``<s>`` and ``<del>`` mean the same here; both become ``<del>``.

Everything else, raw HTML that Lectern's sanitizer escapes included, is a real difference; the
tests list those they accept, with a reason each.

Framework-free on purpose (no Django), so it can be used from a shell to look at one example.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import cmarkgfm
from bs4 import BeautifulSoup, Comment, PageElement, Tag
from bs4.element import PreformattedString
from cmarkgfm.cmark import Options

__all__ = [
    "CMARK_OPTIONS",
    "Element",
    "Node",
    "describe",
    "differences",
    "list_structure",
    "normalize_html",
    "reference_html",
]

# Unsafe: GitHub's pipeline keeps raw HTML (and then filters it); cmark's safe mode would
# replace it with a comment, which is not what readers of GitHub see. Footnotes: GitHub
# renders `[^1]`.
CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES


def reference_html(markdown: str) -> str:
    """Render Markdown the way GitHub does: cmark-gfm with GitHub's extensions."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=CMARK_OPTIONS)


# --- the normalized DOM -----------------------------------------------------------------------


@dataclass
class Element:
    """An element of the normalized DOM.

    ``tag`` is a lower-case tag name, or ``#fragment`` for the root and ``#comment``,
    ``#doctype``, ``#processinginstruction``, ``#cdata``, ``#declaration`` for the other node
    kinds an HTML parser reports (their text is the only child). Attributes are a dict, so
    their order never matters. Text children are plain ``str``.
    """

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()


Node = Element | str

# Elements around which whitespace is layout, not content (CSS display: block or similar).
_BLOCK_TAGS = frozenset(
    {
        "#fragment", "address", "article", "aside", "blockquote", "details", "dialog", "dd",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))
# The classes markdown-it's task list rule adds; cmark-gfm adds none.
_TASK_LIST_CLASSES = frozenset({"contains-task-list", "task-list-item", "task-list-item-checkbox"})
# Only these attributes of a checkbox carry meaning for a reader.
_INPUT_ATTRIBUTES = frozenset({"type", "checked", "disabled"})
# URL schemes Lectern's sanitizer removes outright (cmark keeps them in unsafe mode).
_DANGEROUS_SCHEMES = frozenset({"javascript", "data", "vbscript"})
_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")
_LANGUAGE_CLASS_RE = re.compile(r"^(?:language|lang)-(.+)$")
# HTML's whitespace: not Python's \s, which would also collapse U+00A0 (&nbsp;).
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]+")
_SPECIAL_STRINGS = {
    "Comment": "#comment",
    "Doctype": "#doctype",
    "ProcessingInstruction": "#processinginstruction",
    "CData": "#cdata",
    "Declaration": "#declaration",
}


def normalize_html(fragment: str) -> Element:
    """Parse an HTML fragment into the normalized DOM described in the module docstring."""
    # multi_valued_attributes=None keeps `class` a string; we split and sort it ourselves.
    soup = BeautifulSoup(fragment, "html.parser", multi_valued_attributes=None)
    root = Element("#fragment", {}, _convert_children(soup))
    _renumber_headings(root)
    _normalize_whitespace(root)
    return root


def _convert_children(tag: Tag) -> list[Node]:
    nodes: list[Node] = []
    for child in tag.children:
        nodes.extend(_convert(child))
    return nodes


def _convert(node: PageElement) -> list[Node]:
    """Convert one parsed node; a list because wrappers are unwrapped into their children."""
    if isinstance(node, PreformattedString):
        kind = _SPECIAL_STRINGS.get(type(node).__name__, "#" + type(node).__name__.lower())
        return [Element(kind, {}, [str(node)])]
    if not isinstance(node, Tag):
        return [str(node)]

    name = node.name.lower()
    attrs = {key.lower(): "" if value is None else str(value) for key, value in node.attrs.items()}

    if name == "div" and "highlight" in _classes(attrs):
        return _convert_highlight(node, attrs)
    if name == "div" and _is_table_wrapper(node, attrs):
        return _convert_children(node)
    if name == "pre":
        return [_code_block(node)]

    if name == "s":
        name = "del"  # GFM strikethrough: cmark writes <del>, markdown-it <s>
    if name in _HEADING_TAGS:
        attrs.pop("id", None)  # Lectern's own slugs
    elif name == "table":
        attrs.pop("tabindex", None)  # Lectern makes wide tables keyboard-scrollable
    elif name == "img":
        if attrs.get("loading") == "lazy":
            del attrs["loading"]
        if "src" in attrs and _is_relative(attrs["src"]):
            del attrs["src"]  # Lectern may point relative images at its media storage
    elif name == "a":
        _normalize_link(attrs)
    elif name == "input":
        attrs = {key: value for key, value in attrs.items() if key in _INPUT_ATTRIBUTES}

    if "class" in attrs:
        classes = sorted(set(_classes(attrs)) - _TASK_LIST_CLASSES)
        if classes:
            attrs["class"] = " ".join(classes)
        else:
            del attrs["class"]
    return [Element(name, attrs, _convert_children(node))]


def _classes(attrs: dict[str, str]) -> list[str]:
    return attrs.get("class", "").split()


def _convert_highlight(div: Tag, attrs: dict[str, str]) -> list[Node]:
    """Unwrap Lectern's ``<div class="highlight">``, keeping only the code block(s) inside.

    The filename caption is Lectern's addition (cmark-gfm has no such thing) and is dropped.
    A language the wrapper exposes (``data-lang``/``data-language``) is passed on to the
    ``<pre>`` unless the ``<pre>`` exposes one itself.
    """
    language = attrs.get("data-lang") or attrs.get("data-language")
    nodes: list[Node] = []
    for child in div.children:
        if isinstance(child, Tag) and "filename" in (child.get("class") or "").split():
            continue
        for converted in _convert(child):
            if isinstance(converted, Element) and converted.tag == "pre" and language:
                converted.attrs.setdefault("lang", language)
            nodes.append(converted)
    return nodes


def _is_table_wrapper(div: Tag, attrs: dict[str, str]) -> bool:
    """A ``<div class="table-...">`` (or similar) whose only content is one ``<table>``."""
    if not any("table" in name for name in _classes(attrs)):
        return False
    elements = [child for child in div.children if isinstance(child, Tag)]
    texts = [
        child
        for child in div.children
        if not isinstance(child, Tag) and not isinstance(child, Comment) and str(child).strip()
    ]
    return len(elements) == 1 and elements[0].name == "table" and not texts


def _code_block(pre: Tag) -> Element:
    """A code block as its text (Pygments spans, ``<code>`` and ``tabindex`` ignored).

    One final newline is dropped: cmark always ends code with one and Pygments may not, and a
    single newline before ``</pre>`` does not show.
    """
    text = pre.get_text()
    if text.endswith("\n"):
        text = text[:-1]
    attrs: dict[str, str] = {}
    language = _code_language(pre)
    if language:
        attrs["lang"] = language
    return Element("pre", attrs, [text] if text else [])


def _code_language(pre: Tag) -> str | None:
    """The language a code block exposes, wherever the renderer put it.

    cmark-gfm (GitHub's pre-lang option) writes ``<pre lang="x">``; markdown-it and others
    write ``<code class="language-x">``; a ``data-lang`` attribute is also accepted.
    """
    candidates = [pre, *pre.find_all("code", recursive=False)]
    for element in candidates:
        for key in ("lang", "data-lang", "data-language"):
            value = element.get(key)
            if value:
                return str(value)
        for name in (element.get("class") or "").split():
            match = _LANGUAGE_CLASS_RE.match(name)
            if match:
                return match.group(1)
    return None


def _is_relative(url: str) -> bool:
    """A URL with neither scheme nor host: a file next to the course, or a site path."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def _normalize_link(attrs: dict[str, str]) -> None:
    if "rel" in attrs:
        rel = [value for value in attrs["rel"].split() if value not in {"noopener", "noreferrer"}]
        if rel:
            attrs["rel"] = " ".join(rel)
        else:
            del attrs["rel"]
    match = _SCHEME_RE.match(attrs.get("href", ""))
    if match and match.group(1).lower() in _DANGEROUS_SCHEMES:
        del attrs["href"]


def _renumber_headings(root: Element) -> None:
    """Map heading levels through Lectern's renumbering, so that only structure is compared.

    The same stack-based rule as Lectern's: the first heading becomes h2, a heading deeper than
    the one before gets at most one level more, a shallower one climbs back to the level its
    earlier peer got. Applied to output that is already renumbered it changes nothing, so both
    sides can go through it.
    """
    stack: list[tuple[int, int]] = []  # (level written, level given)
    for element in root.iter():
        if element.tag not in _HEADING_TAGS:
            continue
        written = int(element.tag[1])
        while stack and stack[-1][0] >= written:
            stack.pop()
        given = min(stack[-1][1] + 1, 6) if stack else 2
        stack.append((written, given))
        element.tag = f"h{given}"


def _normalize_whitespace(element: Element) -> None:
    """Collapse whitespace in text, and drop it where it touches block boundaries.

    Text inside ``<pre>`` (and in comments and the like) is left exactly as it is.
    """
    if element.tag == "pre" or (element.tag.startswith("#") and element.tag != "#fragment"):
        return
    merged: list[Node] = []
    for child in element.children:
        if isinstance(child, str):
            child = _HTML_SPACE_RE.sub(" ", child)
            if merged and isinstance(merged[-1], str):
                merged[-1] += child  # unwrapping can leave two texts side by side
                continue
        merged.append(child)

    in_block = element.tag in _BLOCK_TAGS
    result: list[Node] = []
    for index, child in enumerate(merged):
        if isinstance(child, Element):
            _normalize_whitespace(child)
            result.append(child)
            continue
        before = merged[index - 1] if index > 0 else None
        after = merged[index + 1] if index + 1 < len(merged) else None
        if (before is None and in_block) or _is_block(before):
            child = child.lstrip(" ")
        if (after is None and in_block) or _is_block(after):
            child = child.rstrip(" ")
        if child:
            result.append(child)
    element.children = result


def _is_block(node: Node | None) -> bool:
    return isinstance(node, Element) and node.tag in _BLOCK_TAGS


# --- comparing --------------------------------------------------------------------------------


def describe(node: Node, indent: int = 0) -> list[str]:
    """One line per node, indented by depth: a readable, diffable form of a normalized tree.

    Texts are JSON strings, so leading/trailing spaces, tabs and odd characters are visible.
    """
    pad = "  " * indent
    if isinstance(node, str):
        return [pad + json.dumps(node, ensure_ascii=False)]
    attrs = "".join(
        f" {key}={json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(node.attrs.items())
    )
    lines = [] if node.tag == "#fragment" else [f"{pad}<{node.tag}{attrs}>"]
    child_indent = indent if node.tag == "#fragment" else indent + 1
    for child in node.children:
        lines.extend(describe(child, child_indent))
    return lines


def _match_code_languages(expected: Element, actual: Element) -> None:
    """Compare a code block's language only where Lectern exposes one.

    Code blocks are paired in document order; where Lectern's block has no language, the
    reference's is dropped too. (If the block counts differ the trees differ anyway.)
    """
    expected_blocks = [element for element in expected.iter() if element.tag == "pre"]
    actual_blocks = [element for element in actual.iter() if element.tag == "pre"]
    for reference, ours in zip(expected_blocks, actual_blocks, strict=False):
        if "lang" not in ours.attrs:
            reference.attrs.pop("lang", None)


def differences(expected_html: str, actual_html: str) -> str:
    """The differences between two HTML fragments after normalization, as a unified diff.

    ``expected_html`` is the reference (cmark-gfm), ``actual_html`` Lectern's. Returns an
    empty string when the two are structurally equal.
    """
    expected = normalize_html(expected_html)
    actual = normalize_html(actual_html)
    _match_code_languages(expected, actual)
    if expected == actual:
        return ""
    diff = difflib.unified_diff(
        describe(expected), describe(actual), "cmark-gfm", "lectern", n=2, lineterm=""
    )
    return "\n".join(diff)


def list_structure(fragment: str) -> list[tuple[int, str, str]]:
    """Every ``<li>`` in document order as (nesting depth, type of its list, text).

    The depth counts the ``<ul>``/``<ol>`` ancestors; the type is the nearest one's tag. The
    text (the item's first 60 characters) is only there to point a reader at the item: compare
    the first two fields.
    """
    soup = BeautifulSoup(fragment, "html.parser")
    structure = []
    for item in soup.find_all("li"):
        lists = item.find_parents(["ul", "ol"])
        text = _HTML_SPACE_RE.sub(" ", item.get_text()).strip()[:60]
        structure.append((len(lists), lists[0].name if lists else "-", text))
    return structure
