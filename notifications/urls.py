"""The person's notifications page (``notifications/views.py``)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("thong-bao/", views.notifications_page, name="notifications"),
    path("thong-bao/doc-het/", views.notifications_read_all, name="notifications-read-all"),
    path("thong-bao/<int:id>/mo/", views.notification_open, name="notification-open"),
    path("thong-bao/<int:id>/da-doc/", views.notification_read, name="notification-read"),
]
