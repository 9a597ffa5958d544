"""The demo's emails, printed in the terminal: readable (each text line as written, the
confirmation link on one line that works when copied), and the verify page says where the
email went."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from config.mail import printed_to_console
from tests.factories import UserFactory


def _sign_up(client: Client, email: str = "new.student@example.com"):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": "correct horse battery",
            "password2": "correct horse battery",
        },
        follow=True,
    )


def test_the_printed_confirmation_email_is_readable_and_its_link_works(db, terminal):
    client = Client()
    _sign_up(client)

    text = terminal.getvalue()
    assert "Subject: [Lectern] Please Confirm Your Email Address" in text
    assert "quoted-printable" not in text.lower() and "=\n" not in text
    [link] = re.findall(r"^https?://\S+/accounts/confirm-email/\S+$", text, flags=re.MULTILINE)
    # Copied from the terminal, the whole link is one line, and it leads to the confirm page.
    page = Client().get(link[link.index("/accounts/") :])
    assert page.status_code == 200
    assert BeautifulSoup(page.content, "html.parser").select_one("form button")


def test_the_verify_page_says_the_demo_prints_emails_in_the_terminal(db, terminal):
    page = BeautifulSoup(_sign_up(Client()).content, "html.parser")

    assert page.h1.get_text(strip=True) == "Confirm your email address"
    notice = page.select_one(".notice").get_text(" ", strip=True)
    assert "prints its emails in the terminal" in notice and "make run" in notice
    assert "spam" not in page.get_text()


def test_with_a_mail_server_the_verify_page_says_to_look_in_the_inbox(db, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert not printed_to_console()

    page = BeautifulSoup(_sign_up(Client()).content, "html.parser")

    assert page.select(".notice") == []
    assert "spam folder" in page.get_text()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/accounts/login/", "Log in"),
        ("/accounts/signup/", "Sign up"),
        ("/accounts/logout/", "Log out"),
    ],
)
def test_the_account_pages_use_the_headers_words(db, url, words):
    client = Client()
    if url.endswith("logout/"):
        client.force_login(UserFactory())
    page = BeautifulSoup(client.get(url).content, "html.parser")

    assert page.h1.get_text(strip=True) == words
    assert page.select_one("main form button[type=submit]").get_text(strip=True) == words
    assert page.title.get_text(strip=True) == f"{words} · Lectern"
    assert not {"Sign In", "Sign Up", "Signup", "Sign Out"} & set(
        re.findall(r"Sign ?(?:In|Up|Out)|Signup", page.get_text())
    )
