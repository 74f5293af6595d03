"""Shapes of the public catalogue API (the citizen pages read them: field names are stable).

Every coded value comes with a ``…_label`` in the request's language (Vietnamese by default). Money is integer VND.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property, lru_cache

from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procedures.models import (
    AnnouncingDecision,
    Component,
    CopyKind,
    Level,
    OnlineLevel,
    ProcedureVersion,
    Source,
    TimeUnit,
    VersionChange,
)

HOURS_PER_WORKING_DAY = 8


@lru_cache(maxsize=8)
def _labels_for(language: str | None) -> dict[str, dict[str, str]]:
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (
            ("level", Level),
            ("online_level", OnlineLevel),
            ("source", Source),
            ("time_unit", TimeUnit),
            ("change", VersionChange),
            ("copy_kind", CopyKind),
        )
    }


def labels() -> dict[str, dict[str, str]]:
    """The labels of the coded values in the active language (``get_FOO_display`` is slow on a hot path)."""
    return _labels_for(get_language())


def format_number(value: Decimal | int) -> str:
    """Vietnamese notation: 50.000 and 0,5."""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            value = int(value)
        else:
            return format(value, "f").replace(".", ",")
    return f"{value:,}".replace(",", ".")


def time_of(version: ProcedureVersion, label_of: dict[str, dict[str, str]]) -> dict:
    unit_label = label_of["time_unit"].get(version.time_unit, "") if version.time_unit else ""
    if version.time_value is None or not version.time_unit:
        text = _("Chưa có thông tin")
    else:
        text = f"{format_number(version.time_value)} {unit_label}"
    hours = version.working_hours
    return {
        "value": float(version.time_value) if version.time_value is not None else None,
        "unit": version.time_unit or None,
        "unit_label": unit_label or None,
        "working_hours": hours,
        "working_days": round(hours / HOURS_PER_WORKING_DAY, 2) if hours is not None else None,
        "text": text,
    }


def fee_of(version: ProcedureVersion) -> dict:
    vnd = version.fee_vnd
    if vnd is None:
        text = _("Chưa có thông tin")
    elif vnd == 0:
        text = _("Không mất phí")
    else:
        text = _("%(amount)s đồng") % {"amount": format_number(vnd)}
    return {"vnd": vnd, "is_free": None if vnd is None else vnd == 0, "text": text}


class _TimeSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="Thời hạn theo nguồn")
    unit = serializers.ChoiceField(choices=TimeUnit.choices, allow_null=True)
    unit_label = serializers.CharField(allow_null=True)
    working_hours = serializers.IntegerField(allow_null=True, help_text="Quy đổi ra giờ làm việc")
    working_days = serializers.FloatField(allow_null=True, help_text="Quy đổi ra ngày làm việc (8 giờ)")
    text = serializers.CharField(help_text="Ví dụ: 5 ngày làm việc")


class _FeeSerializer(serializers.Serializer):
    vnd = serializers.IntegerField(allow_null=True, help_text="Đồng; 0 = không mất phí; null = chưa rõ")
    is_free = serializers.BooleanField(allow_null=True)
    text = serializers.CharField()


class _FeeDetailSerializer(_FeeSerializer):
    note = serializers.CharField(help_text="Ghi chú phí, lệ phí theo nguồn")


class _ChannelsSerializer(serializers.Serializer):
    direct = serializers.BooleanField()
    online = serializers.BooleanField()
    post = serializers.BooleanField()


class _FieldSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class _UnitSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class ProcedureListItemSerializer(serializers.Serializer):
    """One line of the search results.

    Written out by hand in ``to_representation`` (the declared fields are the schema): the list is the hot path of
    the catalogue, and this keeps it to one dict per row instead of a field-by-field walk.
    """

    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField()
    field = _FieldSerializer()
    processing_unit = _UnitSerializer(allow_null=True)
    agency_name = serializers.CharField()
    online_level = serializers.CharField()
    online_level_label = serializers.CharField()
    channels = _ChannelsSerializer()
    time = _TimeSerializer()
    fee = _FeeSerializer()
    is_applied = serializers.BooleanField()
    source = serializers.CharField()
    source_label = serializers.CharField()
    effective_from = serializers.DateField()

    def to_representation(self, version: ProcedureVersion) -> dict:
        # The versions of the in-process search index (procedures.search_index) are shared and never change: their
        # line is kept per language (a few microseconds a line instead of ~11).
        memo = getattr(version, "list_item_memo", None)
        if memo is None:
            return self._line(version)
        line = memo.get(self._language)
        if line is None:
            line = memo[self._language] = self._line(version)
        return line

    @cached_property
    def _language(self) -> str | None:
        return get_language()  # one serializer serves one request: asked once, not on every line

    @staticmethod
    def _line(version: ProcedureVersion) -> dict:
        unit = version.processing_unit
        procedure = version.procedure
        label_of = labels()
        return {
            "code": procedure.code,
            "name": version.name,
            "level": version.level,
            "level_label": label_of["level"].get(version.level, version.level),
            "field": {"slug": version.field.slug, "name": version.field.name},
            "processing_unit": {"key": unit.key, "name": unit.name} if unit is not None else None,
            "agency_name": version.agency_name,
            "online_level": version.online_level,
            "online_level_label": label_of["online_level"].get(version.online_level, version.online_level),
            "channels": {
                "direct": version.channel_direct,
                "online": version.channel_online,
                "post": version.channel_post,
            },
            "time": time_of(version, label_of),
            "fee": fee_of(version),
            "is_applied": version.is_applied,
            "source": procedure.source,
            "source_label": label_of["source"].get(procedure.source, procedure.source),
            "effective_from": version.effective_from.isoformat(),
        }


class FacetCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    """The facets of a search (``selectors.CatalogueFacets``). Written out by hand, like the result lines: DRF
    copies the declared fields of a serializer and of its nested serializers for every instance (0.2 ms a search)."""

    field = FacetCountSerializer(many=True)
    level = FacetCountSerializer(many=True)

    def to_representation(self, facets) -> dict:
        return {
            name: [
                {"value": str(count.value), "label": str(count.label), "count": int(count.count)}
                for count in getattr(facets, name)
            ]
            for name in ("field", "level")
        }


class ComponentSerializer(serializers.ModelSerializer):
    """A component of the dossier; ``id`` is what filing sends as ``components[i]`` beside ``documents[i]``."""

    copy_kind_label = serializers.CharField(source="get_copy_kind_display")
    has_template = serializers.SerializerMethodField()
    template_url = serializers.SerializerMethodField()

    class Meta:
        model = Component
        fields = [
            "id",
            "order",
            "name",
            "copy_kind",
            "copy_kind_label",
            "copies",
            "is_required",
            "template_name",
            "has_template",
            "template_url",
        ]

    def get_has_template(self, component: Component) -> bool:
        return bool(component.template)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Tải mẫu đơn, tờ khai; null khi chưa có tệp"))
    def get_template_url(self, component: Component) -> str | None:
        """The blank form's download address (the page ``/thu-tuc/<code>/mau/<id>/``), or ``None`` without a file."""
        if not component.template:
            return None
        return reverse(
            "procedure-template", kwargs={"code": component.version.procedure.code, "component_id": component.pk}
        )


RETURN_METHOD_LABELS = {
    "counter": gettext_lazy("Nhận tại quầy"),
    "post": gettext_lazy("Nhận qua dịch vụ bưu chính công ích"),
    "online": gettext_lazy("Nhận bản điện tử trên cổng"),
}


def return_methods_of(version: ProcedureVersion) -> list[str]:
    """How the result may reach the applicant (``ProcedureVersion.return_methods``: the rule filing checks too)."""
    return version.return_methods()


class _ReturnMethodSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=list(RETURN_METHOD_LABELS), help_text="return_method khi nộp hồ sơ")
    label = serializers.CharField()


class DecisionSerializer(serializers.ModelSerializer):
    decree = serializers.SerializerMethodField()

    class Meta:
        model = AnnouncingDecision
        fields = ["number", "title", "signed_on", "effective_on", "decree"]

    @extend_schema_field(
        {"type": "object", "nullable": True, "properties": {"number": {"type": "string"}, "title": {"type": "string"}}}
    )
    def get_decree(self, decision: AnnouncingDecision) -> dict | None:
        decree = decision.decree
        return {"number": decree.number, "title": decree.title} if decree is not None else None


class _LegalBasisSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()


class _WhereToFileSerializer(serializers.Serializer):
    any_centre = serializers.BooleanField(help_text="Nộp tại bất kỳ trung tâm nào, không phụ thuộc nơi cư trú")
    centres_url = serializers.CharField(help_text="Danh sách trung tâm phục vụ hành chính công")
    channels = serializers.ListField(child=serializers.DictField())
    text = serializers.CharField()


class _WhereProcessedSerializer(serializers.Serializer):
    processing_unit = _UnitSerializer(allow_null=True)
    agency_name = serializers.CharField()
    text = serializers.CharField()


class ProcedureDetailSerializer(ProcedureListItemSerializer):
    """Everything a citizen needs on the procedure page."""

    change = serializers.CharField()
    change_label = serializers.CharField()
    effective_until = serializers.DateField(allow_null=True)
    components = ComponentSerializer(many=True)
    result_document = serializers.CharField()
    legal_basis = _LegalBasisSerializer(many=True)
    decision = DecisionSerializer(allow_null=True)
    where_to_file = _WhereToFileSerializer()
    where_processed = _WhereProcessedSerializer()
    fee = _FeeDetailSerializer()
    return_methods = _ReturnMethodSerializer(many=True, help_text="Cách nhận kết quả mà thủ tục cho phép")

    def to_representation(self, version: ProcedureVersion) -> dict:
        data = super().to_representation(version)
        data["fee"]["note"] = version.fee_note
        data.update(
            {
                "change": version.change,
                "change_label": labels()["change"].get(version.change, version.change),
                "effective_until": version.effective_until.isoformat() if version.effective_until else None,
                "components": ComponentSerializer(version.components.all(), many=True).data,
                "result_document": version.result_document,
                "legal_basis": _legal_basis(version.legal_basis),
                "decision": DecisionSerializer(version.decision).data if version.decision_id else None,
                "where_to_file": _where_to_file(version),
                "where_processed": _where_processed(version, data["processing_unit"]),
                "return_methods": [
                    {"value": m, "label": str(RETURN_METHOD_LABELS[m])} for m in return_methods_of(version)
                ],
            }
        )
        return data


def _legal_basis(value) -> list[dict]:
    items = []
    for item in value or []:
        if isinstance(item, dict):
            items.append({"number": str(item.get("number") or ""), "title": str(item.get("title") or "")})
        elif item:
            items.append({"number": "", "title": str(item)})
    return items


def _where_to_file(version: ProcedureVersion) -> dict:
    channels = []
    if version.channel_direct:
        channels.append(
            {
                "value": "direct",
                "label": _("Trực tiếp tại bất kỳ Trung tâm Phục vụ hành chính công nào trong tỉnh"),
            }
        )
    if version.channel_online:
        channels.append({"value": "online", "label": _("Trực tuyến trên Cổng dịch vụ công")})
    if version.channel_post:
        channels.append({"value": "post", "label": _("Qua dịch vụ bưu chính công ích")})
    return {
        "any_centre": True,
        "centres_url": "/api/centres/",
        "channels": channels,
        "text": _(
            "Có thể nộp hồ sơ tại bất kỳ Trung tâm Phục vụ hành chính công nào (cấp tỉnh, chi nhánh hoặc cấp xã), "
            "không phụ thuộc nơi cư trú."
        ),
    }


def _where_processed(version: ProcedureVersion, unit: dict | None) -> dict:
    if unit is not None:
        text = unit["name"]
    elif version.level == Level.COMMUNE:
        text = _("Ủy ban nhân dân xã, phường có thẩm quyền giải quyết")
    else:
        text = version.agency_name or _("Chưa có thông tin")
    return {"processing_unit": unit, "agency_name": version.agency_name, "text": text}


class ProcedureFieldSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Số thủ tục đang có hiệu lực")
    by_level = serializers.DictField(child=serializers.IntegerField(), help_text="Theo cấp: provincial, commune")


class _CountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class _FieldCountSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class _DecisionCountSerializer(serializers.Serializer):
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    signed_on = serializers.DateField(allow_null=True)
    effective_on = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()


class _AppliedSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    not_applied = serializers.IntegerField()


class CatalogueStatsSerializer(serializers.Serializer):
    on = serializers.DateField()
    total = serializers.IntegerField()
    by_level = _CountSerializer(many=True)
    by_field = _FieldCountSerializer(many=True)
    by_decision = _DecisionCountSerializer(many=True)
    by_source = _CountSerializer(many=True)
    by_online_level = _CountSerializer(many=True)
    applied = _AppliedSerializer()
