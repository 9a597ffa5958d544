from django.apps import AppConfig


class TeachingConfig(AppConfig):
    """The course team's pages: gradebook, analytics, quiz statistics, marking, enrolment.

    It sits above courses, quizzes and accounts, and reads and writes through them.
    """

    name = "teaching"
    verbose_name = "Teaching"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from teaching import enrolment

        # An invited person joins their courses once they own the invited address.
        email_confirmed.connect(enrolment.on_email_confirmed, dispatch_uid="teaching-invites")
