"""Query parameters of ``GET /api/procedures/``: parsed and validated here, applied by the selectors.

The conditions themselves live in ``procedures.selectors.catalogue_filter_q`` so that the facet counts can apply
"every filter but one"; this FilterSet gives the parameters their validation (a bad value is a 400) and their
OpenAPI description.
"""

import copy
from functools import cached_property

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from procedures import selectors
from procedures.models import Level, OnlineLevel, Source
from procedures.search import MAX_QUERY_LENGTH

CHANNEL_CHOICES = [
    ("direct", _("Trực tiếp")),
    ("online", _("Trực tuyến")),
    ("post", _("Qua bưu chính")),
]
FEE_CHOICES = [
    ("free", _("Không mất phí")),
    ("paid", _("Có phí, lệ phí")),
]


def _shared_fields(form_class: type[forms.Form]) -> type[forms.Form]:
    """``form_class`` whose instances share its fields instead of deep-copying them.

    A form deep-copies its fields on every instantiation, so that one form may change its own (a per-request
    queryset, choices, a widget attribute). These fields are static choices and lengths that nothing changes after
    the class is built, and the copy (choices, widgets, validators, error messages: some 400 objects) was a third
    of a millisecond — a sixth of an uncached search request (bench/catalogue_search.py)."""

    class SharedFieldsForm(form_class):
        def __init__(self, *args, **kwargs):
            self.base_fields = {}  # what BaseForm.__init__ deep-copies: nothing
            super().__init__(*args, **kwargs)
            del self.base_fields
            self.fields = dict(form_class.base_fields)

    SharedFieldsForm.__name__ = SharedFieldsForm.__qualname__ = form_class.__name__
    return SharedFieldsForm


class ProcedureFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_noop",
        max_length=MAX_QUERY_LENGTH,
        label=_("Tên hoặc mã thủ tục, có hoặc không dấu"),
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, method="filter_catalogue", label=_("Cấp thực hiện"))
    field = django_filters.CharFilter(method="filter_catalogue", max_length=120, label=_("Lĩnh vực (mã)"))
    processing_unit = django_filters.CharFilter(
        method="filter_catalogue", max_length=60, label=_("Cơ quan giải quyết (khóa)")
    )
    online_level = django_filters.ChoiceFilter(
        choices=OnlineLevel.choices, method="filter_catalogue", label=_("Mức độ trực tuyến")
    )
    channel = django_filters.ChoiceFilter(choices=CHANNEL_CHOICES, method="filter_catalogue", label=_("Cách nộp"))
    fee = django_filters.ChoiceFilter(choices=FEE_CHOICES, method="filter_catalogue", label=_("Phí, lệ phí"))
    applied = django_filters.BooleanFilter(method="filter_catalogue", label=_("Có phát sinh hồ sơ"))
    source = django_filters.ChoiceFilter(choices=Source.choices, method="filter_catalogue", label=_("Nguồn dữ liệu"))

    FILTERS = ("level", "field", "processing_unit", "online_level", "channel", "fee", "applied", "source")

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # FilterSet.__init__ deep-copies every filter (choices, labels, methods) for ``.qs``; the views only validate
        # the parameters (the selectors apply them), and the copy cost about as much as an uncached search itself
        # (~0.2 ms, bench/catalogue_search.py): the filters are copied when ``.qs`` or the form class first needs them.
        self.base_filters = {}  # what FilterSet.__init__ deep-copies into self.filters: nothing
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters, self.filters  # self.filters: from now on the cached property below

    @cached_property
    def filters(self) -> dict:
        filters = copy.deepcopy(type(self).base_filters)
        for filter_ in filters.values():  # as FilterSet.__init__ does
            filter_.model = self.queryset.model
            filter_.parent = self
        return filters

    def get_form_class(self):
        # The fields are static (no per-request querysets): build the form class once, not on every request.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = _shared_fields(super().get_form_class())
        return cls._form_class

    def filter_noop(self, queryset, name, value):
        return queryset  # the search itself is run by procedures.selectors.procedure_search

    def filter_catalogue(self, queryset, name, value):
        return queryset.filter(selectors.catalogue_filter_q(name, value))

    def catalogue_filters(self) -> dict:
        """The filters that were given, as ``{name: value}`` (call after ``is_valid()``)."""
        data = self.form.cleaned_data
        return {name: data[name] for name in self.FILTERS if data.get(name) not in (None, "")}

    def query(self) -> str:
        return self.form.cleaned_data.get("q") or ""
