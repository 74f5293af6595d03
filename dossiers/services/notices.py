"""What the applicant is told of each step (issue: e-mail; SMS when a phone is known; in-app on their page), written
to the outbox in the step's own transaction (``core.finish`` calls :func:`notices_for_step`).

Each notice is one outbox row per channel; its dedupe key names the audit event that caused it, so the same step can
never notify twice. The context is a snapshot of the facts at that step (code, appointment, reason, components…):
the text is rendered when the message goes out, from the admin's template in the applicant's language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from dossiers.models import AuditEvent, Dossier
from dossiers.slips.context import lookup_url
from dossiers.workflow import Action
from notifications.channels import sms_enabled
from notifications.models import Channel, Kind
from notifications.services import NewNotification, notifications_write

#: The steps the applicant is told of, and the kind of notice each one sends.
CITIZEN_NOTICES: dict[Action, str] = {
    Action.FILE: Kind.FILED,
    Action.RECEIVE: Kind.RECEIVED,
    Action.RECEIVE_AT_COUNTER: Kind.RECEIVED,
    Action.REFUSE: Kind.REFUSED,
    Action.REQUEST_SUPPLEMENT: Kind.SUPPLEMENT_REQUESTED,
    Action.REQUEST_PAYMENT: Kind.PAYMENT_REQUESTED,
    Action.DECIDE: Kind.RESULT_READY,
    Action.RETURN: Kind.RETURNED,
    Action.STOP: Kind.STOPPED,
    Action.EXTEND: Kind.EXTENDED,
    Action.CONFIRM_WITHDRAWAL: Kind.WITHDRAWAL_CONFIRMED,
}
#: Notices whose e-mail carries the receipt and appointment (form 01) as a PDF.
WITH_RECEIPT = frozenset({Kind.RECEIVED})


def vnd(amount: int | None) -> str:
    """``1.500.000``: Vietnamese thousands separators."""
    return f"{amount or 0:,}".replace(",", ".")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def base_context(dossier: Dossier) -> dict:
    centre = dossier.reception_centre
    return {
        "code": dossier.public_code,
        "reference": dossier.public_code,
        "procedure": dossier.procedure_version.name,
        "centre": centre.name,
        "centre_phone": centre.phone,
        "unit": dossier.processing_unit.name,
        "lookup_url": lookup_url(dossier),
        "due": _iso(dossier.extended_due_at or dossier.due_at),
    }


NO_OFFICIAL = {"official": "", "official_unit": "", "official_phone": ""}


def officials_of(user_ids) -> dict[int, dict]:
    """user id → the official to contact: the staff member, their unit (their first active role's) and the centre's
    phone. Two queries for any number of officials."""
    from portal.accounts.models import Membership

    wanted = {pk for pk in user_ids if pk}
    if not wanted:
        return {}
    found = {}
    memberships = (
        Membership.objects.filter(user_id__in=wanted, is_active=True)
        .select_related("user", "centre", "processing_unit")
        .order_by("user_id", "id")
    )
    for membership in memberships:
        if membership.user_id in found:
            continue
        centre = membership.centre
        unit = membership.processing_unit or centre
        found[membership.user_id] = {
            "official": str(membership.user),
            "official_unit": unit.name if unit else "",
            "official_phone": centre.phone if centre is not None else "",
        }
    for user in get_user_model().objects.filter(pk__in=wanted - found.keys()):
        found[user.pk] = {**NO_OFFICIAL, "official": str(user)}
    return found


def official_of(user_id: int | None) -> dict:
    """The official to contact about one step (see :func:`officials_of`)."""
    return officials_of([user_id]).get(user_id, NO_OFFICIAL) if user_id else NO_OFFICIAL


def step_context(dossier: Dossier, kind: str, event: AuditEvent, actor) -> dict:
    context = base_context(dossier)
    payload = event.payload or {}
    if kind == Kind.RECEIVED:
        context["receipt"] = bool(dossier.applicant_email)
    elif kind in (Kind.REFUSED, Kind.STOPPED):
        context["reason"] = event.reason
    elif kind == Kind.SUPPLEMENT_REQUESTED:
        context.update(
            components=payload.get("missing_components", []),
            reason=event.reason,
            **official_of(getattr(actor, "pk", None)),
        )
    elif kind == Kind.PAYMENT_REQUESTED:
        context.update(amount=vnd(payload.get("amount_vnd")), note=event.reason)
    elif kind == Kind.RESULT_READY:
        centre = dossier.return_centre
        place = ", ".join(part for part in (centre.name, centre.address) if part)
        context.update(return_place=place, collect_from=_iso(event.at))
    elif kind == Kind.RETURNED:
        context["rate_url"] = context["lookup_url"] + "#danh-gia"
    elif kind == Kind.EXTENDED:
        context.update(reason=event.reason, new_due=payload.get("new_due_at"))
    return context


def accounts_of(dossiers) -> dict[int, tuple[int, str]]:
    """dossier id → (the applicant's own account, its language): the account that filed, else the one holding the
    applicant's ID number. Two queries for any number of dossiers."""
    User = get_user_model()
    by_id = {d.filed_by_id for d in dossiers if d.filed_by_id}
    by_number = {d.applicant_id_number for d in dossiers if not d.filed_by_id and d.applicant_id_number}
    users = dict(User.objects.filter(pk__in=by_id).values_list("pk", "language")) if by_id else {}
    numbers = (
        {
            number: (pk, lang)
            for pk, number, lang in User.objects.filter(id_number__in=by_number).values_list(
                "pk", "id_number", "language"
            )
        }
        if by_number
        else {}
    )
    found = {}
    for d in dossiers:
        if d.filed_by_id and d.filed_by_id in users:
            found[d.pk] = (d.filed_by_id, users[d.filed_by_id] or settings.LANGUAGE_CODE)
        elif not d.filed_by_id and d.applicant_id_number in numbers:
            pk, lang = numbers[d.applicant_id_number]
            found[d.pk] = (pk, lang or settings.LANGUAGE_CODE)
    return found


def citizen_rows(
    dossier: Dossier, kind: str, context: dict, *, key: str, account=None, due_ref=None
) -> list[NewNotification]:
    """One row per channel the applicant can be reached on: e-mail, SMS (when configured), in-app (with an account).
    ``account`` is ``(user id, language)`` or ``None``; the applicant's language is their account's choice."""
    user_id, language = account if account else (None, settings.LANGUAGE_CODE)
    common = {"kind": kind, "language": language, "dossier_id": dossier.pk, "context": context, "due_ref": due_ref}
    rows = []
    if dossier.applicant_email:
        attachments = ["receipt"] if kind in WITH_RECEIPT else []
        rows.append(
            NewNotification(
                channel=Channel.EMAIL,
                dedupe_key=f"{key}:email",
                address=dossier.applicant_email,
                attachments=attachments,
                **common,
            )
        )
    if dossier.applicant_phone and sms_enabled():
        rows.append(
            NewNotification(channel=Channel.SMS, dedupe_key=f"{key}:sms", address=dossier.applicant_phone, **common)
        )
    if user_id is not None:
        rows.append(NewNotification(channel=Channel.INAPP, dedupe_key=f"{key}:inapp", recipient_id=user_id, **common))
    return rows


def citizen_rows_for_batch(dossiers, kind: str, contexts: dict, *, keys: dict, due_refs: dict):
    """(dossier, rows) for each dossier of a batch, the applicants' accounts read in two queries."""
    accounts = accounts_of(dossiers)
    for dossier in dossiers:
        yield (
            dossier,
            citizen_rows(
                dossier,
                kind,
                contexts[dossier.pk],
                key=keys[dossier.pk],
                account=accounts.get(dossier.pk),
                due_ref=due_refs.get(dossier.pk),
            ),
        )


def notices_for_step(dossier: Dossier, action: Action, event: AuditEvent, *, actor) -> list[str]:
    """Write the applicant's notices of the step recorded by ``event`` (nothing for a step they are not told of)."""
    kind = CITIZEN_NOTICES.get(action)
    if kind is None:
        return []
    context = step_context(dossier, kind, event, actor)
    if dossier.filed_by_id and getattr(actor, "pk", None) == dossier.filed_by_id:  # the applicant acts: in hand
        account = (actor.pk, getattr(actor, "language", "") or settings.LANGUAGE_CODE)
    elif dossier.filed_by_id and getattr(dossier, "filer_language", None):  # read with the step's lock (core.begin)
        account = (dossier.filed_by_id, dossier.filer_language)
    else:
        account = accounts_of([dossier]).get(dossier.pk)
    rows = citizen_rows(dossier, kind, context, key=f"event:{event.pk}:{kind}", account=account)
    return notifications_write(rows, at=event.at)
