"""Small helpers shared by views that answer both htmx and plain requests."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def template_for(request: HtmxHttpRequest, template: str, fragment: str) -> str:
    """The whole page for a normal request; only `fragment` of it for an htmx swap.

    A history-restore request (the user pressed Back and htmx's cache missed) wants the page.
    """
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{fragment}"
    return template
