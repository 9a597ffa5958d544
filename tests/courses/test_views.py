import pytest
from bs4 import BeautifulSoup
from django.test import Client

from courses.content_version import content_changed
from courses.models import Chapter, Course, Lesson

LESSON_URL = (
    "/courses/aws-cloud-fundamentals/chapter-3-ec2-compute/running-a-webserver-on-an-ec2-instance/"
)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_catalog_lists_the_course_for_anonymous_visitors(anonymous: Client, seed_course):
    response = anonymous.get("/")

    assert response.status_code == 200
    cards = _soup(response).select("main .card")
    assert [card.h2.get_text(strip=True) for card in cards] == ["AWS Cloud Fundamentals"]
    assert "38 lessons" in cards[0].get_text(" ", strip=True)


def test_course_page_shows_the_outline_to_anonymous_visitors(anonymous: Client, seed_course):
    response = anonymous.get(seed_course.get_absolute_url())

    assert response.status_code == 200
    soup = _soup(response)
    chapters = soup.select(".outline__chapter")
    assert len(chapters) == 7
    assert chapters[0].h3.get_text(strip=True) == "Chapter 1: AWS Introduction"
    assert len(soup.select(".outline__lesson")) == 38
    assert soup.select_one("h1").get_text(strip=True) == "AWS Cloud Fundamentals"


def test_unknown_course_is_404(anonymous: Client, db):
    assert anonymous.get("/courses/nope/").status_code == 404


@pytest.mark.parametrize("who", ["student", "instructor"])
def test_lesson_page_shows_the_lesson_to_logged_in_people(request, who, seed_course):
    client = request.getfixturevalue(who)

    response = client.get(LESSON_URL)

    assert response.status_code == 200
    soup = _soup(response)
    assert soup.h1.get_text(strip=True) == "Running a webserver on an EC2 instance"
    crumbs = [li.get_text(strip=True) for li in soup.select(".breadcrumb li")]
    assert crumbs == [
        "Courses",
        "AWS Cloud Fundamentals",
        "Chapter 3: EC2 & Compute",
        "Running a webserver on an EC2 instance",
    ]
    prose = soup.select_one(".prose")
    assert "http://<instance-public-ip>" in prose.get_text()
    assert prose.find("script") is None
    assert "#!/bin/bash" in prose.find("pre").get_text()


def test_lesson_page_sends_anonymous_visitors_to_log_in(anonymous: Client, seed_course):
    response = anonymous.get(LESSON_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_lessons_can_be_opened_to_everyone_by_a_setting(anonymous: Client, seed_course, settings):
    settings.LECTERN_PUBLIC_LESSONS = True

    assert anonymous.get(LESSON_URL).status_code == 200


def test_lesson_page_has_a_table_of_contents_matching_heading_ids(student: Client, seed_course):
    lesson = Lesson.objects.get(slug="basic-format-of-ec2-instance-types")

    soup = _soup(student.get(lesson.get_absolute_url()))

    links = soup.select(".toc a")
    assert len(links) >= 3
    for link in links:
        assert soup.find(id=link["href"][1:]) is not None


def test_next_link_crosses_into_the_next_chapter(student: Client, seed_course):
    last_of_chapter_1 = Lesson.objects.get(chapter__position=1, slug="mfa")

    soup = _soup(student.get(last_of_chapter_1.get_absolute_url()))

    next_link = soup.select_one("a[rel=next]")
    first_of_chapter_2 = Lesson.objects.get(chapter__position=2, position=1)
    assert next_link["href"] == first_of_chapter_2.get_absolute_url()
    assert next_link["data-hx-get"] == next_link["href"]
    assert "Next chapter" in next_link.get_text()
    previous_link = soup.select_one("a[rel=prev]")
    assert previous_link["href"].endswith("/billing/")


def test_first_and_last_lessons_have_no_dead_ends(student: Client, seed_course):
    first = Lesson.objects.order_by("chapter__position", "position").first()
    last = Lesson.objects.order_by("chapter__position", "position").last()

    first_soup = _soup(student.get(first.get_absolute_url()))
    last_soup = _soup(student.get(last.get_absolute_url()))

    assert first_soup.select_one("a[rel=prev]") is None
    assert last_soup.select_one("a[rel=next]") is None
    assert last_soup.select_one(".pager__link--next")["href"] == seed_course.get_absolute_url()


def test_lesson_fragment_for_htmx_and_full_page_without(student: Client, seed_course):
    full = student.get(LESSON_URL)
    fragment = student.get(LESSON_URL, headers={"HX-Request": "true"})

    assert "HX-Request" in full["Vary"]
    assert "HX-Request" in fragment["Vary"]
    assert _soup(full).find("html") is not None
    fragment_soup = _soup(fragment)
    assert fragment_soup.find("html") is None
    assert fragment_soup.find("header", class_="site-header") is None
    assert fragment_soup.h1.get_text(strip=True) == "Running a webserver on an EC2 instance"
    assert fragment_soup.title.get_text().startswith("Running a webserver")


def test_history_restore_request_gets_the_full_page(student: Client, seed_course):
    response = student.get(
        LESSON_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert _soup(response).find("html") is not None


def test_archived_lesson_is_404(student: Client, seed_course):
    lesson = Lesson.objects.get(slug="billing")
    url = lesson.get_absolute_url()
    Lesson.objects.filter(pk=lesson.pk).update(is_archived=True)

    assert student.get(url).status_code == 404


def test_chapter_page_shows_intro_and_lessons(anonymous: Client, seed_course):
    chapter = Chapter.objects.get(position=3)

    soup = _soup(anonymous.get(chapter.get_absolute_url()))

    assert soup.h1.get_text(strip=True) == "Chapter 3: EC2 & Compute"
    assert len(soup.select(".outline__lesson")) == 4
    assert (
        soup.select_one("a[rel=next]")["href"] == Chapter.objects.get(position=4).get_absolute_url()
    )


def test_empty_chapter_says_coming_soon_and_links_on(anonymous: Client, course_dir, db):
    from courses.services import course_import

    notes = course_dir / "notes.md"
    notes.write_text(notes.read_text().replace("Chapter 8: Serverless", "# Chapter 8: Serverless"))
    report = course_import(course_dir=course_dir)
    assert any("empty-chapter" in w for w in report.warnings)
    chapter = Chapter.objects.get(position=8)

    soup = _soup(anonymous.get(chapter.get_absolute_url()))

    assert "Coming soon" in soup.get_text()
    assert (
        soup.select_one("a[rel=prev]")["href"] == Chapter.objects.get(position=7).get_absolute_url()
    )
    course_soup = _soup(anonymous.get(chapter.course.get_absolute_url()))
    assert course_soup.select(".outline__chapter")[-1].select_one(".coming-soon") is not None


def test_course_page_query_count_does_not_grow_with_the_course(
    anonymous: Client, seed_course, django_assert_num_queries
):
    # the published courses' versions (then held for a second: none on a repeat view); once
    # per content version, its row, chapters, lessons, quizzes, check questions
    with django_assert_num_queries(6):
        anonymous.get(seed_course.get_absolute_url())
    with django_assert_num_queries(0):
        anonymous.get(seed_course.get_absolute_url())
    # Double the course (as an import would, with a new content version): same counts.
    chapters = list(Chapter.objects.all())
    for offset, chapter in enumerate(chapters, start=100):
        lessons = list(chapter.lessons.all())
        chapter.pk = None
        chapter.slug = f"{chapter.slug}-copy"
        chapter.position = offset
        chapter.save()
        for lesson in lessons:
            lesson.pk = None
            lesson.chapter = chapter
            lesson.save()
    content_changed(course_ids=[seed_course.pk])
    assert Lesson.objects.count() == 76
    with django_assert_num_queries(6):
        response = anonymous.get(seed_course.get_absolute_url())
    assert response.context["lesson_count"] == 76
    with django_assert_num_queries(0):
        anonymous.get(seed_course.get_absolute_url())


def test_lesson_page_query_count_is_constant(
    student: Client, seed_course, django_assert_num_queries
):
    first = Lesson.objects.order_by("chapter__position", "position").first()
    first_url = first.get_absolute_url()
    # session, user, course (its version, and the student's place in it: completed and
    # recently viewed lessons), enrollment and progress upserts, the student's attempts, the
    # lesson's text; once per content version, the course's row, chapters, lessons, quizzes,
    # questions
    with django_assert_num_queries(12):
        student.get(first_url)
    # Another lesson: the upserts again, the course's structure kept.
    with django_assert_num_queries(7):
        student.get(LESSON_URL)
    # A repeat view writes nothing, and the page comes from the cache (courses.page_cache):
    # session, user, course with the student's place, attempts.
    with django_assert_num_queries(4):
        student.get(LESSON_URL)


def test_catalog_query_count_is_constant(anonymous: Client, seed_course, django_assert_num_queries):
    # the courses' versions (the page's key), the courses, and once per content version the
    # course's chapters and lessons
    with django_assert_num_queries(4):
        anonymous.get("/")
    # The versions are held for a second; with the CSRF cookie the first page set, the page is
    # kept, and then served with no query at all.
    with django_assert_num_queries(1):
        anonymous.get("/")
    with django_assert_num_queries(0):
        anonymous.get("/")


def test_model_urls_match_the_url_configuration(seed_course):
    from django.urls import reverse

    lesson = Lesson.objects.select_related("chapter", "course").get(slug="billing")

    assert lesson.course.get_absolute_url() == reverse(
        "courses:course-detail", kwargs={"course_slug": lesson.course.slug}
    )
    assert lesson.chapter.get_absolute_url() == reverse(
        "courses:chapter-detail",
        kwargs={"course_slug": lesson.course.slug, "chapter_slug": lesson.chapter.slug},
    )
    assert lesson.get_absolute_url() == reverse(
        "courses:lesson-detail",
        kwargs={
            "course_slug": lesson.course.slug,
            "chapter_slug": lesson.chapter.slug,
            "lesson_slug": lesson.slug,
        },
    )


def test_staff_read_a_draft_course_as_students_will_without_enrolling(seed_course, instructor):
    from courses.models import Enrollment, LessonProgress

    Course.objects.filter(pk=seed_course.pk).update(is_published=False)
    lesson = Lesson.objects.first()

    course_page = instructor.get(seed_course.get_absolute_url())
    lesson_page = instructor.get(lesson.get_absolute_url())

    assert course_page.status_code == lesson_page.status_code == 200
    notice = BeautifulSoup(lesson_page.content, "html.parser").select_one(".draft-notice")
    assert "Only staff see this course" in notice.get_text()
    assert not Enrollment.objects.exists() and not LessonProgress.objects.exists()


def test_students_and_visitors_never_see_a_draft(seed_course, student, anonymous):
    Course.objects.filter(pk=seed_course.pk).update(is_published=False)
    lesson = Lesson.objects.first()

    for client in (student, anonymous):
        assert client.get(seed_course.get_absolute_url()).status_code == 404
    assert student.get(lesson.get_absolute_url()).status_code == 404


def test_a_draft_chapter_is_for_staff_only_and_counts_for_nobody(
    seed_course, student, instructor, anonymous
):
    from courses.progress import course_progress

    chapter = Chapter.objects.get(position=2)
    lesson = chapter.lessons.first()
    total = course_progress(user=student.user, course=seed_course).lessons_total
    # As the admin's Unpublish action does it.
    Chapter.objects.filter(pk=chapter.pk).update(is_published=False)
    content_changed(course_ids=[seed_course.pk])
    seed_course.refresh_from_db()

    outline = BeautifulSoup(student.get(seed_course.get_absolute_url()).content, "html.parser")
    assert chapter.title not in outline.get_text()
    for client in (student, anonymous):
        assert client.get(chapter.get_absolute_url()).status_code == 404
    assert student.get(lesson.get_absolute_url()).status_code == 404
    after = course_progress(user=student.user, course=seed_course).lessons_total
    assert after == total - chapter.lessons.count()
    # Staff see it, marked as a draft, and can read it.
    staff_outline = instructor.get(seed_course.get_absolute_url()).content.decode()
    assert "Draft: staff only" in staff_outline
    page = BeautifulSoup(instructor.get(lesson.get_absolute_url()).content, "html.parser")
    assert "Draft chapter." in page.select_one(".draft-notice").get_text()
    # Previous / next skip it for students.
    before = Chapter.objects.get(position=1).lessons.order_by("-position").first()
    following = BeautifulSoup(student.get(before.get_absolute_url()).content, "html.parser")
    assert chapter.slug not in following.select_one("a[rel=next]")["href"]
