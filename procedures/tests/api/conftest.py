"""A small catalogue built with the ORM (independent of the importer), dated relative to today.

In force today: 1.001193 (the birth registration, commune level), 1.000894 (provincial, paid), 1.003583 (a phrase
inside a longer name), 1.001022 (all the words, not as a phrase), 2.000815 (certification, direct only),
1.009994 (building permit, provincial, Sở Xây dựng), MH.0001 (illustrative, not applied), 1.004837 (amended: only
the new version is in force) and 2.001035 (name_folded left empty by mistake). Not in force: 1.000656 (abolished),
9.000001 (only from tomorrow).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from communes.models import ProcessingUnit, ProcessingUnitKind
from portal.common.text import fold
from procedures.models import (
    AnnouncingDecision,
    Component,
    Decree,
    Procedure,
    ProcedureField,
    ProcedureVersion,
)

IN_FORCE = {
    "1.001193",
    "1.000894",
    "1.003583",
    "1.001022",
    "2.000815",
    "1.009994",
    "MH.0001",
    "1.004837",
    "2.001035",
}


@pytest.fixture(autouse=True)
def _search_cache(settings):
    """Every request reaches the database unless a test turns the response cache on."""
    from procedures.api.views import search_cache

    settings.CATALOGUE_SEARCH_CACHE_SIZE = 0
    settings.CATALOGUE_SEARCH_CACHE_CHECK_SECONDS = 0
    search_cache.clear()
    yield
    search_cache.clear()


class CatalogueBuilder:
    def __init__(self):
        self.today = timezone.localdate()
        self.fields: dict[str, ProcedureField] = {}
        decree = Decree.objects.create(number="63/2010/NĐ-CP", title="Nghị định về kiểm soát thủ tục hành chính")
        self.decision = AnnouncingDecision.objects.create(
            number="1234/QĐ-UBND",
            title="Công bố danh mục thủ tục hành chính tỉnh Phú Thọ",
            signed_on=datetime.date(2025, 7, 1),
            effective_on=datetime.date(2025, 7, 1),
            decree=decree,
        )
        # The test database may already hold the real processing units (loaded once per session).
        self.units = {
            key: ProcessingUnit.objects.update_or_create(
                key=key, defaults={"kind": ProcessingUnitKind.DEPARTMENT, "name": name}
            )[0]
            for key, name in (("so-tu-phap", "Sở Tư pháp"), ("so-xay-dung", "Sở Xây dựng"))
        }

    def field(self, name: str) -> ProcedureField:
        if name not in self.fields:
            self.fields[name] = ProcedureField.objects.create(
                name=name, slug=fold(name).replace(" ", "-"), name_folded=fold(name)
            )
        return self.fields[name]

    def version(
        self,
        code: str,
        name: str,
        *,
        field: str = "Hộ tịch",
        level: str = "commune",
        source: str = "national-db",
        since_days: int = 400,
        until_days: int | None = None,
        change: str = "new",
        name_folded: str | None = None,
        unit: str | None = None,
        **values,
    ) -> ProcedureVersion:
        procedure, _ = Procedure.objects.get_or_create(code=code, defaults={"source": source})
        defaults = {
            "time_value": Decimal("5"),
            "time_unit": "working_days",
            "working_hours": 40,
            "fee_vnd": 0,
            "channel_direct": True,
            "channel_online": True,
            "channel_post": False,
            "online_level": "partial",
            "is_applied": True,
        }
        return ProcedureVersion.objects.create(
            procedure=procedure,
            decision=self.decision,
            change=change,
            effective_from=self.today - datetime.timedelta(days=since_days),
            effective_until=None if until_days is None else self.today - datetime.timedelta(days=until_days),
            name=name,
            name_folded=fold(name) if name_folded is None else name_folded,
            field=self.field(field),
            level=level,
            processing_unit=self.units[unit] if unit else None,
            **{**defaults, **values},
        )


@pytest.fixture
def build(db) -> CatalogueBuilder:
    return CatalogueBuilder()


@pytest.fixture
def catalogue(build: CatalogueBuilder) -> CatalogueBuilder:
    birth = build.version(
        "1.001193",
        "Thủ tục đăng ký khai sinh",
        time_value=Decimal("1"),
        working_hours=8,
        fee_vnd=0,
        channel_post=True,
        online_level="full",
        result_document="Giấy khai sinh (bản chính)",
        legal_basis=[{"number": "60/2014/QH13", "title": "Luật Hộ tịch"}],
        agency_name="UBND cấp xã",
    )
    Component.objects.create(version=birth, order=2, name="Giấy chứng sinh", copy_kind="original")
    Component.objects.create(
        version=birth, order=1, name="Tờ khai đăng ký khai sinh", copy_kind="original", template_name="Mẫu tờ khai"
    )
    build.version(
        "1.000894",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        level="provincial",
        unit="so-tu-phap",
        fee_vnd=50_000,
        time_value=Decimal("15"),
        working_hours=120,
    )
    build.version(
        "1.003583",
        "Liên thông các thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế",
        online_level="full",
    )
    build.version("1.001022", "Ghi vào Sổ hộ tịch việc khai sinh đã đăng ký ở nước ngoài", channel_online=False)
    build.version(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        field="Chứng thực",
        fee_vnd=2_000,
        channel_online=False,
        online_level="none",
        time_value=Decimal("2"),
        time_unit="working_hours",
        working_hours=2,
    )
    build.version(
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV",
        field="Xây dựng",
        level="provincial",
        unit="so-xay-dung",
        fee_vnd=150_000,
        time_value=Decimal("20"),
        working_hours=160,
        channel_post=True,
    )
    build.version(
        "MH.0001",
        "Đăng ký biến động quyền sử dụng đất (minh họa)",
        field="Đất đai",
        level="provincial",
        source="illustrative",
        is_applied=False,
        fee_vnd=None,
        time_value=Decimal("10"),
        time_unit="days",
        working_hours=None,
        online_level="none",
        channel_online=False,
    )
    # Amended 30 days ago: only the new version is in force.
    build.version("1.004837", "Đăng ký kết hôn (trước sửa đổi)", since_days=400, until_days=30)
    build.version("1.004837", "Đăng ký kết hôn", since_days=30, change="amended")
    # Abolished 10 days ago.
    build.version("1.000656", "Đăng ký lại khai sinh", since_days=400, until_days=10)
    build.version("1.000656", "Đăng ký lại khai sinh", since_days=10, change="abolished")
    # Only from tomorrow.
    build.version("9.000001", "Đăng ký khai sinh lưu động", since_days=-1)
    # The importer forgot to fold this name: PostgreSQL still finds it through unaccent(lower(name)).
    build.version("2.001035", "Cấp bản sao trích lục hộ tịch", name_folded="")
    return build
