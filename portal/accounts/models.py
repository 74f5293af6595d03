"""The project's user model, present from the first migration so roles and citizen identities can grow on it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

id_number_validator = RegexValidator(
    r"^(\d{12}|\d{10}|\d{10}-\d{3})$",
    _("Số định danh là số CCCD 12 chữ số hoặc mã số thuế 10 (hoặc 10-3) chữ số."),
)
phone_validator = RegexValidator(r"^(\+84|0)\d{9,10}$", _("Số điện thoại không hợp lệ."))


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    id_number = models.CharField(
        _("số định danh (CCCD / mã số thuế)"),
        max_length=14,
        blank=True,
        null=True,
        unique=True,
        validators=[id_number_validator],
    )
    phone = models.CharField(_("số điện thoại"), max_length=16, blank=True, validators=[phone_validator])
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "communes.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã, phường"),
        help_text=_("Xã, phường nơi ở (một trong 148); trung tâm của xã này được chọn sẵn khi nộp hồ sơ."),
    )
    language = models.CharField(
        _("ngôn ngữ nhận thông báo"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="vi",
        help_text=_("Ngôn ngữ người dùng tự chọn cho thư, tin nhắn và thông báo."),
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        # log-in by phone looks the number up (portal.accounts.backends); not unique: older accounts may share one
        indexes = [models.Index(fields=["phone"], name="accounts_user_phone_idx")]

    def __str__(self) -> str:
        return self.full_name or self.username


class StaffRole(models.TextChoices):
    RECEPTION = "reception", _("Cán bộ tiếp nhận")
    HANDLER = "handler", _("Cán bộ xử lý")
    LEADER = "leader", _("Lãnh đạo đơn vị")
    PROVINCE = "province", _("Văn phòng UBND tỉnh (chỉ xem)")
    ADMIN = "admin", _("Quản trị hệ thống")


class Membership(models.Model):
    """One role of a staff member at one unit. Staff may hold several (secondments between centres)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cán bộ"))
    role = models.CharField(_("vai trò"), max_length=12, choices=StaffRole.choices)
    centre = models.ForeignKey(
        "communes.ServiceCentre",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("trung tâm"),
    )
    processing_unit = models.ForeignKey(
        "communes.ProcessingUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("đơn vị xử lý"),
    )
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)

    class Meta:
        verbose_name = _("vai trò cán bộ")
        verbose_name_plural = _("vai trò cán bộ")
        constraints = [
            models.CheckConstraint(
                name="membership_unit_matches_role",
                condition=(
                    models.Q(role="reception", centre__isnull=False, processing_unit__isnull=True)
                    | models.Q(role__in=["handler", "leader"], centre__isnull=True, processing_unit__isnull=False)
                    | models.Q(role__in=["province", "admin"], centre__isnull=True, processing_unit__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "centre"], condition=models.Q(centre__isnull=False), name="uniq_centre_role"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "processing_unit"],
                condition=models.Q(processing_unit__isnull=False),
                name="uniq_unit_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(centre__isnull=True, processing_unit__isnull=True),
                name="uniq_global_role",
            ),
        ]

    def __str__(self) -> str:
        unit = self.centre or self.processing_unit or _("toàn tỉnh")
        return f"{self.user} — {self.get_role_display()} — {unit}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role == StaffRole.RECEPTION and (not self.centre_id or self.processing_unit_id):
            raise ValidationError(_("Cán bộ tiếp nhận gắn với một trung tâm phục vụ hành chính công."))
        if self.role in (StaffRole.HANDLER, StaffRole.LEADER) and (not self.processing_unit_id or self.centre_id):
            raise ValidationError(_("Cán bộ xử lý và lãnh đạo gắn với một đơn vị xử lý."))
        if self.role in (StaffRole.PROVINCE, StaffRole.ADMIN) and (self.centre_id or self.processing_unit_id):
            raise ValidationError(_("Vai trò cấp tỉnh không gắn với đơn vị."))
