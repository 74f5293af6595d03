"""Dossiers are read-only in the admin: state changes go through the services (and are audited)."""

from django.contrib import admin

from dossiers.models import AuditEvent, ControlSlipRow, Dossier, Pause


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = AuditEvent
    fields = ("at", "actor", "actor_role", "action", "from_state", "to_state", "reason")
    readonly_fields = fields


class PauseInline(ReadOnlyInline):
    model = Pause
    fields = ("started_at", "ended_at", "remaining_seconds", "reason")
    readonly_fields = fields


class SlipInline(ReadOnlyInline):
    model = ControlSlipRow
    fields = ("step", "from_unit", "to_unit", "handed_at", "allowed_until", "timeliness")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "reference",
        "state",
        "status_code",
        "procedure",
        "reception_centre",
        "due_at",
        "timeliness",
    )
    list_filter = ("state", "status_code", "channel", "level", "timeliness")
    search_fields = ("code", "reference", "applicant_name")
    list_select_related = ("procedure", "reception_centre")
    inlines = [EventInline, PauseInline, SlipInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
