"""How allauth treats Lectern's accounts (ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms

# Django's EmailValidator accepts quoted local parts ("<script>"@example.com, "a b"@example.com)
# and backticks; browsers' <input type="email"> refuses most of them, so such an address could
# sign up but never log in, and it is HTML-special wherever it is shown. The apostrophe stays
# allowed: o'brien@example.com is a real address, and browsers accept it.
_REFUSED_IN_LOCAL_PART = frozenset('<>"`\\')


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Refuses addresses whose part before the @ holds HTML-special characters, whitespace
        or control characters. Runs for signup, adding or changing an address and password
        resets."""
        email = super().clean_email(email)
        local_part = email.rpartition("@")[0]
        if any(_is_refused(char) for char in local_part):
            raise forms.ValidationError(
                "Lectern cannot use an address with quotes, angle brackets, backticks, "
                "backslashes, spaces or control characters before the @. "
                "Please use another address.",
                code="email_characters",
            )
        return email


def _is_refused(char: str) -> bool:
    return char in _REFUSED_IN_LOCAL_PART or char.isspace() or not char.isprintable()
