"""Drive a fresh dossier to any workflow state through the real services (used by the matrix tests).

``drive(world, state)`` files a dossier online and walks the shortest path of real service calls to ``state``;
``SETUPS`` adds the two variants the table alone does not describe (already extended, already rated).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from dossiers.workflow import Action, State

#: The path of actions from a fresh online filing to each state (DOMAIN.md §3).
PATHS: dict[State, list[Action]] = {
    State.FILED: [],
    State.RECEIVED: [Action.RECEIVE],
    State.REFUSED: [Action.REFUSE],
    State.TRANSFERRED: [Action.RECEIVE, Action.TRANSFER],
    State.PROCESSING: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN],
    State.SUPPLEMENT_REQUESTED: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.REQUEST_SUPPLEMENT],
    State.PAYMENT_REQUESTED: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.REQUEST_PAYMENT],
    State.WITHDRAWAL_REQUESTED: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.WITHDRAW],
    State.WITHDRAWN: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.WITHDRAW, Action.CONFIRM_WITHDRAWAL],
    State.STOPPED: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.STOP],
    State.RESULT_READY: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.DECIDE],
    State.RETURNED: [Action.RECEIVE, Action.TRANSFER, Action.ASSIGN, Action.DECIDE, Action.RETURN],
}

#: Test cases of the matrix: a state, or a state plus the one-off rule already used up.
SETUPS: dict[str, tuple[State, list[Action]]] = {
    **{state.value: (state, PATHS[state]) for state in State},
    "processing+extended": (State.PROCESSING, [*PATHS[State.PROCESSING], Action.EXTEND]),
    "returned+rated": (State.RETURNED, [*PATHS[State.RETURNED], Action.RATE]),
}


def far_due() -> datetime.datetime:
    """A new return date (form 04) later than any appointment a fresh dossier can have."""
    return timezone.localtime() + datetime.timedelta(days=120)


def action_kwargs(action: Action, *, handler_id: int) -> dict:
    """Valid arguments for ``services.SERVICES[action]`` (besides ``dossier_id``, ``actor``, ``expected_version``)."""
    return {
        Action.RECEIVE: {},
        Action.REFUSE: {"reason": "Hồ sơ không thuộc thẩm quyền"},
        Action.TRANSFER: {"note": ""},
        Action.ASSIGN: {"handler_id": handler_id},
        Action.REQUEST_SUPPLEMENT: {"reason": "Thiếu giấy chứng sinh", "missing_components": ["Giấy chứng sinh"]},
        Action.SUPPLEMENT: {"note": "Đã nộp giấy chứng sinh"},
        Action.REQUEST_PAYMENT: {"amount_vnd": 50_000},
        Action.CONFIRM_PAYMENT: {"paid_online": True},
        Action.WITHDRAW: {"reason": "Không còn nhu cầu"},
        Action.CONFIRM_WITHDRAWAL: {},
        Action.STOP: {"reason": "Người nộp không bổ sung"},
        Action.DECIDE: {"outcome": "approved", "result_document": "Giấy khai sinh số 12/2026"},
        Action.RETURN: {"note": ""},
        Action.EXTEND: {"reason": "Cần xác minh thêm", "new_due_at": far_due()},
        Action.RATE: {"rating": "satisfied", "comment": "Nhanh"},
    }[action]


def _return_desk(world, dossier: Dossier):
    """A reception officer of the dossier's return centre (the return point returns the result)."""
    if dossier.return_centre_id == world.centre.pk:
        return world.reception
    from portal.accounts.models import Membership, StaffRole

    return Membership.objects.filter(role=StaffRole.RECEPTION, centre_id=dossier.return_centre_id).first().user


def act(
    world, dossier: Dossier, action: Action, *, handler=None, leader=None, reception=None, applicant=None, returner=None
):
    """Do ``action`` as the person who normally does it (the dossier's own staff unless others are given)."""
    handler = handler or world.handler
    actors = {
        Action.RECEIVE: reception or world.reception,
        Action.REFUSE: reception or world.reception,
        Action.TRANSFER: reception or world.reception,
        Action.ASSIGN: leader or world.leader,
        Action.REQUEST_SUPPLEMENT: handler,
        Action.SUPPLEMENT: applicant or world.citizen,
        Action.REQUEST_PAYMENT: handler,
        Action.CONFIRM_PAYMENT: reception or world.reception,
        Action.WITHDRAW: applicant or world.citizen,
        Action.CONFIRM_WITHDRAWAL: reception or world.reception,
        Action.STOP: leader or world.leader,
        Action.DECIDE: leader or world.leader,
        Action.RETURN: returner or _return_desk(world, dossier),
        Action.EXTEND: handler,
        Action.RATE: applicant or world.citizen,
    }
    return services.SERVICES[action](
        dossier_id=dossier.pk,
        actor=actors[action],
        expected_version=dossier.version,
        **action_kwargs(action, handler_id=handler.pk),
    )


def walk(world, dossier: Dossier, actions: list[Action], **people) -> Dossier:
    for action in actions:
        dossier = act(world, dossier, action, **people)
    dossier.refresh_from_db()
    return dossier
