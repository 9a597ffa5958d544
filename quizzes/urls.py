from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/<int:quiz_id>/", views.quiz_detail, name="quiz-detail"),
    path("quizzes/<int:quiz_id>/attempts/", views.attempt_start, name="attempt-start"),
    path("quizzes/<int:quiz_id>/check/", views.check_submit, name="check-submit"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt-detail"),
    path("attempts/<int:attempt_id>/answers/", views.attempt_save, name="attempt-save"),
    path(
        "attempts/<int:attempt_id>/answers/<int:question_id>/",
        views.answer_save,
        name="answer-save",
    ),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt-submit"),
]
