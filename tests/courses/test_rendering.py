import itertools
import re
import threading
import time
from pathlib import Path

import nh3
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BASE_DIR, SEED_COURSE_DIR
from courses.pygments_css import build_css, contrast_ratio
from courses.rendering import ALLOWED_TAGS, Rendered, prepare_spans, render_markdown
from courses.splitter import SplitResult, decode_source, split_course
from tests.courses.markdown_reference import reference_html


def _seed_path() -> Path:
    # The seed notes as Lectern ships them; test_import checks they are the seed unchanged.
    return SEED_COURSE_DIR / "notes.md"


def _soup(rendered: Rendered) -> BeautifulSoup:
    return BeautifulSoup(rendered.html, "html.parser")


@pytest.fixture(scope="module")
def seed() -> SplitResult:
    path = _seed_path()
    return split_course([(str(path), decode_source(path.read_bytes(), str(path)))])


@pytest.fixture(scope="module")
def seed_lessons(seed: SplitResult) -> dict[str, Rendered]:
    started = time.perf_counter()
    rendered = {
        f"{chapter.slug}/{lesson.slug}": render_markdown(lesson.source)
        for chapter in seed.chapters
        for lesson in chapter.lessons
    }
    print(f"rendered {len(rendered)} lessons in {time.perf_counter() - started:.3f}s")
    return rendered


# --- the seed course --------------------------------------------------------------------------


def test_seed_every_lesson_renders_with_text(seed_lessons: dict[str, Rendered]) -> None:
    assert len(seed_lessons) == 38
    for key, rendered in seed_lessons.items():
        assert rendered.text, key
        assert rendered.word_count > 0, key
        assert rendered.reading_minutes >= 1, key


def test_seed_placeholder_in_angle_brackets_stays_visible(
    seed_lessons: dict[str, Rendered],
) -> None:
    ec2 = seed_lessons["chapter-3-ec2-compute/running-a-webserver-on-an-ec2-instance"]
    assert "http://<instance-public-ip>" in ec2.text
    assert _soup(ec2).find("instance-public-ip") is None


def test_seed_shebang_is_inside_pre(seed_lessons: dict[str, Rendered]) -> None:
    ec2 = seed_lessons["chapter-3-ec2-compute/running-a-webserver-on-an-ec2-instance"]
    [pre] = _soup(ec2).find_all("pre")
    assert pre.get_text().startswith("#!/bin/bash\n")
    assert 'echo "<h1>Hello CoderCo from $(hostname -f)</h1>">' in pre.get_text()
    assert pre.find_parent("div", class_="highlight") is not None
    # The shebang is code, not a heading.
    assert all("bash" not in h.get_text() for h in _soup(ec2).find_all(re.compile("^h[1-6]$")))


def test_seed_tables_render_as_tables(seed_lessons: dict[str, Rendered]) -> None:
    tables = [
        table for rendered in seed_lessons.values() for table in _soup(rendered).find_all("table")
    ]
    assert tables
    for table in tables:
        assert table.find("thead").find("th") is not None
        assert table.find("tbody").find("td") is not None


def test_seed_images_are_lazy_and_keep_alt(seed_lessons: dict[str, Rendered]) -> None:
    images = [img for r in seed_lessons.values() for img in _soup(r).find_all("img")]
    assert len(images) == 16
    for img in images:
        assert img["loading"] == "lazy"
        assert img["src"].startswith("https://github.com/user-attachments/")
        assert img["alt"] == "image"


def test_seed_lesson_headings_start_at_h2_and_match_toc(
    seed_lessons: dict[str, Rendered],
) -> None:
    for key, rendered in seed_lessons.items():
        headings = _soup(rendered).find_all(re.compile("^h[1-6]$"))
        assert [(int(h.name[1]), h["id"]) for h in headings] == [
            (entry.level, entry.id) for entry in rendered.toc
        ], key
        if headings:
            assert headings[0].name == "h2", key


def test_seed_html_has_no_inline_styles_or_handlers(seed_lessons: dict[str, Rendered]) -> None:
    for rendered in seed_lessons.values():
        for element in _soup(rendered).find_all(True):
            assert "style" not in element.attrs
            assert not any(name.startswith("on") for name in element.attrs)


# --- raw HTML and sanitizing ------------------------------------------------------------------


def test_script_block_comes_out_as_text() -> None:
    rendered = render_markdown("Before.\n\n<script>alert(1)</script>\n\nAfter.\n")
    soup = _soup(rendered)
    assert soup.find("script") is None
    assert "<script>alert(1)</script>" in rendered.text


def test_inline_script_comes_out_as_text() -> None:
    rendered = render_markdown("Say <script>alert(1)</script> now.")
    assert _soup(rendered).find("script") is None
    assert rendered.text == "Say <script>alert(1)</script> now."


def test_image_keeps_source_but_loses_event_handler() -> None:
    rendered = render_markdown("<img src=x onerror=alert(1)>")
    [img] = _soup(rendered).find_all("img")
    assert img["src"] == "x"
    assert "onerror" not in img.attrs
    assert img["loading"] == "lazy"


def test_markdown_image_is_lazy_with_alt_and_title() -> None:
    rendered = render_markdown('![A cat asleep](cat.png "Sleepy")')
    [img] = _soup(rendered).find_all("img")
    assert (img["alt"], img["title"], img["loading"]) == ("A cat asleep", "Sleepy", "lazy")
    assert "A cat asleep" in rendered.text


def test_javascript_link_loses_its_href() -> None:
    rendered = render_markdown("[x](javascript:alert(1)) and <a href='JaVaScRiPt:alert(2)'>y</a>")
    for link in _soup(rendered).find_all("a"):
        assert not link.get("href", "").lower().startswith("javascript")


def test_link_keeps_href_loses_onclick_and_gets_rel() -> None:
    rendered = render_markdown('<a href="http://x" onclick="y">link</a>')
    [link] = _soup(rendered).find_all("a")
    assert link["href"] == "http://x"
    assert "onclick" not in link.attrs
    assert link["rel"] == ["noopener", "noreferrer"]


def test_relative_and_mailto_links_survive() -> None:
    rendered = render_markdown("[next](../lesson-2/) [mail](mailto:a@example.com) [top](#top)")
    hrefs = [link["href"] for link in _soup(rendered).find_all("a")]
    assert hrefs == ["../lesson-2/", "mailto:a@example.com", "#top"]


def test_bare_urls_become_links() -> None:
    rendered = render_markdown("See https://docs.aws.amazon.com/ec2/ for more.")
    [link] = _soup(rendered).find_all("a")
    assert link["href"] == "https://docs.aws.amazon.com/ec2/"


def test_style_and_foreign_classes_from_attr_list_are_dropped() -> None:
    rendered = render_markdown('Click here\n{: .btn .btn-primary style="position:fixed" }')
    [paragraph] = _soup(rendered).find_all("p")
    assert "style" not in paragraph.attrs
    # nh3 may leave an empty class attribute behind; no class name gets through.
    assert not paragraph.get("class")


def test_angle_bracket_placeholders_in_prose_are_text() -> None:
    rendered = render_markdown("Open http://<instance-public-ip> or <your-bucket>/key.")
    assert rendered.text == "Open http://<instance-public-ip> or <your-bucket>/key."
    assert _soup(rendered).find("your-bucket") is None


def test_code_span_is_escaped_exactly_once() -> None:
    rendered = render_markdown("Use `<h1>Hi</h1>` and `a && b`.")
    codes = [code.get_text() for code in _soup(rendered).find_all("code")]
    assert codes == ["<h1>Hi</h1>", "a && b"]
    assert "&amp;lt;" not in rendered.html


def test_fenced_code_is_escaped_exactly_once() -> None:
    rendered = render_markdown('```html\n<p class="x">a &amp; b</p>\n```\n')
    [pre] = _soup(rendered).find_all("pre")
    assert pre.get_text() == '<p class="x">a &amp; b</p>\n'
    assert "&amp;lt;" not in rendered.html


def test_fenced_code_inside_a_list_is_highlighted() -> None:
    rendered = render_markdown("1. Run this:\n\n    ```python\n    import os\n    ```\n")
    item = _soup(rendered).find("li")
    assert item.find("div", class_="highlight") is not None
    assert "import os" in item.find("pre").get_text()


def test_fence_touching_a_paragraph_gets_its_own_block() -> None:
    rendered = render_markdown("Type this:\n```\necho hi\n```\nThen this.\n")
    soup = _soup(rendered)
    assert [p.get_text() for p in soup.find_all("p")] == ["Type this:", "Then this."]
    assert soup.find("p").find("div") is None


def test_pygments_classes_survive_sanitizing() -> None:
    rendered = render_markdown("```python\nimport os  # why\n```\n")
    block = _soup(rendered).find("div", class_="highlight")
    classes = {cls for span in block.find_all("span") for cls in span.get("class", [])}
    assert {"kn", "nn", "c1"} <= classes


def test_plain_fence_without_language_is_not_guessed() -> None:
    rendered = render_markdown("```\nimport os\n```\n")
    block = _soup(rendered).find("div", class_="highlight")
    assert block.find("span", class_="kn") is None


@pytest.mark.parametrize(
    ("language", "code"),
    [("tnt", "a=b"), ("tnt", "<<<"), ("tnt", "((("), ("mcschema", "<!-- x\n")],
)
def test_fence_whose_lexer_never_finishes_is_shown_plain(language: str, code: str) -> None:
    # Found by probing every Pygments lexer: these never return on this text (an unclosed
    # fence at the end of an admin edit has no final newline). A daemon thread keeps a
    # regression from hanging the suite.
    rendered: list[Rendered] = []
    worker = threading.Thread(
        target=lambda: rendered.append(render_markdown(f"```{language}\n{code}")), daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    assert rendered, f"rendering a ```{language} fence did not finish"
    block = _soup(rendered[0]).find("div", class_="highlight")
    assert block["data-language"] == language
    assert block.find("pre").get_text() == code
    assert block.find("span") is None


def test_tables_use_align_attribute_not_style() -> None:
    rendered = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    cells = _soup(rendered).find_all(["th", "td"])
    assert [cell.get("align") for cell in cells] == ["left", "right", "left", "right"]
    assert "style=" not in rendered.html


def test_admonition_and_details_keep_their_classes() -> None:
    rendered = render_markdown(
        '!!! warning "Costs money"\n    Stop it.\n\n??? tip "Hint"\n    Hi\n'
    )
    soup = _soup(rendered)
    admonition = soup.find("div", class_="admonition")
    assert admonition["class"] == ["admonition", "warning"]
    assert admonition.find("p", class_="admonition-title").get_text() == "Costs money"
    details = soup.find("details")
    assert details["class"] == ["tip"]
    assert details.find("summary").get_text() == "Hint"


def test_tilde_gives_strikethrough_as_on_github() -> None:
    soup = _soup(render_markdown("~~old~~ and ~gone~"))
    assert [d.get_text() for d in soup.find_all("del")] == ["old", "gone"]
    assert soup.find("s") is None


def test_allowed_raw_html_passes_through() -> None:
    rendered = render_markdown("Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, <b>now</b>.\n")
    soup = _soup(rendered)
    assert [kbd.get_text() for kbd in soup.find_all("kbd")] == ["Ctrl", "C"]
    assert soup.find("b").get_text() == "now"


_LONE_TAG_LESSON = "Intro text\n\n{tag}\nThe rest of the lesson.\n\nMore.\n"


def _words_github_shows(markdown: str) -> list[str]:
    # cmark-gfm with GitHub's tagfilter, then a sanitizer that drops disallowed tags but keeps
    # their text (what GitHub's sanitizer does to <body>, <iframe> and the like).
    html = nh3.clean(reference_html(markdown), tags=set(ALLOWED_TAGS), clean_content_tags=set())
    return BeautifulSoup(html, "html.parser").get_text(" ").split()


@pytest.mark.parametrize(
    "tag",
    [
        "<body onload=alert(1)>",
        "<BODY ONLOAD=alert(1)>",
        "<body onload=\"alert('x')\" class=x>",
        "<iframe src=x onload=alert(1)>",
        "<svg onload=alert(1)>",
        "<html>",
        "<select>",
        "<x-widget onclick=alert(1)>",
    ],
)
def test_lone_disallowed_tag_keeps_the_rest_of_the_lesson_visible(tag: str) -> None:
    # CommonMark makes the tag's line and the lines after it, up to a blank line, one raw HTML
    # block. The tag is escaped, so the reader sees it as text and it can load nothing; every
    # word GitHub shows is shown.
    source = _LONE_TAG_LESSON.format(tag=tag)
    rendered = render_markdown(source)
    soup = _soup(rendered)
    assert soup.find(["body", "iframe", "svg", "html", "select", "x-widget"]) is None
    assert not [name for el in soup.find_all(True) for name in el.attrs if name.startswith("on")]
    assert rendered.text.split("\n") == ["Intro text", f"{tag} The rest of the lesson.", "More."]
    words = rendered.text.split()
    github = _words_github_shows(source)
    assert [word for word in words if word in github] == github
    assert [p.get_text() for p in soup.find_all("p")] == ["Intro text", "More."]


@pytest.mark.parametrize("tag", ["<div>", "<div onclick=alert(1)>", "<details>", "<span>"])
def test_unclosed_allowed_tag_keeps_the_rest_of_the_lesson_visible(tag: str) -> None:
    rendered = render_markdown(_LONE_TAG_LESSON.format(tag=tag))
    soup = _soup(rendered)
    assert soup.find(attrs={"onclick": True}) is None
    assert " ".join(rendered.text.split()) == "Intro text The rest of the lesson. More."
    # The element is closed at the end of the lesson; Markdown after the blank line is still
    # Markdown.
    assert soup.find(tag[1:].split()[0].rstrip(">")).find("p").get_text() == "More."


@pytest.mark.parametrize("tag", ["<script>", "<style>", "<textarea>", "<script src=x.js>"])
def test_unclosed_script_or_style_shows_the_rest_as_text_as_github_does(tag: str) -> None:
    # An HTML block of CommonMark's type 1 ends only at its closing tag, here never: the rest
    # of the text belongs to it. GitHub's tagfilter escapes the tag, so the text stays visible
    # (as raw text, not Markdown); so does Lectern's escaping, before the sanitizer.
    source = _LONE_TAG_LESSON.format(tag=tag) + "\n*Not emphasis* [not](a-link)\n"
    rendered = render_markdown(source)
    soup = _soup(rendered)
    assert soup.find(["script", "style", "textarea", "em", "a"]) is None
    assert rendered.text.split() == _words_github_shows(source)
    assert rendered.text.startswith(f"Intro text\n{tag} The rest of the lesson. More.")


def test_lone_tag_in_a_split_lesson_keeps_its_text_and_loses_its_handler() -> None:
    source = "# Chapter\n\n## Lesson\n\n" + _LONE_TAG_LESSON.format(tag="<body onload=alert(1)>")
    [chapter] = split_course([("notes.md", source)]).chapters
    [lesson] = chapter.lessons
    rendered = prepare_spans(lesson.spans, links=lambda url, **_: url).render()
    assert "The rest of the lesson." in rendered.text
    assert _soup(rendered).find(attrs={"onload": True}) is None


@pytest.mark.parametrize(
    "hostile",
    ["<pre>\n" + "<a " * 20_000, "<pre>\n" + "<!-- " * 20_000, "<div>\n" + "<img " * 20_000],
)
def test_many_unclosed_tags_or_comments_render_in_linear_time(hostile: str) -> None:
    # Each unclosed "<a " or "<!--" used to scan to the end of the block: a minute for 60 KB.
    started = time.perf_counter()
    rendered = render_markdown(hostile, links=lambda url, **_: url)
    assert time.perf_counter() - started < 5
    assert rendered.text.count("<") == 20_000


def test_ordered_list_start_is_kept() -> None:
    soup = _soup(render_markdown("3. three\n4. four\n"))
    assert soup.find("ol")["start"] == "3"


# --- headings and toc -------------------------------------------------------------------------


def test_first_heading_becomes_h2_even_when_deep() -> None:
    rendered = render_markdown("#### Step one\n\ntext\n\n###### Detail\n\n#### Step two\n")
    headings = _soup(rendered).find_all(re.compile("^h[1-6]$"))
    assert [(h.name, h.get_text()) for h in headings] == [
        ("h2", "Step one"),
        ("h3", "Detail"),
        ("h2", "Step two"),
    ]
    assert [entry.level for entry in rendered.toc] == [2, 3, 2]


def test_h1_in_a_lesson_body_is_demoted() -> None:
    rendered = render_markdown("# Title again\n\n## Part\n")
    assert [h.name for h in _soup(rendered).find_all(re.compile("^h[1-6]$"))] == ["h2", "h3"]


def test_toc_ids_are_unique_and_match_heading_ids() -> None:
    rendered = render_markdown("## Setup\n\n### Notes\n\n## Setup\n\n### Notes\n\n## Other {#x}\n")
    ids = [entry.id for entry in rendered.toc]
    assert len(ids) == len(set(ids)) == 5
    headings = _soup(rendered).find_all(re.compile("^h[1-6]$"))
    assert [h["id"] for h in headings] == ids
    assert rendered.toc[-1].id == "x"
    assert [entry.title for entry in rendered.toc] == ["Setup", "Notes", "Setup", "Notes", "Other"]


def test_toc_title_is_plain_text() -> None:
    rendered = render_markdown("## Ports & `ssh` <b>tips</b>\n")
    assert rendered.toc[0].title == "Ports & ssh tips"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=12))
def test_rendered_headings_never_skip_a_level(levels: list[int]) -> None:
    source = "\n\n".join(f"{'#' * level} Heading {index}" for index, level in enumerate(levels))
    rendered = render_markdown(source)
    rendered_levels = [entry.level for entry in rendered.toc]
    assert len(rendered_levels) == len(levels)
    assert rendered_levels[0] == 2
    for previous, current in itertools.pairwise(rendered_levels):
        assert 2 <= current <= min(previous + 1, 6)


# --- text and reading time --------------------------------------------------------------------


def test_empty_source_has_no_text_and_no_reading_time() -> None:
    assert render_markdown("") == Rendered(
        html="", text="", toc=(), word_count=0, reading_minutes=0
    )


def test_reading_time_rounds_up_at_200_words() -> None:
    assert render_markdown("word").reading_minutes == 1
    assert render_markdown(" ".join(["word"] * 200)).reading_minutes == 1
    long = render_markdown(" ".join(["word"] * 201))
    assert (long.word_count, long.reading_minutes) == (201, 2)


def test_text_keeps_code_and_image_alt_and_separates_blocks() -> None:
    rendered = render_markdown(
        "# Title\n\nFirst *para*.\n\n![Route table](rt.png)\n\n```\naws s3 ls\n```\n"
    )
    assert rendered.text == "Title\n\nFirst para.\n\nRoute table\n\naws s3 ls"
    assert rendered.word_count == 8


def test_render_reuses_state_without_leaking_between_calls() -> None:
    first = render_markdown("## Same\n\n[ref]: https://example.com\n")
    second = render_markdown("## Same\n\n[link][ref]\n")
    assert [entry.id for entry in first.toc] == [entry.id for entry in second.toc] == ["same"]
    assert _soup(second).find("a") is None


# --- Pygments stylesheet ----------------------------------------------------------------------


def test_stylesheet_file_matches_the_generator() -> None:
    assert (BASE_DIR / "static" / "css" / "pygments.css").read_text() == build_css()


def _theme_contrasts(css: str) -> list[tuple[float, str]]:
    base = re.search(r"\.highlight \{ background: (#\w+); color: (#\w+); \}", css)
    assert base is not None
    background, foreground = base.groups()
    highlighted = re.search(r"\.highlight \.hll \{ background-color: (#\w+); \}", css).group(1)
    results = [(contrast_ratio(foreground, background), ".highlight")]
    for selector, body in re.findall(r"(\.highlight \.\w+) \{([^}]*)\}", css):
        # Whitespace tokens have nothing to read; .hll is a background.
        if selector.endswith((".w", ".hll")):
            continue
        colour = re.search(r"(?<![-\w])color: (#\w+)", body)
        if colour is None:
            continue
        own_background = re.search(r"background-color: (#\w+)", body)
        backgrounds = [own_background.group(1)] if own_background else [background, highlighted]
        for back in backgrounds:
            results.append((contrast_ratio(colour.group(1), back), selector))
    return results


def test_stylesheet_meets_wcag_aa_in_light_and_dark() -> None:
    css = build_css()
    light, dark = css.split("@media (prefers-color-scheme: dark) {")
    for theme in (light, dark):
        contrasts = _theme_contrasts(theme)
        assert len(contrasts) > 20
        failing = [(round(ratio, 2), selector) for ratio, selector in contrasts if ratio < 4.5]
        assert failing == []
    # Comments are the usual offender: check them by name.
    assert any(selector == ".highlight .c" for _, selector in _theme_contrasts(light))
    assert any(selector == ".highlight .c" for _, selector in _theme_contrasts(dark))


def test_code_blocks_and_tables_can_be_scrolled_with_a_keyboard():
    rendered = render_markdown("```\nwide code\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")

    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.pre["tabindex"] == "0"
    assert soup.table["tabindex"] == "0"


def test_escaped_pre_text_is_not_turned_into_a_tag():
    rendered = render_markdown("Write `<pre>` and `<table>` in prose.\n")

    assert "tabindex" not in rendered.html
    assert "&lt;pre&gt;" in rendered.html


def test_fast_text_of_sanitized_html_is_the_html_parsers_text(
    seed_lessons: dict[str, Rendered],
) -> None:
    from courses.rendering import _sanitized_html_text, html_to_text

    samples = [r.html for r in seed_lessons.values()] + [
        render_markdown(
            'a &amp; b &lt;c&gt; `x < y`\n\n![Alt & "q"](i.png)\n\n| a | b |\n|--|--|\n| 1 | 2 |\n'
            "\n```\n  keep   spaces\n```\n"
        ).html
    ]
    for html in samples:
        assert _sanitized_html_text(html) == html_to_text(html)
