from django.contrib import admin

from communes.models import Commune, FormerUnit, FormerUnitMapping, ProcessingUnit, ServiceCentre


class MappingInline(admin.TabularInline):
    model = FormerUnitMapping
    extra = 0
    autocomplete_fields = ["former_unit", "commune"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "former_province")
    list_filter = ("kind", "former_province")
    search_fields = ("code", "name", "name_folded")
    readonly_fields = ("code", "name", "kind", "slug", "former_province", "converter_code")
    inlines = [MappingInline]


@admin.register(FormerUnit)
class FormerUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "district_name", "former_province", "code")
    list_filter = ("former_province",)
    search_fields = ("name", "name_folded", "district_name", "code")
    readonly_fields = ("code", "name", "district_name", "district_code", "former_province")


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "agency_code", "is_placeholder", "phone")
    list_filter = ("kind", "former_province", "is_placeholder")
    search_fields = ("name", "agency_code")
    readonly_fields = ("key", "kind", "commune", "parent")


@admin.register(ProcessingUnit)
class ProcessingUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active", "order")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "key")
