"""Lectern's own 400, 403, 404 and 500 pages, as people see them with DEBUG off."""

import pytest
from bs4 import BeautifulSoup
from django.template import Context, loader
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def _failing_view(request):
    raise RuntimeError("the secret cause of the failure")


# This module is the URLconf of the 500 tests: the site's URLs plus one view that fails.
urlpatterns = [path("failing/", _failing_view), *site_urlpatterns]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _designed_page(html: bytes | str, *, title: str) -> BeautifulSoup:
    """The page, once its shell is checked: language, title, landmarks and a single h1 in main."""
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.title.get_text() == title
    assert soup.find("header", class_="site-header") is not None
    assert soup.find("footer", class_="site-footer") is not None
    (main,) = soup.find_all("main")
    (h1,) = soup.find_all("h1")
    assert main in h1.parents
    assert soup.find("a", class_="skip-link")["href"] == "#main"
    return soup


def _next_links(soup: BeautifulSoup) -> dict[str, str]:
    nav = soup.find("nav", attrs={"aria-label": "Where to go next"})
    return {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}


def test_an_unknown_address_shows_the_lectern_404_page(anonymous: Client, db):
    response = anonymous.get("/no-such-page/")

    assert response.status_code == 404
    soup = _designed_page(response.content, title="Page not found · Lectern")
    assert soup.h1.get_text() == "Page not found"
    assert _next_links(soup) == {"Browse the courses": "/", "Log in": "/accounts/login/"}


def test_the_404_page_offers_your_learning_when_you_are_logged_in(student: Client):
    response = student.get("/courses/no-such-course/")

    assert response.status_code == 404
    soup = _designed_page(response.content, title="Page not found · Lectern")
    assert _next_links(soup) == {"Browse the courses": "/", "My learning": "/learning/"}
    # The site header still knows who is logged in.
    assert soup.find("button", string="Log out") is not None


def test_students_get_the_lectern_403_page_on_teaching_pages(student: Client):
    response = student.get("/teach/")

    assert response.status_code == 403
    soup = _designed_page(response.content, title="Access denied · Lectern")
    assert soup.h1.get_text() == "You cannot open this page"
    assert _next_links(soup) == {"Browse the courses": "/", "My learning": "/learning/"}


def test_a_form_failing_its_csrf_check_gets_the_lectern_403_page(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "a@example.com", "password": "x"})

    assert response.status_code == 403
    soup = _designed_page(response.content, title="Form not sent · Lectern")
    assert soup.h1.get_text() == "Your form could not be sent"
    assert "reload the page" in soup.main.get_text()


def test_a_disallowed_host_gets_the_lectern_400_page(anonymous: Client, settings):
    settings.ALLOWED_HOSTS = ["lectern.example.com"]

    response = anonymous.get("/", headers={"host": "attacker.example"})

    assert response.status_code == 400
    soup = _designed_page(response.content, title="Bad request · Lectern")
    assert soup.h1.get_text() == "Lectern could not understand that request"


def _assert_500_page(html: str | bytes) -> None:
    soup = _designed_page(html, title="Server error · Lectern")
    assert soup.h1.get_text() == "Something went wrong on our side"
    assert _next_links(soup) == {"Browse the courses": "/", "My learning": "/learning/"}
    assert not soup.find_all("script")


def test_the_500_page_renders_from_an_empty_context_without_the_database():
    # No `db` fixture: any query would fail the test. Django's server_error calls render().
    template = loader.get_template("500.html")

    _assert_500_page(template.render())
    _assert_500_page(template.template.render(Context()))


def test_a_failing_view_gets_the_lectern_500_page(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get("/failing/")

    assert response.status_code == 500
    _assert_500_page(response.content)
    assert b"secret cause" not in response.content
