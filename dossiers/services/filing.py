"""Creating a dossier: a citizen files online (or by post), or reception receives at the counter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from communes.models import CentreKind
from communes.selectors import centre_by_id, commune_by_code, commune_committee, processing_unit_by_key
from dossiers.models import Channel, Dossier, IdempotencyKey, ReturnMethod
from dossiers.selectors import access_for
from dossiers.services import core
from dossiers.services import documents as docs
from dossiers.services.validation import Applicant, clean_text
from dossiers.workflow import Action, Role, State
from portal.common.errors import DomainError, Forbidden, InvalidInput
from procedures.models import Level
from procedures.selectors import version_for_filing, version_hold_for_filing

# --- Creating: online filing and counter reception -------------------------------------------------------


def resolve_places(version, *, reception_centre_id, return_centre_id, commune_code) -> tuple:
    reception = centre_by_id(reception_centre_id)
    if reception is None:
        message = _("Trung tâm tiếp nhận không tồn tại.")
        raise InvalidInput(message, extra={"fields": {"reception_centre": [message]}})
    return_centre = reception
    if return_centre_id and int(return_centre_id) != reception.pk:
        return_centre = centre_by_id(return_centre_id)
        if return_centre is None:
            message = _("Nơi trả kết quả không tồn tại.")
            raise InvalidInput(message, extra={"fields": {"return_centre": [message]}})
    if version.level == Level.COMMUNE:
        commune = None
        if commune_code:
            commune = commune_by_code(commune_code)
            if commune is None:
                message = _("Mã xã, phường không tồn tại.")
                raise InvalidInput(message, extra={"fields": {"commune": [message]}})
        elif reception.kind == CentreKind.COMMUNE:
            commune = reception.commune
        else:
            message = _("Thủ tục cấp xã: hãy chọn xã, phường giải quyết hồ sơ.")
            raise InvalidInput(message, extra={"fields": {"commune": [message]}})
        unit = commune_committee(commune.pk)
    else:
        unit = version.processing_unit or processing_unit_by_key("van-phong-ubnd-tinh")
    if unit is None:
        raise InvalidInput(_("Chưa xác định được cơ quan giải quyết thủ tục này."), code="no_processing_unit")
    return reception, return_centre, unit


def return_methods_for(version) -> list[str]:
    """How this procedure's result may reach the applicant (``ProcedureVersion.return_methods``: at a counter or by
    public post always; as an electronic result only when the procedure is fully online)."""
    return version.return_methods()


def resolve_return(version, method: Any, address: Any) -> tuple[str, str]:
    """``(return_method, return_address)`` checked: a known method this procedure offers; an address for the post
    (and only then)."""
    method = str(method or ReturnMethod.COUNTER)
    if method not in ReturnMethod.values or method not in return_methods_for(version):
        message = _("Thủ tục này không trả kết quả theo cách đã chọn.")
        raise InvalidInput(message, extra={"fields": {"return_method": [message]}})
    if method != ReturnMethod.POST:
        return method, ""
    address = clean_text(address, field="return_address", limit=300, required=False)
    if not address:
        message = _("Hãy ghi địa chỉ nhận kết quả qua bưu chính.")
        raise InvalidInput(message, extra={"fields": {"return_address": [message]}})
    return method, address


def filing_version(procedure_code: Any, on) -> Any:
    code = clean_text(procedure_code, field="procedure", limit=30, required=True)
    filing = version_for_filing(code=code, on=on)
    if filing.abolished:  # never file under an abolished procedure
        message = _("Thủ tục %(code)s đã bị bãi bỏ.") % {"code": code}
        raise InvalidInput(message, code="procedure_abolished", extra={"fields": {"procedure": [message]}})
    version = filing.version
    if version is None:
        message = _("Thủ tục %(code)s không tồn tại hoặc đã bị bãi bỏ.") % {"code": code}
        raise InvalidInput(message, code="unknown_procedure", extra={"fields": {"procedure": [message]}})
    if not version.is_applied:
        message = _("Thủ tục %(code)s hiện không áp dụng tại tỉnh.") % {"code": code}
        raise InvalidInput(message, code="procedure_not_applied", extra={"fields": {"procedure": [message]}})
    return version


def _request_of(procedure_code, applicant, now, where: tuple, return_method, return_address) -> tuple:
    """What filing and counter reception check alike, writing nothing: the version in force ``now``, the applicant,
    the three places (``where``: reception centre id, return centre id, commune code) and how the result returns."""
    version = filing_version(procedure_code, now.date())
    person = Applicant.clean(applicant)
    reception_centre_id, return_centre_id, commune_code = where
    places = resolve_places(
        version, reception_centre_id=reception_centre_id, return_centre_id=return_centre_id, commune_code=commune_code
    )
    return version, person, places, resolve_return(version, return_method, return_address)


def _new_dossier(
    version, person: Applicant, *, channel: str, places: tuple, at: datetime, filed_by=None, returning=None
) -> Dossier:
    """An unsaved dossier pinned to ``version``, with its applicant, its three places and how the result returns
    (``returning``: ``(method, postal address)``, default at the counter)."""
    reception, return_centre, unit = places
    return_method, return_address = returning or (ReturnMethod.COUNTER, "")
    return Dossier(
        reference=core.new_reference(),
        procedure_version=version,
        procedure=version.procedure,
        field=version.field,
        level=version.level,
        channel=channel,
        applicant_kind=person.kind,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        applicant_email=person.email,
        applicant_address=person.address,
        organisation_name=person.organisation_name,
        filed_by=filed_by,
        reception_centre=reception,
        return_centre=return_centre,
        return_method=return_method,
        return_address=return_address,
        processing_unit=unit,
        filed_at=at,
        fee_vnd=version.fee_vnd,
    )


def dossier_file(
    *,
    actor,
    procedure_code: str,
    applicant: dict,
    reception_centre_id: int,
    return_centre_id: int | None = None,
    return_method: str = ReturnMethod.COUNTER,
    return_address: str = "",
    commune_code: str | None = None,
    channel: str = Channel.ONLINE,
    idempotency_key: str | None = None,
    documents: list[dict] | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    """A citizen files a dossier online (or by post): state 1, a provisional reference, no code yet.

    ``return_method`` (``ReturnMethod``): at the return centre's counter (default), by public post to
    ``return_address``, or online when the procedure is fully online (:func:`return_methods_for`).
    ``documents``: the scanned components, each ``{"file", "component_id" (None: other), "is_original_scan"}``.
    Online, every mandatory component of the procedure version needs one (400 ``missing_components``); by post
    the paper comes with the envelope. Every file is checked before anything is written, and the files are stored
    in the filing's transaction (removed again if it fails).

    ``at`` is the moment of the filing (default: now; the version in force that day applies) and ``notify=False``
    tells nobody (``dossiers.services.core``); the API passes neither.

    With an ``idempotency_key`` already used by the same user, the first dossier is returned (``replayed`` set).
    Otherwise the new dossier carries ``rows_written``: its detail lists as written (its one audit event and
    control-slip row, its files), so that the API answers without reading them back.
    """
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Hãy đăng nhập để nộp hồ sơ."))
    if channel not in (Channel.ONLINE, Channel.POST):
        raise InvalidInput(_("Kênh nộp không hợp lệ."), extra={"fields": {"channel": [_("online hoặc post.")]}})
    key = clean_text(idempotency_key, field="Idempotency-Key", limit=100) if idempotency_key else ""
    now = core.moment_of(at)

    def check() -> tuple:
        version, person, places, returning = _request_of(
            procedure_code,
            applicant,
            now,
            (reception_centre_id, return_centre_id, commune_code),
            return_method,
            return_address,
        )
        prepared = docs.prepare(version, documents)
        if channel == Channel.ONLINE:
            docs.require_components(version, prepared)
        return version, person, places, returning, prepared

    def write(checked: tuple) -> Dossier:
        version, person, places, returning, prepared = checked
        with docs.removed_on_failure() as written, transaction.atomic():
            version_hold_for_filing(version.pk)
            dossier = _new_dossier(
                version, person, channel=channel, places=places, at=now, filed_by=actor, returning=returning
            )
            dossier.set_state(State.FILED)
            dossier.save()
            if key:
                IdempotencyKey.objects.create(user=actor, key=key, dossier=dossier)
            event, slip_row = core.record(
                dossier,
                actor=actor,
                role=Role.APPLICANT,
                action=Action.FILE,
                from_state=None,
                at=now,
                payload={"procedure": version.procedure.code, "channel": channel},
                to_unit=core.unit_label(places[0]),
            )
            stored = docs.store(dossier, prepared, actor=actor, at=now, written=written)
            if notify:
                core.notify_step(dossier, Action.FILE, event, actor=actor)
            dossier.rows_written = _rows_of_new_dossier(event, slip_row, documents=stored)
        return dossier

    return _once(actor, key, check, write)


def _once(actor, key: str, check: Callable[[], Any], write: Callable[[Any], Dossier]) -> Dossier:
    """A filing or counter reception with an ``Idempotency-Key``: ``check()`` validates the request, writing nothing,
    and returns what ``write`` needs; ``write`` writes the dossier and the key in one transaction.

    A retry is recognised when its key is written (a unique constraint), not by a read before every request: most
    are first tries. A retry whose body no longer passes the checks, and a concurrent one that lost the race for the
    key (nothing it wrote is kept), get the first dossier (``replayed`` set)."""
    try:
        checked = check()
    except DomainError as error:
        failure: Exception = error
    else:
        try:
            return write(checked)
        except IntegrityError as error:
            failure = error
    replay = _replayed(actor, key)
    if replay is not None:
        return replay
    raise failure


def _rows_of_new_dossier(event, slip_row, *, documents, paper_components=()) -> dict[str, list]:
    """A new dossier's detail lists as they were written (``selectors.DETAIL_LISTS``): nothing else exists yet."""
    return {
        "events": [event],
        "control_slip": [slip_row],
        "pauses": [],
        "documents": list(documents),
        "paper_components": list(paper_components),
    }


def _replayed(actor, key: str) -> Dossier | None:
    """The dossier filed earlier by ``actor`` with the idempotency ``key`` (``replayed`` set), or ``None``."""
    if not key:
        return None
    existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("dossier").first()
    if existing is None:
        return None
    existing.dossier.replayed = True
    return existing.dossier


def dossier_receive_at_counter(
    *,
    actor,
    procedure_code: str,
    applicant: dict,
    reception_centre_id: int,
    return_centre_id: int | None = None,
    return_method: str = ReturnMethod.COUNTER,
    return_address: str = "",
    commune_code: str | None = None,
    channel: str = Channel.DIRECT,
    paper_components: list[dict] | None = None,
    documents: list[dict] | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    """A reception officer receives a dossier at the counter: state 2 at once, with code and appointment.

    The components are received on paper: ``paper_components`` lists them as form 01 does (``{"component_id"
    (None: other), "name", "copy_kind", "count"}``). ``documents`` (optional) are scans made at the counter.
    Completeness is checked as the law requires: every mandatory component of the procedure version must be received,
    on paper or scanned, or nothing is received (400 ``missing_components`` naming them, with ``guidance_url``: the
    desk page printing the written guidance for what to bring); no code is consumed.

    ``idempotency_key`` works as for :func:`dossier_file`: the same key by the same officer returns the first dossier
    (``replayed`` set), so a double click on "Tiếp nhận" never receives twice nor prints two receipts.
    The new dossier carries ``rows_written``, and ``at`` and ``notify`` mean what they do for :func:`dossier_file`.
    """
    access = access_for(actor)
    if int(reception_centre_id) not in access.reception_centres:
        raise Forbidden(_("Bạn không phải cán bộ tiếp nhận của trung tâm này."))
    if channel not in (Channel.DIRECT, Channel.POST):
        raise InvalidInput(_("Kênh nộp không hợp lệ."), extra={"fields": {"channel": [_("direct hoặc post.")]}})
    key = clean_text(idempotency_key, field="Idempotency-Key", limit=100) if idempotency_key else ""
    now = core.moment_of(at)

    def check() -> tuple:
        version, person, places, returning = _request_of(
            procedure_code,
            applicant,
            now,
            (reception_centre_id, return_centre_id, commune_code),
            return_method,
            return_address,
        )
        paper = docs.clean_paper_items(version, paper_components)
        prepared = docs.prepare(version, documents)
        docs.require_components(version, prepared, field="paper_components", paper=paper, at_counter=True)
        return version, person, places, returning, paper, prepared

    def write(checked: tuple) -> Dossier:
        return _receive_new(actor, *checked, channel=channel, key=key, now=now, notify=notify)

    return _once(actor, key, check, write)


def _receive_new(actor, version, person, places, returning, paper, prepared, *, channel, key, now, notify) -> Dossier:
    reception = places[0]
    with docs.removed_on_failure() as written, transaction.atomic():
        version_hold_for_filing(version.pk)
        dossier = _new_dossier(version, person, channel=channel, places=places, at=now, returning=returning)
        dossier.set_state(State.RECEIVED)
        if key:  # first: a concurrent retry with the same key fails here, before a code is issued
            dossier.save()
            IdempotencyKey.objects.create(user=actor, key=key, dossier=dossier)
        core.issue_code_and_appointment(dossier, at=now)
        dossier.save()
        event, slip_row = core.record(
            dossier,
            actor=actor,
            role=Role.RECEPTION,
            action=Action.RECEIVE_AT_COUNTER,
            from_state=None,
            at=now,
            payload={"procedure": version.procedure.code, "code": dossier.code, "due_at": dossier.due_at.isoformat()},
            to_unit=core.unit_label(reception),
        )
        received = docs.store_paper(dossier, paper, actor=actor, at=now)
        stored = docs.store(dossier, prepared, actor=actor, at=now, written=written)
        if notify:
            core.notify_step(dossier, Action.RECEIVE_AT_COUNTER, event, actor=actor)
        dossier.rows_written = _rows_of_new_dossier(event, slip_row, documents=stored, paper_components=received)
    return dossier
