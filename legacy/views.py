"""The review queue of transitional dossiers (``/can-bo/chuyen-tiep/``): what the import could not decide alone — an
old unit split between several new communes, an old unit not found, a procedure code not in the catalogue — waits here
with its candidates until the province office (every record) or a commune's leader (the records that may be theirs)
chooses. Choosing creates the dossier (``legacy.services.legacy_assign``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communes.models import Commune, ProcessingUnit
from dossiers.selectors import access_for
from dossiers.views.desk.common import desk_view
from legacy.models import LegacyRecord, Review
from legacy.services import legacy_assign
from portal.common.errors import DomainError


def _communes_of(access) -> set[int] | None:
    """The communes whose records ``access`` may settle (``None``: all)."""
    if access.sees_everything:
        return None
    return set(
        ProcessingUnit.objects.filter(pk__in=access.leader_units, commune__isnull=False).values_list(
            "commune_id", flat=True
        )
    )


def _records(access) -> list[LegacyRecord]:
    """The records waiting for review that ``access`` may settle, oldest first (at most 500). The queue is short —
    three old units were split — so a commune's records are picked in Python (JSON containment is not portable)."""
    records = LegacyRecord.objects.filter(dossier__isnull=True).order_by("imported_at", "pk")
    communes = _communes_of(access)
    if communes is None:
        return list(records[:500])
    return [record for record in records.iterator() if communes & set(record.candidates)][:500]


@desk_view
@require_http_methods(["GET", "HEAD", "POST"])
def review_queue(request):
    access = access_for(request.user)
    if not (access.sees_everything or access.leader_units):
        return render(request, "403.html", status=403)
    if request.method == "POST":
        wanted = request.POST.get("record", "")
        record = next((r for r in _records(access) if str(r.pk) == wanted), None)
        if record is None:
            messages.error(request, _("Không tìm thấy hồ sơ cần xem xét này (có thể đã được người khác xử lý)."))
            return redirect("legacy-review")
        try:
            commune = int(request.POST.get("commune") or 0) or None
        except ValueError:
            commune = None
        try:
            dossier = legacy_assign(
                record_id=record.pk,
                actor=request.user,
                commune_id=commune,
                procedure_code=(request.POST.get("procedure") or "").strip(),
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("Đã phân hồ sơ %(code)s.") % {"code": dossier.legacy_code})
        return redirect("legacy-review")
    records = _records(access)
    names = dict(Commune.objects.filter(pk__in={c for r in records for c in r.candidates}).values_list("pk", "name"))
    every = (
        list(Commune.objects.order_by("name").values_list("pk", "name"))
        if any(not r.candidates for r in records)
        else []
    )
    rows = [
        {
            "record": record,
            "reason": Review(record.review).label if record.review else "",
            "candidates": [(pk, names.get(pk, pk)) for pk in record.candidates],
            "row": record.row,
        }
        for record in records
    ]
    return render(request, "legacy/review.html", {"rows": rows, "every": every, "Review": Review})
