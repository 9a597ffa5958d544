"""The references the page benchmark measures Lectern against: the least a Django page can
do through the same middleware, gunicorn and database.

- anonymous: a template through a base template, no query;
- logged in: the session and user loaded (auth), one row read, the same templates.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

from courses.models import Course


def anonymous(request):
    return render(request, "bench/reference.html", {"title": "Reference"})


@login_required
def logged_in(request):
    course = Course.objects.only("title").first()
    return render(request, "bench/reference.html", {"title": course.title, "user": request.user})


urlpatterns = [
    path("bench/reference/anonymous/", anonymous),
    path("bench/reference/logged-in/", logged_in),
    path("", include("config.urls")),
]
