"""A tiny URLconf for the estimate tests, independent of ``procedures/api/urls.py`` (routed elsewhere)."""

from django.urls import path

from procedures.api.estimate import AppointmentEstimateView

urlpatterns = [
    path(
        "api/procedures/<str:code>/appointment-estimate",
        AppointmentEstimateView.as_view(),
        name="procedure-appointment-estimate",
    ),
]

handler404 = "portal.common.errors.handler404"
handler500 = "portal.common.errors.handler500"
