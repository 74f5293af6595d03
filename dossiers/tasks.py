"""Side effects of dossier actions, scheduled after commit. Thin and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: Actions the applicant is told about by e-mail (when they gave an address).
NOTIFIED = {
    "file": _("Hồ sơ đã được gửi, chờ tiếp nhận"),
    "receive": _("Hồ sơ đã được tiếp nhận"),
    "receive_at_counter": _("Hồ sơ đã được tiếp nhận"),
    "refuse": _("Hồ sơ không được tiếp nhận"),
    "request_supplement": _("Yêu cầu bổ sung hồ sơ"),
    "request_payment": _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "stop": _("Dừng xử lý hồ sơ"),
    "decide": _("Hồ sơ đã có kết quả"),
    "extend": _("Thư xin lỗi và hẹn lại ngày trả kết quả"),
}


@shared_task(name="dossiers.notify", ignore_result=True)
def dossier_notify(dossier_id: int, action: str) -> None:
    from dossiers.models import Dossier

    subject = NOTIFIED.get(action)
    if subject is None:
        return
    dossier = Dossier.objects.filter(pk=dossier_id).only("code", "reference", "applicant_email", "state").first()
    if dossier is None or not dossier.applicant_email:
        return
    reference = dossier.code or dossier.reference
    send_mail(
        f"[{reference}] {subject}",
        _("Hồ sơ %(reference)s: %(state)s.") % {"reference": reference, "state": dossier.get_state_display()},
        None,
        [dossier.applicant_email],
        fail_silently=False,
    )
    logger.info("notified dossier %s of %s", dossier_id, action)
