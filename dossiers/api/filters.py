from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from dossiers.models import Channel, Dossier, StateChoices, Timeliness
from dossiers.selectors import access_for
from dossiers.workflow import FINISHED_STATES


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, as UTC: Python accepts offsets up to ±24 h, PostgreSQL only to ±15:59 (a moment with
    another offset is the same instant in UTC); one that leaves the calendar in UTC is invalid, never a 500."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Thời điểm không hợp lệ."), code="invalid") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class DossierFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=StateChoices.choices, label=_("Trạng thái"))
    status_code = django_filters.NumberFilter(label=_("Mã trạng thái quốc gia (1–10)"))
    centre = django_filters.CharFilter(method="filter_centre", label=_("Trung tâm (mã cơ quan) tiếp nhận hoặc trả"))
    reception_centre = django_filters.CharFilter(field_name="reception_centre__agency_code")
    processing_unit = django_filters.CharFilter(field_name="processing_unit__key", label=_("Đơn vị xử lý (khóa)"))
    procedure = django_filters.CharFilter(field_name="procedure__code", label=_("Mã thủ tục"))
    field = django_filters.CharFilter(field_name="field__slug", label=_("Lĩnh vực"))
    level = django_filters.CharFilter(field_name="level")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    received_after = MomentFilter(field_name="received_at", lookup_expr="gte")
    received_before = MomentFilter(field_name="received_at", lookup_expr="lt")
    due_before = MomentFilter(field_name="due_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Quá hạn, chưa hoàn thành"))
    timeliness = django_filters.ChoiceFilter(choices=Timeliness.choices)
    applicant_id_number = django_filters.CharFilter(method="filter_applicant", label=_("Số định danh người nộp"))
    ordering = django_filters.OrderingFilter(
        fields=("filed_at", "received_at", "due_at", "finished_at", "code"),
    )

    class Meta:
        model = Dossier
        fields: list[str] = []

    def filter_centre(self, queryset, name, value):
        return queryset.filter(Q(reception_centre__agency_code=value) | Q(return_centre__agency_code=value))

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        finished = [state.value for state in FINISHED_STATES]
        overdue = Q(due_at__lt=now, paused_at__isnull=True) & ~Q(state__in=finished)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_applicant(self, queryset, name, value):
        # staff only: a citizen's scope is already their own dossiers; the filter must not become a probe
        if not access_for(self.request.user).is_staff_member:
            return queryset
        return queryset.filter(applicant_id_number="".join(value.split()))
