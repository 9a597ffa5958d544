"""Create the site's administrator in one step: a superuser whose email address is
verified, so they can log in at once (`createsuperuser` would leave an address to confirm
through an email that, without an SMTP server, only reaches the container's log).

    docker compose exec web python manage.py createadmin ada@example.org
    LECTERN_ADMIN_PASSWORD=... python manage.py createadmin ada@example.org --no-input
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Create (or promote) a superuser with a verified email address."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Read the password from LECTERN_ADMIN_PASSWORD instead of asking for it.",
        )

    def handle(self, *args, email: str, no_input: bool, **options) -> None:
        password = os.environ.get("LECTERN_ADMIN_PASSWORD", "") if no_input else self._ask()
        if not password:
            raise CommandError("No password: set LECTERN_ADMIN_PASSWORD with --no-input.")
        try:
            validate_password(password, User(email=email))
            user, created = admin_ensure(email=email, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "Created" if created else "Made"
        self.stdout.write(f"{verb} the administrator {user.email}; log in at /accounts/login/.")

    def _ask(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
