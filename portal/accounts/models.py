"""The project's user model, present from the first migration so roles and citizen identities can grow on it."""

from __future__ import annotations

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

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self) -> str:
        return self.full_name or self.username
