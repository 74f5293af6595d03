"""Dossiers are read-only in the admin: state changes go through the services (and are audited)."""

from django.contrib import admin

from dossiers.models import AuditEvent, ControlSlipRow, Dossier, FilingDraft, FilingDraftFile, Pause


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


# --- Online-filing drafts: read-only, for support (the citizen's pages change them; drafts_sweep removes them) ---


class DraftFileInline(ReadOnlyInline):
    model = FilingDraftFile
    fields = ("component", "original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields


@admin.register(FilingDraft)
class FilingDraftAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "procedure_code", "created_at", "updated_at", "submitted_at", "dossier")
    list_filter = ("submitted_at",)
    search_fields = ("procedure_code", "owner__username")
    list_select_related = ("owner", "dossier")
    fields = ("owner", "procedure_code", "procedure_version", "created_at", "updated_at", "submitted_at", "dossier")
    readonly_fields = fields
    inlines = [DraftFileInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
