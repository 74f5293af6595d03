import django_filters
from django.utils.translation import gettext_lazy as _

from communes.models import CommuneKind, FormerProvince
from portal.common.text import fold


class CommuneFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CommuneKind.choices, label=_("Loại (xa / phuong)"))
    former_province = django_filters.ChoiceFilter(choices=FormerProvince.choices, label=_("Tỉnh cũ"))
    search = django_filters.CharFilter(method="filter_search", label=_("Tên (có hoặc không dấu)"), max_length=100)

    def filter_search(self, queryset, name, value):
        return queryset.filter(name_folded__contains=fold(value))
