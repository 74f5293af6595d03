from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Kind, Notification
from notifications.selectors import templates_of
from notifications.templates import render


class NotificationListSerializer(serializers.ListSerializer):
    """A page of notices: the admin's templates of the whole page are read in one query, not one per row."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.context["templates"] = templates_of((row.kind, row.channel, row.language) for row in rows)
        return super().to_representation(rows)


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    kind_label = serializers.SerializerMethodField(help_text=_("Tên loại thông báo, theo ngôn ngữ của người nhận"))
    subject = serializers.SerializerMethodField(help_text=_("Tiêu đề, theo ngôn ngữ của người nhận"))
    body = serializers.SerializerMethodField(help_text=_("Nội dung, văn bản thuần"))
    dossier = serializers.IntegerField(source="dossier_id", read_only=True, allow_null=True)
    dossier_code = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "body",
            "dossier",
            "dossier_code",
            "due_ref",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields
        list_serializer_class = NotificationListSerializer

    def _texts(self, obj) -> tuple[str, str]:
        cached = getattr(obj, "_rendered", None)
        if cached is None:
            templates = self.context.get("templates")
            cached = obj._rendered = render(obj.kind, obj.channel, obj.language, obj.context, templates=templates)
        return cached

    def get_kind_label(self, obj) -> str:
        with translation.override(obj.language):
            return str(obj.get_kind_display())

    @extend_schema_field(serializers.CharField())
    def get_subject(self, obj) -> str:
        return self._texts(obj)[0]

    @extend_schema_field(serializers.CharField())
    def get_body(self, obj) -> str:
        return self._texts(obj)[1]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dossier_code(self, obj) -> str | None:
        dossier = obj.dossier
        return (dossier.code or dossier.reference) if dossier else None

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("Số thông báo vừa được đánh dấu đã đọc"))
