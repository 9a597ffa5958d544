"""Search (search.index, search.selectors, search.views) on whichever database the suite runs
on: PostgreSQL's full-text search in CI, SQLite's FTS5 locally and in CI's second pass
(.ci/run). The same tests, the same answers, on both."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import connection

from courses.content_version import content_changed
from courses.models import Chapter, Course, Lesson
from courses.services import course_import, lesson_body_update
from search.index import courses_index_refresh
from search.models import LessonDocument
from search.selectors import Results, lessons_search, query_terms

NOTES = """\
# Networking

## Security groups

A firewall for instances, with rules for inbound and outbound traffic.

## Subnets

Each subnet lives in one Availability Zone.

### Security group rules in a subnet

Rules are read by the subnet's instances.

## Instances

An instance is a virtual server. Attach a security group to it before it serves traffic,
or nothing reaches it: the <script>alert(1)</script> of networking.

# Drafts

## Unreleased

Security groups, as a draft chapter explains them.
"""


@pytest.fixture
def hand_dir(tmp_path: Path) -> Path:
    course = tmp_path / "hand"
    course.mkdir()
    (course / "course.toml").write_text('title = "Hand-made"\nslug = "hand"\n')
    (course / "notes.md").write_text(NOTES)
    return course


@pytest.fixture
def hand(db, hand_dir):
    course_import(course_dir=hand_dir)
    course = Course.objects.get(slug="hand")
    Chapter.objects.filter(course=course, slug="drafts").update(is_published=False)
    content_changed(course_ids=[course.pk])
    return course


def _titles(text: str, **kwargs) -> list[str]:
    return [hit.lesson.title for hit in lessons_search(text=text, **kwargs).hits]


def test_the_title_ranks_above_a_heading_which_ranks_above_the_body(hand):
    assert _titles("security group") == ["Security groups", "Subnets", "Instances"]


def test_the_last_word_matches_as_a_prefix_so_results_come_as_one_types(hand):
    assert _titles("secur") == ["Security groups", "Subnets", "Instances"]
    assert _titles("security g") == ["Security groups", "Subnets", "Instances"]
    assert _titles("availability zo") == ["Subnets"]
    assert _titles("zebra") == []


def test_a_heading_match_links_to_the_heading(hand):
    hit = next(
        h for h in lessons_search(text="security group rules").hits if h.lesson.slug == "subnets"
    )

    assert hit.url == "/courses/hand/networking/subnets/#security-group-rules-in-a-subnet"


def test_snippets_highlight_the_match_and_escape_the_lessons_text(hand):
    hits = lessons_search(text="networking").hits
    snippet = next(h for h in hits if h.lesson.title == "Instances").snippet

    assert "<mark>" in snippet and "<script" not in snippet
    # SQLite keeps the tag as text, escaped; PostgreSQL's parser reads it as a tag and drops it.
    assert "&lt;script&gt;" in snippet or "script" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_drafts_and_archived_lessons_never_appear(hand, hand_dir):
    assert "Unreleased" not in _titles("draft chapter")
    (hand_dir / "notes.md").write_text(NOTES.replace("## Instances", "## Servers"))
    course_import(course_dir=hand_dir)  # Instances disappears: archived

    assert Lesson.objects.get(course=hand, slug="instances").is_archived
    assert "Instances" not in _titles("security group")
    Course.objects.filter(pk=hand.pk).update(is_published=False)
    assert _titles("security group") == []


def test_the_index_follows_a_reimport_a_renamed_term_is_found_and_the_old_one_not(hand, hand_dir):
    assert _titles("firewall") == ["Security groups"]
    (hand_dir / "notes.md").write_text(NOTES.replace("A firewall", "A stateful packet filter"))

    course_import(course_dir=hand_dir)

    assert _titles("firewall") == []
    assert _titles("stateful packet") == ["Security groups"]


def test_the_index_follows_an_admin_edit_and_indexes_only_what_changed(hand):
    lesson = Lesson.objects.get(course=hand, slug="subnets")
    lesson_body_update(lesson=lesson, body_markdown="Every subnet sits in a single datacenter.\n")

    assert _titles("datacenter") == ["Subnets"]
    assert _titles("availability zone") == []
    assert courses_index_refresh(course_ids=[hand.pk]) == 0  # nothing left stale


def test_one_course_or_every_published_course(hand, seed_course):
    assert _titles("security group", course=hand) == ["Security groups", "Subnets", "Instances"]
    everywhere = lessons_search(text="security group").hits
    assert {hit.lesson.course.slug for hit in everywhere} == {"hand", "aws-cloud-fundamentals"}
    assert all(
        hit.lesson.course == seed_course
        for hit in lessons_search(text="security group", course=seed_course).hits
    )


def test_common_words_are_not_searched_for_on_either_engine(hand):
    assert _titles("the security of a group") == _titles("security group")
    assert lessons_search(text="the of a") == lessons_search(text="") == Results([], 0)


def test_a_search_counts_every_match_and_shows_the_best(hand):
    found = lessons_search(text="security group", limit=2)

    assert [hit.lesson.title for hit in found.hits] == ["Security groups", "Subnets"]
    assert found.total == 3


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "security AND",
        "NEAR(a b)",
        "col:umn",
        "*",
        "-x",
        "a'b",
        "^start",
        "x\x00y",
        "(((",
        "&|!",
    ],
)
def test_query_syntax_of_either_engine_is_only_words(hand, text):
    lessons_search(text=text)  # never an error from the engine

    assert all(term.isalnum() or "_" in term for term in query_terms(text))


def test_a_deleted_course_leaves_nothing_in_the_index(hand):
    hand.delete()

    assert not LessonDocument.objects.exists()
    assert _titles("security group") == []
    if connection.vendor == "sqlite":  # the FTS5 table has no foreign key: refreshed away
        courses_index_refresh(course_ids=[])
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_lesson_fts")
            assert cursor.fetchone() == (0,)


def test_the_search_page_answers_a_plain_get_and_htmx_with_the_results_alone(hand, student):
    page = student.get("/search/", {"q": "security group", "course": "hand"})
    partial = student.get(
        "/search/", {"q": "security group", "course": "hand"}, HTTP_HX_REQUEST="true"
    )

    assert page.status_code == partial.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert [a.get_text() for a in soup.select(".search-hit__title a")] == [
        "Security groups",
        "Subnets",
        "Instances",
    ]
    assert "3 lessons found" in soup.select_one("#search-status").get_text()
    assert soup.select_one("form[role=search] input[name=course]")["value"] == "hand"
    part = BeautifulSoup(partial.content, "html.parser")
    assert part.select_one("html") is None and len(part.select(".search-hit")) == 3
    assert "3 lessons found" in part.select_one("[data-hx-swap-oob]").get_text()
    assert page["Vary"] and "HX-Request" in page["Vary"]


def test_the_search_page_hides_lessons_from_visitors_and_unknown_courses(
    hand, anonymous, student, settings
):
    settings.LECTERN_PUBLIC_LESSONS = False
    assert anonymous.get("/search/", {"q": "security"}).status_code == 302
    assert student.get("/search/", {"q": "security", "course": "nope"}).status_code == 404
    Course.objects.filter(pk=hand.pk).update(is_published=False)
    content_changed(course_ids=[hand.pk])  # as the admin's unpublish does
    assert student.get("/search/", {"q": "security", "course": "hand"}).status_code == 404
    empty = student.get("/search/", {"q": "   "})
    assert empty.status_code == 200 and not BeautifulSoup(empty.content, "html.parser").select(
        ".search-hit"
    )
