"""Addresses with HTML-special or control characters before the @ are refused
(accounts.adapter.AccountAdapter.clean_email)."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.models import User

PASSWORD = "correct horse battery"
REFUSED = [
    '"<script>alert(1)</script>"@example.com',
    '"quoted"@example.com',
    "back`tick@example.com",
    '"a\\ b"@example.com',
    '"a\x01b"@example.com',
    '"a\x7fb"@example.com',
]


def _signup(client: Client, email: str):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


@pytest.mark.parametrize("email", REFUSED)
def test_signup_refuses_an_address_with_html_or_control_characters(anonymous: Client, email, db):
    response = _signup(anonymous, email)

    assert response.status_code == 200
    (error,) = response.context["form"].errors["email"]
    assert error.startswith("Lectern cannot use an address with quotes, angle brackets")
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_signup_refuses_a_nul_character(anonymous: Client, db):
    response = _signup(anonymous, '"a\x00b"@example.com')

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["new@example.com", "o'brien@example.com"])
def test_signup_accepts_ordinary_addresses(anonymous: Client, email, db):
    response = _signup(anonymous, email)

    assert response.status_code == 302
    assert User.objects.get().email == email


@pytest.mark.parametrize("email", REFUSED)
def test_adding_an_address_refuses_html_or_control_characters(student: Client, email):
    response = student.post("/accounts/email/", {"email": email, "action_add": ""})

    assert response.status_code == 200
    (error,) = response.context["form"].errors["email"]
    assert error.startswith("Lectern cannot use an address with quotes, angle brackets")
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["student@example.com"]


def test_adding_an_ordinary_address_works(student: Client):
    response = student.post("/accounts/email/", {"email": "second@example.com", "action_add": ""})

    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="second@example.com").exists()
