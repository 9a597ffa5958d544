from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.session, name="session"),
    path("cards/<int:card_id>/answer/", views.card_answer, name="card-answer"),
    path("answers/<int:log_id>/rate/", views.log_rate, name="log-rate"),
    path("reminder/", views.reminder, name="reminder"),
]
