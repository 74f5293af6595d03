"""Writes of online-filing drafts: the citizen's step-by-step filing, saved server-side until it is filed.

A draft (``FilingDraft``) belongs to one person and one procedure; it holds the steps' data as JSON and the files
uploaded so far (``FilingDraftFile``, in the private storage, checked by the same content checks as a dossier's
documents). At most one open draft per person and procedure (a partial unique constraint): re-opening the filing page
resumes it. ``draft_submit`` files it through ``dossier_file`` with the draft's random key as the idempotency key and
marks it filed in the same transaction, the draft row locked: a double click, a retry or a back-button resubmit
returns the same dossier. Drafts untouched for ``DRAFT_MAX_AGE_DAYS`` are deleted with their files
(``drafts_sweep``; ``manage.py drafts_sweep``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.selectors import help_centre
from dossiers.documents.checks import EXTENSIONS, check_dossier_total, check_files
from dossiers.documents.storage import removed_on_failure
from dossiers.models import Channel, Dossier, FilingDraft, FilingDraftFile, ReturnMethod, private_storage
from dossiers.services import documents as docs
from dossiers.services.filing import dossier_file, filing_version, resolve_places, resolve_return
from dossiers.services.validation import LIMITS, clean_email, clean_id_number, clean_phone, clean_text
from portal.common.errors import InvalidInput, OutOfScope
from procedures.models import OnlineLevel

logger = logging.getLogger(__name__)

STEPS = ("place", "applicant", "documents")


# --- Helpers -----------------------------------------------------------------------------------------------------


def can_file_online(version) -> bool:
    """Whether a procedure version takes online filings (its channels, or its online level)."""
    return bool(version.channel_online) or version.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL)


def version_for_online_filing(code: str):
    """The version in force today to file ``code`` online; ``InvalidInput`` (code ``not_online``) if it cannot be."""
    version = filing_version(code, timezone.localdate())
    if not can_file_online(version):
        raise InvalidInput(
            _("Thủ tục này chưa nhận hồ sơ trực tuyến."), code="not_online", extra={"fields": {"procedure": []}}
        )
    return version


def _locked(draft_id: int, owner) -> FilingDraft:
    draft = FilingDraft.objects.select_for_update().filter(pk=draft_id, owner=owner).first()
    if draft is None:
        raise OutOfScope()
    return draft


def _open(draft: FilingDraft) -> None:
    if draft.submitted_at is not None:
        raise InvalidInput(_("Hồ sơ này đã được nộp; không thể sửa nữa."), code="draft_submitted")


def _delete_on_commit(names: list[str]) -> None:
    def delete():
        storage = private_storage()
        for name in names:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - a leftover file is harmless (private, unreferenced)
                logger.exception("could not delete draft file %s", name)

    if names:
        transaction.on_commit(delete)


def _prefill(owner) -> dict:
    centre = help_centre(owner.commune_id) if getattr(owner, "commune_id", None) else None
    place = {}
    if centre is not None and owner.commune_id:
        place = {"reception_centre_id": centre.pk, "return_centre_id": centre.pk, "commune_code": ""}
    applicant = {
        "name": owner.full_name or "",
        "id_number": owner.id_number or "",
        "phone": owner.phone or "",
        "email": owner.email or "",
        "address": owner.address or "",
    }
    return {"place": place, "applicant": applicant, "done": []}


# --- Services ----------------------------------------------------------------------------------------------------


def draft_start(*, owner, procedure_code: str, restart: bool = False) -> FilingDraft:
    """The person's open draft for the procedure (resumed), or a new one prefilled from the profile.

    ``restart`` deletes the open draft and its files first ("bắt đầu lại")."""
    version = version_for_online_filing(procedure_code)
    code = version.procedure.code
    with transaction.atomic():
        existing = FilingDraft.objects.select_for_update().filter(
            owner=owner, procedure_code=code, submitted_at__isnull=True
        )
        draft = existing.first()
        if draft is not None and not restart:
            return draft
        if draft is not None:
            _delete_on_commit([f.file.name for f in draft.files.all()])
            draft.delete()
        try:
            with transaction.atomic():
                return FilingDraft.objects.create(
                    owner=owner, procedure_code=code, procedure_version=version, data=_prefill(owner)
                )
        except IntegrityError:  # another tab started one at the same moment: resume it
            return FilingDraft.objects.get(owner=owner, procedure_code=code, submitted_at__isnull=True)


def _clean_place(version, data: dict) -> dict:
    def number(value) -> int | None:
        try:
            return int(str(value).strip())
        except (TypeError, ValueError):
            return None

    reception_id = number(data.get("reception_centre_id"))
    if reception_id is None:
        message = _("Hãy chọn trung tâm tiếp nhận hồ sơ.")
        raise InvalidInput(message, extra={"fields": {"reception_centre": [message]}})
    return_id = number(data.get("return_centre_id")) or reception_id
    commune_code = clean_text(data.get("commune_code"), field="commune", limit=10)
    # the same checks as filing (dossiers.services.filing): centres exist, a commune-level matter has its commune,
    # the result returns in a way this procedure offers (a postal address for the post)
    resolve_places(version, reception_centre_id=reception_id, return_centre_id=return_id, commune_code=commune_code)
    method, address = resolve_return(version, data.get("return_method"), data.get("return_address"))
    return {
        "reception_centre_id": reception_id,
        "return_centre_id": return_id,
        "commune_code": commune_code,
        "return_method": method,
        "return_address": address,
    }


def _clean_applicant(data: dict) -> dict:
    """Every field checked by the filing's own rules (``validation``), all problems reported at once."""
    checks = {
        "name": lambda v: clean_text(v, field="name", limit=LIMITS["name"], required=True),
        "id_number": lambda v: clean_id_number(v),
        "phone": lambda v: clean_phone(v),
        "email": lambda v: clean_email(v),
        "address": lambda v: clean_text(v, field="address", limit=LIMITS["address"]),
    }
    cleaned, errors = {}, {}
    for name, check in checks.items():
        try:
            cleaned[name] = check(data.get(name))
        except InvalidInput as exc:
            messages = [m for ms in exc.extra.get("fields", {}).values() for m in ms] or [exc.detail]
            if name == "name" and not str(data.get(name) or "").strip():
                messages = [_("Hãy nhập họ và tên người nộp.")]
            errors[name] = [str(m) for m in messages]
    if errors:
        raise InvalidInput(_("Thông tin người nộp chưa đúng."), extra={"fields": errors})
    return cleaned


def draft_update_step(*, draft_id: int, owner, step: str, data: dict) -> FilingDraft:
    """Check and save one step's data (``place`` or ``applicant``); raises ``InvalidInput`` with ``fields``."""
    if step not in ("place", "applicant"):
        raise InvalidInput(_("Bước không hợp lệ."))
    with transaction.atomic():
        draft = _locked(draft_id, owner)
        _open(draft)
        if step == "place":
            version = draft.procedure_version or version_for_online_filing(draft.procedure_code)
            value = _clean_place(version, data)
        else:
            value = _clean_applicant(data)
        draft.data = {**draft.data, step: value, "done": sorted(set(draft.data.get("done", [])) | {step})}
        draft.save(update_fields=["data", "updated_at"])
    return draft


def draft_add_file(
    *, draft_id: int, owner, component_id: Any, file: Any, is_original_scan: bool = False, at: datetime | None = None
) -> FilingDraftFile:
    """Upload one component's file into the draft (replacing the one it had), after the documents' content checks.

    Errors name the field ``component-<id>``, so that pages show them beside it."""
    field = f"component-{component_id}"
    number = docs.component_id_from(component_id, field=field)
    # unlocked first: the draft must be the person's, then the file is read and checked outside the lock
    draft = FilingDraft.objects.filter(pk=draft_id, owner=owner).select_related("procedure_version").first()
    if draft is None:
        raise OutOfScope()
    _open(draft)
    component = None
    if number is not None:
        component = draft.procedure_version.components.filter(pk=number).first() if draft.procedure_version else None
    if component is None:
        message = _("Thành phần hồ sơ không thuộc thủ tục này.")
        raise InvalidInput(message, code="unknown_component", extra={"fields": {field: [message]}})
    checked = check_files([file], field=field, max_bytes=settings.DOCUMENT_MAX_BYTES)[0]
    with removed_on_failure() as written, transaction.atomic():
        draft = _locked(draft_id, owner)
        _open(draft)
        previous = list(draft.files.filter(component=component))
        existing = draft.files.exclude(component=component).aggregate(total=Sum("size"))["total"] or 0
        check_dossier_total(existing=existing, added=[checked], field=field, limit=settings.DOSSIER_DOCUMENTS_MAX_BYTES)
        for old in previous:
            old.delete()
        _delete_on_commit([old.file.name for old in previous])
        item = FilingDraftFile(
            draft=draft,
            component=component,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            is_original_scan=bool(is_original_scan),
            uploaded_at=at or timezone.now(),
        )
        item.file.save(f"{component.pk}{EXTENSIONS[checked.content_type][0]}", checked.upload, save=False)
        written.append(item.file.name)
        item.save()
        draft.save(update_fields=["updated_at"])
    return item


def draft_remove_file(*, draft_id: int, owner, file_id: int) -> None:
    """Remove an uploaded file from the draft (404 if it is not one of this draft's)."""
    with transaction.atomic():
        draft = _locked(draft_id, owner)
        _open(draft)
        item = draft.files.filter(pk=file_id).first()
        if item is None:
            raise OutOfScope()
        item.delete()
        _delete_on_commit([item.file.name])
        draft.save(update_fields=["updated_at"])


def draft_mark_documents(*, draft_id: int, owner) -> FilingDraft:
    """The documents step is done when every mandatory component has its file (``missing_components`` otherwise)."""
    with transaction.atomic():
        draft = _locked(draft_id, owner)
        _open(draft)
        _require_files(draft)
        draft.data = {**draft.data, "done": sorted(set(draft.data.get("done", [])) | {"documents"})}
        draft.save(update_fields=["data", "updated_at"])
    return draft


def _require_files(draft: FilingDraft) -> None:
    have = {f.component_id for f in draft.files.all()}
    version = draft.procedure_version
    missing = [c for c in (version.components.all() if version else []) if c.is_required and c.pk not in have]
    if missing:
        fields = {f"component-{c.pk}": [_("Hãy tải lên tệp cho giấy tờ bắt buộc này.")] for c in missing}
        message = _("Còn %(n)d giấy tờ bắt buộc chưa có tệp.") % {"n": len(missing)}
        raise InvalidInput(message, code="missing_components", extra={"fields": fields})


def draft_submit(*, draft_id: int, owner) -> Dossier:
    """File the draft: ``dossier_file(channel=online, idempotency_key=draft.key, documents=<the draft's files>)``.

    The draft row is locked for the whole filing, and marked filed (its files removed: they now live as the
    dossier's documents) in the same transaction; a second submit of the same draft — concurrent or later —
    returns the same dossier (``replayed`` set)."""
    with transaction.atomic():
        draft = _locked(draft_id, owner)
        if draft.dossier_id is not None:
            dossier = Dossier.objects.get(pk=draft.dossier_id)
            dossier.replayed = True
            return dossier
        missing = [step for step in STEPS if step not in draft.data.get("done", [])]
        if missing:
            raise InvalidInput(
                _("Hãy hoàn thành các bước trước khi nộp."), code="draft_incomplete", extra={"steps": missing}
            )
        place, applicant = draft.data["place"], draft.data["applicant"]
        files = list(draft.files.all())
        handles = []
        try:
            documents = []
            for item in files:
                handle = private_storage().open(item.file.name, "rb")
                handles.append(handle)
                documents.append(
                    {
                        "file": File(handle, name=item.original_name),
                        "component_id": item.component_id,
                        "is_original_scan": item.is_original_scan,
                    }
                )
            dossier = dossier_file(
                actor=owner,
                procedure_code=draft.procedure_code,
                applicant={**applicant, "kind": "person"},
                reception_centre_id=place["reception_centre_id"],
                return_centre_id=place.get("return_centre_id"),
                return_method=place.get("return_method") or ReturnMethod.COUNTER,
                return_address=place.get("return_address", ""),
                commune_code=place.get("commune_code") or None,
                channel=Channel.ONLINE,
                idempotency_key=draft.key,
                documents=documents,
            )
        finally:
            for handle in handles:
                handle.close()
        draft.dossier = dossier
        draft.submitted_at = timezone.now()
        draft.save(update_fields=["dossier", "submitted_at", "updated_at"])
        names = [item.file.name for item in files]
        FilingDraftFile.objects.filter(draft=draft).delete()
        _delete_on_commit(names)
    return dossier


def drafts_sweep(*, max_age_days: int | None = None, now: datetime | None = None) -> int:
    """Delete drafts untouched for ``DRAFT_MAX_AGE_DAYS`` (open or filed), with their files. Safe to run twice."""
    days = settings.DRAFT_MAX_AGE_DAYS if max_age_days is None else max_age_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    for draft_id in FilingDraft.objects.filter(updated_at__lt=cutoff).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            draft = FilingDraft.objects.select_for_update(skip_locked=True).filter(pk=draft_id, updated_at__lt=cutoff)
            draft = draft.first()
            if draft is None:
                continue
            _delete_on_commit([f.file.name for f in draft.files.all()])
            draft.delete()
            deleted += 1
    return deleted
