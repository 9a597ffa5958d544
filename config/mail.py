"""Email printed to the terminal, readable: the embedded default's backend (no EMAIL_HOST).

Django's console backend prints the message as it would go over the wire, where a long line
of UTF-8 text is quoted-printable: the confirmation link wraps with a trailing "=" and its
first line, copied, is a 404. This one prints the headers a person reads and each text part
as text, with its lines as written, so the link is one line that works when copied.
"""

from django.conf import settings
from django.core.mail.backends.console import EmailBackend

__all__ = ["ReadableConsoleBackend", "printed_to_console"]

_SHOWN_HEADERS = ("From", "To", "Cc", "Subject", "Date")


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message) -> None:
        mime = message.message()
        lines = [f"{name}: {mime[name]}" for name in _SHOWN_HEADERS if mime[name]]
        for part in mime.walk():
            if part.get_content_maintype() == "multipart":
                continue
            if part.get_content_type() == "text/plain":
                lines += ["", part.get_content().rstrip("\n")]
            else:
                lines += ["", f"[{part.get_content_type()} part not shown]"]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")


def printed_to_console() -> bool:
    """Whether emails go to the terminal (no mail server set): the demo says so."""
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    return backend.endswith(("console.EmailBackend", "ReadableConsoleBackend"))
