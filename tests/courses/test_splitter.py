import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED_COURSE_DIR
from courses.splitter import (
    SourceError,
    SplitResult,
    SplitWarning,
    decode_source,
    split_course,
)


def _seed_path() -> Path:
    # The seed notes as Lectern ships them; test_import checks they are the seed unchanged.
    return SEED_COURSE_DIR / "notes.md"


@pytest.fixture(scope="module")
def seed_text() -> str:
    path = _seed_path()
    return decode_source(path.read_bytes(), str(path))


@pytest.fixture(scope="module")
def seed(seed_text: str) -> SplitResult:
    return split_course([(str(_seed_path()), seed_text)])


def _rebuilt_pieces(result: SplitResult) -> list[str]:
    pieces = [result.preamble]
    for chapter in result.chapters:
        pieces += [chapter.heading, chapter.intro]
        for lesson in chapter.lessons:
            pieces += [lesson.heading, lesson.source]
    return pieces


def _non_blank_lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.split("\n") if line.strip()]


def _codes(result: SplitResult) -> list[str]:
    return [warning.code for warning in result.warnings]


def _only(result: SplitResult, code: str) -> list[SplitWarning]:
    return [warning for warning in result.warnings if warning.code == code]


# --- the seed course --------------------------------------------------------------------------


def test_seed_has_seven_chapters_with_38_lessons(seed: SplitResult) -> None:
    assert [len(chapter.lessons) for chapter in seed.chapters] == [10, 6, 4, 5, 3, 5, 5]
    assert [chapter.title for chapter in seed.chapters][:3] == [
        "Chapter 1: AWS Introduction",
        "Chapter 2: IAM",
        "Chapter 3: EC2 & Compute",
    ]
    assert seed.chapters[2].slug == "chapter-3-ec2-compute"
    assert [chapter.line for chapter in seed.chapters] == [1, 86, 142, 277, 410, 452, 822]


def test_seed_warns_about_the_chapter_line_without_hash(seed: SplitResult) -> None:
    [warning] = _only(seed, "chapter-heading-without-hash")
    assert warning.line == 1090
    assert warning.path == str(_seed_path())
    assert "Chapter 8: Serverless" in warning.message
    assert "add '# '" in warning.message
    assert "lesson 'Amazon EKS'" in warning.message
    assert str(warning).startswith(f"{_seed_path()}:1090: ")
    # The line is kept as text at the end of the last lesson, not dropped.
    assert seed.chapters[-1].lessons[-1].source.endswith("Chapter 8: Serverless")


def test_seed_image_alt_warnings_point_at_each_image(seed: SplitResult, seed_text: str) -> None:
    expected = [
        number
        for number, line in enumerate(seed_text.split("\n"), start=1)
        if "![image](" in line or re.search(r"<img\b[^>]*alt=\"image\"", line)
    ]
    assert len(expected) == 16
    assert [warning.line for warning in _only(seed, "image-alt")] == expected


def test_seed_split_loses_no_line(seed: SplitResult, seed_text: str) -> None:
    assert _non_blank_lines(_rebuilt_pieces(seed)) == _non_blank_lines([seed_text])


def test_seed_split_keeps_every_word_in_order(seed: SplitResult, seed_text: str) -> None:
    rebuilt = "\n".join(_rebuilt_pieces(seed))
    assert rebuilt.split() == seed_text.split()


def test_seed_headings_are_the_original_lines(seed: SplitResult, seed_text: str) -> None:
    lines = seed_text.split("\n")
    for chapter in seed.chapters:
        assert chapter.heading == lines[chapter.line - 1]
        for lesson in chapter.lessons:
            assert lesson.heading == lines[lesson.line - 1]
            assert lesson.heading.startswith("## ")


def test_seed_shebang_in_code_fence_stays_in_its_lesson(seed: SplitResult) -> None:
    lesson = next(
        lesson
        for lesson in seed.chapters[2].lessons
        if lesson.slug == "running-a-webserver-on-an-ec2-instance"
    )
    assert "```\n#!/bin/bash\n" in lesson.source
    assert lesson.line == 221


def test_seed_warnings_are_in_line_order(seed: SplitResult) -> None:
    lines = [warning.line for warning in seed.warnings]
    assert lines == sorted(lines)


def test_seed_lesson_slugs_are_unique_within_each_chapter(seed: SplitResult) -> None:
    for chapter in seed.chapters:
        slugs = [lesson.slug for lesson in chapter.lessons]
        assert len(slugs) == len(set(slugs))
        assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) for slug in slugs)


# --- headings and code ------------------------------------------------------------------------


def test_hash_lines_inside_code_are_not_headings() -> None:
    text = (
        "# Chapter\n\n## Lesson\n\n"
        "```bash\n# comment\n## another\n```\n\n"
        "~~~\n# tilde comment\n~~~\n\n"
        "Indented code:\n\n    # indented comment\n"
    )
    result = split_course([("c.md", text)])
    [chapter] = result.chapters
    [lesson] = chapter.lessons
    assert "# comment\n## another" in lesson.source
    assert "~~~\n# tilde comment\n~~~" in lesson.source
    assert "    # indented comment" in lesson.source
    assert result.warnings == ()


def test_setext_headings_are_chapters_and_lessons() -> None:
    text = "Course part\n===========\n\nFirst lesson\n------------\n\nBody text.\n"
    result = split_course([("c.md", text)])
    [chapter] = result.chapters
    assert (chapter.title, chapter.line) == ("Course part", 1)
    assert chapter.heading == "Course part\n==========="
    [lesson] = chapter.lessons
    assert (lesson.title, lesson.line, lesson.source) == ("First lesson", 4, "Body text.")
    assert lesson.heading == "First lesson\n------------"


def test_thematic_break_after_blank_line_is_not_a_heading() -> None:
    text = "# C\n\n## L\n\nBefore.\n\n---\n\nAfter.\n"
    [chapter] = split_course([("c.md", text)]).chapters
    [lesson] = chapter.lessons
    assert lesson.source == "Before.\n\n---\n\nAfter."


def test_headings_inside_quotes_and_lists_stay_in_the_lesson() -> None:
    text = "# C\n\n## L\n\n> ## Quoted\n\n- item\n\n  ## In a list\n"
    [chapter] = split_course([("c.md", text)]).chapters
    assert len(chapter.lessons) == 1
    assert "> ## Quoted" in chapter.lessons[0].source


def test_deeper_headings_stay_inside_the_lesson() -> None:
    text = "# C\n\n## L\n\n### Part\n\ntext\n\n#### Detail\n"
    [chapter] = split_course([("c.md", text)]).chapters
    assert chapter.lessons[0].source == "### Part\n\ntext\n\n#### Detail"


def test_text_before_the_first_lesson_is_the_chapter_intro() -> None:
    text = "Welcome.\n\n# C\n\nChapter intro.\n\n## L\n\nLesson body.\n\n\n"
    result = split_course([("c.md", text)])
    assert result.preamble == "Welcome."
    [chapter] = result.chapters
    assert chapter.intro == "Chapter intro."
    assert chapter.lessons[0].source == "Lesson body."


def test_lesson_heading_before_any_chapter_stays_in_the_preamble() -> None:
    result = split_course([("c.md", "## About\n\nHello.\n\n# C\n\n## L\n\nx\n")])
    assert result.preamble == "## About\n\nHello."
    assert [lesson.title for lesson in result.chapters[0].lessons] == ["L"]


# --- decoding ---------------------------------------------------------------------------------


def test_decode_strips_bom_and_normalizes_line_endings() -> None:
    text = decode_source(b"\xef\xbb\xbf# C\r\n\r\n## L\r\nbody\rmore\r\n", "c.md")
    assert text == "# C\n\n## L\nbody\nmore\n"
    [chapter] = split_course([("c.md", text)]).chapters
    assert (chapter.title, chapter.line) == ("C", 1)
    assert (chapter.lessons[0].line, chapter.lessons[0].source) == (3, "body\nmore")


def test_split_accepts_crlf_text_directly() -> None:
    [chapter] = split_course([("c.md", "# C\r\n\r\n## L\r\nbody\r\n")]).chapters
    assert chapter.lessons[0].source == "body"


def test_invalid_utf8_names_path_and_line() -> None:
    data = "# Café\n\n## L\n".encode() + b"caf\xe9 latin-1\n"
    with pytest.raises(SourceError) as caught:
        decode_source(data, "course/01.md")
    assert caught.value.path == "course/01.md"
    assert caught.value.line == 4
    assert str(caught.value).startswith("course/01.md:4: ")
    assert "UTF-8" in caught.value.message


def test_text_without_chapter_heading_is_an_error() -> None:
    with pytest.raises(SourceError) as caught:
        split_course([("notes.md", "Just notes.\n\n## A lesson?\n\ntext\n")])
    assert caught.value.path == "notes.md"
    assert caught.value.line is None
    assert "no chapters found" in str(caught.value)
    assert str(caught.value).startswith("notes.md: ")


def test_no_files_is_an_error() -> None:
    with pytest.raises(SourceError):
        split_course([])


# --- titles and slugs -------------------------------------------------------------------------


def test_duplicate_lesson_titles_get_numbered_slugs_and_warnings() -> None:
    text = "# C\n\n## x\n\na\n\n## x\n\nb\n\n## x\n\nc\n"
    result = split_course([("c.md", text)])
    assert [lesson.slug for lesson in result.chapters[0].lessons] == ["x", "x-2", "x-3"]
    duplicates = _only(result, "duplicate-slug")
    assert [warning.line for warning in duplicates] == [7, 11]
    assert "'x-2'" in duplicates[0].message


def test_duplicate_chapter_titles_get_numbered_slugs() -> None:
    text = "# Part\n\n## a\n\nx\n\n# Part\n\n## a\n\ny\n"
    result = split_course([("c.md", text)])
    assert [chapter.slug for chapter in result.chapters] == ["part", "part-2"]
    # Lesson slugs are unique per chapter only, so both chapters keep "a".
    assert [chapter.lessons[0].slug for chapter in result.chapters] == ["a", "a"]
    assert [warning.line for warning in _only(result, "duplicate-slug")] == [7]


def test_explicit_ids_set_the_slug_and_leave_the_title() -> None:
    text = "# Intro {#start}\n\n## Setting up {: #setup .wide }\n\nx\n\n## Other {#setup}\n\ny\n"
    result = split_course([("c.md", text)])
    [chapter] = result.chapters
    assert (chapter.title, chapter.slug) == ("Intro", "start")
    assert [(lesson.title, lesson.slug) for lesson in chapter.lessons] == [
        ("Setting up", "setup"),
        ("Other", "setup-2"),
    ]
    [warning] = _only(result, "duplicate-slug")
    assert warning.line == 7


def test_braces_that_are_not_an_attribute_list_stay_in_the_title() -> None:
    result = split_course([("c.md", "# Sets {a, b}\n\n## L\n\nx\n")])
    assert result.chapters[0].title == "Sets {a, b}"


def test_heading_markup_is_stripped_from_title() -> None:
    text = "# C\n\n## **Bold** and `code` &amp; *more*\n\nx\n"
    [lesson] = split_course([("c.md", text)]).chapters[0].lessons
    assert lesson.title == "Bold and code & more"
    assert lesson.slug == "bold-and-code-more"


def test_slugs_are_ascii_folded_bounded_and_never_empty() -> None:
    long_title = "word " * 40
    text = f"# Café déjà vu\n\n## {long_title}\n\nx\n\n## !!!\n\ny\n"
    [chapter] = split_course([("c.md", text)]).chapters
    assert chapter.slug == "cafe-deja-vu"
    assert len(chapter.lessons[0].slug) <= 80
    assert not chapter.lessons[0].slug.endswith("-")
    assert chapter.lessons[1].slug == "lesson"


# --- levels and files -------------------------------------------------------------------------


def test_lesson_level_three_uses_h2_chapters_and_warns_about_h1() -> None:
    text = "# Course title\n\nIntro.\n\n## Chapter\n\n### Lesson\n\n#### Deep\n\ntext\n"
    result = split_course([("c.md", text)], lesson_level=3)
    assert result.preamble == "# Course title\n\nIntro."
    [chapter] = result.chapters
    assert chapter.title == "Chapter"
    [lesson] = chapter.lessons
    assert lesson.source == "#### Deep\n\ntext"
    [warning] = result.warnings
    assert (warning.code, warning.line) == ("heading-above-chapter", 1)


def test_heading_above_chapter_inside_a_lesson_stays_as_text() -> None:
    text = "## Chapter\n\n### Lesson\n\nbefore\n\n# Stray\n\nafter\n"
    result = split_course([("c.md", text)], lesson_level=3)
    [lesson] = result.chapters[0].lessons
    assert lesson.source == "before\n\n# Stray\n\nafter"
    [warning] = result.warnings
    assert warning.code == "heading-above-chapter"
    assert warning.line == 7
    assert "lesson 'Lesson'" in warning.message


def test_invalid_lesson_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="lesson_level"):
        split_course([("c.md", "# C\n")], lesson_level=1)


def test_one_chapter_per_file_keeps_paths_and_lines() -> None:
    files = [
        ("course/01-intro.md", "Welcome text.\n\n# One\n\n## A\n\n![](shot.png)\n"),
        ("course/02-next.md", "# Two\n\n## B\n\n\n## C\n\nChapter 3: Later\n"),
    ]
    result = split_course(files)
    assert [(c.title, c.path, c.line) for c in result.chapters] == [
        ("One", "course/01-intro.md", 3),
        ("Two", "course/02-next.md", 1),
    ]
    assert [(lesson.path, lesson.line) for lesson in result.chapters[1].lessons] == [
        ("course/02-next.md", 3),
        ("course/02-next.md", 6),
    ]
    assert [(w.code, w.path, w.line) for w in result.warnings] == [
        ("image-alt", "course/01-intro.md", 7),
        ("empty-lesson", "course/02-next.md", 3),
        ("chapter-heading-without-hash", "course/02-next.md", 8),
    ]


def test_text_at_the_top_of_a_later_file_continues_the_previous_lesson() -> None:
    files = [("a.md", "# One\n\n## A\n\nfirst part\n"), ("b.md", "second part\n\n## B\n\nx\n")]
    [chapter] = split_course(files).chapters
    assert chapter.lessons[0].source == "first part\n\nsecond part"
    assert (chapter.lessons[1].path, chapter.lessons[1].line) == ("b.md", 3)


def test_empty_chapter_and_empty_lesson_are_warned() -> None:
    text = "# Empty\n\n# Full\n\n## Nothing here\n\n## Something\n\ntext\n"
    result = split_course([("c.md", text)])
    assert [(w.code, w.line) for w in result.warnings] == [
        ("empty-chapter", 1),
        ("empty-lesson", 5),
    ]
    assert result.chapters[1].lessons[0].source == ""


def test_chapter_with_only_intro_is_not_empty() -> None:
    result = split_course([("c.md", "# Overview\n\nJust an introduction.\n")])
    assert result.warnings == ()
    assert result.chapters[0].intro == "Just an introduction."


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "![](a.png)",
        "![image](a.png)",
        "![Screenshot](a.png)",
        "![IMG_1234.png](a.png)",
        "![photo 2](a.png)",
        '<img src="a.png">',
        '<img alt="" src="a.png">',
        '<img alt="picture" src="a.png">',
        'Inline <img src="a.png" alt="img"> image',
    ],
)
def test_images_without_useful_alt_text_are_warned(image: str) -> None:
    result = split_course([("c.md", f"# C\n\n## L\n\nText.\n{image}\n")])
    [warning] = result.warnings
    assert (warning.code, warning.line) == ("image-alt", 6)


@pytest.mark.parametrize(
    "text",
    [
        "![Security group rules allowing port 80](a.png)",
        '<img alt="Diagram of a VPC with two subnets" src="a.png">',
        "```\n![](a.png)\n<img src=x>\n```",
        "`![](a.png)` in a code span",
        "    <img src=x>",
    ],
)
def test_described_images_and_images_in_code_are_not_warned(text: str) -> None:
    assert split_course([("c.md", f"# C\n\n## L\n\n{text}\n")]).warnings == ()


def test_image_line_is_found_inside_a_long_paragraph_and_a_table() -> None:
    text = "# C\n\n## L\n\none\ntwo\nthree ![](x.png)\n\n| a | b |\n|---|---|\n| ![](y) | z |\n"
    result = split_course([("c.md", text)])
    assert [w.line for w in result.warnings] == [7, 11]


def test_warning_str_is_path_line_message() -> None:
    warning = SplitWarning("a.md", 3, "empty-lesson", "lesson 'x' has no content")
    assert str(warning) == "a.md:3: lesson 'x' has no content"


# --- property: nothing is lost ----------------------------------------------------------------

_LINES = st.sampled_from(
    [
        "# Chapter one",
        "# Chapter one {#one}",
        "## A lesson",
        "## A lesson",
        "### Sub part",
        "#",
        "##",
        "#no space",
        "  # indented heading",
        "Some paragraph text.",
        "Chapter 4: Not a heading",
        "",
        "",
        "```",
        "```python",
        "~~~",
        "    # indented code",
        "Setext title",
        "===",
        "---",
        "> # quoted",
        "- # list item heading",
        "![](pic.png)",
        "<img src=x>",
        "<div>",
        "</div>",
        "| a | b |",
        "|---|---|",
        "\t",
        "   ",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.lists(st.lists(_LINES, max_size=25), min_size=1, max_size=3),
    lesson_level=st.sampled_from([2, 3]),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_split_never_loses_a_non_blank_line(
    files: list[list[str]], lesson_level: int, ending: str
) -> None:
    texts = [ending.join(lines) for lines in files]
    named = [(f"part{index}.md", text) for index, text in enumerate(texts)]
    try:
        result = split_course(named, lesson_level=lesson_level)
    except SourceError as exc:
        assert "no chapters found" in exc.message
        return
    expected = _non_blank_lines([text.replace("\r\n", "\n") for text in texts])
    assert _non_blank_lines(_rebuilt_pieces(result)) == expected
    lines = [(w.path, w.line) for w in result.warnings]
    assert lines == sorted(lines, key=lambda item: (int(item[0][4:-3]), item[1]))


def test_a_trailing_colon_is_dropped_from_titles_and_nothing_else() -> None:
    text = (
        "# Chapter one:\n\n## AWS Cloud facts: \n\nText.\n\n## Ratio 1:2\n\nText.\n\n"
        "## :\n\nText.\n"
    )

    split = split_course([("notes.md", text)])

    chapter = split.chapters[0]
    assert chapter.title == "Chapter one"
    assert [(lesson.title, lesson.slug) for lesson in chapter.lessons] == [
        ("AWS Cloud facts", "aws-cloud-facts"),
        ("Ratio 1:2", "ratio-1-2"),
        (":", "lesson"),
    ]
    assert "## AWS Cloud facts: " in chapter.lessons[0].source or text  # source as written


def test_no_seed_title_ends_with_a_colon(seed: SplitResult) -> None:
    titles = [c.title for c in seed.chapters] + [
        lesson.title for c in seed.chapters for lesson in c.lessons
    ]
    assert "AWS Cloud facts" in titles
    assert not [title for title in titles if title.endswith(":")]
