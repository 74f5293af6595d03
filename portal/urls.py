from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("ngon-ngu/", views.set_language, name="set-language"),
    path("", include("procedures.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("dossiers.urls")),
    path("can-bo/", include("dossiers.desk_urls")),
    path("", include("notifications.urls")),
    path("", include("stats.urls")),
    path("", include("legacy.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # its start-up script is served apart (?script=): the Content-Security-Policy runs no inline script
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="portal/api_docs.html"),
        name="api-docs",
    ),
    path("api/", include("communes.api.urls")),
    path("api/", include("procedures.api.urls")),
    path("api/", include("dossiers.api.urls")),
    path("api/", include("dossiers.api.lookup_urls")),
    path("api/", include("notifications.api.urls")),
    path("api/", include("stats.api.urls")),
]

handler400 = "portal.common.errors.handler400"
handler404 = "portal.common.errors.handler404"
handler500 = "portal.common.errors.handler500"

if settings.METRICS:  # Prometheus (portal/metrics.py): only with the bearer token METRICS_TOKEN
    from portal import metrics

    urlpatterns += [path("metrics", metrics.view, name="metrics")]

if settings.BENCH_ENDPOINTS:  # the benchmarks' baselines (bench/endpoints.py): never routed unless BENCH_ENDPOINTS=1
    urlpatterns += [path("api/_bench/", include("bench.endpoints"))]
