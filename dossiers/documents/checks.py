"""What a dossier's files must be: checked on their content, never on their name or declared type; names sanitised.

A PDF (``%PDF-`` header, a ``%%EOF`` trailer in its last 1024 bytes, pypdf reads every page), a JPEG (SOI marker,
its markers lead to an EOI after the last scan, Pillow decodes it) or a PNG (signature, an ``IEND`` chunk at the
end, Pillow verifies and decodes it). Empty, oversize (``max_bytes``; counted while reading, reading stops past the
limit), disguised and truncated files are refused with a 400 naming the file and the reason; so is a dossier whose
documents would exceed their total ``limit``.

Pure: bytes in, verdict out. Nothing here writes, queries or reads the settings; the limits are passed in by the
services (``DOCUMENT_MAX_BYTES``, ``DOSSIER_DOCUMENTS_MAX_BYTES``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.core.files import File
from django.utils.translation import gettext as _

from portal.common.errors import DocumentsTooLarge, InvalidFile

if TYPE_CHECKING:
    from dossiers.models import Document

logger = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
MAX_NAME = 120
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"
_TAIL = 1024  # a PDF's %%EOF must be in its last 1024 bytes (where readers look for it)


# --- Names -----------------------------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


def clean_filename(name: Any, *, fallback: str = "tai-lieu") -> str:
    """A file name safe to store and show: ``"C:\\\\x\\\\hồ sơ.pdf"`` → ``"hồ sơ.pdf"``, ``"../../etc/passwd"`` →
    ``"passwd"``. NFC, no directories, no control or format characters, no leading dots, ≤ 120 characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # Cc, Cf (bidi overrides), Cs, Co, Cn
    text = re.split(r"[\\/]", text)[-1]
    text = _WINDOWS_RESERVED.sub("_", text)
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if not text:
        return fallback
    if len(text) > MAX_NAME:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            text = stem[: MAX_NAME - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            text = text[:MAX_NAME].rstrip(". ")
    return text


def download_name(document: Document) -> str:
    """The name a download is saved under: the uploaded name, with the extension of what the file really is."""
    extensions = EXTENSIONS.get(document.content_type, ())
    name = document.original_name or "tai-lieu"
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name


def _ascii_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^A-Za-z0-9._ -]", "_", stripped) or "tai-lieu"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact (Vietnamese) name per RFC 5987 / RFC 6266."""
    return f"attachment; filename=\"{_ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def size_label(value: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if value >= factor:
            return f"{value / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{value} byte"


# --- Content checks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what it is, its size and digest. ``upload`` is rewound."""

    upload: File
    name: str
    content_type: str
    size: int
    sha256: str


class _Rejected(Exception):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


def _reasons() -> dict[str, str]:
    return {
        "empty": _("tệp rỗng."),
        "not_allowed": _("không phải PDF, JPEG hoặc PNG hợp lệ."),
        "damaged": _("tệp bị hỏng hoặc không đầy đủ (có thể bị cắt khi tải lên)."),
        "encrypted": _("tệp PDF có mật khẩu; hãy gửi bản không đặt mật khẩu."),
        "image_too_large": _("ảnh có quá nhiều điểm ảnh."),
    }


def _reject(reason: str) -> _Rejected:
    return _Rejected(reason, _reasons()[reason])


def _too_large(limit: int) -> _Rejected:
    return _Rejected("too_large", _("vượt quá %(limit)s cho một tệp.") % {"limit": size_label(limit)})


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    return None  # executables (MZ, ELF), zip / docx, HTML, text… everything else


def _read(upload: File, limit: int) -> tuple[int, str, bytes, bytes]:
    """Size, SHA-256, first and last bytes, in one pass; stops as soon as the size passes ``limit``."""
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large(limit)
    digest = hashlib.sha256()
    size, head, tail = 0, b"", b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        tail = (tail + chunk)[-_TAIL:]
    return size, digest.hexdigest(), head, tail


def _check_pdf(upload: File, tail: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    if b"%%EOF" not in tail:
        raise _reject("damaged")
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(upload, strict=False)
            if reader.is_encrypted:
                raise _reject("encrypted")
            pages = 0
            for page in reader.pages:
                page.mediabox  # noqa: B018 (parses the page object)
                pages += 1
    except _Rejected:
        raise
    except FileNotDecryptedError:
        raise _reject("encrypted") from None
    except Exception:  # pypdf raises many kinds of errors on broken input
        logger.debug("PDF refused", exc_info=True)
        raise _reject("damaged") from None
    if pages == 0:
        raise _reject("damaged")


def _jpeg_is_complete(data: bytes) -> bool:
    """Walk a JPEG's markers: length-delimited segments, entropy-coded scans; complete if EOI follows the last scan.

    Pillow alone cannot be trusted with truncation: anything that sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` (WeasyPrint
    does, when it is imported to print the slips) makes it fill a cut image with grey. Data after EOI (some phones
    append their own trailer) is allowed.
    """
    size, i = len(data), 2
    while i < size:
        if data[i] != 0xFF:
            return False
        while i < size and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= size:
            return False
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI
            return True
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length
            continue
        if i + 2 > size:
            return False
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2:
            return False
        i += length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next marker (FF00 is a stuffed FF, FFD0–D7 RSTn)
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= size:
                    return False
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    i = j + 2
                elif following == 0xFF:
                    i = j + 1
                else:
                    i = j
                    break
    return False


def _check_image(upload: File, content_type: str, tail: bytes) -> None:
    from PIL import Image

    image_format = "JPEG" if content_type == JPEG else "PNG"
    if content_type == PNG and _PNG_END not in tail[-64:]:
        raise _reject("damaged")
    if content_type == JPEG:
        upload.seek(0)
        if not _jpeg_is_complete(upload.read()):
            raise _reject("damaged")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=[image_format]) as image:
                image.load()  # decodes everything: a truncated image raises here
            if content_type == PNG:
                upload.seek(0)
                with Image.open(upload, formats=[image_format]) as image:
                    image.verify()  # chunk checksums
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject("image_too_large") from None
    except Exception:
        logger.debug("image refused", exc_info=True)
        raise _reject("damaged") from None


def _as_file(upload: Any) -> File:
    if isinstance(upload, File):
        return upload
    return File(upload, name=getattr(upload, "name", None))


def check_file(upload: Any, *, max_bytes: int) -> CheckedFile:
    """Check one file's content, at most ``max_bytes`` long (raises ``_Rejected`` with the reason)."""
    if upload is None or not hasattr(upload, "read"):
        raise _reject("empty")
    upload = _as_file(upload)
    name = clean_filename(upload.name)
    size, sha256, head, tail = _read(upload, max_bytes)
    if size == 0:
        raise _reject("empty")
    content_type = _sniff(head)
    if content_type is None:
        raise _reject("not_allowed")
    if content_type == PDF:
        _check_pdf(upload, tail)
    else:
        _check_image(upload, content_type, tail)
    upload.seek(0)
    return CheckedFile(upload=upload, name=name, content_type=content_type, size=size, sha256=sha256)


def _file_message(name: str, reason_message: str) -> str:
    return _('Tệp "%(name)s": %(reason)s') % {"name": name, "reason": reason_message}


def check_files(uploads: list[Any], *, field: str, max_bytes: int) -> list[CheckedFile]:
    """Check every file; if any fails, one 400 lists each failed file with its reason (``fields[field]``)."""
    checked, messages, failures = [], [], []
    for upload in uploads:
        try:
            checked.append(check_file(upload, max_bytes=max_bytes))
        except _Rejected as rejected:
            name = clean_filename(getattr(upload, "name", ""))
            messages.append(_file_message(name, rejected.message))
            failures.append({"name": name, "reason": rejected.reason})
    if messages:
        raise InvalidFile(" ".join(messages), extra={"fields": {field: messages}, "files": failures})
    return checked


def check_dossier_total(*, existing: int, added: list[CheckedFile], field: str, limit: int) -> None:
    """The dossier's documents, ``existing`` bytes plus the ``added`` files, must stay within ``limit`` bytes."""
    total = existing + sum(item.size for item in added)
    if total > limit:
        message = _(
            "Tổng dung lượng tài liệu của hồ sơ vượt quá %(limit)s (đã có %(existing)s, gửi thêm %(added)s)."
        ) % {"limit": size_label(limit), "existing": size_label(existing), "added": size_label(total - existing)}
        raise DocumentsTooLarge(message, extra={"fields": {field: [message]}})
