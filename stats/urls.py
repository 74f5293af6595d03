from django.urls import path

from stats import views

urlpatterns = [
    path("so-lieu/", views.dashboard, name="dashboard"),
    path("so-lieu/xuat/<str:table>.<str:fmt>", views.export, name="dashboard-export"),
    path("so-lieu/chi-so-766.pdf", views.panel_pdf, name="dashboard-766-pdf"),
]
