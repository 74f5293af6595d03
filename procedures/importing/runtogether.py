"""Parsers for the national portal's run-together table cells (PROVENANCE.md, ``details/<ministry>/<code>.json``).

The scraper flattened each table of a procedure's detail page into one string, cells run together without any
separator. Three of them carry facts the catalogue needs:

``cach_thuc_thuc_hien``
    ``Hình thức nộp | Thời gian | Phí, lệ phí | Mô tả`` then, per channel, the channel name (``Trực tiếp``,
    ``Trực tuyến``, ``Dịch vụ bưu chính``), the processing time (``5 Ngày làm việc``, ``15 Ngày``, ``8 Giờ``,
    ``1 Tháng``, a bare number, ``Không có thông tin`` or prose), the fee (``Miễn phí``, ``Không có thông tin``,
    ``70,000 VNĐ``, ``2,000,000 Việt Nam Đồng``, ``10 USD``), an optional ``(note)`` and a free description.
    Example: ``"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việcKhông có thông tin"``.
``thanh_phan_ho_so``
    Groups (``* Giấy tờ phải nộp:``), each a table ``Tên giấy tờ | Mẫu đơn, tờ khai | Số lượng`` whose rows end
    with a count such as ``1 bản chính`` or ``0 bản chính,1 bản sao``.
``can_cu_phap_ly``
    ``Tên văn bản pháp lý | Mã văn bản`` then pairs of title and number (``…Luật Hộ tịch60/2014/QH13``).

Everything here is pure: strings in, values out, unit-tested with real examples from the data. One module past
~400 lines on purpose: the three cells share their regular expressions and the rules below (a time, a fee, a count
read the same way in each), and the rules are documented once, here.
Rules decided here (documented in ``docs/catalogue-format.md``):

* a bare number with no unit is read as working days (the portal's default unit) unless another channel of the
  same procedure gives the same number with a unit;
* hours (``Giờ``) are working hours; ``Ngày`` are calendar days; ``Tháng`` are months;
* a fee below 1,000 written without thousands separators (``20 VNĐ``) is in thousands of đồng — the portal's
  notes confirm it (``120 VNĐ(20.000 vnđ /tờ khai)`` is time 1 + fee 20,000);
* ``Miễn phí`` is free (0) unless its note lists amounts, in which case the first amount is the fee and the note
  keeps the schedule; foreign-currency fees keep no VND amount (the note says it);
* ``Không có thông tin`` in the fee column means the national database states no fee (decided by the caller).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.common.text import fold, nfc
from procedures.worktime import whole_working_hours

# --- Processing time ------------------------------------------------------------------------------------

_UNITS = {
    "ngay lam viec": "working_days",
    "ngay": "days",
    "gio lam viec": "working_hours",
    "gio": "working_hours",
    "thang": "months",
}


@dataclass(frozen=True)
class Duration:
    """A processing time as the source states it: value and unit (a ``procedures.models.TimeUnit`` value)."""

    value: Decimal
    unit: str
    assumed_unit: bool = False  # the source gave a bare number; the unit is our reading

    @property
    def working_hours(self) -> int | None:
        """Working hours for working-time units (1 working day = 8 hours); None for calendar units."""
        return whole_working_hours(time_value=self.value, time_unit=self.unit)

    def describe(self) -> str:
        value = format_decimal(self.value)
        return f"{value} {UNIT_LABELS[self.unit]}"


UNIT_LABELS = {
    "working_days": "ngày làm việc",
    "working_hours": "giờ làm việc",
    "days": "ngày",
    "months": "tháng",
}


def format_decimal(value: Decimal) -> str:
    """``Decimal("5.00")`` → ``"5"``, ``Decimal("0.50")`` → ``"0.5"``."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None


_TIME_CELL = re.compile(r"^(\d+(?:[.,]\d+)?) ?(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng)", re.IGNORECASE)
# Time stated in prose, e.g. "05 (năm) ngày làm việc kể từ ngày nhận đủ hồ sơ", "trong thời hạn 30 ngày".
_TIME_PROSE = re.compile(
    r"(?<![\d/.,])(\d{1,3}(?:[.,]5)?)\s*(?:\([^)]{1,20}\)\s*)?(ngày làm việc|ngày|giờ làm việc|giờ|tháng)(?![\w/])",
    re.IGNORECASE,
)


def parse_time(text: str) -> Duration | None:
    """Parse one time cell: ``"5 Ngày làm việc"``, ``"15 Ngày"``, ``"04 giờ làm việc"``, ``"1 Tháng"``, ``"3"``."""
    text = nfc(text)
    match = _TIME_CELL.match(text)
    if match:
        value = parse_decimal(match.group(1))
        if value is None or value <= 0:
            return None
        return Duration(value, _UNITS[fold(match.group(2))])
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        value = parse_decimal(text)
        if value is None or value <= 0:
            return None
        return Duration(value, "working_days", assumed_unit=True)
    return None


def time_from_prose(text: str) -> Duration | None:
    """The first time limit stated in a description (``"… 15 ngày làm việc kể từ …"``), if any."""
    for match in _TIME_PROSE.finditer(nfc(text)):
        value = parse_decimal(match.group(1))
        if value is not None and value > 0:
            return Duration(value, _UNITS[fold(match.group(2))])
    return None


# --- Fees -----------------------------------------------------------------------------------------------


class FeeKind:
    AMOUNT = "amount"  # a VND amount
    SCHEDULE = "schedule"  # "Miễn phí" but the note lists amounts: first amount, note keeps the schedule
    FREE = "free"  # explicitly free
    FOREIGN = "foreign"  # stated in a foreign currency (USD): no VND amount
    NOT_STATED = "not_stated"  # "Không có thông tin": the database states no fee


@dataclass(frozen=True)
class Fee:
    kind: str
    vnd: int | None = None
    note: str = ""

    @property
    def known(self) -> bool:
        return self.kind != FeeKind.NOT_STATED


# Amounts in đồng inside prose: "20.000 vnđ", "1.200.000đ", "8.000.000/lần", "100.000 đồng/lần".
_NOTE_AMOUNT = re.compile(
    r"(?<![\d/.,])(\d{1,3}(?:[.,]\d{3})+|\d{4,})\s*(?:đồng|đ(?![a-zà-ỹ])|vnđ|việt nam đồng|/)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"^(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)$")
_CURRENCY = r"(Việt Nam Đồng|VNĐ|Đồng|USD)"


def amounts_in(text: str) -> list[int]:
    """VND amounts of at least 1,000 written in a note or description, in order."""
    found = []
    for match in _NOTE_AMOUNT.finditer(text):
        digits = re.sub(r"[.,]", "", match.group(1))
        value = int(digits)
        if value >= 1000:
            found.append(value)
    return found


def amount_vnd(digits: str) -> int:
    """``"2,000,000"`` → 2000000; ``"20"`` → 20000 (below 1,000 without separators: thousands of đồng)."""
    value = int(digits.replace(",", ""))
    if "," not in digits and 0 < value < 1000:
        value *= 1000
    return value


def fee_from_cell(cell: str, currency: str | None, note: str) -> Fee:
    """A fee from its cell (``"Miễn phí"``, ``"Không có thông tin"`` or an amount) and its parenthesised note."""
    note = nfc(note)
    if currency is None:
        if fold(cell).startswith("mien phi") or fold(cell) in {"khong", "0"}:
            listed = amounts_in(note)
            if listed:
                return Fee(FeeKind.SCHEDULE, listed[0], note)
            return Fee(FeeKind.FREE, 0, note)
        return Fee(FeeKind.NOT_STATED, None, note)
    if currency == "USD":
        return Fee(FeeKind.FOREIGN, None, nfc(f"{cell} USD {note}".strip()))
    value = amount_vnd(cell)
    if value == 0:
        return Fee(FeeKind.FREE, 0, note)
    if note.startswith("/"):  # "2,000 Việt Nam Đồng(/trang)": the note is the unit of the amount
        note = f"{value:,} đồng{note}".replace(",", ".")
    return Fee(FeeKind.AMOUNT, value, note)


# --- Channels (cach_thuc_thuc_hien) ---------------------------------------------------------------------

CHANNELS = {"Trực tiếp": "direct", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
CHANNEL_LABELS = {value: key for key, value in CHANNELS.items()}
_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
# A channel cell starts a row when it runs straight into the next cell (no space, no colon): "Trực tuyến5 Ngày…".
_CHANNEL_START = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=[^\s:;,.)(\-+])")
_FEE_START = re.compile(r"Miễn phí|Không có thông tin|(?<![\d,.])(\d[\d,.]*) " + _CURRENCY)
_NO_FEE_PROSE = re.compile(r"không (?:quy định|thu)(?: về)?(?: thời hạn giải quyết,)? phí", re.IGNORECASE)


@dataclass
class ChannelRow:
    channel: str  # "direct" | "online" | "post"
    time_text: str
    duration: Duration | None
    fee_text: str
    fee: Fee
    description: str


@dataclass
class ChannelInfo:
    rows: list[ChannelRow] = field(default_factory=list)
    duration: Duration | None = None
    duration_origin: str = ""  # "table" | "description" | ""
    fee: Fee = field(default_factory=lambda: Fee(FeeKind.NOT_STATED))
    fee_note: str = ""

    @property
    def channels(self) -> set[str]:
        return {row.channel for row in self.rows}


def _balanced_note(text: str) -> tuple[str, str]:
    """Split ``"(note (nested)) rest"`` into ``("note (nested)", " rest")``; no leading parenthesis → ``("", text)``."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[1:index].strip(), text[index + 1 :]
    return text[1:].strip(), ""


def _split_digits(digits: str, currency: str, note: str, other_times: set[Decimal]) -> tuple[str, str]:
    """``"120"`` in ``"Trực tuyến120 VNĐ"`` is a time cell and a fee cell run together: choose the split.

    Evidence, best first: the fee (read in thousands when small) equals an amount in the note; the time equals
    another channel's stated time; otherwise the shortest time (the portal's bare times are mostly one digit).
    """
    listed = set(amounts_in(note))
    best: tuple[int, int, str, str] | None = None
    for cut in range(1, len(digits)):
        time_part, fee_part = digits[:cut], digits[cut:]
        if not time_part.isdigit() or not _AMOUNT.match(fee_part) or fee_part.startswith("0"):
            continue
        score = 0
        if currency != "USD" and amount_vnd(fee_part) in listed:
            score += 2
        if Decimal(time_part) in other_times:
            score += 1
        candidate = (score, -cut, time_part, fee_part)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        return "", digits
    return best[2], best[3]


def _parse_row(channel: str, text: str, other_times: set[Decimal]) -> ChannelRow:
    time_text = ""
    rest = text
    match = _TIME_CELL.match(rest)
    if match:
        time_text, rest = match.group(0), rest[match.end() :]
    elif rest.startswith("Không có thông tin") and _FEE_START.match(rest[len("Không có thông tin") :]):
        time_text, rest = "", rest[len("Không có thông tin") :]
    else:
        run_together = re.match(r"^(\d[\d,.]*) " + _CURRENCY, rest)
        bare = re.match(r"^(\d+(?:[.,]\d+)?)(?=Miễn phí|Không có thông tin)", rest)
        if run_together:
            note, _ = _balanced_note(rest[run_together.end() :])
            time_text, fee_digits = _split_digits(run_together.group(1), run_together.group(2), note, other_times)
            rest = f"{fee_digits} {run_together.group(2)}{rest[run_together.end() :]}"
        elif bare:
            time_text, rest = bare.group(1), rest[bare.end() :]
        else:
            fee_match = _FEE_START.search(rest)
            if fee_match:  # prose in the time cell ("Không phải trả kết quả…", "Không quy định")
                time_text, rest = rest[: fee_match.start()], rest[fee_match.start() :]
    fee_match = _FEE_START.match(rest)
    fee_text, currency = "", None
    if fee_match:
        fee_text = fee_match.group(0)
        if fee_match.group(1):
            fee_text, currency = fee_match.group(1), fee_match.group(2)
        rest = rest[fee_match.end() :]
    note, description = _balanced_note(rest)
    if fee_match:
        fee = fee_from_cell(fee_text, currency, note)
    else:
        fee = Fee(FeeKind.NOT_STATED, None, note)
    if fee.kind == FeeKind.NOT_STATED and _NO_FEE_PROSE.search(description):
        fee = Fee(FeeKind.FREE, 0, "")
    return ChannelRow(
        channel=CHANNELS[channel],
        time_text=nfc(time_text),
        duration=parse_time(time_text) if time_text else None,
        fee_text=fee_text,
        fee=fee,
        description=nfc(description),
    )


def parse_channels(text: str) -> ChannelInfo:
    """Parse ``cach_thuc_thuc_hien`` into channels, one processing time and one fee.

    The reference row is the direct-filing one when there is one, else the first; a missing time or fee is
    taken from the other rows, then (time only) from the descriptions' prose.
    """
    text = nfc(text or "").replace(nfc(_HEADER), "", 1)
    starts = list(_CHANNEL_START.finditer(text))
    explicit_times = {
        parsed.value
        for match in _TIME_CELL.finditer(text)
        if (parsed := parse_time(match.group(0))) is not None and not parsed.assumed_unit
    }
    rows = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        rows.append(_parse_row(match.group(1), text[match.end() : end], explicit_times))
    info = ChannelInfo(rows=rows)
    if not rows:
        return info
    ordered = sorted(rows, key=lambda row: row.channel != "direct")

    # A bare number takes the unit another channel states for the same number ("2" next to "2 Giờ").
    units = {row.duration.value: row.duration.unit for row in rows if row.duration and not row.duration.assumed_unit}
    for row in rows:
        if row.duration and row.duration.assumed_unit and row.duration.value in units:
            row.duration = Duration(row.duration.value, units[row.duration.value])

    for row in ordered:
        if row.duration:
            info.duration, info.duration_origin = row.duration, "table"
            break
    else:
        for row in ordered:
            found = time_from_prose(row.description) or time_from_prose(row.time_text) or time_from_prose(row.fee.note)
            if found:
                info.duration, info.duration_origin = found, "description"
                break

    for row in ordered:
        if row.fee.known:
            info.fee = row.fee
            break
    else:
        info.fee = ordered[0].fee
    info.fee_note = _fee_note(info.fee, rows)
    return info


def describe_fee(fee: Fee) -> str:
    if fee.kind in {FeeKind.FREE}:
        return "miễn phí"
    if fee.vnd is not None:
        return f"{fee.vnd:,} đồng".replace(",", ".")
    if fee.kind == FeeKind.FOREIGN:
        return fee.note.split("(")[0].strip()
    return "không có thông tin"


def _fee_note(chosen: Fee, rows: list[ChannelRow]) -> str:
    """The chosen fee's note, plus what other channels charge when it differs (online filing is often free)."""
    parts = []
    if chosen.note:
        parts.append(chosen.note)
    differing = []
    for row in rows:
        if row.fee.known and (row.fee.kind, row.fee.vnd) != (chosen.kind, chosen.vnd):
            differing.append(f"{CHANNEL_LABELS[row.channel]}: {describe_fee(row.fee)}")
    if differing:
        parts.append("; ".join(dict.fromkeys(differing)))
    return nfc(" — ".join(parts))


# --- Components (thanh_phan_ho_so) ----------------------------------------------------------------------

_TABLE_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COUNT = re.compile(r"(\d+) bản chính(?:\s*,\s*(\d+) bản sao)?|(\d+) bản sao")
_TEMPLATE_EXT = re.compile(r"\.(docx?|pdf|xlsx?|rtf|odt)$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-+•*–]+\s*|\d{1,2}[.)]\s+|[a-zđ][.)]\s+)+")
_OPTIONAL = re.compile(r"^(?:trong )?(?:truong hop|doi voi truong hop|neu)\b|\(neu co\)")


@dataclass(frozen=True)
class ComponentRecord:
    name: str
    copy_kind: str = "either"  # procedures.models.CopyKind value
    copies: int = 1
    template_name: str = ""
    is_required: bool = True

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.copy_kind,
            "copies": self.copies,
            "template": self.template_name,
            "required": self.is_required,
        }


_TEMPLATE_WORD = re.compile(r"(?<=\S)(?:Mẫu|mẫu|Tờ khai|tờ khai|Phụ lục|phụ lục|Phu luc|Văn bản|văn bản|Đơn|đơn)")


def _split_template(text: str) -> tuple[str, str]:
    """``"Tờ khai …theo mẫuMẫu TP-LS-02.docx"`` → (``"Tờ khai …theo mẫu"``, ``"Mẫu TP-LS-02.docx"``).

    The template cell is glued to the name: the first camel-case joint in the last 90 characters (``"nhấtMẫu"``,
    ``"NĐ-CPMẫu"``, ``")12.1.PL"``), else a glued template word (``"bộvăn bản đề nghị.docx"``), else the last word.
    """
    if not _TEMPLATE_EXT.search(text):
        return text, ""
    window_start = max(0, len(text) - 90)
    for index in range(window_start + 1, len(text) - 1):
        before, char, after = text[index - 1], text[index], text[index + 1]
        camel = (before.islower() or before in ").:;") and (char.isupper() or char.isdigit())
        word_start = before.isupper() and char.isupper() and after.islower()
        if camel or word_start:
            return text[:index].strip(), text[index:].strip()
    glued = [match for match in _TEMPLATE_WORD.finditer(text, window_start) if not text[match.start() - 1].isspace()]
    if glued:
        return text[: glued[-1].start()].strip(), text[glued[-1].start() :].strip()
    head, _, tail = text.rpartition(" ")
    return head.strip(), tail.strip()


def parse_components(text: str, *, max_name: int = 600) -> list[ComponentRecord]:
    """Parse ``thanh_phan_ho_so`` into components (rows with no original and no copy are remarks: dropped)."""
    text = nfc(text or "")
    components: list[ComponentRecord] = []
    seen: set[str] = set()
    for section in text.split(nfc(_TABLE_HEADER))[1:]:
        position = 0
        for match in _COUNT.finditer(section):
            leading = match.group(1) or match.group(3)
            # "…ngày 31/12/20251 bản chính": the count cell is one or two digits, the rest ends the name.
            keep = 1 if len(leading) > 2 else len(leading)
            raw = section[position : match.start() + len(leading) - keep]
            position = match.end()
            leading = leading[-keep:]
            originals = int(leading) if match.group(1) else 0
            copies = int(match.group(2) or 0) if match.group(1) else int(leading)
            if originals == 0 and copies == 0:
                continue
            raw, template = _split_template(raw.strip())
            name = _BULLET.sub("", raw).strip(" ;,.") or raw.strip()
            if not name:
                continue
            if len(name) > max_name:
                name = name[: max_name - 1].rstrip() + "…"
            if originals and copies:
                kind = "either"
            elif originals:
                kind = "original"
            else:
                kind = "copy"
            key = fold(name)
            if key in seen:
                continue
            seen.add(key)
            components.append(
                ComponentRecord(
                    name=name,
                    copy_kind=kind,
                    copies=max(originals, copies),
                    template_name=template[:300],
                    is_required=not _OPTIONAL.search(fold(name)),
                )
            )
    return components


# --- Legal basis (can_cu_phap_ly) -----------------------------------------------------------------------

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# A document number: 123/2015/NĐ-CP, 60/2014/QH13, 85/2019/TT-BTC, 66.7/2025/NQ-CP, 05/2021/TTLT-BTP-BNG.
# The suffix ends where the next title begins: "…/TT-BNNMTThông tư" is "…/TT-BNNMT" + "Thông tư".
_DOC_PART = r"(?:TTg|[A-ZĐ]*QH\d{0,2}|[A-ZĐ]+)"
_FIXED_ISSUER = re.compile(r".*?/(?:(?:NĐ|NQ)-CP|(?:QĐ|CT)-TTg)")
# Issuer codes that end a number; the next title may start right after them ("…/TT-BTCHướng dẫn…").
_ISSUERS = sorted(
    "BTC BTP BXD BNNMT BNNPTNT BTNMT BCA BQP BGTVT BKHĐT BKHDT BLĐTBXH BYT BGDĐT BVHTTDL BCT BKHCN BTTTT BNV "
    "NHNN BNG TTCP UBND HĐND HĐTP VPCP UBDT CP TTg BTTTT TANDTC VKSNDTC".split(),
    key=len,
    reverse=True,
)


def _trim_number(number: str, following: str) -> str:
    """Cut the start of the next title off a document number glued to it (``…/NĐ-CPQUY ĐỊNH``)."""
    fixed = _FIXED_ISSUER.match(number)
    if fixed:
        return fixed.group(0)
    head, _, last = number.rpartition("-")
    if head:
        for issuer in _ISSUERS:
            if last.startswith(issuer) and last != issuer and not last[len(issuer) :].isdigit():
                return f"{head}-{issuer}"
    # Unknown issuer: a capital followed by a lower-case letter starts the next title.
    while following and following.islower() and len(number) > 2 and number[-1].isupper() and number[-2].isupper():
        following, number = number[-1], number[:-1]
    return number


DOC_NUMBER = re.compile(rf"(\d{{1,4}}(?:\.\d{{1,2}})?/\d{{4}}/{_DOC_PART}(?:-{_DOC_PART})*)(?!/)")


@dataclass(frozen=True)
class LegalDocument:
    number: str
    title: str

    def as_dict(self) -> dict:
        return {"number": self.number, "title": self.title}


def parse_legal_basis(text: str, *, max_title: int = 300) -> list[LegalDocument]:
    """Parse ``can_cu_phap_ly``: the number cell is glued to the end of its title (no space before it)."""
    text = nfc(text or "").replace(nfc(_LEGAL_HEADER), "", 1)
    documents: dict[str, LegalDocument] = {}
    position = 0
    for match in DOC_NUMBER.finditer(text):
        start, number = match.start(), match.group(1)
        glued = start == 0 or not text[start - 1].isspace()
        if not glued:  # a number inside a title ("Nghị định số 123/2015/NĐ-CP ngày …")
            continue
        # "…Luật Công chứng năm 202446/2024/QH15", "…ngày 25/01/202640/2026/NĐ-CP": the title's year ends
        # with the first digits of the match.
        year = re.search(r"(?:năm |/)(\d{1,3})$", text[position:start])
        if year is not None:
            missing = 4 - len(year.group(1))
            number, start = number[missing:], start + missing
        number = _trim_number(number, text[match.end() : match.end() + 1])
        if number.startswith("0/"):
            continue
        title = text[position:start].strip(" ;,.-")
        position = start + len(number)
        if title.lower().startswith(("nghị định số", "thông tư số", "luật số", "quyết định số")) and len(title) < 16:
            title = ""
        if len(title) > max_title:
            title = title[: max_title - 1].rstrip() + "…"
        if number not in documents:
            documents[number] = LegalDocument(number=number, title=title or number)
    return list(documents.values())


# --- Result (ket_qua_xu_ly) -----------------------------------------------------------------------------

_RESULT_CODE = re.compile(r"Mã: ?KQ\.[A-Z]?\d+(?:\.\d+)*")


def parse_result(text: str, *, max_length: int = 500) -> str:
    """``"Giấy khai sinhMã: KQ.G15.000031Từ khóa…"`` → ``"Giấy khai sinh"`` (several results joined by ``; ``)."""
    text = nfc(text or "")
    text = text.split("Từ khóa", 1)[0]
    names = [part.strip(" ;,.") for part in _RESULT_CODE.split(text)]
    names = [name for name in names if name and fold(name) != "khong co thong tin"]
    result = "; ".join(dict.fromkeys(names))
    if len(result) > max_length:
        result = result[: max_length - 1].rstrip() + "…"
    return result
