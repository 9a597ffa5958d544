"""Lectern renders Markdown the way GitHub does: the GFM spec's examples, checked against cmark-gfm.

The reference is GitHub's own engine, cmark-gfm (the ``cmarkgfm`` package), not the spec's
expected HTML: where GitHub's engine and its spec disagree, readers of a course on GitHub see
what the engine does. Both outputs are compared as normalized DOM trees
(``tests/courses/markdown_reference.py`` says which of Lectern's documented differences it
normalizes away and why). An example that still differs for a documented reason is listed in
``EXPECTED_DIFFERENCES`` with that reason, and the test checks it really still differs, so the
list cannot go stale.

The examples come from cmark-gfm's ``test/spec.txt`` (see ``fixtures/README.md``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SEED_COURSE_DIR
from courses.rendering import render_markdown
from tests.courses.markdown_reference import differences, list_structure, reference_html

FIXTURE = Path(__file__).parent / "fixtures" / "gfm_spec_examples.json"
EXAMPLES: list[dict] = json.loads(FIXTURE.read_text(encoding="utf-8"))

SECTIONS = (
    "Tabs", "Thematic breaks", "ATX headings", "Setext headings", "Indented code blocks",
    "Fenced code blocks", "Paragraphs", "Blank lines", "Block quotes", "List items", "Lists",
    "Tables (extension)", "Task list items (extension)", "Strikethrough (extension)",
    "Autolinks (extension)", "Code spans", "Emphasis and strong emphasis", "Links", "Images",
    "Autolinks", "Hard line breaks", "Soft line breaks", "Backslash escapes",
    "Entity and numeric character references", "Link reference definitions",
)  # fmt: skip

# Spec examples Lectern renders differently from GitHub ON PURPOSE, by example number. Each
# difference comes from the sanitizer, not from parsing: GitHub strips tags it does not allow,
# Lectern escapes them so the reader sees what the author wrote; Lectern allows fewer URL
# schemes; and the sanitizer builds its tree as an HTML5 parser (and so a browser) does, while
# the reference is compared as cmark writes it. The test asserts every one of them still
# differs, so the list cannot go stale.
_ESCAPED_TAG = "raw HTML tag outside the sanitizer's allowlist is escaped to text"
_SCHEME = "sanitizer allows only http, https and mailto URLs: the <a> keeps no href"
# cmark leaves an inline tag open at the end of a paragraph. The sanitizer's HTML5 tree builder
# closes it with the <p> and, per "reconstruct the active formatting elements", reopens it
# around the newline that follows: an extra, whitespace-only element after the paragraph. A
# browser given cmark's HTML builds the same tree.
_REOPENED = "unclosed raw {} is closed at </p> and reopened around the next newline (HTML5)"
EXPECTED_DIFFERENCES: dict[int, str] = {
    # Link reference definitions
    170: f"{_ESCAPED_TAG} (<bar>)",
    # Lists: an HTML comment separates two lists; the sanitizer strips comments.
    288: "HTML comment <!-- --> is stripped by the sanitizer",
    289: "HTML comment <!-- --> is stripped by the sanitizer",
    # Code spans
    354: _REOPENED.format("<a>"),
    # Emphasis and strong emphasis
    485: _REOPENED.format("<a>"),
    486: _REOPENED.format("<a>"),
    # Links
    500: f"{_ESCAPED_TAG} (<foo>)",
    503: _REOPENED.format("<b>"),
    532: f"{_ESCAPED_TAG} (<bar>)",
    544: f"{_ESCAPED_TAG} (<bar>)",
    # Autolinks
    604: f"{_SCHEME} (irc:)",
    606: f"{_SCHEME} (a+b+c:)",
    607: f"{_SCHEME} (made-up-scheme:)",
    609: f"{_SCHEME} (localhost:)",
    # Autolinks (extension): markdown-it does not autolink ftp:// at all; were it to, the
    # sanitizer would still drop the ftp: href.
    628: f"{_SCHEME} (ftp:)",
    # Autolinks: markdown-it's GFM autolink rules (mdit-py-plugins 0.7) miss three cases
    # GitHub links. Readers still see the text, unlinked.
    610: "a URL inside <...> with a space after it is not autolinked",
    614: "an e-mail address inside <...> with an escaped + is not autolinked",
    631: "an e-mail address with '_' before '@' is linked from the '_' on",
    # Hard line breaks
    663: _REOPENED.format("<a>"),
    664: _REOPENED.format("<a>"),
}

# Cases the spec's examples miss, written the way course authors write them (and GitHub
# renders them): each is compared with cmark-gfm like a spec example.
EXTRA_CASES: dict[str, str] = {
    "two-space-sub-list": "- item\n  - sub one\n  - sub two\n- next\n",
    "list-right-after-paragraph-line": "Steps to follow:\n- first\n- second\n",
    "ordered-list-nested-under-bullet": "- Set up\n  1. Install\n  2. Configure\n- Run\n",
    "fence-info-rust-ignore": "```rust,ignore\nfn main() {}\n```\n",
    "fence-info-language-colon-filename": "```text:app.py\nprint('hi')\n```\n",
    "fence-info-title-attribute": '```js title="x"\nconsole.log(1);\n```\n',
    "details-with-markdown-inside": (
        "<details><summary>S</summary>\n\nSome *Markdown* here:\n\n- a list\n\n</details>\n"
    ),
    "footnote": "A claim.[^1]\n\n[^1]: The source.\n",
    "reference-links": (
        "See [the docs][docs], [AWS] and [AWS][].\n\n"
        '[docs]: https://docs.example.com/guide "The guide"\n'
        "[aws]: https://aws.amazon.com\n"
    ),
    "www-autolink": "Visit www.example.com today.\n",
    "autolink-trailing-period": "Open https://x.y/z?q=1.\n",
}
# Extra cases Lectern renders differently on purpose, with the reason.
EXPECTED_EXTRA_DIFFERENCES: dict[str, str] = {
    # GitHub's pre-lang is the whole first word of the info string; Lectern's fence_info cuts
    # it at "," and ":" (and shows the file name after ":"), so the code is highlighted.
    "fence-info-rust-ignore": 'language "rust", where cmark exposes "rust,ignore"',
    "fence-info-language-colon-filename": 'language "text", where cmark exposes "text:app.py"',
    # markdown-it's footnote plugin marks the section up its own way: <hr class=footnotes-sep>,
    # ids fn1/fnref1 instead of GitHub's fn-1/fnref-1, and no visually hidden "Footnotes"
    # heading. Numbers, text and the links back and forth are the same.
    "footnote": "footnote section markup (separator, ids) is markdown-it's, not GitHub's",
}


def _example_id(example: dict) -> str:
    slug = re.sub(r"[^a-z]+", "-", example["section"].lower()).strip("-")
    return f"{example['number']}-{slug}"


def _report(markdown: str, diff: str) -> str:
    return f"markdown: {markdown!r}\n{diff}"


# --- the fixture ------------------------------------------------------------------------------


def test_fixture_holds_every_example_of_the_chosen_sections() -> None:
    numbers = [example["number"] for example in EXAMPLES]
    assert len(numbers) == len(set(numbers)) == 603
    assert {example["section"] for example in EXAMPLES} == set(SECTIONS)
    assert all(example["markdown"] for example in EXAMPLES)


def test_expected_differences_are_spec_examples_with_a_reason() -> None:
    numbers = {example["number"] for example in EXAMPLES}
    assert set(EXPECTED_DIFFERENCES) <= numbers
    assert all(reason.strip() for reason in EXPECTED_DIFFERENCES.values())
    assert set(EXPECTED_EXTRA_DIFFERENCES) <= set(EXTRA_CASES)
    assert all(reason.strip() for reason in EXPECTED_EXTRA_DIFFERENCES.values())


# --- rendering as GitHub does -----------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_id)
def test_spec_example_renders_as_github_does(example: dict) -> None:
    markdown = example["markdown"]
    diff = differences(reference_html(markdown), render_markdown(markdown).html)
    reason = EXPECTED_DIFFERENCES.get(example["number"])
    if reason is None:
        assert not diff, _report(markdown, diff)
    else:
        assert diff, (
            f"example {example['number']} now renders as GitHub does; remove it from "
            f"EXPECTED_DIFFERENCES (was: {reason})"
        )


@pytest.mark.parametrize(("name", "markdown"), EXTRA_CASES.items(), ids=list(EXTRA_CASES))
def test_extra_case_renders_as_github_does(name: str, markdown: str) -> None:
    diff = differences(reference_html(markdown), render_markdown(markdown).html)
    reason = EXPECTED_EXTRA_DIFFERENCES.get(name)
    if reason is None:
        assert not diff, _report(markdown, diff)
    else:
        assert diff, f"{name} now renders as GitHub does; remove it (was: {reason})"


def test_seed_notes_list_structure_matches_github() -> None:
    """The whole seed course, as ONE document: every list item sits where GitHub puts it.

    For each ``<li>`` in document order: how deep it is nested and in which kind of list.
    """
    source = (SEED_COURSE_DIR / "notes.md").read_text(encoding="utf-8")
    expected = list_structure(reference_html(source))
    actual = list_structure(render_markdown(source).html)
    assert expected, "the seed notes have lists"
    for index, (reference, ours) in enumerate(zip(expected, actual, strict=False)):
        # Only depth and list type are compared; the text is there to find the item.
        if reference[:2] != ours[:2]:
            pytest.fail(
                f"list item {index}: GitHub has depth {reference[0]} in <{reference[1]}> "
                f"({reference[2]!r}); Lectern has depth {ours[0]} in <{ours[1]}> ({ours[2]!r})"
            )
    assert len(actual) == len(expected), (
        f"GitHub renders {len(expected)} list items, Lectern {len(actual)}"
    )
