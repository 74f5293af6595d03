"""Per-procedure detail JSON from the national portal (``details/<ministry>/<code>.json``), and its cleanly
structured variant (``defence-details/<code>.json``, Ministry of Defence): one record per file.

Long prose (steps, conditions, descriptions) is not kept: only codes, names, fields, agencies, times, fees,
channels, components (names, original/copy, counts, template names), legal basis (numbers, titles) and results.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from portal.common.text import fold, nfc
from procedures.importing import runtogether as rt
from procedures.importing.records import VERSION_FIELDS, CatalogueRecord, SkippedRecord
from procedures.importing.scope import classify, ministry_from, online_level_for, parse_levels

DETAIL_KEYS = {"ma_thu_tuc", "ten_thu_tuc", "cach_thuc_thuc_hien"}
DEFENCE_KEYS = {"metadata", "tables"}
# Everything but the applied flag (not in the data) and the province's announcing decision (the ministry's
# decision goes into the legal basis instead).
DETAIL_PROVIDES = frozenset(VERSION_FIELDS) - {"is_applied", "decision"}
MAX_NOTE = 600
MAX_NAME = 1000  # ProcedureVersion.name; one real record (1.013980) is longer and is cut with "…"
NO_INFO = "khong co thong tin"
FEE_NOT_STATED = "CSDL quốc gia không ghi phí, lệ phí: không thu."
FEE_UNKNOWN = "CSDL quốc gia không ghi mức phí, nhưng căn cứ pháp lý có văn bản về phí, lệ phí: chưa rõ mức thu."


def _clean(value: object) -> str:
    text = nfc(str(value or ""))
    return "" if fold(text) == NO_INFO else text


def _cap(text: str, limit: int = MAX_NOTE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _national_decision(number: str) -> dict:
    return {"number": number, "title": "Quyết định công bố thủ tục hành chính của bộ, ngành", "kind": "national"}


def _fee_fields(
    fee: rt.Fee, note: str, legal_basis: list[rt.LegalDocument], description: str
) -> tuple[int | None, str]:
    """Integer VND (0 = free, None = unknown) and the note, applying the 'Không có thông tin' rule."""
    if fee.kind == rt.FeeKind.NOT_STATED:
        fee_documents = [doc for doc in legal_basis if re.search(r"\b(?:phi|le phi)\b", fold(doc.title))]
        if fee_documents or rt.amounts_in(description):
            return None, _cap(" — ".join(part for part in [FEE_UNKNOWN, note] if part))
        return 0, _cap(" — ".join(part for part in [FEE_NOT_STATED, note] if part))
    return fee.vnd, _cap(note)


@dataclass(frozen=True)
class DetailFacts:
    """What a detail record states about channels, time and fee, whatever its level (used to measure coverage)."""

    channels: set[str]
    duration: rt.Duration | None
    fee_vnd: int | None
    fee_note: str
    legal: list[rt.LegalDocument]

    @property
    def complete(self) -> bool:
        """A processing time and a fee (or an explicit or implied "no fee") were found."""
        return self.duration is not None and self.fee_vnd is not None


def detail_facts(data: dict) -> DetailFacts:
    """Parse the run-together channel, time and fee table (and the legal basis, for the fee rule)."""
    info = rt.parse_channels(_clean(data.get("cach_thuc_thuc_hien")))
    legal = rt.parse_legal_basis(_clean(data.get("can_cu_phap_ly")))
    description = " ".join(row.description for row in info.rows)
    fee_vnd, fee_note = _fee_fields(info.fee, info.fee_note, legal, description)
    return DetailFacts(
        channels=info.channels or {"direct"},
        duration=info.duration,
        fee_vnd=fee_vnd,
        fee_note=fee_note,
        legal=legal,
    )


def record_from_detail(
    data: dict, *, file: str, row: int = 1, directory: str = "", effective_from: datetime.date
) -> CatalogueRecord | SkippedRecord:
    """A record from the portal's detail JSON; out-of-scope records (central, vertical) are skipped."""
    code = _clean(data.get("ma_thu_tuc")).strip()
    agency = _clean(data.get("co_quan_thuc_hien"))
    field_name = _clean(data.get("linh_vuc"))
    decision = _clean(data.get("so_quyet_dinh"))
    ministry = ministry_from(decision=decision, directory=directory)
    scope = classify(
        levels=parse_levels(_clean(data.get("cap_thuc_hien"))), agency=agency, field=field_name, ministry=ministry
    )
    if not scope.in_catalogue:
        return SkippedRecord(file=file, row=row, code=code, reason=scope.reason)

    facts = detail_facts(data)
    duration, channels = facts.duration, facts.channels
    record = CatalogueRecord(
        file=file,
        row=row,
        code=code,
        name=_cap(_clean(data.get("ten_thu_tuc")), MAX_NAME),
        field=field_name,
        level=scope.level,
        processing_unit=scope.processing_unit or "",
        agency_name=_cap(agency, 500),
        time_value=duration.value if duration else None,
        time_unit=duration.unit if duration else "",
        fee_vnd=facts.fee_vnd,
        fee_note=facts.fee_note,
        channel_direct="direct" in channels,
        channel_online="online" in channels,
        channel_post="post" in channels,
        online_level=online_level_for(channels),
        result_document=rt.parse_result(_clean(data.get("ket_qua_xu_ly"))),
        legal_basis=([_national_decision(decision)] if decision else []) + [doc.as_dict() for doc in facts.legal],
        source="national-db",
        effective_from=effective_from,
        components=rt.parse_components(_clean(data.get("thanh_phan_ho_so"))),
        provided=DETAIL_PROVIDES,
    )
    return record


# --- The structured variant (defence-details) -----------------------------------------------------------

_DEFENCE_FEE = re.compile(r"(Lệ phí|Phí)\s*:\s*([\d.,]*\d|[Kk]hông|o)?\s*(Đồng|USD)?\s*(\([^\n]*\))?")
_DEFENCE_COUNT = re.compile(r"Bản chính:\s*(\d+)|Bản sao:\s*(\d+)")


def _defence_fee(rows: list[dict]) -> tuple[int | None, str]:
    """``"Phí : 2.000.000 Đồng (…)"``, ``"Lệ phí : 0 Đồng"``, ``"Phí : Không Đồng"``, ``"Lệ phí : 1.5 USD"``."""
    for row in sorted(rows, key=lambda item: item.get("hinh_thuc") != "Trực tiếp"):
        text = nfc(row.get("phi_le_phi") or "")
        if not text:
            continue
        total, foreign, notes, matched = 0, [], [], False
        for match in _DEFENCE_FEE.finditer(text):
            label, amount, currency, note = match.groups()
            if note:
                notes.append(note.strip("() "))
            if not amount or amount.lower() in {"không", "o"}:
                matched = True
                continue
            if currency == "USD":
                foreign.append(f"{label}: {amount} USD")
                matched = True
                continue
            digits = re.sub(r"[.,]", "", amount)
            if digits.isdigit():
                total += int(digits)
                matched = True
        if matched:
            note = " — ".join([*foreign, *notes])
            if foreign and total == 0:
                return None, _cap(note)
            return total, _cap(note)
    return None, ""


def _defence_components(rows: list[dict]) -> list[rt.ComponentRecord]:
    components = []
    for row in rows:
        name = nfc(row.get("ten_giay_to") or "").strip(" -+;")
        if not name:
            continue
        counts = {"original": 0, "copy": 0}
        for match in _DEFENCE_COUNT.finditer(row.get("ghi_chu") or ""):
            if match.group(1):
                counts["original"] = int(match.group(1))
            else:
                counts["copy"] = int(match.group(2))
        originals, copies = counts["original"], counts["copy"]
        if originals and copies:
            kind = "either"
        elif copies:
            kind = "copy"
        else:
            kind = "original"
        template = nfc(row.get("so_luong") or "")
        components.append(
            rt.ComponentRecord(
                name=_cap(name),
                copy_kind=kind,
                copies=max(originals, copies, 1),
                template_name=template[:300] if re.search(r"\.\w{2,4}$", template) else "",
                is_required="(nếu có)" not in name.lower() and not fold(name).startswith("truong hop"),
            )
        )
    return components


def record_from_defence(
    data: dict, *, file: str, row: int = 1, effective_from: datetime.date
) -> CatalogueRecord | SkippedRecord:
    metadata = data.get("metadata") or {}
    content = data.get("content") or {}
    tables = data.get("tables") or {}
    code = nfc(metadata.get("mã_thủ_tục") or data.get("thu_tuc_id") or "").strip()
    agency = _clean(content.get("cơ_quan_thực_hiện"))
    field_name = _clean(metadata.get("lĩnh_vực"))
    scope = classify(
        levels=parse_levels(_clean(metadata.get("cấp_thực_hiện"))),
        agency=agency,
        field=field_name,
        ministry="quoc-phong",
    )
    if not scope.in_catalogue:
        return SkippedRecord(file=file, row=row, code=code, reason=scope.reason)
    channel_rows = tables.get("hinh_thuc_nop") or []
    channels = {rt.CHANNELS[item["hinh_thuc"]] for item in channel_rows if item.get("hinh_thuc") in rt.CHANNELS}
    channels = channels or {"direct"}
    duration = None
    for item in sorted(channel_rows, key=lambda item: item.get("hinh_thuc") != "Trực tiếp"):
        duration = rt.parse_time(item.get("thoi_han_giai_quyet") or "")
        if duration:
            break
    fee_vnd, fee_note = _defence_fee(channel_rows)
    decision = re.sub(r"^Quyết định số\s*", "", nfc(metadata.get("số_quyết_định") or "")).replace(" ", "")
    legal = []
    for item in tables.get("can_cu_phap_ly") or []:
        title = nfc(item.get("trich_yeu") or "")
        found = rt.DOC_NUMBER.search(title)
        number = found.group(1) if found else nfc(item.get("so_ky_hieu") or "")
        if number:
            legal.append({"number": number, "title": _cap(title, 300) or number})
    return CatalogueRecord(
        file=file,
        row=row,
        code=code,
        name=_cap(nfc(metadata.get("tên_thủ_tục") or ""), MAX_NAME),
        field=field_name,
        level=scope.level,
        processing_unit=scope.processing_unit or "",
        agency_name=_cap(agency, 500),
        time_value=duration.value if duration else None,
        time_unit=duration.unit if duration else "",
        fee_vnd=fee_vnd,
        fee_note=fee_note,
        channel_direct="direct" in channels,
        channel_online="online" in channels,
        channel_post="post" in channels,
        online_level=online_level_for(channels),
        result_document=_cap(_clean(content.get("kết_quả_thực_hiện")), 500),
        legal_basis=([_national_decision(decision)] if decision else []) + legal,
        source="national-db",
        effective_from=effective_from,
        components=_defence_components(tables.get("thanh_phan_ho_so") or []),
        provided=DETAIL_PROVIDES,
    )
