from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lcnet_site.health import healthz

handler404 = "lcnet_site.exception_handler.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),  # no inline script (CSP)
    path("api/", include("annotation.urls")),
    path("api/", include("consensus.urls")),
    path("api/", include("export.urls")),
    path("healthz", healthz),
    path("", include("annotation.page_urls")),
    path("", RedirectView.as_view(url="/label/", permanent=False)),
]
