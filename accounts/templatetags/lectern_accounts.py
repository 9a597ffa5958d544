from django import template

from config.mail import printed_to_console

register = template.Library()


@register.simple_tag
def emails_printed() -> bool:
    """Whether this Lectern prints its emails in the terminal (the demo: no mail server)."""
    return printed_to_console()
