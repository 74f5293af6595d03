"""The administrative map of the merged Phú Thọ province (since 1 July 2025).

Communes and former units are reference data loaded by ``manage.py load_communes`` from PyPI packages;
service centres and processing units are created by the same command and then edited by administrators.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.common.models import TimeStampedModel


class FormerProvince(models.TextChoices):
    PHU_THO = "phu_tho", _("Phú Thọ (cũ)")
    VINH_PHUC = "vinh_phuc", _("Vĩnh Phúc (cũ)")
    HOA_BINH = "hoa_binh", _("Hòa Bình (cũ)")


class CommuneKind(models.TextChoices):
    XA = "xa", _("Xã")
    PHUONG = "phuong", _("Phường")


class Commune(TimeStampedModel):
    code = models.CharField(
        _("mã đơn vị hành chính"), max_length=5, unique=True, help_text=_("Mã trong danh mục quốc gia, 5 chữ số.")
    )
    name = models.CharField(_("tên"), max_length=120)
    kind = models.CharField(_("loại"), max_length=10, choices=CommuneKind.choices, db_index=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    former_province = models.CharField(_("thuộc tỉnh cũ"), max_length=12, choices=FormerProvince.choices, db_index=True)
    name_folded = models.CharField(_("tên không dấu"), max_length=120, db_index=True, editable=False)
    converter_code = models.CharField(
        _("mã trong bộ chuyển đổi địa chỉ"),
        max_length=12,
        blank=True,
        db_index=True,
        help_text=_("Mã của xã mới trong gói vietnam-address-converter (không phải mã quốc gia)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("xã, phường")
        verbose_name_plural = _("xã, phường")

    def __str__(self) -> str:
        return self.name


class FormerUnit(TimeStampedModel):
    """A commune-level unit that existed before 1 July 2025 (xã, phường, thị trấn) and the commune(s) it joined."""

    code = models.CharField(
        _("mã đơn vị cũ"),
        max_length=12,
        unique=True,
        help_text=_("Mã của đơn vị cũ trong gói vietnam-address-converter."),
    )
    name = models.CharField(_("tên đơn vị cũ"), max_length=120)
    district_name = models.CharField(_("huyện, thị xã, thành phố cũ"), max_length=120)
    district_code = models.CharField(_("mã huyện cũ"), max_length=12, blank=True)
    former_province = models.CharField(_("tỉnh cũ"), max_length=12, choices=FormerProvince.choices, db_index=True)
    name_folded = models.CharField(_("tên không dấu"), max_length=120, db_index=True, editable=False)
    communes = models.ManyToManyField(
        Commune,
        through="FormerUnitMapping",
        related_name="former_units",
        verbose_name=_("xã, phường mới"),
    )

    class Meta:
        ordering = ["former_province", "district_name", "name"]
        verbose_name = _("đơn vị hành chính cũ")
        verbose_name_plural = _("đơn vị hành chính cũ")

    def __str__(self) -> str:
        return f"{self.name}, {self.district_name}"


class FormerUnitMapping(models.Model):
    """One row of the official old → new mapping (482 for Phú Thọ: 3 former units were split in two)."""

    former_unit = models.ForeignKey(FormerUnit, on_delete=models.CASCADE, related_name="mappings")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="mappings")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["former_unit", "commune"], name="uniq_former_unit_commune"),
        ]
        verbose_name = _("dòng chuyển đổi cũ → mới")
        verbose_name_plural = _("bảng chuyển đổi cũ → mới")

    def __str__(self) -> str:
        return f"{self.former_unit} → {self.commune}"


class CentreKind(models.TextChoices):
    COMMUNE = "commune", _("Trung tâm Phục vụ hành chính công cấp xã")
    PROVINCIAL = "provincial", _("Trung tâm Phục vụ hành chính công tỉnh")
    BRANCH = "branch", _("Chi nhánh Trung tâm Phục vụ hành chính công tỉnh")


class ServiceCentre(TimeStampedModel):
    """A public administrative service centre: where dossiers are received and results returned."""

    kind = models.CharField(_("loại"), max_length=12, choices=CentreKind.choices, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    commune = models.OneToOneField(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="centre", verbose_name=_("xã, phường")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("trung tâm cấp trên"),
    )
    former_province = models.CharField(
        _("khu vực (tỉnh cũ)"), max_length=12, choices=FormerProvince.choices, blank=True
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    opening_hours = models.CharField(_("giờ mở cửa"), max_length=200, blank=True)
    agency_code = models.CharField(
        _("mã cơ quan tiếp nhận"),
        max_length=20,
        unique=True,
        help_text=_("Dạng xxx.xx.xx.Hyy, dùng trong mã hồ sơ."),
    )
    is_placeholder = models.BooleanField(
        _("dữ liệu tạm"),
        default=True,
        help_text=_("Địa chỉ, điện thoại và mã cơ quan là giá trị tạm, chờ tỉnh cung cấp giá trị thật."),
    )
    key = models.SlugField(_("khóa nội bộ"), max_length=60, unique=True, editable=False)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("trung tâm phục vụ hành chính công")
        verbose_name_plural = _("trung tâm phục vụ hành chính công")

    def __str__(self) -> str:
        return self.name


class ProcessingUnitKind(models.TextChoices):
    COMMUNE_COMMITTEE = "commune_committee", _("UBND cấp xã")
    DEPARTMENT = "department", _("Sở, ngành cấp tỉnh")
    PROVINCIAL_OFFICE = "provincial_office", _("Cơ quan cấp tỉnh khác")


class ProcessingUnit(TimeStampedModel):
    """A unit competent to decide dossiers: a commune People's Committee or a provincial department."""

    key = models.SlugField(_("khóa"), max_length=60, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=ProcessingUnitKind.choices, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    commune = models.OneToOneField(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee",
        verbose_name=_("xã, phường"),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        ordering = ["kind", "order", "name"]
        verbose_name = _("đơn vị giải quyết")
        verbose_name_plural = _("đơn vị giải quyết")

    def __str__(self) -> str:
        return self.name


class ReferenceDataLoad(models.Model):
    """What ``load_communes`` last loaded, so a second ``make run`` knows there is nothing to do."""

    name = models.CharField(max_length=60, unique=True)
    source_version = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.name} {self.source_version}"
