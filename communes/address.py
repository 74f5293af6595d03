"""Old-style address → new commune, through the ``vietnam-address-converter`` package.

The package parses the free text and applies the official mapping; this module only validates the input, maps
the package's answer onto our ``Commune`` / ``FormerUnit`` rows and refuses to guess. The package builds a text
index over the whole country the first time it is used (~10 s on this machine): each gunicorn worker builds it in
a background thread as it starts (``start_background_warm_up``, from the ``post_worker_init`` hook); a request
arriving before it is ready waits for it (``ADDRESS_CONVERTER_WAIT_SECONDS``) and otherwise gets a 503 with
``Retry-After``. A process forked while the index was being built builds its own (``os.register_at_fork``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from communes.models import Commune, FormerUnit
from communes.sources import PROVINCE_FOLDED
from portal.common.errors import AddressNotConverted, InvalidInput, ServiceUnavailable
from portal.common.text import fold, nfc

logger = logging.getLogger(__name__)

_ready = threading.Event()
_lock = threading.Lock()
_started = False  # a warm-up was asked for in this process (it may still be running)
_SAMPLE = "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình"


def warm_up() -> None:
    """Build the package's indexes (blocking). Safe to call from several threads."""
    global _started
    with _lock:
        if _ready.is_set():
            return
        _started = True
        from vietnam_address_converter.text import convert_address_text

        convert_address_text(_SAMPLE)
        _ready.set()
        logger.info("address converter ready")


def start_background_warm_up() -> None:
    """Build the index in a background thread of this process, once. Called where a serving process begins: the
    gunicorn ``post_worker_init`` hook (``gunicorn.conf.py``), in each worker after the fork. Elsewhere (runserver,
    a management command, a Celery worker) the index is built by the first conversion, which waits for it."""
    global _started
    with _lock:
        if not settings.ADDRESS_CONVERTER_PRELOAD or _ready.is_set() or _started:
            return
        _started = True
    threading.Thread(target=warm_up, name="address-converter-warm-up", daemon=True).start()


def _after_fork_in_child() -> None:
    """A forked child has only the thread that forked: a warm-up running in the parent is not running here, its lock
    may be held for ever, and the package may be half imported. Start afresh: a new lock, the package imported
    again, and the warm-up begun again in this process when the parent had begun it."""
    global _lock, _ready, _started
    _lock = threading.Lock()
    if _ready.is_set():
        return
    if _started:
        # the parent's thread may have been importing the package: its half-initialised modules would fail here
        for name in [name for name in sys.modules if name.split(".")[0] == "vietnam_address_converter"]:
            del sys.modules[name]
    was_started, _ready, _started = _started, threading.Event(), False
    if was_started:
        start_background_warm_up()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _wait_until_ready() -> None:
    if _ready.is_set():
        return
    if not _started:
        warm_up()
        return
    if not _ready.wait(timeout=settings.ADDRESS_CONVERTER_WAIT_SECONDS):
        raise ServiceUnavailable(
            _("Bộ chuyển đổi địa chỉ đang khởi động; vui lòng thử lại sau ít giây."), retry_after=10
        )


def convert_text(text: str) -> dict:
    """The package's answer for ``text`` (no database read), once its index is ready."""
    _wait_until_ready()
    from vietnam_address_converter.text import convert_address_text

    return convert_address_text(text)


@dataclass
class ConvertedAddress:
    input_type: str  # "old" (pre-2025 address) or "new" (already in the new form)
    status: str  # "matched" | "ambiguous"
    commune: Commune | None
    former_unit: FormerUnit | None
    confidence: float
    match_level: str | None
    street_address: str
    mapping_version: str | None
    candidates: list[tuple[Commune, FormerUnit | None]] = field(default_factory=list)


def _is_phu_tho(province: dict | None) -> bool:
    if not province:
        return False
    return fold(province.get("name_with_type") or province.get("name") or "").removeprefix("tinh ") == (PROVINCE_FOLDED)


def _province_label(province: dict | None) -> str:
    return (province or {}).get("name_with_type") or (province or {}).get("name") or "?"


def address_convert(*, text: str) -> ConvertedAddress:
    """Convert a free-text address of the old (pre-1/7/2025) map to the commune it belongs to now."""
    if text is None or not str(text).strip():
        raise InvalidInput(_("Hãy nhập địa chỉ cần chuyển đổi (tham số q)."), code="address_empty")
    text = nfc(str(text))
    if len(text) > settings.ADDRESS_QUERY_MAX_LENGTH:
        raise InvalidInput(
            _("Địa chỉ quá dài: tối đa %(max)d ký tự.") % {"max": settings.ADDRESS_QUERY_MAX_LENGTH},
            code="address_too_long",
        )
    # the converter's work grows with the comma-separated parts (~1 s of CPU for 150 of them); a real address has
    # fewer than ten (number, lane, street, hamlet, commune, district, province)
    if text.count(",") + 1 > settings.ADDRESS_QUERY_MAX_PARTS:
        raise InvalidInput(
            _("Địa chỉ có quá nhiều phần: tối đa %(max)d phần, ngăn cách bởi dấu phẩy.")
            % {"max": settings.ADDRESS_QUERY_MAX_PARTS},
            code="address_too_many_parts",
        )
    result = convert_text(text)
    conversion = result.get("conversion") or {}
    status = conversion.get("status")
    input_type = result.get("input_type")
    confidence = float(conversion.get("confidence") or 0)
    mapping_version = (result.get("meta") or {}).get("mapping_version")
    common = {
        "input_type": input_type or "",
        "confidence": round(confidence, 3),
        "match_level": result.get("match_level"),
        "street_address": result.get("street_address") or "",
        "mapping_version": mapping_version,
    }

    converted = result.get("converted")
    if converted and (status == "matched" or input_type == "new"):
        if not _is_phu_tho(converted.get("province")):
            raise _outside(converted.get("province"))
        commune = _commune_for(converted.get("ward"))
        former_unit = None
        if input_type == "old":
            former_unit = _former_unit_for(((conversion.get("old") or {}).get("ward") or {}).get("code"))
        return ConvertedAddress(status="matched", commune=commune, former_unit=former_unit, **common)

    candidates = conversion.get("candidates") or []
    if status == "ambiguous" and candidates:
        inside = [c for c in candidates if _is_phu_tho(c.get("new_province"))]
        if not inside:
            raise _outside(candidates[0].get("new_province"))
        pairs: list[tuple[Commune, FormerUnit | None]] = []
        seen: set[tuple[int, int | None]] = set()
        for candidate in inside:
            commune = _commune_for(candidate.get("new_ward"))
            former_unit = _former_unit_for(((candidate.get("old") or {}).get("ward") or {}).get("code"))
            key = (commune.pk, former_unit.pk if former_unit else None)
            if key not in seen:
                seen.add(key)
                pairs.append((commune, former_unit))
        communes = {pair[0].pk for pair in pairs}
        if len(communes) == 1:
            commune, former_unit = pairs[0]
            return ConvertedAddress(status="matched", commune=commune, former_unit=former_unit, **common)
        return ConvertedAddress(status="ambiguous", commune=None, former_unit=None, candidates=pairs, **common)

    raise AddressNotConverted(
        _(
            "Không nhận ra xã, phường nào trong địa chỉ này. Hãy ghi rõ xã/phường, huyện và tỉnh cũ, "
            'ví dụ: "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình".'
        )
    )


def _outside(province: dict | None) -> AddressNotConverted:
    return AddressNotConverted(
        _("Địa chỉ này thuộc %(province)s, không thuộc tỉnh Phú Thọ.") % {"province": _province_label(province)},
        code="outside_province",
    )


def _commune_for(ward: dict | None) -> Commune:
    code = str((ward or {}).get("code") or "")
    commune = Commune.objects.filter(converter_code=code).first() if code else None
    if commune is None and ward:
        commune = Commune.objects.filter(name_folded=fold(ward.get("name_with_type") or "")).first()
    if commune is None:
        raise AddressNotConverted(
            _("Danh mục xã, phường chưa được nạp đầy đủ (chạy manage.py load_communes)."), code="reference_missing"
        )
    return commune


def _former_unit_for(code) -> FormerUnit | None:
    if not code:
        return None
    return FormerUnit.objects.filter(code=str(code)).first()
