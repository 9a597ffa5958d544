from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("learning/", views.dashboard, name="dashboard"),
    path("courses/<slug:course_slug>/", views.course_detail, name="course-detail"),
    # Files a course references (images, downloads), content-hashed at import.
    path("course-files/<slug:course_slug>/<str:name>", views.course_file, name="course-file"),
    path("courses/<slug:course_slug>/enroll/", views.course_enroll, name="course-enroll"),
    path("courses/<slug:course_slug>/leave/", views.course_leave, name="course-leave"),
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
    path(
        "courses/<slug:course_slug>/<slug:chapter_slug>/<slug:lesson_slug>/complete/",
        views.lesson_complete,
        name="lesson-complete",
    ),
]
