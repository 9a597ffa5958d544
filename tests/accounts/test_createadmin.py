"""`manage.py createadmin`: a superuser who can log in at once, no email to confirm."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "a long admin passphrase 7"


def test_createadmin_makes_a_verified_superuser_who_logs_in(db, client, monkeypatch):
    monkeypatch.setenv("LECTERN_ADMIN_PASSWORD", PASSWORD)
    call_command("createadmin", "Ada@Example.org", "--no-input")
    user = User.objects.get(email__iexact="ada@example.org")
    assert user.is_superuser and user.is_staff
    assert EmailAddress.objects.get(user=user).verified
    login = client.post("/accounts/login/", {"login": "ada@example.org", "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/"
    assert client.get("/admin/").status_code == 200


def test_createadmin_promotes_an_existing_account(db, monkeypatch):
    existing = UserFactory(email="bob@example.org")
    monkeypatch.setenv("LECTERN_ADMIN_PASSWORD", PASSWORD)
    call_command("createadmin", "bob@example.org", "--no-input")
    existing.refresh_from_db()
    assert existing.is_superuser and existing.check_password(PASSWORD)
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["", "short", "password"])
def test_createadmin_refuses_a_weak_or_missing_password(db, monkeypatch, password):
    monkeypatch.setenv("LECTERN_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError):
        call_command("createadmin", "ada@example.org", "--no-input")
    assert not User.objects.exists()
