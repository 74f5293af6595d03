"""Portfolios in the admin (issue 13, point 4): a leader (a vice-chair, a department head) is given the fields and/or
units they follow; their dashboard and its API open narrowed to them. The aggregates are not edited by hand (they
are recomputed from the dossiers); the refresh mark is shown read-only, with the last rebuild's duration."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from stats.models import Portfolio, Refresh


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["user", "field_names", "unit_names"]
    search_fields = ["user__username", "user__full_name", "fields__name", "units__name"]
    autocomplete_fields = ["user", "fields", "units"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("fields", "units")

    @admin.display(description=_("lĩnh vực"))
    def field_names(self, obj: Portfolio) -> str:
        return ", ".join(item.name for item in obj.fields.all()) or "—"

    @admin.display(description=_("đơn vị"))
    def unit_names(self, obj: Portfolio) -> str:
        return ", ".join(item.name for item in obj.units.all()) or "—"


@admin.register(Refresh)
class RefreshAdmin(admin.ModelAdmin):
    list_display = ["as_of", "rebuilt_at", "rebuild_seconds"]
    readonly_fields = ["as_of", "rebuilt_at", "rebuild_seconds"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
