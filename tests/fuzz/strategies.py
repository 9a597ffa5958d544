"""Inputs for the fuzz tests: random text from a Markdown/GIFT-ish alphabet, and real files
(the seed course, the public course fixtures, GitHub's spec examples, the quiz files) cut,
spliced and mutated.

Every strategy is bounded (a window of at most a few thousand characters), so one example
stays cheap and a fixed budget of examples runs in seconds.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SEED_NOTES = ROOT / "content" / "aws-cloud-fundamentals" / "notes.md"

# Control characters, line endings and odd code points that real uploads carry: NUL (which
# markdown-it replaces and PostgreSQL refuses), CR alone and CRLF, a BOM anywhere, form feed,
# vertical tab, DEL, C1 controls, line/paragraph separators, zero-width and bidi marks,
# combining marks, astral emoji.
ODD_CHARACTERS = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\r", "\r\n",
    "\ufeff", "\u2028", "\u2029", "\u200b", "\u200d", "\u202e", "\u00a0", "\u0301", "\ufffd",
    "\t", "é", "ß", "İ", "ﬁ", "日本", "😀", "👩‍💻", "\U0010fffd",
]  # fmt: skip

MARKDOWN_FRAGMENTS = [
    *ODD_CHARACTERS,
    "\n", "\n", "\n\n", " ", "  ", "   ", "    ", "text", "Chapter 2: x", "word ",
    # headings, setext underlines, breaks
    "# ", "## ", "### ", "###### ", "####### ", "#", "# Chapter\n", "## Lesson\n", "===", "---",
    "***", "{#id}", "{: #a .b c=d}", "{#}", "{",  "}",
    # fences and indented code, opened and closed, with odd info strings
    "```", "~~~", "````", "```python", "```rust,ignore", "```text:app.py", "```{.py}",
    "```gift", '```py title="a.py"', "```\x00", "`", "``",
    # lists with 0-4 space indents, task lists, definition lists
    "- ", "* ", "+ ", "1. ", "1) ", "123456789. ", " - ", "  - ", "   - ", "    - ", "- [ ] ",
    "- [x] ", "-item", "Term\n: definition", ": ",
    # quotes, alerts, admonitions
    "> ", ">", "> [!NOTE]", "> [!WARNING]\n> ", "!!! note", "!!! warning \"Title\"", "??? tip",
    "???+ danger", "!!!",
    # tables
    "|", "| a | b |", "|---|:-:|", "|--|", ":-", "-:",
    # links, images, footnotes, autolinks, references
    "[link](x)", "![img](y)", "![](z.png)", "[x]", "[x]: /url", "[x]: javascript:alert(1)",
    "[a](javascript:alert(1))", "[a](<java\nscript:x>)", "![a](data:text/html,x)", "[^1]",
    "[^1]: note", "[^note]", "<https://example.com>", "https://www.example.com", "www.x.y",
    "mailto:a@b.c", "](", "[", "]", "(", ")", "\\", "\\[", "&amp;", "&#0;", "&#x110000;",
    "&lt;", "&nbsp;",
    # emphasis
    "**", "__", "*", "_", "~~", "~", "****bold****", ":smile:", ":not_an_emoji:", "::",
    # raw HTML, allowed, disallowed and hostile
    "<", ">", "</", "<div>", "</div>", "<div onclick=x>", "<span>", "</span>", "<p align=center>",
    "<details>", "<summary>", "<pre>", "</pre>", "<table>", "<tr>", "<td>", "<br>", "<hr/>",
    "<img src=x onerror=alert(1)>", '<img src="javascript:alert(1)">', "<a href=javascript:x>",
    '<a href="x" onmouseover="y">', "</a>", "<input type=text>", "<script>", "</script>",
    "<script>alert(1)</script>", "<style>", "</style>", "<body onload=alert(1)>", "<iframe src=x>",
    "<textarea>", "<svg onload=x>", "<math>", "<template>", "<!--", "-->", "<!-- c -->",
    "<![CDATA[", "]]>", "<?php", "?>", "<!DOCTYPE html>", "<x-foo bar>", "<instance-public-ip>",
    '<div class="knowledge-check" data-check="9"></div>', '<span class="hll">', "<b>", "<kbd>",
    "<a\nhref=x>", "<img\nsrc=y>", "'", '"', "=",
]  # fmt: skip

GIFT_FRAGMENTS = [
    *ODD_CHARACTERS,
    "\n", "\n", "\n\n", " ", "text", "Question?", "$CATEGORY: a/b", "$CATEGORY:", "// comment",
    "::", "::Title::", "{", "}", "{}", "=", "~", "#", "####", "->", "%", "%50%", "%-100%",
    "%33.33333%", "%150%", "%abc%", "T", "F", "TRUE", "FALSE", "{T}", "{FALSE#no#yes}", "#", ":",
    "..", "3.14", "1e3", "-0", "NaN", "1e999999999", "1E-99999999999", "9" * 40, "{#3.14:0.01}",
    "{#1..2}", "{#2..1}", "{#=1:0 =%50%2:1}", "{#1e999999999}", "{#=1:1e9999999}", "{#1e-400}",
    "{=a -> b =c -> d}", "{~a ~b =c}", "{=x =y}", "{1:MC:~a~b}", "[html]", "[markdown]",
    "[plain]", "[moodle]", "[HTML]", "[htlm]", "[Note]", "\\:", "\\=", "\\{", "\\}", "\\~",
    "\\#", "\\n", "\\", "\\\\", "<b>", "<script>", "&amp;", "\t", "    ",
]  # fmt: skip


def _joined(fragments: list[str], max_pieces: int) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(fragments),
        # Any other character now and then (surrogates cannot reach us: text arrives decoded).
        st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


def markdownish_text(max_pieces: int = 80) -> st.SearchStrategy[str]:
    """Random text built from Markdown's structural pieces and odd characters."""
    return _joined(MARKDOWN_FRAGMENTS, max_pieces)


def giftish_text(max_pieces: int = 80) -> st.SearchStrategy[str]:
    """Random text built from GIFT's structural pieces and odd characters."""
    return _joined(GIFT_FRAGMENTS, max_pieces)


@cache
def markdown_sources() -> tuple[str, ...]:
    """Real Markdown: the seed course, the public course fixtures, GFM's spec examples."""
    paths = [SEED_NOTES, *sorted((ROOT / "tests" / "fixtures").rglob("*.md"))]
    texts = [path.read_text(encoding="utf-8") for path in paths]
    spec = ROOT / "tests" / "courses" / "fixtures" / "gfm_spec_examples.json"
    examples = json.loads(spec.read_text(encoding="utf-8"))
    # The spec's examples are tiny; glued together they make one file worth cutting.
    texts.append("\n".join(example["markdown"] for example in examples))
    return tuple(texts)


_GIFT_FENCE_RE = re.compile(r"^```gift[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


@cache
def gift_sources() -> tuple[str, ...]:
    """Real GIFT: every .gift file of the content and the tests, and the seed's ```gift fences."""
    paths = sorted(
        {*ROOT.joinpath("content").rglob("*.gift"), *ROOT.joinpath("tests").rglob("*.gift")}
    )
    texts = [path.read_text(encoding="utf-8") for path in paths]
    texts += _GIFT_FENCE_RE.findall(SEED_NOTES.read_text(encoding="utf-8"))
    return tuple(texts)


@st.composite
def mutated(
    draw: st.DrawFn,
    sources: tuple[str, ...],
    fragments: list[str],
    *,
    max_window: int = 3000,
) -> str:
    """A window of a real file, then a few edits: characters inserted or deleted, a piece of
    another file spliced in, a run repeated or two lines swapped."""
    source = draw(st.sampled_from(sources))
    # Windows start anywhere, often at a line start so that block structure survives.
    starts = [0, *(match.end() for match in re.finditer("\n", source))]
    if draw(st.booleans()):
        start = draw(st.sampled_from(starts))
    else:
        start = draw(st.integers(0, len(source)))
    text = source[start : start + draw(st.integers(0, max_window))]
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "delete", "splice", "repeat", "swap"]))
        if operation == "insert":
            text = text[:at] + draw(st.sampled_from(fragments)) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)) :]
        elif operation == "splice":
            other = draw(st.sampled_from(sources))
            begin = draw(st.integers(0, len(other)))
            text = text[:at] + other[begin : begin + draw(st.integers(0, 400))] + text[at:]
        elif operation == "repeat":
            text = text[:at] + text[at : at + draw(st.integers(1, 80))] * 3 + text[at:]
        else:
            lines = text.split("\n")
            i, j = (draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text
