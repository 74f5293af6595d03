"""Dossier API shapes. Input serializers only check types; the services check the domain rules."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dossiers.models import (
    AuditEvent,
    Channel,
    ControlSlipRow,
    Document,
    DocumentKind,
    Dossier,
    Outcome,
    Pause,
    Rating,
    ReceivedComponent,
    ReturnMethod,
)
from dossiers.selectors import access_for, roles_on
from dossiers.slips.context import FORMS, available_forms
from dossiers.workflow import NATIONAL_STATUS_LABELS, allowed_actions
from portal.common.serializers import PortalModelSerializer
from portal.common.text import nfc

# --- input -----------------------------------------------------------------------------------------------


class NfcCharField(serializers.CharField):
    """Free text, NFC-normalised before its length is checked: the limit counts the characters that are stored
    (an NFD "ễ" is three code points, so a valid Vietnamese name typed in NFD would otherwise be refused)."""

    default_error_messages = {"max_length": _("Tối đa {max_length} ký tự.")}

    def to_internal_value(self, data):
        return nfc(super().to_internal_value(data))


class ApplicantInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "organisation"], default="person")
    name = NfcCharField(max_length=200)
    id_number = serializers.CharField(max_length=20, help_text="CCCD 12 chữ số, hoặc mã số thuế với tổ chức")
    phone = serializers.CharField(max_length=20)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = NfcCharField(max_length=300, required=False, allow_blank=True)
    organisation_name = NfcCharField(max_length=300, required=False, allow_blank=True)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """An uploaded file (a ``multipart/form-data`` part); its content is checked by ``dossiers.documents``."""

    def __init__(self, **kwargs):
        super().__init__(allow_empty_file=True, **kwargs)


class PaperComponentInSerializer(serializers.Serializer):
    component = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Mã thành phần hồ sơ; trống: giấy tờ khác"
    )
    name = NfcCharField(max_length=500, required=False, allow_blank=True, help_text="Mặc định: tên thành phần")
    copy_kind = serializers.ChoiceField(choices=["original", "copy"], required=False)
    count = serializers.IntegerField(min_value=1, max_value=99, required=False)


class DossierCreateSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=30, help_text="Mã thủ tục, ví dụ 1.001193")
    applicant = ApplicantInSerializer()
    reception_centre = serializers.CharField(max_length=20, help_text="Mã cơ quan tiếp nhận (agency_code)")
    return_centre = serializers.CharField(max_length=20, required=False, allow_blank=True)
    return_method = serializers.ChoiceField(
        choices=ReturnMethod.choices,
        default=ReturnMethod.COUNTER,
        help_text="Cách nhận kết quả: tại quầy của return_centre; qua bưu chính (cần return_address); trực tuyến "
        "(chỉ thủ tục toàn trình — xem return_methods của thủ tục)",
    )
    return_address = NfcCharField(
        max_length=300, required=False, allow_blank=True, help_text="Địa chỉ nhận kết quả qua bưu chính"
    )
    commune = serializers.CharField(
        max_length=5, required=False, allow_blank=True, help_text="Mã xã giải quyết (thủ tục cấp xã)"
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ONLINE)
    paper_components = PaperComponentInSerializer(
        many=True,
        required=False,
        max_length=100,
        help_text="Tiếp nhận tại quầy (channel direct): giấy tờ nhận bản giấy, như mẫu 01",
    )


class DossierFilingFormSerializer(DossierCreateSerializer):
    """Filing as ``multipart/form-data``: the same fields (``applicant`` and ``paper_components`` as JSON parts, or
    ``applicant.name``, ``applicant.id_number``… as separate parts), plus the files. ``components[i]`` and
    ``original_scans[i]`` describe ``documents[i]``."""

    documents = serializers.ListField(child=UploadField(), required=False, default=list, help_text="PDF, JPEG, PNG")
    components = serializers.ListField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        required=False,
        default=list,
        help_text='Mã thành phần hồ sơ của từng tệp; "other" (hoặc để trống): giấy tờ khác',
    )
    original_scans = serializers.ListField(
        child=serializers.BooleanField(),
        required=False,
        default=list,
        help_text="Từng tệp: true nếu scan từ bản chính",
    )


class DocumentUploadSerializer(serializers.Serializer):
    file = UploadField(help_text="PDF, JPEG hoặc PNG; tối đa 10 MB một tệp")
    component = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Mã thành phần hồ sơ; trống: giấy tờ khác"
    )
    is_original_scan = serializers.BooleanField(required=False, default=False)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, default=DocumentKind.COMPONENT)


class PaperComponentsSerializer(serializers.Serializer):
    items = PaperComponentInSerializer(many=True, allow_empty=False, max_length=100)


class ReasonSerializer(serializers.Serializer):
    reason = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")


class NoteSerializer(serializers.Serializer):
    note = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")


class AssignSerializer(serializers.Serializer):
    handler = serializers.IntegerField(min_value=1)


class RequestSupplementSerializer(serializers.Serializer):
    reason = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")
    missing_components = serializers.ListField(
        child=NfcCharField(max_length=500), allow_empty=True, max_length=50, default=list
    )


class RequestPaymentSerializer(serializers.Serializer):
    amount_vnd = serializers.IntegerField(min_value=1, max_value=10**12)
    note = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")


class ConfirmPaymentSerializer(serializers.Serializer):
    paid_online = serializers.BooleanField(default=False)


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    result_document = NfcCharField(max_length=500, allow_blank=True, required=False, default="")
    reason = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")


class ExtendSerializer(serializers.Serializer):
    reason = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")
    new_due_at = serializers.DateTimeField()


class RateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = NfcCharField(max_length=2000, allow_blank=True, required=False, default="")


# --- output ----------------------------------------------------------------------------------------------


class DossierListSerializer(PortalModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    status_label = serializers.SerializerMethodField()
    procedure = serializers.CharField(source="procedure.code", read_only=True)
    procedure_name = serializers.CharField(source="procedure_version.name", read_only=True)
    field = serializers.CharField(source="field.name", read_only=True)
    reception_centre = serializers.CharField(source="reception_centre.agency_code", read_only=True)
    return_centre = serializers.CharField(source="return_centre.agency_code", read_only=True)
    return_method_label = serializers.CharField(source="get_return_method_display", read_only=True)
    processing_unit = serializers.CharField(source="processing_unit.key", read_only=True)
    processing_unit_name = serializers.CharField(source="processing_unit.name", read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "id",
            "code",
            "reference",
            "version",
            "state",
            "state_label",
            "status_code",
            "status_label",
            "channel",
            "level",
            "procedure",
            "procedure_name",
            "field",
            "applicant_name",
            "reception_centre",
            "return_centre",
            "return_method",
            "return_method_label",
            "processing_unit",
            "processing_unit_name",
            "filed_at",
            "received_at",
            "due_at",
            "extended_due_at",
            "finished_at",
            "returned_at",
            "supplement_count",
            "timeliness",
        ]

    def get_status_label(self, obj) -> str:
        return str(NATIONAL_STATUS_LABELS[obj.status_code])


class AuditEventSerializer(PortalModelSerializer):
    actor = serializers.CharField(source="actor.__str__", default=None, read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor", "actor_role", "action", "from_state", "to_state", "reason", "payload"]


class PauseSerializer(PortalModelSerializer):
    class Meta:
        model = Pause
        fields = ["started_at", "ended_at", "remaining_seconds", "reason", "missing_components"]


class ControlSlipRowSerializer(PortalModelSerializer):
    actor = serializers.CharField(source="actor.__str__", default=None, read_only=True, allow_null=True)

    class Meta:
        model = ControlSlipRow
        fields = [
            "step",
            "from_unit",
            "to_unit",
            "handed_at",
            "received_at",
            "allowed_until",
            "actor",
            "timeliness",
            "note",
        ]


class SlipLinkSerializer(serializers.Serializer):
    """A printed form whose step has happened (forms 01–06 of Circular 03/2025/TT-VPCP)."""

    form = serializers.CharField(help_text="01 … 06")
    title = serializers.CharField()
    pdf = serializers.CharField(help_text="GET: the PDF")
    html = serializers.CharField(help_text="GET: the printable page (A4)")


class DocumentSerializer(PortalModelSerializer):
    """A stored file: never its storage address, only the scoped, audited download."""

    component = serializers.IntegerField(source="component_id", read_only=True, allow_null=True)
    component_name = serializers.CharField(source="component.name", default=None, read_only=True, allow_null=True)
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.__str__", default=None, read_only=True, allow_null=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "component",
            "component_name",
            "name",
            "content_type",
            "size",
            "sha256",
            "is_original_scan",
            "uploaded_by",
            "uploaded_at",
            "download",
        ]

    def get_download(self, obj) -> str:
        return reverse("dossier-document-download", kwargs={"id": obj.dossier_id, "document_id": obj.pk})


class ReceivedComponentSerializer(PortalModelSerializer):
    component = serializers.IntegerField(source="component_id", read_only=True, allow_null=True)
    received_by = serializers.CharField(source="received_by.__str__", read_only=True)

    class Meta:
        model = ReceivedComponent
        fields = ["id", "component", "name", "copy_kind", "count", "received_by", "received_at"]


class DossierDetailSerializer(DossierListSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    paper_components = ReceivedComponentSerializer(many=True, read_only=True)
    events = AuditEventSerializer(many=True, read_only=True)
    pauses = PauseSerializer(many=True, read_only=True)
    control_slip = ControlSlipRowSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    slips = serializers.SerializerMethodField()
    handler = serializers.IntegerField(source="handler_id", read_only=True, allow_null=True)

    class Meta(DossierListSerializer.Meta):
        fields = [
            *DossierListSerializer.Meta.fields,
            "applicant_kind",
            "applicant_id_number",
            "applicant_phone",
            "applicant_email",
            "applicant_address",
            "organisation_name",
            "return_address",
            "handler",
            "paused_at",
            "remaining_seconds",
            "extension_count",
            "outcome",
            "result_document",
            "closing_reason",
            "fee_vnd",
            "paid_at",
            "paid_online",
            "rating",
            "rating_comment",
            "events",
            "pauses",
            "control_slip",
            "allowed_actions",
            "slips",
            "documents",
            "paper_components",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [action.value for action in allowed_actions(obj.state, roles_on(access_for(request.user), obj))]

    @extend_schema_field(SlipLinkSerializer(many=True))
    def get_slips(self, obj) -> list[dict]:
        return [
            {
                "form": form,
                "title": str(FORMS[form].title),
                "pdf": reverse("dossier-slip-pdf", kwargs={"id": obj.pk, "form": form}),
                "html": reverse("dossier-slip-html", kwargs={"id": obj.pk, "form": form}),
            }
            for form in available_forms(obj)
        ]
