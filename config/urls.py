from django.contrib import admin
from django.urls import include, path

from config.views import healthz, readyz

admin.site.site_header = "Lectern administration"
admin.site.site_title = "Lectern admin"
admin.site.index_title = "Courses, quizzes and people"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("teach/", include("teaching.urls")),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
]
