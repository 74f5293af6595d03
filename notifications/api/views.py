"""``/api/me/notifications/``: the caller's in-app notices — list (unread first, filter by kind), mark one read,
mark all read. Nobody reaches another person's notices: the queryset is the caller's, and any other id is a 404."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.api.serializers import NotificationSerializer, ReadAllSerializer
from notifications.models import Kind, Notification
from notifications.selectors import inbox_of
from notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, label=_("Loại thông báo"))
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Chưa đọc"))

    class Meta:
        model = Notification
        fields: list[str] = []


class MyNotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return inbox_of(self.request.user)

    def get_view_name(self):
        return _("Thông báo của tôi")

    @extend_schema(summary="Thông báo của tôi (chưa đọc trước)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Đánh dấu đã đọc")
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object())
        notification.unread = 0
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=ReadAllSerializer, summary="Đánh dấu tất cả đã đọc")
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = notifications_mark_all_read(user=request.user)
        return Response({"marked": marked})
