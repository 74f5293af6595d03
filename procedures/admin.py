from procedures import admin_calendar  # noqa: F401  (working sessions and calendar exceptions)

# --- The catalogue (DOMAIN.md §2): procedures, their versions and components, fields, decisions, decrees -------
# The admin edits everything, including adding a procedure by hand; forms apply the same rules as the importer
# (procedures/importing/validation.py). After versions change, each version is closed where the next begins.

# isort: split
from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.common.text import fold, nfc
from procedures.importing.validation import time_problem
from procedures.models import (
    AnnouncingDecision,
    Component,
    Decree,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    Source,
)
from procedures.services import procedure_version_periods_sync
from procedures.worktime import whole_working_hours


class ProcedureVersionForm(forms.ModelForm):
    """A version with the catalogue's rules: time value and unit together, working hours consistent with the
    unit, a period that ends after it starts, a processing unit exactly for provincial procedures, an online
    level that matches the online channel, and a legal basis as a list of {number, title}."""

    class Meta:
        model = ProcedureVersion
        fields = (
            "procedure",
            "name",
            "field",
            "level",
            "processing_unit",
            "agency_name",
            "change",
            "decision",
            "effective_from",
            "effective_until",
            "time_value",
            "time_unit",
            "working_hours",
            "fee_vnd",
            "fee_note",
            "channel_direct",
            "channel_online",
            "channel_post",
            "online_level",
            "result_document",
            "legal_basis",
            "is_applied",
        )

    def clean_name(self):
        return nfc(self.cleaned_data["name"])

    def clean_legal_basis(self):
        value = self.cleaned_data.get("legal_basis") or []
        if not isinstance(value, list) or not all(isinstance(item, dict) and item.get("number") for item in value):
            raise forms.ValidationError(_('Căn cứ pháp lý phải là danh sách các mục {"number": …, "title": …}.'))
        return value

    def clean(self):
        data = super().clean()
        errors: dict[str, str] = {}
        value, unit = data.get("time_value"), data.get("time_unit") or ""
        problem = time_problem(value, unit)
        if problem:
            errors["time_value"] = problem
        else:
            expected = whole_working_hours(time_value=value, time_unit=unit)
            hours = data.get("working_hours")
            if unit in {"working_days", "working_hours"}:
                if hours is None:
                    data["working_hours"] = expected
                elif hours != expected:
                    errors["working_hours"] = _("Không khớp với thời hạn: %(value)s giờ làm việc.") % {
                        "value": expected
                    }
            elif hours is not None:
                errors["working_hours"] = _("Thời hạn theo ngày lịch hoặc tháng không quy đổi ra giờ làm việc.")
        fee = data.get("fee_vnd")
        if fee is not None and fee < 0:
            errors["fee_vnd"] = _("Phí, lệ phí không được âm.")
        start, end = data.get("effective_from"), data.get("effective_until")
        if start and end and end <= start:
            errors["effective_until"] = _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")
        level, unit_row = data.get("level"), data.get("processing_unit")
        if level == Level.PROVINCIAL and unit_row is None:
            errors["processing_unit"] = _("Thủ tục cấp tỉnh phải có cơ quan giải quyết.")
        if level == Level.PROVINCIAL and unit_row is not None and unit_row.kind == "commune_committee":
            errors["processing_unit"] = _("Thủ tục cấp tỉnh do sở, ngành cấp tỉnh giải quyết.")
        if level == Level.COMMUNE and unit_row is not None:
            errors["processing_unit"] = _("Để trống với thủ tục cấp xã: UBND xã, phường nơi giải quyết hồ sơ.")
        if not (data.get("channel_direct") or data.get("channel_online") or data.get("channel_post")):
            errors["channel_direct"] = _("Cần ít nhất một cách thức nộp hồ sơ.")
        online_level = data.get("online_level")
        if online_level and (online_level != OnlineLevel.NONE) != bool(data.get("channel_online")):
            errors["online_level"] = _("Mức độ toàn trình hoặc một phần khi và chỉ khi có nộp trực tuyến.")
        if errors:
            raise forms.ValidationError(errors)
        return data


def _prepare(version: ProcedureVersion) -> None:
    version.name_folded = fold(version.name)


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0
    fields = ("order", "name", "copy_kind", "copies", "template", "template_name", "is_required")


class ProcedureVersionInline(admin.StackedInline):
    model = ProcedureVersion
    form = ProcedureVersionForm
    extra = 0
    show_change_link = True
    autocomplete_fields = ("field", "decision", "processing_unit")
    fields = (
        ("name",),
        ("field", "level", "processing_unit"),
        ("change", "decision", "effective_from", "effective_until"),
        ("time_value", "time_unit", "working_hours"),
        ("fee_vnd", "fee_note"),
        ("channel_direct", "channel_online", "channel_post", "online_level"),
        ("is_applied",),
    )


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "current_name", "current_level", "source", "is_illustrative")
    list_filter = ("source", "versions__level", "versions__online_level", "versions__is_applied")
    search_fields = ("code", "versions__name", "versions__name_folded")
    inlines = [ProcedureVersionInline]

    @admin.display(description=_("tên thủ tục"))
    def current_name(self, obj: Procedure) -> str:
        version = obj.versions.order_by("-effective_from").first()
        return version.name if version else "—"

    @admin.display(description=_("cấp thực hiện"))
    def current_level(self, obj: Procedure) -> str:
        version = obj.versions.order_by("-effective_from").first()
        return version.get_level_display() if version else "—"

    @admin.display(description=_("minh họa"), boolean=True)
    def is_illustrative(self, obj: Procedure) -> bool:
        return obj.source == Source.ILLUSTRATIVE

    def get_search_results(self, request, queryset, search_term):
        """Also match the name without diacritics ("dang ky khai sinh" finds "Đăng ký khai sinh")."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results |= queryset.filter(versions__name_folded__contains=fold(search_term))
            duplicates = True
        return results, duplicates

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            for version in formset.save(commit=False):
                _prepare(version)
                version.save()
            for version in formset.deleted_objects:
                version.delete()
            formset.save_m2m()
            procedure_version_periods_sync(procedure=form.instance)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = ProcedureVersionForm
    list_display = (
        "procedure",
        "name",
        "level",
        "field",
        "source",
        "effective_from",
        "effective_until",
        "change",
        "online_level",
        "is_applied",
    )
    list_filter = ("level", "procedure__source", "is_applied", "online_level", "change", "field")
    list_select_related = ("procedure", "field")
    search_fields = ("procedure__code", "name", "name_folded")
    autocomplete_fields = ("procedure", "field", "decision", "processing_unit")
    date_hierarchy = "effective_from"
    inlines = [ComponentInline]
    fieldsets = (
        (None, {"fields": ("procedure", "name", "field", "level", "processing_unit", "agency_name")}),
        (_("Hiệu lực"), {"fields": ("change", "decision", "effective_from", "effective_until")}),
        (_("Thời hạn, phí"), {"fields": ("time_value", "time_unit", "working_hours", "fee_vnd", "fee_note")}),
        (
            _("Cách thức thực hiện"),
            {"fields": ("channel_direct", "channel_online", "channel_post", "online_level", "is_applied")},
        ),
        (_("Kết quả, căn cứ"), {"fields": ("result_document", "legal_basis")}),
    )

    @admin.display(description=_("nguồn dữ liệu"), ordering="procedure__source")
    def source(self, obj: ProcedureVersion) -> str:
        return obj.procedure.get_source_display()

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results |= queryset.filter(name_folded__contains=fold(search_term))
        return results, duplicates

    def save_model(self, request, obj, form, change):
        _prepare(obj)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            procedure_version_periods_sync(procedure=obj.procedure)


@admin.register(ProcedureField)
class ProcedureFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "name_folded")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        obj.name_folded = fold(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Decree)
class DecreeAdmin(admin.ModelAdmin):
    list_display = ("number", "title")
    search_fields = ("number", "title")


@admin.register(AnnouncingDecision)
class AnnouncingDecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "signed_on", "effective_on", "decree")
    list_filter = ("decree",)
    search_fields = ("number", "title")
    autocomplete_fields = ("decree",)
