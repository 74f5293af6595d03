"""The review queue of transitional dossiers (``/can-bo/chuyen-tiep/``): what the import could not decide alone — an
old unit split between several new communes, an old unit not found, a procedure code not in the catalogue — waits here
with its candidates until the province office (every record) or a commune's leader (the records that may be theirs)
chooses. Choosing creates the dossier (``legacy.services.legacy_assign``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossiers.selectors import access_for
from dossiers.views.desk.common import desk_view
from legacy.models import Review
from legacy.selectors import commune_names, review_records
from legacy.services import legacy_assign
from portal.common.errors import DomainError


@desk_view
@require_http_methods(["GET", "HEAD", "POST"])
def review_queue(request):
    access = access_for(request.user)
    if not (access.sees_everything or access.leader_units):
        return render(request, "403.html", status=403)
    if request.method == "POST":
        wanted = request.POST.get("record", "")
        record = next((r for r in review_records(access) if str(r.pk) == wanted), None)
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
    records = review_records(access)
    names, every = commune_names(records)
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
