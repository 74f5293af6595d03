"""The outbox and the message templates in the admin: failed rows with a retry action; templates editable with a
preview rendered from a sample of the kind's variables (a template that does not compile is refused on save)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import MessageTemplate, Notification, Status
from notifications.services import notifications_retry, templates_restore
from notifications.templates import check_syntax, render_texts, sample_context


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "status", "recipient", "dossier", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["dedupe_key", "dossier__code"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "dossier"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Gửi lại các thông báo đã chọn (không thành công hoặc đã hủy)"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(status__in=[Status.FAILED, Status.CANCELLED]).values_list("pk", flat=True))
        count = notifications_retry(ids=ids)
        self.message_user(
            request,
            ngettext("%(count)d thông báo sẽ được gửi lại.", "%(count)d thông báo sẽ được gửi lại.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "channel", "language", "subject", "body"]

    def clean(self):
        data = super().clean()
        context = sample_context(data.get("kind") or "")
        language = data.get("language") or settings.LANGUAGE_CODE
        for name in ("subject", "body"):
            source = data.get(name) or ""
            try:
                check_syntax(source)
                # and it renders with the facts of its kind ({% include %}, a loop over a number… fail only here)
                render_texts(source, "", context, language=language)
            except Exception as exc:
                self.add_error(name, _("Mẫu không hợp lệ: %(error)s") % {"error": exc})
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["kind", "channel", "language", "subject", "edited", "updated_at"]
    list_filter = ["edited", "channel", "language", "kind"]
    actions = ["restore_built_in"]
    search_fields = ["subject", "body"]
    readonly_fields = ["edited", "variables", "preview"]
    fields = ["kind", "channel", "language", "subject", "body", "edited", "variables", "preview"]

    class Media:
        css = {"all": ["css/admin.css"]}

    def save_model(self, request, obj, form, change):
        obj.edited = True  # from now on this text replaces the built-in one
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Dùng lại nội dung dựng sẵn cho các mẫu đã chọn"))
    def restore_built_in(self, request, queryset):
        count = templates_restore(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d mẫu dùng lại nội dung dựng sẵn.", "%(count)d mẫu dùng lại nội dung dựng sẵn.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("Biến dùng được"))
    def variables(self, obj):
        if obj is None or not obj.kind:
            return "—"
        names = sorted(sample_context(obj.kind))
        return format_html_join(", ", "<code>{{{{ {} }}}}</code>", ((name,) for name in names))

    @admin.display(description=_("Xem trước (dữ liệu mẫu)"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Lưu mẫu để xem trước.")
        try:
            subject, body = render_texts(obj.subject, obj.body, sample_context(obj.kind), language=obj.language)
        except Exception as exc:  # a row written before the form's check, or by hand
            return format_html("<strong>{}</strong> {}", _("Mẫu không hợp lệ:"), exc)
        return format_html(
            '<div class="notification-preview"><p><strong>{}</strong></p>'
            "<pre>{}</pre></div>",  # wrapped by static/css/admin.css (the policy allows no inline style)
            subject,
            body,
        )
