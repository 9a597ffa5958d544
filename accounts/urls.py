from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("data/", views.data, name="data"),
    path("data/export/", views.data_export, name="data-export"),
    path("delete/", views.delete, name="delete"),
]
