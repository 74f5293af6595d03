"""Transitional dossiers (issue 14): each dossier brought in from an old system keeps a record here — the system and
its code there, what the last export said (a fingerprint, to skip an unchanged row fast), whether it still waits for
the province office to choose its commune or its procedure, and whether a clerk has taken it over here (after which
the old system's exports are ignored).

The dossier itself is an ordinary ``dossiers.Dossier`` (``legacy_code`` set): every list, queue, reminder and lookup
treats it like any other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.common.models import TimeStampedModel


class System(models.TextChoices):
    PHU_THO = "phu-tho", _("Hệ thống một cửa Phú Thọ (cũ)")
    VINH_PHUC = "vinh-phuc", _("Hệ thống một cửa Vĩnh Phúc (cũ)")
    HOA_BINH = "hoa-binh", _("Hệ thống một cửa Hòa Bình (cũ)")


class Review(models.TextChoices):
    NONE = "", _("Không cần")
    COMMUNE = "commune", _("Đơn vị cũ chia cho nhiều xã, phường mới: chọn xã, phường")
    UNMAPPED = "unmapped", _("Không tìm được đơn vị cũ: chọn xã, phường")
    PROCEDURE = "procedure", _("Mã thủ tục không có trong danh mục: chọn thủ tục")


class LegacyRecord(TimeStampedModel):
    system = models.CharField(_("hệ thống cũ"), max_length=12, choices=System.choices)
    legacy_code = models.CharField(_("mã hồ sơ hệ thống cũ"), max_length=60)
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True, related_name="legacy_record"
    )
    #: the normalised row of an export waiting for review (empty once the dossier exists: the dossier holds it)
    row = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    old_status = models.CharField(_("trạng thái ở hệ thống cũ"), max_length=120, blank=True)
    review = models.CharField(_("cần xem xét"), max_length=12, choices=Review.choices, blank=True, db_index=True)
    #: the new communes an old unit was split between (ids), for the review queue
    candidates = models.JSONField(default=list, blank=True)
    procedure_flag = models.CharField(_("ghi chú thủ tục"), max_length=12, blank=True)  # "abolished" | "unknown"
    due_recomputed = models.BooleanField(_("hạn trả tính lại"), default=False)
    taken_over_at = models.DateTimeField(_("tiếp tục xử lý trên hệ thống mới từ"), null=True, blank=True)
    ignored_exports = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = _("hồ sơ chuyển tiếp")
        verbose_name_plural = _("hồ sơ chuyển tiếp")
        constraints = [models.UniqueConstraint(fields=["system", "legacy_code"], name="uniq_legacy_code_per_system")]

    def __str__(self) -> str:
        return f"{self.system}: {self.legacy_code}"
