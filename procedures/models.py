"""The procedure catalogue (DOMAIN.md §2) and the working-time calendar's editable parts (DOMAIN.md §4).

A ``Procedure`` is the identity (national code, source); its content lives in ``ProcedureVersion`` rows, one per
announcing decision that introduced, amended or abolished it, each in force from ``effective_from`` until the
next version's ``effective_from``. Dossiers pin the version they were received under.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.common.models import TimeStampedModel


class Level(models.TextChoices):
    PROVINCIAL = "provincial", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Source(models.TextChoices):
    NATIONAL_DB = "national-db", _("Cơ sở dữ liệu quốc gia về TTHC")
    ILLUSTRATIVE = "illustrative", _("Minh họa (chưa có dữ liệu thật)")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    CALENDAR_DAYS = "days", _("ngày")
    MONTHS = "months", _("tháng")


class VersionChange(models.TextChoices):
    NEW = "new", _("Ban hành mới")
    AMENDED = "amended", _("Sửa đổi, bổ sung")
    ABOLISHED = "abolished", _("Bãi bỏ")


class CopyKind(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    COPY = "copy", _("Bản sao")
    EITHER = "either", _("Bản chính hoặc bản sao")


class ProcedureField(models.Model):
    """Lĩnh vực: Hộ tịch, Chứng thực, Đất đai, …"""

    slug = models.SlugField(_("mã"), max_length=120, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200, unique=True)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class Decree(models.Model):
    """A government decree (nghị định) that announcing decisions implement."""

    number = models.CharField(_("số hiệu"), max_length=60, unique=True)
    title = models.CharField(_("trích yếu"), max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("nghị định")
        verbose_name_plural = _("nghị định")

    def __str__(self) -> str:
        return self.number


class AnnouncingDecision(models.Model):
    """Quyết định công bố: the decision that announces (or amends, abolishes) procedures."""

    number = models.CharField(_("số quyết định"), max_length=60, unique=True)
    title = models.CharField(_("trích yếu"), max_length=500, blank=True)
    signed_on = models.DateField(_("ngày ký"), null=True, blank=True)
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    decree = models.ForeignKey(
        Decree,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("nghị định"),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("quyết định công bố")
        verbose_name_plural = _("quyết định công bố")

    def __str__(self) -> str:
        return self.number


class Procedure(TimeStampedModel):
    code = models.CharField(_("mã thủ tục"), max_length=30, unique=True)
    source = models.CharField(_("nguồn dữ liệu"), max_length=20, choices=Source.choices, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(TimeStampedModel):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    decision = models.ForeignKey(
        AnnouncingDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name=_("quyết định công bố"),
    )
    change = models.CharField(_("loại thay đổi"), max_length=12, choices=VersionChange.choices, default="new")
    effective_from = models.DateField(_("hiệu lực từ"), db_index=True)
    effective_until = models.DateField(
        _("hết hiệu lực từ"), null=True, blank=True, help_text=_("Để trống khi còn hiệu lực.")
    )

    name = models.CharField(_("tên thủ tục"), max_length=1000)
    name_folded = models.CharField(max_length=1000, editable=False, db_index=False)
    field = models.ForeignKey(
        ProcedureField, on_delete=models.PROTECT, related_name="versions", verbose_name=_("lĩnh vực")
    )
    level = models.CharField(_("cấp thực hiện"), max_length=12, choices=Level.choices, db_index=True)
    processing_unit = models.ForeignKey(
        "communes.ProcessingUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedure_versions",
        verbose_name=_("cơ quan giải quyết"),
        help_text=_("Để trống với thủ tục cấp xã: UBND xã, phường nơi giải quyết hồ sơ."),
    )
    agency_name = models.CharField(_("cơ quan thực hiện (theo nguồn)"), max_length=500, blank=True)

    time_value = models.DecimalField(_("thời hạn giải quyết"), max_digits=8, decimal_places=2, null=True, blank=True)
    time_unit = models.CharField(_("đơn vị thời hạn"), max_length=16, choices=TimeUnit.choices, blank=True)
    working_hours = models.PositiveIntegerField(
        _("thời hạn (giờ làm việc)"),
        null=True,
        blank=True,
        help_text=_("Thời hạn quy đổi ra giờ làm việc (1 ngày làm việc = 8 giờ); trống với thời hạn theo ngày lịch."),
    )
    fee_vnd = models.PositiveBigIntegerField(
        _("phí, lệ phí (đồng)"), null=True, blank=True, help_text=_("0 = không mất phí; trống = chưa rõ.")
    )
    fee_note = models.TextField(_("ghi chú phí, lệ phí"), blank=True)
    channel_direct = models.BooleanField(_("nộp trực tiếp"), default=True)
    channel_online = models.BooleanField(_("nộp trực tuyến"), default=False)
    channel_post = models.BooleanField(_("nộp qua bưu chính"), default=False)
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE, db_index=True
    )
    result_document = models.TextField(_("kết quả giải quyết"), blank=True)
    legal_basis = models.JSONField(
        _("căn cứ pháp lý"), default=list, blank=True, help_text=_("Danh sách {number, title}.")
    )
    is_applied = models.BooleanField(_("có phát sinh hồ sơ"), default=True, db_index=True)

    class Meta:
        ordering = ["procedure__code", "-effective_from"]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "effective_from"], name="uniq_version_per_day"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gt=models.F("effective_from")),
                name="version_period_valid",
            ),
        ]
        indexes = [models.Index(fields=["effective_from", "effective_until"], name="version_period_idx")]

    def __str__(self) -> str:
        return f"{self.procedure.code} ({self.effective_from})"

    def return_methods(self) -> list[str]:
        """How the result may reach the applicant (the values of ``dossiers.models.ReturnMethod``): at a counter or
        by public post always; electronically only when the procedure is fully online (toàn trình, Decree 42/2022).
        The one rule: the API shows it, filing checks it."""
        methods = ["counter", "post"]
        if self.online_level == OnlineLevel.FULL:
            methods.append("online")
        return methods


class Component(models.Model):
    """A required component (thành phần hồ sơ) of a procedure version."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.TextField(_("tên giấy tờ"))
    copy_kind = models.CharField(_("bản chính / bản sao"), max_length=10, choices=CopyKind.choices, default="either")
    copies = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="templates/", blank=True)
    template_name = models.CharField(_("tên mẫu"), max_length=300, blank=True)
    is_required = models.BooleanField(_("bắt buộc"), default=True)

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name[:80]


# --- Working-time calendar: what an administrator can change without a release --------------------------


class WorkingSession(models.Model):
    """A working session of every working day (default 07:00–11:30 and 13:30–17:00)."""

    start = models.TimeField(_("bắt đầu"))
    end = models.TimeField(_("kết thúc"))

    class Meta:
        ordering = ["start"]
        verbose_name = _("buổi làm việc")
        verbose_name_plural = _("buổi làm việc")
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="session_end_after_start")]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class CalendarExceptionKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ bổ sung")
    WORKING_DAY = "working_day", _("Ngày làm việc bù")


class CalendarException(models.Model):
    """A day off or a make-up working day announced after the ``holidays`` package release."""

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=CalendarExceptionKind.choices)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
