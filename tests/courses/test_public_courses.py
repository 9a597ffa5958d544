"""Two real public courses, imported and compared page by page with GitHub's own renderer.

``tests/fixtures/public_courses`` holds unchanged copies of two public Markdown books (their
``SOURCE.md`` says where from): ``docker-networking-concepts``, fifteen files linking to each
other with images in ``img/``, and ``pure-bash-bible``, one long ``README.md``. Each is
imported, and every page (the course introduction, each chapter introduction, each lesson) is
compared with cmark-gfm's rendering of the Markdown Lectern stored for that page:

1. lists: every ``<li>`` in order, its depth and the type of its list;
2. tables: count, rows x columns, header cells' text, every cell's alignment;
3. code blocks: count, text, language;
4. images: count, alt text; remote ``src`` equal; a relative ``src`` is a ``/course-files/``
   URL that is served (200, immutable) with the bytes of the file next to the Markdown;
5. links: count and text in order; external hrefs equal; a relative href is rewritten to a
   course page that opens (200 for a student; its ``#fragment`` exists there), or to a
   ``#anchor`` of the same page whose id exists, or has lost its href and the import report
   warns about it at the right ``file:line``.

Neither book uses reference-style definitions or footnotes (a test checks), so each page's
Markdown is rendered on its own; were there any, the reference would have to be rendered from
the page's Markdown plus the file's definitions.

Each difference that remains is listed with its reason: in ``EXPECTED_DIFFERENCES`` when it is
by design, in ``KNOWN_BUGS`` when it is a Lectern bug (the bug's own test is a strict xfail).
The comparison asserts that exactly the listed differences occur, so neither list can go stale.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client

from courses.markdown_engine import github_slug, iter_inline_children, parse_document
from courses.models import Chapter, Course, Lesson
from courses.services import ImportReport, course_import
from tests.courses.markdown_reference import list_structure, normalize_html, reference_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "public_courses"
DOCKER = "docker-networking-concepts"
BASH = "pure-bash-bible"
COURSES = (DOCKER, BASH)
CATEGORIES = ("lists", "tables", "code", "images", "links")

# What the import reports: the fixtures' real problems, file and line each.
_OUTSIDE = (
    "link '../tutorials.md' points outside the course folder; it was removed (copy the file "
    "into the course folder and link to it there) [link-outside-course]"
)
_NO_HEADING = (
    "link '#{anchor}' points to no heading of {file} (anchors are the heading's text in "
    "lowercase, spaces as '-', punctuation dropped, as on GitHub) [link-unresolved]"
)
_NO_ALT = "image has no alt text; describe what it shows for readers who cannot see it [image-alt]"
EXPECTED_WARNINGS: dict[str, list[str]] = {
    DOCKER: [
        # ../tutorials.md is a sibling of the concepts folder in docker/labs, not copied here.
        f"{DOCKER}/README.md:29: {_OUTSIDE}",
        # Both anchors are `<a name>`s of OTHER files (05 and 14): the guide was one file once.
        # On GitHub they are dead links too.
        f"{DOCKER}/02-drivers.md:40: "
        + _NO_HEADING.format(anchor="userdefined", file="02-drivers.md"),
        f"{DOCKER}/12-ipaddress-management.md:10: "
        + _NO_HEADING.format(anchor="models", file="12-ipaddress-management.md"),
        f"{DOCKER}/14-network-models.md:8: {_OUTSIDE}",
    ],
    BASH: [
        # Raw-HTML badges and banners without alt (lines 5, 11, 13, 20, 32 x3, 2197).
        *(f"{BASH}/README.md:{line}: {_NO_ALT}" for line in (5, 11, 13)),
        # `<a href="./LICENSE.md">` in raw HTML: the repository's licence file, not copied into
        # the fixture (it is LICENSE here).
        f"{BASH}/README.md:13: link './LICENSE.md' points to a Markdown file that is not part "
        "of the course; it was removed [link-unresolved]",
        *(f"{BASH}/README.md:{line}: {_NO_ALT}" for line in (20, 32, 32, 32, 2197)),
    ],
}

# How much each comparison covers, so a broken extractor cannot pass by comparing nothing.
# lists: <li> items; others: elements compared. Counted on GitHub's side (both sides agree).
EXPECTED_COUNTS: dict[str, dict[str, int]] = {
    DOCKER: {"pages": 40, "lists": 67, "tables": 3, "code": 16, "images": 14, "links": 45},
    BASH: {"pages": 127, "lists": 127, "tables": 19, "code": 122, "images": 8, "links": 139},
}

# Differences that remain BY DESIGN, per course: the difference as the comparison words it ->
# why it is right.
_DEAD_ANCHOR = (
    "an anchor that names no heading of its file is kept as written and reported "
    "(link-unresolved): it is just as dead on GitHub, where the target is a <a name> of "
    "another file; Lectern keeps the href, as GitHub does, instead of removing it"
)
EXPECTED_DIFFERENCES: dict[str, dict[str, str]] = {
    DOCKER: {
        "lesson cnm-driver-interfaces/default-docker-networks: links: dead anchor "
        "'#userdefined' (warned)": _DEAD_ANCHOR,
        "chapter ip-address-management: links: dead anchor '#models' (warned)": _DEAD_ANCHOR,
    },
    BASH: {},
}

# Differences that are Lectern BUGS, per course, with a minimal reproduction each. Listed so
# the comparison passes while the bug stands. Once it is fixed, its strict xfail test below
# passes (a failure, being strict) and the comparison reports the entry as gone: remove both.
KNOWN_BUGS: dict[str, dict[str, str]] = {
    DOCKER: {},
    BASH: {},
}


# --- importing and reading back ---------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of an imported course: where it is shown and what was stored for it."""

    label: str
    url: str
    source_path: str  # display path of the file its text comes from, as in warnings
    markdown: str
    html: str


@dataclass(frozen=True)
class ReportedWarning:
    path: str
    line: int
    code: str
    url: str | None


_WARNING_RE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<message>.*) \[(?P<code>[a-z-]+)\]$")
_WARNED_URL_RE = re.compile(r"^(?:link|image) '([^']*)'")


def _parse_warning(text: str) -> ReportedWarning:
    match = _WARNING_RE.match(text)
    assert match, f"warning not in the form 'path:line: message [code]': {text!r}"
    url = _WARNED_URL_RE.match(match["message"])
    return ReportedWarning(
        match["path"], int(match["line"]), match["code"], url[1] if url else None
    )


@pytest.fixture
def course_files_dir(settings, tmp_path: Path) -> Path:
    location = tmp_path / "course-files"
    settings.STORAGES = {
        **settings.STORAGES,
        "course_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


@pytest.fixture
def import_public(db, course_files_dir) -> Callable[[str], ImportReport]:
    def run(slug: str) -> ImportReport:
        return course_import(course_dir=FIXTURES / slug)

    return run


def _pages(slug: str) -> list[Page]:
    course = Course.objects.get(slug=slug)
    first_file = f"{course.source_dir}/{_course_files(slug)[0]}"
    pages = [
        Page(
            "course intro",
            course.get_absolute_url(),
            first_file,
            course.intro_markdown,
            course.intro_html,
        )
    ]
    chapters = Chapter.objects.filter(course=course, is_archived=False).select_related("course")
    lessons = Lesson.objects.filter(course=course, is_archived=False).select_related(
        "chapter", "course"
    )
    by_chapter: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        by_chapter.setdefault(lesson.chapter_id, []).append(lesson)
    for chapter in chapters:
        pages.append(
            Page(
                f"chapter {chapter.slug}",
                chapter.get_absolute_url(),
                chapter.source_path,
                chapter.intro_markdown,
                chapter.intro_html,
            )
        )
        for lesson in by_chapter.get(chapter.pk, []):
            pages.append(
                Page(
                    f"lesson {chapter.slug}/{lesson.slug}",
                    lesson.get_absolute_url(),
                    lesson.source_path,
                    lesson.body_markdown,
                    lesson.body_html,
                )
            )
    return pages


def _course_files(slug: str) -> list[str]:
    config = tomllib.loads((FIXTURES / slug / "course.toml").read_text(encoding="utf-8"))
    return list(config["files"])


# --- comparing one page -----------------------------------------------------------------------


@dataclass
class Outcome:
    """What comparing a category found: differences (key -> details) and how much it saw."""

    compared: int = 0
    differences: dict[str, str] = field(default_factory=dict)

    def differ(self, key: str, details: str = "") -> None:
        self.differences.setdefault(key, details)


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _text(element: Tag) -> str:
    return " ".join(element.get_text().split())


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def _sequence_diff(expected: list, actual: list) -> str:
    lines = difflib.unified_diff(
        [repr(item) for item in expected],
        [repr(item) for item in actual],
        "cmark-gfm",
        "lectern",
        n=1,
        lineterm="",
    )
    return "\n".join(lines)


class Site:
    """Opens Lectern's pages and files through the test clients, once per URL."""

    def __init__(self, student: Client, anonymous: Client) -> None:
        self.student = student
        self.anonymous = anonymous
        self._pages: dict[str, tuple[int, BeautifulSoup | None]] = {}

    def page(self, path: str) -> tuple[int, BeautifulSoup | None]:
        if path not in self._pages:
            response = self.student.get(path)
            soup = _soup(response.content.decode()) if response.status_code == 200 else None
            self._pages[path] = (response.status_code, soup)
        return self._pages[path]


@dataclass
class Context:
    slug: str
    site: Site
    warnings: list[ReportedWarning]

    def warned(self, page: Page, url: str, codes: set[str]) -> ReportedWarning | None:
        for warning in self.warnings:
            if warning.path == page.source_path and warning.url == url and warning.code in codes:
                return warning
        return None


def compare_lists(page: Page, context: Context, outcome: Outcome) -> None:
    expected = [item[:2] for item in list_structure(reference_html(page.markdown))]
    actual = [item[:2] for item in list_structure(page.html)]
    outcome.compared += len(expected)
    if expected != actual:
        outcome.differ(f"{page.label}: lists differ", _sequence_diff(expected, actual))


def _table_shape(table: Tag) -> dict:
    rows = table.find_all("tr")
    return {
        "columns per row": [len(row.find_all(["th", "td"])) for row in rows],
        "header": [_text(cell) for cell in table.find_all("th")],
        "alignment": [
            [cell.get("align") or "" for cell in row.find_all(["th", "td"])] for row in rows
        ],
    }


def compare_tables(page: Page, context: Context, outcome: Outcome) -> None:
    expected = [_table_shape(t) for t in _soup(reference_html(page.markdown)).find_all("table")]
    actual = [_table_shape(t) for t in _soup(page.html).find_all("table")]
    outcome.compared += len(expected)
    if len(expected) != len(actual):
        outcome.differ(f"{page.label}: tables: {len(expected)} on GitHub, {len(actual)} here")
        return
    for index, (reference, ours) in enumerate(zip(expected, actual, strict=True), start=1):
        for aspect in reference:
            if reference[aspect] != ours[aspect]:
                outcome.differ(
                    f"{page.label}: tables: table {index} {aspect}",
                    f"GitHub {reference[aspect]!r}\nLectern {ours[aspect]!r}",
                )


def _code_blocks(html: str) -> list[tuple[str, str]]:
    """(text, language) of each code block; the normalizer unwraps Lectern's highlighting."""
    blocks = []
    for element in normalize_html(html).iter():
        if element.tag == "pre":
            text = "".join(child for child in element.children if isinstance(child, str))
            blocks.append((text, element.attrs.get("lang", "")))
    return blocks


def compare_code(page: Page, context: Context, outcome: Outcome) -> None:
    expected = _code_blocks(reference_html(page.markdown))
    actual = _code_blocks(page.html)
    outcome.compared += len(expected)
    if len(expected) != len(actual):
        outcome.differ(
            f"{page.label}: code: {len(expected)} blocks on GitHub, {len(actual)} here",
            _sequence_diff([lang for _, lang in expected], [lang for _, lang in actual]),
        )
        return
    for index, ((text, lang), (our_text, our_lang)) in enumerate(
        zip(expected, actual, strict=True), start=1
    ):
        if lang != our_lang:
            outcome.differ(f"{page.label}: code: block {index} language {lang!r} != {our_lang!r}")
        if text != our_text:
            outcome.differ(
                f"{page.label}: code: block {index} text",
                "\n".join(difflib.unified_diff(text.split("\n"), our_text.split("\n"), n=1)),
            )


def compare_images(page: Page, context: Context, outcome: Outcome) -> None:
    expected = _soup(reference_html(page.markdown)).find_all("img")
    actual = _soup(page.html).find_all("img")
    outcome.compared += len(expected)
    if len(expected) != len(actual):
        outcome.differ(
            f"{page.label}: images: {len(expected)} on GitHub, {len(actual)} here",
            _sequence_diff([i.get("src") for i in expected], [i.get("src") for i in actual]),
        )
        return
    for reference, ours in zip(expected, actual, strict=True):
        src, our_src = reference.get("src", ""), ours.get("src", "")
        if reference.get("alt") != ours.get("alt"):
            outcome.differ(
                f"{page.label}: images: {src!r} alt {reference.get('alt')!r} != {ours.get('alt')!r}"
            )
        if _is_external(src):
            if src != our_src:
                outcome.differ(f"{page.label}: images: {src!r} became {our_src!r}")
            continue
        problem = _served_file_problem(page, context, src, our_src)
        if problem:
            outcome.differ(f"{page.label}: images: {src!r} {problem}")


def _served_file_problem(page: Page, context: Context, src: str, our_src: str) -> str | None:
    """Why a relative image's rewritten URL does not serve the file next to the Markdown."""
    if not our_src.startswith(f"/course-files/{context.slug}/"):
        return f"became {our_src!r}, not a /course-files/{context.slug}/ URL"
    response = context.site.anonymous.get(our_src)
    if response.status_code != 200:
        return f"-> {our_src} answers {response.status_code}"
    if "immutable" not in response.get("Cache-Control", ""):
        return f"-> {our_src} is served without an immutable Cache-Control"
    original = (FIXTURES / page.source_path).parent / unquote(src)
    if b"".join(response.streaming_content) != original.read_bytes():
        return f"-> {our_src} does not serve the bytes of {original.name}"
    return None


def compare_links(page: Page, context: Context, outcome: Outcome) -> None:
    expected = _soup(reference_html(page.markdown)).find_all("a")
    actual = _soup(page.html).find_all("a")
    outcome.compared += len(expected)
    texts = [_text(a) for a in expected]
    our_texts = [_text(a) for a in actual]
    if texts != our_texts:
        outcome.differ(f"{page.label}: links: texts differ", _sequence_diff(texts, our_texts))
        return
    ids = {element["id"] for element in _soup(page.html).find_all(id=True)}
    for reference, ours in zip(expected, actual, strict=True):
        href, our_href = reference.get("href"), ours.get("href")
        if reference.get("name") is not None and ours.get("name") is None:
            outcome.differ(f"{page.label}: links: <a name={reference['name']!r}> lost its name")
        if href is None:
            if our_href is not None:
                outcome.differ(f"{page.label}: links: an <a> without href got {our_href!r}")
            continue
        if _is_external(href):
            if href != our_href:
                outcome.differ(f"{page.label}: links: {href!r} became {our_href!r}")
            continue
        problem = _relative_link_problem(page, context, ids, href, our_href)
        if problem:
            outcome.differ(f"{page.label}: links: {problem}")


_LINK_WARNINGS = {"link-outside-course", "link-unresolved", "missing-file"}


def _relative_link_problem(
    page: Page, context: Context, ids: set[str], href: str, our_href: str | None
) -> str | None:
    warning = context.warned(page, href, _LINK_WARNINGS)
    warned = "(warned)" if warning else "(no warning)"
    if our_href is None:
        if warning is None:
            return f"{href!r} lost its href without a warning"
        # The warning points at the line that holds the link.
        path = FIXTURES / warning.path
        line = path.read_text(encoding="utf-8").split("\n")[warning.line - 1]
        if href not in line:
            return f"{href!r}: the warning's line {warning.line} does not hold it"
        return None
    if our_href.startswith("#"):
        fragment = unquote(our_href[1:])
        if fragment and fragment not in ids:
            return f"dead anchor {our_href!r} {warned}"
        return None
    if our_href.startswith(f"/courses/{context.slug}/"):
        parts = urlsplit(our_href)
        status, soup = context.site.page(parts.path)
        if status != 200:
            return f"{href!r} became {our_href!r}, which answers {status}"
        fragment = unquote(parts.fragment)
        if fragment and soup is not None and soup.find(id=fragment) is None:
            return f"{href!r} became {our_href!r}, whose page has no id {fragment!r}"
        return None
    if our_href.startswith(f"/course-files/{context.slug}/"):
        response = context.site.anonymous.get(our_href)
        if response.status_code != 200:
            return f"{href!r} became {our_href!r}, which answers {response.status_code}"
        return None
    return f"relative {href!r} kept as {our_href!r} {warned}"


COMPARE = {
    "lists": compare_lists,
    "tables": compare_tables,
    "code": compare_code,
    "images": compare_images,
    "links": compare_links,
}


def _compare(slug: str, category: str, report: ImportReport, site: Site) -> tuple[int, Outcome]:
    context = Context(slug, site, [_parse_warning(w) for w in report.warnings])
    outcome = Outcome()
    pages = _pages(slug)
    for page in pages:
        COMPARE[category](page, context, outcome)
    return len(pages), outcome


def _listed(slug: str, category: str) -> dict[str, str]:
    listed = {**EXPECTED_DIFFERENCES[slug], **KNOWN_BUGS[slug]}
    return {key: reason for key, reason in listed.items() if f": {category}" in key}


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("slug", COURSES)
def test_every_page_renders_as_github_does(
    slug: str, category: str, import_public, student: Client, client: Client
) -> None:
    report = import_public(slug)
    pages, outcome = _compare(slug, category, report, Site(student, client))

    assert pages == EXPECTED_COUNTS[slug]["pages"]
    assert outcome.compared == EXPECTED_COUNTS[slug][category], (
        f"{outcome.compared} {category} compared"
    )
    listed = _listed(slug, category)
    unexplained = {k: v for k, v in outcome.differences.items() if k not in listed}
    assert not unexplained, "\n\n".join(f"{key}\n{details}" for key, details in unexplained.items())
    gone = set(listed) - set(outcome.differences)
    assert not gone, f"listed differences that no longer occur (remove them): {sorted(gone)}"


@pytest.mark.parametrize("slug", COURSES)
def test_every_page_opens_for_a_student(slug: str, import_public, student: Client) -> None:
    import_public(slug)

    statuses = {page.url: student.get(page.url).status_code for page in _pages(slug)}

    assert {url: status for url, status in statuses.items() if status != 200} == {}


def test_listed_differences_have_reasons() -> None:
    for listing in (EXPECTED_DIFFERENCES, KNOWN_BUGS):
        assert set(listing) == set(COURSES)
        for differences in listing.values():
            for key, reason in differences.items():
                assert any(f": {category}" in key for category in CATEGORIES), key
                assert reason.strip(), key


@pytest.mark.parametrize("slug", COURSES)
def test_the_import_reports_exactly_the_fixtures_problems(slug: str, import_public) -> None:
    report = import_public(slug)

    assert report.warnings == EXPECTED_WARNINGS[slug]


@pytest.mark.parametrize("slug", COURSES)
def test_re_importing_unchanged_files_writes_nothing(slug: str, import_public) -> None:
    first = import_public(slug)
    stamps = _stamps(slug)

    second = import_public(slug)

    assert first.changed
    assert not second.changed
    assert second.lessons.unchanged == first.lessons.created
    assert second.chapters.unchanged == first.chapters.created
    assert second.warnings == first.warnings
    assert _stamps(slug) == stamps


def _stamps(slug: str) -> list:
    course = Course.objects.get(slug=slug)
    return [
        course.updated,
        *Chapter.objects.filter(course=course).order_by("pk").values_list("updated", flat=True),
        *Lesson.objects.filter(course=course).order_by("pk").values_list("updated", flat=True),
    ]


@pytest.mark.parametrize("slug", COURSES)
def test_no_page_needs_definitions_from_elsewhere_in_its_file(slug: str) -> None:
    """Each page's Markdown is rendered alone for the reference: that is right only because
    no file defines reference-style links or footnotes (which apply file-wide)."""
    for name in _course_files(slug):
        document = parse_document((FIXTURES / slug / name).read_text(encoding="utf-8"), name)
        assert not document.env.get("references"), name
        assert not document.env.get("footnotes", {}).get("list"), name
        assert not document.footnotes, name


def test_a_hash_heading_without_a_space_is_text_as_on_github(import_public) -> None:
    """``###External Load Balancing`` (10-load-balancing.md) is no heading in CommonMark."""
    import_public(DOCKER)
    lesson = Lesson.objects.get(slug="internal-load-balancing")
    line = "###External Load Balancing"

    assert line in lesson.body_markdown
    for html in (reference_html(lesson.body_markdown), lesson.body_html):
        paragraphs = [_text(p) for p in _soup(html).find_all("p")]
        assert any(text.startswith(line) for text in paragraphs)
        assert not any(_text(h) == "External Load Balancing" for h in _soup(html).find_all(_H))


_H = re.compile(r"^h[1-6]$")
_A_NAME_RE = re.compile(r'<a name="([^"]+)"></a>')


def test_a_name_anchors_are_github_only_and_no_link_reaches_one(import_public) -> None:
    """The docker guide marks its headings with ``<a name="x"></a>``.

    Every one sits in a chapter or lesson heading, which Lectern shows as the page's title
    (plain text): none is left in a page, and the sanitizer would drop ``name`` anyway. So
    such anchors exist on GitHub only. Two links in the fixture target one, and both target
    a name in ANOTHER file, so they are dead on GitHub as well; they are the two
    link-unresolved warnings.
    """
    report = import_public(DOCKER)
    names: dict[str, str] = {}  # name -> file
    fragment_links: list[tuple[str, str]] = []  # (file, fragment) of same-file links
    for file in _course_files(DOCKER):
        text = (FIXTURES / DOCKER / file).read_text(encoding="utf-8")
        for line in text.split("\n"):
            for name in _A_NAME_RE.findall(line):
                assert re.match(r"^#{2,3} ", line), line  # only in chapter and lesson headings
                names.setdefault(name, file)
        for token in parse_document(text, file).tokens:
            if token.type == "inline":
                for child in iter_inline_children(token):
                    href = str(child.attrGet("href") or "")
                    if child.type == "link_open" and href.startswith("#"):
                        fragment_links.append((file, href[1:]))

    pages = _pages(DOCKER)
    assert not any("<a name" in page.markdown for page in pages)
    assert not any(_soup(page.html).find(attrs={"name": True}) for page in pages)
    assert len(names) == 19
    # Links whose target is a <a name>: both to a name of another file.
    to_names = [(file, fragment) for file, fragment in fragment_links if fragment in names]
    assert to_names == [("02-drivers.md", "userdefined"), ("12-ipaddress-management.md", "models")]
    assert [names[fragment] for _, fragment in to_names] == [
        "05-bridge-networks.md",
        "14-network-models.md",
    ]
    unresolved = [w for w in report.warnings if w.endswith("[link-unresolved]")]
    assert [_parse_warning(w).url for w in unresolved] == ["#userdefined", "#models"]
    # The only name a Lectern heading anchor would also answer to: `### <a name="concepts">
    # </a>Concepts` slugs to "concepts" too. Every other name is GitHub-only.
    titles = [
        *Chapter.objects.filter(course__slug=DOCKER).values_list("title", flat=True),
        *Lesson.objects.filter(course__slug=DOCKER).values_list("title", flat=True),
    ]
    anchors = {github_slug(title) for title in titles} | {
        anchor for page in pages for anchor in _ids(page.html)
    }
    assert {name for name in names if name in anchors} == {"concepts"}


def _ids(html: str) -> set[str]:
    return {element["id"] for element in _soup(html).find_all(id=True)}


def test_a_raw_html_link_to_a_missing_file_is_removed_with_a_warning(
    import_public, student: Client
) -> None:
    report = import_public(BASH)
    intro = Course.objects.get(slug=BASH).intro_html
    link = _soup(intro).find("a", href=re.compile("LICENSE"))

    warnings = [_parse_warning(w) for w in report.warnings]
    assert any(
        w.url == "./LICENSE.md" and w.code in {"link-unresolved", "missing-file"} for w in warnings
    ), "no warning for ./LICENSE.md"
    assert link is None or student.get(urlsplit(link["href"]).path).status_code == 200
