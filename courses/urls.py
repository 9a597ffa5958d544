from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("courses/<slug:course_slug>/", views.course_detail, name="course-detail"),
    path(
        "courses/<slug:course_slug>/<slug:chapter_slug>/",
        views.chapter_detail,
        name="chapter-detail",
    ),
    path(
        "courses/<slug:course_slug>/<slug:chapter_slug>/<slug:lesson_slug>/",
        views.lesson_detail,
        name="lesson-detail",
    ),
]
