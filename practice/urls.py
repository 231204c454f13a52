from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from practice import health

api_v1 = [
    path("", include("practice.api_urls")),
    path("", include("clients.api_urls")),
    path("", include("sessions.api_urls")),
    path("", include("insights.api_urls")),
]

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("practice.web_urls")),
    path("", include("clients.web_urls")),
    path("", include("sessions.web_urls")),
    path("", include("insights.web_urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("django-admin/", admin.site.urls))

handler400 = "practice.web_errors.bad_request"
handler403 = "practice.web_errors.permission_denied"
handler404 = "practice.web_errors.page_not_found"
handler500 = "practice.web_errors.server_error"
