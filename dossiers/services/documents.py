"""Writes of a dossier's documents: scanned components, the digitised result, components received on paper, and the
recorded download.

The shape of the other services (``core``): ``transaction.atomic()`` → ``select_for_update()`` the dossier → scope
(404), version (409), role (403) and state (409), in that order → write → the record. The record of a document is
its row, not an audit event: a ``Document`` says who uploaded what, when, its size, SHA-256 and whether it is a scan
of the original; ``ReceivedComponent`` rows are the components received on paper (form 01); ``DocumentDownload``
rows say who opened which file. ``AuditEvent`` stays the history of workflow transitions, and documents change
neither the state nor the dossier's version.

Every file of a request is checked (``dossiers.documents.checks``, pure) before anything is written. Files are
written last, inside the transaction, and deleted again if the block fails (``removed_on_failure``). Storage is
private (``storages["private"]``): files go out only through ``document_download``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.documents.checks import EXTENSIONS, CheckedFile, check_dossier_total, check_files
from dossiers.documents.storage import removed_on_failure
from dossiers.models import Document, DocumentDownload, DocumentKind, Dossier, ReceivedComponent
from dossiers.selectors import access_for, can_see, roles_on
from dossiers.services import core
from dossiers.services.validation import clean_text
from dossiers.workflow import Role, State
from portal.common.errors import ClosedToDocuments, Forbidden, InvalidInput, NotFound, OutOfScope
from procedures.models import Component, CopyKind

logger = logging.getLogger(__name__)

MAX_PAPER_ITEMS = 100


# --- Who may add documents, in which states (data, like the transition table) ----------------------------

_COMPONENT_STATES_APPLICANT = frozenset({State.FILED, State.SUPPLEMENT_REQUESTED})
_COMPONENT_STATES_RECEPTION = frozenset(
    {State.FILED, State.RECEIVED, State.TRANSFERRED, State.PROCESSING, State.SUPPLEMENT_REQUESTED}
)
_RESULT_STATES = frozenset({State.PROCESSING, State.RESULT_READY})

#: (role, kind) → the states in which that role may upload that kind of document.
UPLOADS: dict[tuple[Role, str], frozenset[State]] = {
    (Role.APPLICANT, DocumentKind.COMPONENT): _COMPONENT_STATES_APPLICANT,
    (Role.RECEPTION, DocumentKind.COMPONENT): _COMPONENT_STATES_RECEPTION,  # scanning at the counter
    (Role.HANDLER, DocumentKind.RESULT): _RESULT_STATES,
    (Role.LEADER, DocumentKind.RESULT): _RESULT_STATES,
}
#: Reception marks components received on paper (form 01) while the dossier is at the centre or being processed.
PAPER_STATES = _COMPONENT_STATES_RECEPTION


# --- Components of the pinned procedure version ----------------------------------------------------------


def component_id_from(value: Any, *, field: str) -> int | None:
    """``None``, ``""`` or ``"other"`` mean "other document"; otherwise a component id."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "other")):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        message = _('Thành phần hồ sơ phải là mã số thành phần hoặc "other".')
        raise InvalidInput(message, extra={"fields": {field: [message]}})
    return number


def _components_of(version_id: int, ids: set[int], *, field: str) -> dict[int, Component]:
    found = {c.pk: c for c in Component.objects.filter(version_id=version_id, pk__in=ids)} if ids else {}
    unknown = sorted(ids - set(found))
    if unknown:
        message = _("Thành phần %(ids)s không thuộc thủ tục của hồ sơ.") % {"ids": ", ".join(map(str, unknown))}
        raise InvalidInput(message, code="unknown_component", extra={"fields": {field: [message]}})
    return found


# --- A filing's documents (called by ``filing``, inside its transaction) ---------------------------------


@dataclass(frozen=True)
class PreparedDocument:
    checked: CheckedFile
    component: Component | None
    is_original_scan: bool
    kind: str = DocumentKind.COMPONENT


def prepare(version, items: list[dict] | None, *, field: str = "documents") -> list[PreparedDocument]:
    """Check a filing's documents — components of ``version``, every file, the dossier total — writing nothing.

    Each item: ``{"file": …, "component_id": int | None, "is_original_scan": bool}``.
    """
    items = list(items or [])
    ids = [component_id_from(item.get("component_id"), field=field) for item in items]
    components = _components_of(version.pk, {i for i in ids if i is not None}, field=field)
    checked = check_files([item.get("file") for item in items], field=field, max_bytes=settings.DOCUMENT_MAX_BYTES)
    check_dossier_total(existing=0, added=checked, field=field, limit=settings.DOSSIER_DOCUMENTS_MAX_BYTES)
    return [
        PreparedDocument(
            checked=c, component=components.get(i) if i else None, is_original_scan=bool(item.get("is_original_scan"))
        )
        for c, i, item in zip(checked, ids, items, strict=True)
    ]


def missing_components(version, provided: set[int]) -> list[Component]:
    """The mandatory components of ``version`` whose id is not in ``provided``, in the procedure's order."""
    # .all(): the components loaded with the version (procedures.selectors.version_for_filing), if they were
    components = sorted(version.components.all(), key=lambda c: (c.order, c.pk))
    return [c for c in components if c.is_required and c.pk not in provided]


def require_components(
    version, prepared: list[PreparedDocument], *, field: str = "documents", paper: list[dict] = (), at_counter=False
) -> None:
    """Every mandatory component of the version must be handed in: online, as a file; at the counter (or by post),
    on paper (``paper``: cleaned form 01 rows) or scanned. Otherwise 400 ``missing_components``, naming them — at the
    counter with ``guidance_url``, the desk page that prints the written guidance for what to bring (the law: an
    incomplete dossier is not received; the applicant gets the guidance once, in writing)."""
    provided = {p.component.pk for p in prepared if p.component is not None}
    provided |= {row["component"].pk for row in paper if row.get("component") is not None}
    missing = missing_components(version, provided)
    if not missing:
        return
    names = [c.name for c in missing]
    if at_counter:
        message = _("Chưa đủ thành phần hồ sơ bắt buộc: %(names)s. Hồ sơ chưa được tiếp nhận.") % {
            "names": "; ".join(names)
        }
        per_field = [_('Chưa nhận "%(name)s".') % {"name": name} for name in names]
    else:
        message = _("Hồ sơ còn thiếu thành phần bắt buộc: %(names)s.") % {"names": "; ".join(names)}
        per_field = [_('Chưa có tệp cho "%(name)s".') % {"name": name} for name in names]
    extra = {"fields": {field: per_field}, "missing_components": [{"id": c.pk, "name": c.name} for c in missing]}
    if at_counter:
        from django.urls import reverse
        from django.utils.http import urlencode

        query = urlencode([("thieu", c.pk) for c in missing])
        extra["guidance_url"] = f"{reverse('desk-guidance', kwargs={'code': version.procedure.code})}?{query}"
    raise InvalidInput(message, code="missing_components", extra=extra)


def store(dossier: Dossier, prepared: list[PreparedDocument], *, actor, at, written: list[str]) -> list[Document]:
    """Write the files and their rows (inside the caller's transaction)."""
    documents = []
    for item in prepared:
        checked = item.checked
        document = Document(
            dossier=dossier,
            kind=item.kind,
            component=item.component,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            is_original_scan=item.is_original_scan,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            uploaded_at=at,
        )
        # the key holds the digest, not the user's name: "dossiers/<id>/<ab>/<sha256>-component.pdf"
        document.file.save(f"{item.kind}{EXTENSIONS[checked.content_type][0]}", checked.upload, save=False)
        written.append(document.file.name)
        document.save()
        documents.append(document)
    return documents


def clean_paper_items(version, items: Any, *, field: str = "paper_components") -> list[dict]:
    """Form 01's list of components received on paper: component (or other, with a name), original/copy, count."""
    if items in (None, ""):
        return []
    if not isinstance(items, list) or len(items) > MAX_PAPER_ITEMS:
        message = _("Danh sách giấy tờ nhận bản giấy không hợp lệ (tối đa %(n)d dòng).") % {"n": MAX_PAPER_ITEMS}
        raise InvalidInput(message, extra={"fields": {field: [message]}})
    ids = []
    for item in items:
        if not isinstance(item, dict):
            message = _("Mỗi dòng phải có thành phần, tên, bản chính/bản sao và số lượng.")
            raise InvalidInput(message, extra={"fields": {field: [message]}})
        ids.append(component_id_from(item.get("component_id", item.get("component")), field=field))
    components = _components_of(version.pk, {i for i in ids if i is not None}, field=field)
    cleaned = []
    for number, (item, component_id) in enumerate(zip(items, ids, strict=True), start=1):
        component = components.get(component_id) if component_id else None
        name = clean_text(item.get("name") or (component.name if component else ""), field=field, limit=500)
        problem = None
        if not name:
            problem = _("hãy ghi tên giấy tờ.")
        default_kind = component.copy_kind if component and component.copy_kind != CopyKind.EITHER else "original"
        copy_kind = item.get("copy_kind") or default_kind
        if copy_kind not in (CopyKind.ORIGINAL, CopyKind.COPY):
            problem = _("bản chính (original) hoặc bản sao (copy).")
        count = item.get("count", component.copies if component else 1)
        if isinstance(count, bool) or not isinstance(count, int | str) or not str(count).strip().isdigit():
            count = 0
        count = int(count)
        if not 1 <= count <= 99:
            problem = _("số lượng từ 1 đến 99.")
        if problem:
            message = _("Dòng %(number)d: %(problem)s") % {"number": number, "problem": problem}
            raise InvalidInput(message, extra={"fields": {field: [message]}})
        cleaned.append({"component": component, "name": name, "copy_kind": str(copy_kind), "count": count})
    return cleaned


def store_paper(dossier: Dossier, cleaned: list[dict], *, actor, at) -> list[ReceivedComponent]:
    return ReceivedComponent.objects.bulk_create(
        [ReceivedComponent(dossier=dossier, received_by=actor, received_at=at, **item) for item in cleaned]
    )


# --- Services --------------------------------------------------------------------------------------------


def _authorise_upload(access, dossier: Dossier | None, kind: str, expected_version: int | None) -> None:
    """Scope (404), version (409), role (403), state (409) — the order of ``core.begin``."""
    if dossier is None or not can_see(access, dossier):
        raise OutOfScope()
    core.check_version(dossier, expected_version)
    held = roles_on(access, dossier)
    states = [UPLOADS[(role, kind)] for role in held if (role, kind) in UPLOADS]
    if not states:
        raise Forbidden(_("Bạn không có quyền tải tài liệu lên hồ sơ này."))
    if State(dossier.state) not in frozenset().union(*states):
        raise ClosedToDocuments(
            _('Không thể tải tài liệu lên khi hồ sơ đang ở trạng thái "%(state)s".')
            % {"state": dossier.get_state_display()},
            extra={"state": dossier.state},
        )


def document_upload(
    *,
    dossier_id: int,
    actor,
    file: Any,
    component_id: int | None = None,
    is_original_scan: bool = False,
    kind: str = DocumentKind.COMPONENT,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Document:
    """Add one file: a component (the applicant while filed or asked to supplement; reception while the dossier is
    at the centre or being processed) or the result (handler or leader of the processing unit, processing or
    result ready). The dossier is locked, so its total size cannot be exceeded by two uploads at once. ``at`` is
    the moment of the upload (default now; not offered to API clients), like the transitions' explicit clock."""
    if kind not in DocumentKind.values:
        message = _("Loại tài liệu phải là component hoặc result.")
        raise InvalidInput(message, extra={"fields": {"kind": [message]}})
    component_id = component_id_from(component_id, field="component")
    if kind == DocumentKind.RESULT and component_id is not None:
        message = _("Kết quả giải quyết không gắn với thành phần hồ sơ.")
        raise InvalidInput(message, extra={"fields": {"component": [message]}})
    access = access_for(actor)
    # unlocked first: someone who may not upload learns nothing more and costs no parsing
    _authorise_upload(access, Dossier.objects.filter(pk=dossier_id).first(), kind, expected_version)
    checked = check_files([file], field="file", max_bytes=settings.DOCUMENT_MAX_BYTES)[0]
    with removed_on_failure() as written, transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(pk=dossier_id).first()
        _authorise_upload(access, dossier, kind, expected_version)
        components = _components_of(dossier.procedure_version_id, {component_id} - {None}, field="component")
        existing = Document.objects.filter(dossier=dossier).aggregate(total=Sum("size"))["total"] or 0
        check_dossier_total(
            existing=existing, added=[checked], field="file", limit=settings.DOSSIER_DOCUMENTS_MAX_BYTES
        )
        prepared = PreparedDocument(
            checked=checked,
            component=components.get(component_id) if component_id else None,
            is_original_scan=bool(is_original_scan),
            kind=kind,
        )
        (document,) = store(dossier, [prepared], actor=actor, at=core.moment_of(at), written=written)
        touch(dossier)
    return document


def touch(dossier: Dossier) -> None:
    """A document changes neither the state nor the version, but the dossier's digitisation counts on the province
    dashboard: its ``updated_at`` (the wall clock, like ``auto_now``, whatever moment the step is recorded at) tells
    the aggregates' refresh to look again (``stats.services``)."""
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now())


@transaction.atomic
def documents_mark_received_on_paper(
    *, dossier_id: int, actor, items: list[dict], expected_version: int | None = None, at: datetime | None = None
) -> list[ReceivedComponent]:
    """Reception records the components received on paper at the counter, with original/copy and count (form 01)."""
    access = access_for(actor)
    # the lock is on the dossier only (like core.begin), not on the procedure version read with it
    locked = Dossier.objects.select_for_update(of=("self",)).select_related("procedure_version")
    dossier = locked.filter(pk=dossier_id).first()
    if dossier is None or not can_see(access, dossier):
        raise OutOfScope()
    core.check_version(dossier, expected_version)
    if Role.RECEPTION not in roles_on(access, dossier):
        raise Forbidden(_("Chỉ cán bộ tiếp nhận của trung tâm nhận hồ sơ mới ghi nhận giấy tờ bản giấy."))
    if State(dossier.state) not in PAPER_STATES:
        raise ClosedToDocuments(
            _('Không thể ghi nhận giấy tờ khi hồ sơ đang ở trạng thái "%(state)s".')
            % {"state": dossier.get_state_display()},
            extra={"state": dossier.state},
        )
    cleaned = clean_paper_items(dossier.procedure_version, items, field="items")
    if not cleaned:
        message = _("Hãy liệt kê các giấy tờ đã nhận.")
        raise InvalidInput(message, extra={"fields": {"items": [message]}})
    touch(dossier)
    return store_paper(dossier, cleaned, actor=actor, at=core.moment_of(at))


def document_download(*, document_id: int, actor, dossier_id: int | None = None) -> tuple[Document, File]:
    """Open a document for someone who may see its dossier (404 otherwise, like an unknown one); record it."""
    access = access_for(actor)
    document = Document.objects.select_related("dossier").filter(pk=document_id).first()
    if (
        document is None
        or (dossier_id is not None and document.dossier_id != dossier_id)
        or not can_see(access, document.dossier)
    ):
        raise OutOfScope()
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except OSError:
        logger.error("document %s: file %s missing from the private storage", document.pk, document.file.name)
        raise NotFound(_("Tệp không còn trong kho lưu trữ."), code="file_missing") from None
    user = actor if getattr(actor, "pk", None) else None
    DocumentDownload.objects.create(document=document, user=user, at=core.now())
    return document, handle
