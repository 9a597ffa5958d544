from django.urls import path

from teaching import views

app_name = "teaching"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:course_slug>/gradebook/", views.gradebook_page, name="gradebook"),
    path("<slug:course_slug>/gradebook.csv", views.gradebook_csv, name="gradebook-csv"),
    path("<slug:course_slug>/responses.csv", views.responses_csv, name="responses-csv"),
    path(
        "<slug:course_slug>/students/<int:user_id>/",
        views.student_detail,
        name="student-detail",
    ),
    path(
        "<slug:course_slug>/students/<int:user_id>/unenrol/",
        views.student_unenrol,
        name="student-unenrol",
    ),
    path(
        "<slug:course_slug>/students/<int:user_id>/enrol/",
        views.student_enrol,
        name="student-enrol",
    ),
    path("<slug:course_slug>/analytics/", views.analytics, name="analytics"),
    path(
        "<slug:course_slug>/quizzes/<int:quiz_id>/statistics/",
        views.quiz_statistics,
        name="quiz-statistics",
    ),
    path("<slug:course_slug>/marking/", views.review_queue, name="review-queue"),
    path("<slug:course_slug>/marking/<int:answer_id>/", views.answer_mark, name="answer-mark"),
    path("<slug:course_slug>/enrolment/", views.enrolment_page, name="enrolment"),
    path(
        "<slug:course_slug>/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
]
