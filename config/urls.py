from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Lectern administration"
admin.site.site_title = "Lectern admin"
admin.site.index_title = "Courses, quizzes and people"

urlpatterns = [
    # /healthz and /readyz are answered by config.health.HealthCheckMiddleware, before the
    # host check and the HTTPS redirect: a route here would never be reached.
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("teach/", include("teaching.urls")),
    path("search/", include("search.urls")),
    path("review/", include("review.urls")),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
]
