from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import instructor_grant


class Command(BaseCommand):
    help = "Let an existing account author courses and quizzes in the admin (/admin/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the email address {email!r}; sign up first.")
        instructor_grant(user=user)
        self.stdout.write(f"{user.email} is now an instructor: they can log in at /admin/.")
