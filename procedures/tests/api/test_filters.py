"""The FilterSet of ``GET /api/procedures/`` (``procedures.api.filters``): its filters are copied lazily and its form
shares its fields, so both are checked as a FilterSet is used outside the views — ``.qs`` — and across requests."""

from __future__ import annotations

from procedures import selectors
from procedures.api.filters import ProcedureFilter
from procedures.models import ProcedureVersion

NONE = ProcedureVersion.objects.none()


def test_the_filterset_still_filters_a_queryset(catalogue):
    filterset = ProcedureFilter({"level": "provincial", "fee": "paid"}, queryset=selectors.versions_in_force())
    assert set(filterset.qs.values_list("procedure__code", flat=True)) == {"1.000894", "1.009994"}
    assert filterset.filters["level"].parent is filterset


def test_forms_sharing_their_fields_validate_independently():
    bad = ProcedureFilter({"level": "district", "q": "x" * 201}, queryset=NONE)
    good = ProcedureFilter({"level": "commune", "q": "khai sinh", "applied": "false"}, queryset=NONE)
    assert not bad.is_valid() and good.is_valid()
    assert set(bad.errors) == {"level", "q"} and not good.errors
    assert good.catalogue_filters() == {"level": "commune", "applied": False}
    assert good.query() == "khai sinh"
    assert bad.form.fields["level"] is good.form.fields["level"]  # shared, not copied
    again = ProcedureFilter({"fee": "cheap"}, queryset=NONE)
    assert not again.is_valid() and set(again.errors) == {"fee"}
    assert not good.errors and good.catalogue_filters() == {"level": "commune", "applied": False}
